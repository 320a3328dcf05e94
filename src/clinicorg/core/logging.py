"""Log records carry the request id, the actor and the organization of the request.

`ContextFilter` adds them to every record (empty outside a request); settings.LOGGING writes
them in plain lines, or as JSON objects with LOG_FORMAT=json (python-json-logger). The actor is
read only once the request has resolved it (a signed-in member, or the API token): a log line
never causes a query.
"""

import contextvars
import logging

from . import context

_request: contextvars.ContextVar = contextvars.ContextVar("clinicorg_log_request", default=None)


def bind_request(request) -> contextvars.Token:
    return _request.set(request)


def unbind_request(token: contextvars.Token) -> None:
    _request.reset(token)


def _actor(request):
    if request is None:
        return None
    auth = getattr(request, "auth", None)  # the API token (django-ninja)
    if auth is not None:
        return auth
    user = request.__dict__.get("_cached_user")  # set once AuthenticationMiddleware resolved it
    return user if getattr(user, "is_authenticated", False) else None


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.current().request_id
        actor = _actor(_request.get())
        if actor is None:
            record.actor = record.organization = ""
        else:
            kind = "token" if getattr(actor, "is_token", False) else "member"
            record.actor = f"{kind}:{actor.pk}"
            record.organization = str(getattr(actor, "organization_id", "") or "")
        return True
