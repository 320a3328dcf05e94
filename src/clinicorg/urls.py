"""Root URLs: the web UI, the REST API and the health check."""

from django.urls import include, path

from clinicorg.api.urls import urlpatterns as api_urls
from clinicorg.web.views.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_urls)),
    path("", include("clinicorg.web.urls")),
]
