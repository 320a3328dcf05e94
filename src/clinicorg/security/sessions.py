"""Sessions of signed-in members: recorded at sign-in, ended at once when a member may no longer
sign in, and bounded by an idle timeout (settings.SESSION_COOKIE_AGE)
and an absolute lifetime (settings.SESSION_ABSOLUTE_SECONDS), both by SessionLifetimeMiddleware."""

import time
from importlib import import_module

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver

from .models import MemberSession

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"


def _store(session_key=None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


@receiver(user_logged_in)
def _remember(sender, request, user, **kwargs):
    request.session[SIGNED_IN_AT] = int(time.time())
    if request.session.session_key is None:
        request.session.save()
    MemberSession.objects.update_or_create(
        session_key=request.session.session_key, defaults={"member": user}
    )


@receiver(user_logged_out)
def _forget(sender, request, user, **kwargs):
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        MemberSession.objects.filter(session_key=key).delete()


def end_sessions(member) -> int:
    """Sign the member out everywhere, now: delete every session they opened."""
    keys = list(MemberSession.objects.filter(member=member).values_list("session_key", flat=True))
    for key in keys:
        _store(key).delete()
    MemberSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def _live_tokens(member):
    from clinicorg.access.models import ApiToken

    return ApiToken.objects.filter(created_by=member, revoked_at__isnull=True)


def member_access(member) -> tuple[int, list[str]]:
    """What `end_member_access` would end now: the number of the member's recorded sessions
    and the names of the live API tokens they created (for a confirmation to name)."""
    sessions = MemberSession.objects.filter(member=member).count()
    return sessions, sorted(_live_tokens(member).values_list("name", flat=True))


def end_member_access(member, *, now) -> dict:
    """End every session of the member and revoke every API token they created; answers the
    audit changes ({field: [old, new]}). Called when a member may no longer sign in."""
    changes = {}
    tokens = _live_tokens(member)
    names = sorted(tokens.values_list("name", flat=True))
    if names:
        tokens.update(revoked_at=now)
        changes["api_tokens_revoked"] = [None, names]
    ended = end_sessions(member)
    if ended:
        changes["sessions_ended"] = [None, ended]
    return changes


class SessionLifetimeMiddleware:
    """The two limits of a signed-in session.

    Idle: the session expires SESSION_COOKIE_AGE after it was last saved; a request renews it,
    at most once a minute so that reading pages does not write the session every time.
    Absolute: SESSION_ABSOLUTE_SECONDS after sign-in the member is signed out, however active.
    """

    RENEW_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        started = session.get(SIGNED_IN_AT) if session is not None else None
        if started is not None:
            now = int(time.time())
            if now - started > settings.SESSION_ABSOLUTE_SECONDS:
                auth.logout(request)
                if not request.path.startswith("/api/"):
                    return redirect_to_login(request.get_full_path())
            elif now - session.get(SEEN_AT, started) >= self.RENEW_EVERY:
                session[SEEN_AT] = now
        return self.get_response(request)
