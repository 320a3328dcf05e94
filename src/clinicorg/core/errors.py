"""Domain errors raised by actions and turned into responses by each front end."""

from dataclasses import dataclass


class Conflict(Exception):
    """A request that is valid but clashes with the state of the data (HTTP 409).

    The message says what blocks the change and what to do instead.
    """

    def __init__(self, message: str, *, code: str = "conflict", details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or {}


@dataclass(frozen=True)
class Decision:
    """The policy's answer: allowed or not, with a machine reason and a sentence for people."""

    allowed: bool
    reason: str = ""
    permission: str = ""
    message: str = ""

    def __bool__(self) -> bool:
        return self.allowed


class Denied(Exception):
    """Raised when the policy refuses an action (HTTP 403)."""

    def __init__(self, decision: Decision):
        super().__init__(decision.message)
        self.decision = decision


def is_unavailable(exc: BaseException) -> bool:
    """A backing service (database, Redis, the broker) that cannot be reached or answer: the
    request may work in a moment, so it answers 503, not 500."""
    from django.db import DatabaseError
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import RedisError

    return isinstance(exc, DatabaseError | RedisError | BrokerError | TimeoutError)


# How long a client is told to wait (Retry-After) when a backing service is down.
RETRY_AFTER_SECONDS = 30


def error_body(unavailable: bool, request_id: str) -> dict:
    """The JSON of a 503 or 500 answer: no detail of the failure, the request id to quote."""
    if unavailable:
        return {
            "error": "unavailable",
            "message": "The service is briefly unavailable. Try again in a moment.",
            "request_id": request_id,
        }
    return {
        "error": "server_error",
        "message": "Something went wrong on our side. The operators have the details.",
        "request_id": request_id,
    }
