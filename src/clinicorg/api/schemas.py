"""Schemas shared by several routers, and `Input`, the base of every schema a client sends."""

import types
import typing

from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, ValidationInfo, field_validator, model_validator

from clinicorg.core import boundary


def _allows(annotation, kind) -> bool:
    if annotation is kind:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_allows(arg, kind) for arg in typing.get_args(annotation))
    return False


def _document_bounds(schema: dict) -> None:
    """Write the boundary's rules into the JSON Schema of every property (OpenAPI)."""
    if not isinstance(schema, dict):
        return
    kind = schema.get("type")
    if kind == "string" and not ({"format", "enum", "const", "pattern"} & schema.keys()):
        schema["pattern"] = boundary.TEXT_PATTERN
    elif kind == "integer":
        schema.setdefault("minimum", boundary.INT_MIN)
        schema.setdefault("maximum", boundary.INT_MAX)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for sub in schema.get(key, ()):
            _document_bounds(sub)
    for key in ("items", "additionalProperties"):
        _document_bounds(schema.get(key))
    for sub in schema.get("properties", {}).values():
        _document_bounds(sub)


class Input(Schema):
    """A request body or query: text without control characters or lone surrogates, integers
    within the database's 64-bit range (core.boundary), and `null` for an optional text field
    read as empty text. A problem is a 422 naming the field."""

    model_config = ConfigDict(json_schema_extra=lambda schema, cls: _document_bounds(schema))

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values, handler, info: ValidationInfo):
        """Ninja's own root validator reads any value's attributes, so a body of `1684` would
        pass for an object without fields; a client must send an object."""
        if isinstance(values, (str, bytes, int, float, bool, list)) or values is None:
            raise ValueError("Send a JSON object.")
        return handler(DjangoGetter(values, cls, info.context))

    @field_validator("*", mode="before")
    @classmethod
    def _null_text_is_empty(cls, value, info: ValidationInfo):
        if value is None:
            annotation = cls.model_fields[info.field_name].annotation
            if _allows(annotation, str):
                return ""
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _within_boundary(cls, value):
        found = boundary.problem(value)
        if found:
            raise ValueError(found)
        return value


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
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error, 429: Error}


class Ref(Schema):
    """A record named in an answer: its id and its name."""

    id: int
    name: str
