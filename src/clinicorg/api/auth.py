"""Bearer-token authentication for the REST API."""

from django.utils import timezone
from ninja.security import HttpBearer

from clinicorg.access.models import ApiToken, hash_token


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        if not token:
            return None
        found = (
            ApiToken.objects.select_related("role")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if found is None:
            return None
        request.actor = found
        request.token_used_at = timezone.now()
        return found
