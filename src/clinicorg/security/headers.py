"""Response headers that django-csp and Django's SecurityMiddleware do not set."""

from django.conf import settings
from django.utils.cache import patch_cache_control


class SecurityHeadersMiddleware:
    """Permissions-Policy on every answer, and `Cache-Control: no-store` on every answer to a
    signed-in member or an API token, so no shared or browser cache keeps health data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "Authorization" in request.headers:
            patch_cache_control(response, private=True, no_store=True)
        return response
