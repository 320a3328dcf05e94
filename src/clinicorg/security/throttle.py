"""One throttle for repeated failures from one client address, kept in Django's cache (Redis in
production, so every worker shares the count).

Sign-in has its own lockout (django-axes, per account and per address); this helper covers the
other guessable secrets: bearer tokens, invitation links and password-reset requests (per
address and per email address). After
`limit` failures within `window` seconds the address is refused with 429 and Retry-After until
the window ends.
"""

import hashlib
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

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

    def _key(self, request, subject: str) -> str:
        if subject:
            # What is counted (an email address) is kept in the cache only as a digest.
            subject = hashlib.sha256(subject.encode()).hexdigest()
        return f"throttle:{self.name}:{subject or client_ip(request)}"

    def check(self, request, *, subject: str = "") -> None:
        """Raise Throttled while this client (or `subject`, e.g. one email address, from any
        client) has used up its failures."""
        count, until = cache.get(self._key(request, subject), (0, 0))
        now = time.time()
        if count >= self.limit and until > now:
            raise Throttled(max(1, int(until - now + 0.999)))

    def fail(self, request, *, subject: str = "") -> None:
        """Count one failure of this client (or of `subject`)."""
        key = self._key(request, subject)
        now = time.time()
        count, until = cache.get(key, (0, 0))
        if until <= now:
            count, until = 0, now + self.window
        cache.set(key, (count + 1, until), timeout=int(until - now) + 1)


BEARER_TOKENS = Throttle("bearer", "THROTTLE_BEARER_TOKENS")
INVITATION_LINKS = Throttle("invitation", "THROTTLE_INVITATION_LINKS")
PASSWORD_RESETS = Throttle("password_reset", "THROTTLE_PASSWORD_RESETS")
PASSWORD_RESET_EMAILS = Throttle("password_reset_email", "THROTTLE_PASSWORD_RESET_EMAILS")


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
