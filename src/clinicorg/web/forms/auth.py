"""Signing in."""

from django.contrib.auth.forms import AuthenticationForm

from .base import BoundaryMixin


class SignInForm(BoundaryMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "That email and password do not match an active account.",
        "inactive": "This account is not active. Ask your administrator.",
    }
