"""Two-factor sign-in: the step between a correct password and a signed-in session, and the
enrollment the organization may require before anything else.

After the password, a member with an authenticator is NOT signed in: the session only holds
who is waiting for a code (for TWO_FACTOR_STEP_SECONDS). The code step signs them in. A member
whom the organization requires to use two-factor and who has none is signed in, but every page
sends them to enrollment until it is done (EnrollmentRequiredMiddleware).
"""

import time

import django_otp
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse

from . import rules

PENDING = "security.pending_sign_in"
MUST_ENROLL = "security.must_enroll"


def after_password(request, member, target: str):
    """Continue a sign-in whose password was right: to the code step, or signed in."""
    if rules.has_two_factor(member):
        request.session.cycle_key()
        request.session[PENDING] = {
            "member": member.pk,
            "backend": member.backend,
            "next": target,
            "at": int(time.time()),
        }
        return redirect("web:signin_code")
    auth.login(request, member)
    return redirect(target)


@receiver(user_logged_in)
def _require_enrollment(sender, request, user, **kwargs):
    """Every way in (the password, an accepted invitation) sends a member whom the organization
    requires to use two-factor, and who has none, to set it up first."""
    if request is None or getattr(request, "session", None) is None:
        return
    if rules.two_factor_required(user) and not rules.has_two_factor(user):
        request.session[MUST_ENROLL] = True


def pending_member(request):
    """The member waiting for their code step, or None (none, or waited too long)."""
    from clinicorg.staff.models import StaffMember

    pending = request.session.get(PENDING)
    if not pending:
        return None, ""
    if time.time() - pending["at"] > settings.TWO_FACTOR_STEP_SECONDS:
        del request.session[PENDING]
        return None, ""
    member = StaffMember.objects.filter(pk=pending["member"]).first()
    if member is None or not member.is_active:
        del request.session[PENDING]
        return None, ""
    member.backend = pending["backend"]
    return member, pending["next"]


def complete_sign_in(request, member, device) -> None:
    request.session.pop(PENDING, None)
    auth.login(request, member)
    django_otp.login(request, device)


class EnrollmentRequiredMiddleware:
    """Sends a member who must set up two-factor sign-in to enrollment before any other page.
    The flag is set at sign-in, so other requests cost no query."""

    ALLOWED = ("/account/two-factor/", "/signout/", "/static/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.get(MUST_ENROLL)
            and not request.path.startswith(self.ALLOWED)
            and not request.path.startswith("/api/")
        ):
            return redirect(reverse("web:two_factor_enroll"))
        return self.get_response(request)


def enrolled(request) -> None:
    request.session.pop(MUST_ENROLL, None)
