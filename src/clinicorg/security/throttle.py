"""The throttles of guessable secrets and public forms, per client address: django-ratelimit's
counters in Django's cache (Redis in production, so every worker shares the count).

Sign-in has its own lockout (django-axes, per account and per address); these cover the other
guessable secrets (bearer tokens, invitation links, password-reset requests per address and per
email address) and the public booking pages. A throttle counts what its caller says (failures,
or every post) in fixed windows of its setting's length; once `limit` are counted in the
current window, the client is refused with 429 and Retry-After until the window ends. The
client is the address `core.middleware.client_ip` reads (behind trusted proxies, the one they
forwarded), as everywhere else.
"""

import hashlib
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import get_usage

from clinicorg.core.middleware import client_ip


class Throttled(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"Too many attempts; try again in {retry_after} seconds.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Throttle:
    name: str
    setting: str  # settings.<setting> = (limit, window seconds)

    @property
    def limit(self) -> int:
        return getattr(settings, self.setting)[0]

    @property
    def window(self) -> int:
        return getattr(settings, self.setting)[1]

    def _usage(self, request, subject: str, *, count: bool) -> dict | None:
        def key(_group, request) -> str:
            # What is counted (an email address) is kept in the cache only as a digest.
            # A request without an address (a unix socket, a test client) shares one count.
            if subject:
                return hashlib.sha256(subject.encode()).hexdigest()
            return client_ip(request) or "unknown"

        return get_usage(
            request,
            group=f"clinicorg.{self.name}",
            key=key,
            rate=(self.limit, self.window),
            increment=count,
        )

    def _refuse_if(self, usage: dict | None, over: int) -> None:
        if usage is not None and usage["count"] >= usage["limit"] + over:
            raise Throttled(max(1, usage["time_left"]))

    def check(self, request, *, subject: str = "") -> None:
        """Raise Throttled while this client (or `subject`, e.g. one email address, from any
        client) has used up its failures."""
        self._refuse_if(self._usage(request, subject, count=False), over=0)

    def fail(self, request, *, subject: str = "") -> None:
        """Count one failure of this client (or of `subject`)."""
        self._usage(request, subject, count=True)

    def hit(self, request, *, subject: str = "") -> None:
        """Count one use, however it ends, and raise Throttled once over the limit."""
        self._refuse_if(self._usage(request, subject, count=True), over=1)


BEARER_TOKENS = Throttle("bearer", "THROTTLE_BEARER_TOKENS")
INVITATION_LINKS = Throttle("invitation", "THROTTLE_INVITATION_LINKS")
PASSWORD_RESETS = Throttle("password_reset", "THROTTLE_PASSWORD_RESETS")
PASSWORD_RESET_EMAILS = Throttle("password_reset_email", "THROTTLE_PASSWORD_RESET_EMAILS")
# The public booking pages: every post counts (choosing, confirming; cancelling apart).
BOOKING_POSTS = Throttle("booking", "THROTTLE_BOOKING_POSTS")
BOOKING_CANCELS = Throttle("booking_cancel", "THROTTLE_BOOKING_POSTS")


def too_many_page(request, exc: Throttled, message: str = ""):
    context = {"retry_after": exc.retry_after, "message": message}
    response = render(request, "web/throttled.html", context, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def throttled_view(throttle: Throttle, *, failed):
    """For a page: refuse with 429 while the client is throttled; count the answers for which
    `failed(response)` is true (e.g. an unknown invitation link)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                throttle.check(request)
            except Throttled as exc:
                return too_many_page(request, exc)
            response = view(request, *args, **kwargs)
            if failed(response):
                throttle.fail(request)
            return response

        return wrapper

    return decorator
