"""Forms of two-factor sign-in, password reset and the organization's sign-in requirements."""

from django import forms
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm

from clinicorg.security import actions
from clinicorg.security.models import TwoFactorRequirement

from .base import BoundaryMixin, Form


def _code_field(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=32,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )


class CodeForm(Form):
    code = _code_field(
        "Code", "The 6-digit code your authenticator app shows, or one of your recovery codes."
    )


class EnrollForm(Form):
    code = _code_field("Code from the app", "The 6-digit code the app shows after scanning.")


class PasswordConfirmForm(Form):
    """Re-authentication before a change to the member's own second factor."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, member, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.member.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password


class DisableForm(PasswordConfirmForm):
    code = _code_field("Code", "A current code from your app, or a recovery code.")


class TwoFactorRequirementForm(Form):
    two_factor_required_for = forms.ChoiceField(
        label="Require two-factor sign-in for",
        choices=TwoFactorRequirement.choices,
        widget=forms.RadioSelect,
        help_text="Members who must use it and have not set it up are sent to set it up when "
        "they next sign in, before any other page.",
    )


class PasswordResetRequestForm(BoundaryMixin, PasswordResetForm):
    """Django's form, sending through `security.actions.request_password_reset` (which decides
    who may reset and audits it) instead of to every matching active user."""

    def save(self, **kwargs):
        actions.request_password_reset(self.cleaned_data["email"])


class NewPasswordForm(BoundaryMixin, SetPasswordForm):
    def save(self, commit=True):
        actions.reset_password(self.user, self.cleaned_data["new_password1"])
        return self.user
