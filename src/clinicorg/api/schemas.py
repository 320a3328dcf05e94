"""Schemas shared by several routers."""

from ninja import Schema


class ErrorItem(Schema):
    field: str
    message: str


class Error(Schema):
    error: str
    message: str
    errors: list[ErrorItem] | None = None
    reason: str | None = None
    permission: str | None = None
    details: dict | None = None


# Responses every authenticated endpoint may give besides its success.
ERRORS = {401: Error, 403: Error, 404: Error, 422: Error}


class Ref(Schema):
    """A record named in an answer: its id and its name."""

    id: int
    name: str
