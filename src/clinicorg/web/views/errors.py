"""Server errors (handler500): a calm page in the browser, JSON under /api/.

Reached when anything fails, a middleware included, and it must work with the database down:
the page is rendered without the request's context (no user, no navigation, no database).
A backing service that is unreachable (database, Redis, broker) answers 503 with Retry-After;
anything else 500.
"""

import sys

from django.http import HttpResponse, JsonResponse
from django.template.loader import get_template

from clinicorg.core.context import current
from clinicorg.core.errors import RETRY_AFTER_SECONDS, error_body, is_unavailable


def server_error(request):
    exc = sys.exc_info()[1]
    unavailable = exc is not None and is_unavailable(exc)
    status = 503 if unavailable else 500
    request_id = current().request_id
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body(unavailable, request_id), status=status)
    else:
        page = get_template("web/error.html").render(
            {"unavailable": unavailable, "request_id": request_id}
        )
        response = HttpResponse(page, status=status)
    response["Cache-Control"] = "no-store"
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
