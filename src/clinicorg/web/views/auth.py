"""Sign-in, sign-out and the landing page."""

from django.contrib import auth
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinicorg.security import two_factor
from clinicorg.web.context import NAVIGATION, allowed

from ..forms.auth import SignInForm


def signin(request):
    form = SignInForm(request, data=request.POST or None)
    form.fields["username"].label = "Email"
    if request.method == "POST" and form.is_valid():
        target = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
            target = reverse("web:home")
        # The second factor, when the member has one or must set one up (security.two_factor).
        return two_factor.after_password(request, form.get_user(), target)
    return render(request, "web/signin.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def signout(request):
    auth.logout(request)
    return redirect("web:login")


def home(request):
    """Send people to the first page their role opens, or their own profile."""
    if not request.user.is_authenticated:
        return redirect("web:login")
    for url_name, _label, perm, _prefix in NAVIGATION:
        if allowed(request.user, perm):
            return redirect(url_name)
    return render(request, "web/home.html")
