from django.urls import path

from .routers import register

register()

from .base import api  # noqa: E402

urlpatterns = [path("", api.urls)]
