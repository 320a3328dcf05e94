"""Bearer-token authentication for the REST API."""

from ninja.security import HttpBearer

from clinicorg.access.actions import note_token_use
from clinicorg.access.models import ApiToken, hash_token
from clinicorg.security.throttle import BEARER_TOKENS


class BearerToken(HttpBearer):
    """A client that sends too many unknown tokens is refused with 429 for a while
    (security.throttle), so tokens cannot be guessed at speed."""

    def __call__(self, request):
        BEARER_TOKENS.check(request)
        found = super().__call__(request)
        if found is None and request.headers.get("Authorization"):
            BEARER_TOKENS.fail(request)
        return found

    def authenticate(self, request, token: str):
        if not token:
            return None
        found = (
            # The organization is read for its time zone (the days of date filters).
            ApiToken.objects.select_related("role", "organization")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if found is None:
            return None
        request.actor = found
        note_token_use(found)
        return found
