"""The error pages, in the layout: what happened and where to go next.

Django calls these for a 404 (an unknown address, or an object outside the member's
organization or locations), a 403 (PermissionDenied; the policy's own denials render
`web/denied.html` with the reason), a 400, a failed CSRF check and a 500.
"""

import logging

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

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


def server_error(request):
    """A 500 in the layout when the layout itself can still render (the database may be what
    failed, so the navigation is not needed), else the plain page."""
    try:
        return render(request, "web/errors/500.html", {}, status=500)
    except Exception:  # the layout needs the database; fall back to a page that does not
        log.exception("the error page could not render in the layout")
        body = loader.get_template("web/errors/500_plain.html").render({})
        return HttpResponseServerError(body)
