"""The REST API v1: one NinjaAPI, bearer auth, JSON errors that name the field."""

import logging

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from clinicorg.core.errors import (
    RETRY_AFTER_SECONDS,
    Conflict,
    Denied,
    error_body,
    is_unavailable,
)
from clinicorg.security.throttle import Throttled

from .auth import BearerToken

log = logging.getLogger("django.request")

api = NinjaAPI(
    title="clinicorg API",
    version="1",
    description=(
        "Organization and staff management for healthcare practices. Authenticate with "
        "`Authorization: Bearer <token>` (create one with `clinicorg token create`). Lists take "
        "`limit` and `offset` and answer `{count, limit, offset, items}`. Errors are JSON: "
        "`{error, message, errors: [{field, message}]}`; a denial carries `reason` and "
        "`permission`."
    ),
    auth=BearerToken(),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _field_errors(message_dict: dict) -> list[dict]:
    return [
        {"field": "" if field == "__all__" else field, "message": msg}
        for field, msgs in message_dict.items()
        for msg in msgs
    ]


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        errors = _field_errors(exc.message_dict)
    else:
        errors = [{"field": "", "message": m} for m in exc.messages]
    return api.create_response(
        request,
        {"error": "validation_error", "message": errors[0]["message"], "errors": errors},
        status=422,
    )


@api.exception_handler(NinjaValidationError)
def on_request_validation_error(request, exc: NinjaValidationError):
    errors = []
    for err in exc.errors:
        loc = [
            str(p)
            for p in err.get("loc", ())
            if p not in ("body", "query", "path", "payload", "form", "file")
        ]
        errors.append({"field": ".".join(loc), "message": err.get("msg", "Invalid value.")})
    message = "; ".join(
        f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
    )
    return api.create_response(
        request, {"error": "validation_error", "message": message, "errors": errors}, status=422
    )


@api.exception_handler(Denied)
def on_denied(request, exc: Denied):
    d = exc.decision
    return api.create_response(
        request,
        {
            "error": "forbidden",
            "reason": d.reason,
            "permission": d.permission,
            "message": d.message,
        },
        status=403,
    )


@api.exception_handler(Conflict)
def on_conflict(request, exc: Conflict):
    return api.create_response(
        request, {"error": exc.code, "message": exc.message, "details": exc.details}, status=409
    )


@api.exception_handler(Http404)
@api.exception_handler(ObjectDoesNotExist)
def on_not_found(request, exc):
    return api.create_response(request, {"error": "not_found", "message": "Not found."}, status=404)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    """Errors ninja raises itself, such as a body that is not JSON (400)."""
    return api.create_response(
        request, {"error": "bad_request", "message": str(exc)}, status=exc.status_code
    )


@api.exception_handler(Throttled)
def on_throttled(request, exc: Throttled):
    response = api.create_response(
        request, {"error": "too_many_requests", "message": str(exc)}, status=429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api.create_response(
        request,
        {
            "error": "not_authenticated",
            "message": "Send a valid API token as `Authorization: Bearer <token>`.",
        },
        status=401,
    )


@api.exception_handler(Exception)
def on_server_error(request, exc: Exception):
    """Anything else: logged, and answered as JSON (503 when a backing service is down)."""
    from clinicorg.core.context import current

    unavailable = is_unavailable(exc)
    log.error("API error on %s", request.path, exc_info=exc)
    response = api.create_response(
        request, error_body(unavailable, current().request_id), status=503 if unavailable else 500
    )
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
