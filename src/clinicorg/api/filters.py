"""Query schemas typed from a domain filter set (e.g. staff.filters.StaffFilterSet).

A filter set declares the parameters once; the API reads them from it so its list answers to
the same names and choices as the page and the export, with the types OpenAPI publishes:
a choice filter is an enum, an id filter an integer (or "none" where the filter allows it), a
date filter a date, a number filter an integer within its bounds, any other filter text (no
longer than its `max_length`).
"""

from datetime import date
from typing import Literal

import django_filters as df
from pydantic import Field, create_model

from .schemas import Input


def _field(f):
    help_text = f.extra.get("help_text", "")
    if isinstance(f, df.ChoiceFilter):
        values = tuple(dict.fromkeys(str(v) for v, _ in f.extra["choices"]))
        if "" not in values:
            values = ("", *values)
        return Literal[values], Field("", description=help_text)
    if getattr(f, "allows_none", None) is not None:
        kind = int | Literal["none"] | None if f.allows_none else int | None
        return kind, Field(None, description=help_text)
    if isinstance(f, df.DateFilter):
        return date | None, Field(None, description=help_text)
    if isinstance(f, df.NumberFilter):
        bounds = {"ge": f.extra.get("min_value"), "le": f.extra.get("max_value")}
        bounds = {k: v for k, v in bounds.items() if v is not None}
        return int | None, Field(None, description=help_text, **bounds)
    return str, Field("", description=help_text, max_length=f.extra.get("max_length"))


def query_schema(filterset, name: str) -> type[Input]:
    """The query parameters of `filterset` as an Input schema named `name`."""
    fields = {n: _field(f) for n, f in filterset.base_filters.items()}
    return create_model(name, __base__=Input, **fields)
