"""Pages of the security module: the sign-in code step, two-factor set-up and recovery codes,
an administrator's unlock and two-factor reset, the organization's requirement, and password
reset (Django's views, in the product's layout)."""

from base64 import b32encode

import django_otp
import segno
from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from clinicorg.access.catalogue import P
from clinicorg.staff import queries
from clinicorg.web.forms.security import (
    CodeForm,
    DisableForm,
    EnrollForm,
    NewPasswordForm,
    PasswordConfirmForm,
    PasswordResetRequestForm,
    TwoFactorRequirementForm,
)
from clinicorg.web.views.base import apply_errors, requires

from . import actions, rules, two_factor
from .throttle import PASSWORD_RESET_EMAILS, PASSWORD_RESETS, Throttled, too_many_page

RECOVERY_CODES = "security.recovery_codes"


@require_POST
@requires(P.MANAGE_STAFF)
def unlock_sign_in(request, pk):
    member = queries.get_staff(request.user, pk)
    actions.unlock_sign_in(member, actor=request.user)
    messages.success(request, f"{member.full_name} can sign in again.")
    return redirect("web:staff_detail", pk=member.pk)


# The code step of sign-in.


def _locked(request):
    return render(request, "web/locked.html", status=429)


def signin_code(request):
    member, target = two_factor.pending_member(request)
    if member is None:  # no password yet, or the time for the code ran out
        return redirect("web:login")
    credentials = {"username": member.email}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return _locked(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = actions.verify_sign_in_code(member, form.cleaned_data["code"])
        if device is not None:
            two_factor.complete_sign_in(request, member, device)
            if getattr(device, "token_set", None) is not None:
                left = device.token_set.count()
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. "
                    "Make new ones from Two-factor sign-in if you are running out.",
                )
            return redirect(target or "web:home")
        # A wrong code counts like a wrong password (django-axes: per account and address).
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        form.add_error("code", "That code does not match. Codes work once; wait for a new one.")
    return render(request, "security/signin_code.html", {"form": form, "member": member})


# The member's own second factor.


def _qr_svg(url: str) -> str:
    """The QR code of the authenticator link, drawn here as inline SVG (nothing leaves the
    server, nothing inline for the CSP to refuse: no style or script attribute)."""
    return segno.make(url, error="m").svg_inline(scale=5, dark="#111827", light="#ffffff")


def _overview(request, regenerate_form=None, disable_form=None):
    me = request.user
    context = {
        "enabled": rules.has_two_factor(me),
        "required": rules.two_factor_required(me),
        "recovery_left": rules.recovery_codes_left(me),
        "regenerate_form": regenerate_form or PasswordConfirmForm(me),
        "disable_form": disable_form or DisableForm(me),
    }
    return render(request, "security/two_factor.html", context)


@requires(None)
def two_factor_overview(request):
    return _overview(request)


@requires(None)
def two_factor_enroll(request):
    me = request.user
    if rules.has_two_factor(me):
        two_factor.enrolled(request)
        return redirect("web:two_factor")
    device = actions.begin_two_factor_enrollment(me, actor=me)
    form = EnrollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = actions.enable_two_factor(me, form.cleaned_data["code"], actor=me)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            two_factor.enrolled(request)
            _show_codes(request, codes, device)
            messages.success(request, "Two-factor sign-in is on.")
            return redirect("web:two_factor_recovery_codes")
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": mark_safe(_qr_svg(device.config_url)),  # noqa: S308  (segno's own SVG markup)
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "must_enroll": request.session.get(two_factor.MUST_ENROLL, False),
    }
    return render(request, "security/two_factor_enroll.html", context)


def _show_codes(request, codes, device=None):
    """Recovery codes are shown from the session until the member says they kept them."""
    request.session[RECOVERY_CODES] = codes
    if device is not None:
        django_otp.login(request, device)


@requires(None)
def two_factor_recovery_codes(request):
    codes = request.session.get(RECOVERY_CODES)
    if request.method == "POST":
        request.session.pop(RECOVERY_CODES, None)
        return redirect("web:two_factor")
    if not codes:
        messages.info(request, "Recovery codes are shown once. Make new ones if you lost them.")
        return redirect("web:two_factor")
    return render(request, "security/recovery_codes.html", {"codes": codes})


@requires(None)
def two_factor_recovery_codes_download(request):
    codes = request.session.get(RECOVERY_CODES)
    if not codes:
        return redirect("web:two_factor")
    lines = [
        f"clinicorg recovery codes for {request.user.email}",
        "Each code signs you in once when you do not have your authenticator app.",
        "",
        *codes,
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="clinicorg-recovery-codes.txt"'
    return response


@require_POST
@requires(None)
def two_factor_regenerate(request):
    me = request.user
    form = PasswordConfirmForm(me, request.POST)
    if form.is_valid():
        try:
            codes = actions.regenerate_recovery_codes(me, actor=me)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            _show_codes(request, codes)
            messages.success(request, "New recovery codes made; the earlier ones no longer work.")
            return redirect("web:two_factor_recovery_codes")
    return _overview(request, regenerate_form=form)


@require_POST
@requires(None)
def two_factor_disable(request):
    me = request.user
    form = DisableForm(me, request.POST)
    try:
        # Refused before the code is checked, so that no recovery code is used up for nothing.
        rules.check_can_disable_two_factor(me)
    except ValidationError as exc:
        apply_errors(form, exc)
    if form.is_valid():
        # The code proves the device too; checked only once the password was right.
        if actions.verify_sign_in_code(me, form.cleaned_data["code"]) is None:
            user_login_failed.send(
                sender=__name__, credentials={"username": me.email}, request=request
            )
            form.add_error("code", "That code does not match.")
        else:
            try:
                actions.disable_two_factor(me, actor=me)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Two-factor sign-in is off.")
                return redirect("web:two_factor")
    return _overview(request, disable_form=form)


# Administration.


@require_POST
@requires(P.MANAGE_STAFF)
def reset_two_factor(request, pk):
    member = queries.get_staff(request.user, pk)
    actions.reset_two_factor(member, actor=request.user)
    messages.success(
        request,
        f"Two-factor sign-in of {member.full_name} was reset; they are signed out everywhere.",
    )
    return redirect("web:staff_detail", pk=member.pk)


@requires(P.MANAGE_SETTINGS)
def security_settings(request):
    initial = {
        "two_factor_required_for": rules.two_factor_requirement(request.user.organization_id)
    }
    form = TwoFactorRequirementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changes = actions.set_two_factor_requirement(
                form.cleaned_data["two_factor_required_for"], actor=request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, "Sign-in settings saved." if changes else "Nothing to change."
            )
            return redirect("web:security_settings")
    return render(request, "security/settings.html", {"form": form})


# Password reset: Django's views; the request is throttled per client address and per email
# address, and answers the same whether or not the address belongs to anyone.


class PasswordResetRequest(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "security/password_reset_form.html"
    success_url = reverse_lazy("web:password_reset_done")

    def post(self, request, *args, **kwargs):
        email = " ".join(request.POST.get("email", "").split()).lower()[:254]
        try:
            PASSWORD_RESETS.check(request)
            if email:
                PASSWORD_RESET_EMAILS.check(request, subject=email)
        except Throttled as exc:
            return too_many_page(
                request, exc, message="Too many password reset requests were made."
            )
        PASSWORD_RESETS.fail(request)
        if email:
            PASSWORD_RESET_EMAILS.fail(request, subject=email)
        return super().post(request, *args, **kwargs)


class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "security/password_reset_done.html"


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "security/password_reset_confirm.html"
    success_url = reverse_lazy("web:password_reset_complete")

    def get_user(self, uidb64):
        member = super().get_user(uidb64)
        # A member who may no longer sign in (deactivated, suspended since the email went out)
        # finds the link invalid.
        return member if rules.can_reset_password(member) else None


class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "security/password_reset_complete.html"
