"""Binds a request id and the client address for the audit log, and the time zone in which a
signed-in member reads times."""

import ipaddress
import re
import uuid

from django.conf import settings
from django.utils import timezone

from . import context
from . import logging as log_context

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def client_ip(request) -> str | None:
    """The client's address. Behind TRUSTED_PROXY_COUNT reverse proxies, the address the
    outermost trusted proxy saw (X-Forwarded-For, counted from the right, which a client cannot
    forge); otherwise the connection's address."""
    remote = request.META.get("REMOTE_ADDR")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                return remote
    return remote


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = context.bind(context.RequestContext(request_id=request_id, ip=client_ip(request)))
        logged = log_context.bind_request(request)
        try:
            response = self.get_response(request)
        finally:
            log_context.unbind_request(logged)
            context.unbind(token)
        response["X-Request-ID"] = request_id
        return response


class OrganizationTimezoneMiddleware:
    """Every time a signed-in member reads on a page is in their organization's time zone
    (a page about one location's schedule overrides it with the location's zone)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = None
        if user is not None and user.is_authenticated:
            organization = getattr(user, "organization", None)
            zone = getattr(organization, "timezone", None)
        if not zone:
            return self.get_response(request)
        with timezone.override(zone):
            return self.get_response(request)
