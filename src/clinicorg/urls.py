"""Root URLs: the web UI, the REST API, the health checks, and the server error answer."""

from django.urls import include, path

from clinicorg.api.urls import urlpatterns as api_urls
from clinicorg.web.views.health import healthz, readyz

handler500 = "clinicorg.web.views.errors.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/v1/", include(api_urls)),
    path("", include("clinicorg.web.urls")),
]

handler400 = "clinicorg.web.views.errors.bad_request"
handler403 = "clinicorg.web.views.errors.forbidden"
handler404 = "clinicorg.web.views.errors.not_found"
handler500 = "clinicorg.web.views.errors.server_error"
