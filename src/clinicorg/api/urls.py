from django.http import JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from .routers import register

register()

from .base import api  # noqa: E402


@csrf_exempt
def not_found(request, rest=""):
    """Any other address under the API, e.g. a path id that is not a number: JSON, as the API
    answers everywhere else."""
    return JsonResponse({"error": "not_found", "message": "Not found."}, status=404)


urlpatterns = [path("", api.urls), re_path(r"^(?P<rest>[\s\S]*)$", not_found)]
