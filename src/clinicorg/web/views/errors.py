"""The error pages, in the layout: what happened and where to go next.

Django calls these for a 404 (an unknown address, or an object outside the member's
organization or locations), a 403 (PermissionDenied; the policy's own denials render
`web/denied.html` with the reason), a 400, a failed CSRF check and a 500.

A server error must answer whatever failed, a middleware or the database included: under
/api/ it is JSON; in the browser it is the page in the layout when the layout can still render,
else a page that needs nothing but its template. A backing service that is unreachable
(database, Redis, broker) answers 503 with Retry-After; anything else 500.
"""

import logging
import sys

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template

from clinicorg.core.context import current
from clinicorg.core.errors import RETRY_AFTER_SECONDS, error_body, is_unavailable

log = logging.getLogger(__name__)


def not_found(request, exception=None):
    return render(request, "web/errors/404.html", {"path": request.path}, status=404)


def forbidden(request, exception=None):
    return render(request, "web/errors/403.html", {}, status=403)


def bad_request(request, exception=None):
    return render(request, "web/errors/400.html", {}, status=400)


def csrf_failure(request, reason=""):
    """A form posted from a stale page (an expired session, another tab signed out, cookies
    blocked): the form was not submitted and the member can go back and send it again."""
    return render(request, "web/errors/csrf.html", {"reason": reason}, status=403)


def _page(request, unavailable: bool, request_id: str) -> HttpResponse:
    if not unavailable:
        try:
            return render(request, "web/errors/500.html", {"request_id": request_id}, status=500)
        except Exception:  # the layout needs the database; fall back to a page that does not
            log.exception("the error page could not render in the layout")
    page = get_template("web/error.html").render(
        {"unavailable": unavailable, "request_id": request_id}
    )
    return HttpResponse(page, status=503 if unavailable else 500)


def server_error(request):
    exc = sys.exc_info()[1]
    unavailable = exc is not None and is_unavailable(exc)
    request_id = current().request_id
    if request.path.startswith("/api/"):
        response = JsonResponse(
            error_body(unavailable, request_id), status=503 if unavailable else 500
        )
    else:
        response = _page(request, unavailable, request_id)
    response["Cache-Control"] = "no-store"
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
