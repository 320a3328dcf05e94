"""Limit/offset pagination with a total count (ninja's pagination, one class for the API).

`LimitOffset` is a ninja pagination class: a list operation declares `response=list[Item]`
and `@paginate(LimitOffset)`, and answers `{count, limit, offset, items}`. `page_of()` is the
same paging for the operations that still build their page by hand. `CappedLimitOffset` pages
a long list read ids first (`core.paging.IdPages`), whose count stops early: it answers
`{count, count_exact, limit, offset, items}`.
"""

from collections.abc import Callable
from typing import Any

from ninja import Field, Schema
from ninja.pagination import PaginationBase

from clinicorg.core.boundary import INT_MAX

from .schemas import Input

MAX_LIMIT = 500


class PageParams(Input):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Items per page (1–500).")
    offset: int = Field(0, ge=0, le=INT_MAX, description="Items to skip.")


class LimitOffset(PaginationBase):
    """`limit` and `offset` in the query; the page with the total `count`. `serialize` turns
    each row of the page into what the item schema reads (a queryset of values, say)."""

    Input = PageParams

    class Output(Schema):
        count: int
        limit: int
        offset: int
        items: list[Any]

    def __init__(self, *, serialize: Callable | None = None, **kwargs):
        super().__init__(**kwargs)
        self.serialize = serialize

    def paginate_queryset(self, queryset, pagination: PageParams, **params) -> dict:
        items = list(queryset[pagination.offset : pagination.offset + pagination.limit])
        if self.serialize is not None:
            items = [self.serialize(i) for i in items]
        return {
            "count": self._items_count(queryset),
            "limit": pagination.limit,
            "offset": pagination.offset,
            "items": items,
        }


class CappedPage(Schema):
    count: int = Field(
        description="Items matching. When `count_exact` is false, more than this match: "
        "counting stops at the list's cap (or at the end of this page, past it)."
    )
    count_exact: bool = Field(
        description="Whether `count` is the total. A next page exists when it is false, "
        "or when `count` exceeds `offset + limit`."
    )
    limit: int
    offset: int
    items: list[Any]


class CappedLimitOffset(LimitOffset):
    """`LimitOffset` over an `IdPages` list with a count cap: the count stops at the cap, or
    at the end of the page asked for when that lies further (`IdPages.page`: within the cap
    the page and its count are one query; past it, a page that ends the list counts itself)."""

    Output = CappedPage

    def paginate_queryset(self, queryset, pagination: PageParams, **params) -> dict:
        offset, limit = pagination.offset, pagination.limit
        items, count, exact = queryset.page(offset, offset + limit)
        if self.serialize is not None:
            items = [self.serialize(i) for i in items]
        return {
            "count": count,
            "count_exact": exact,
            "limit": limit,
            "offset": offset,
            "items": items,
        }


def page_of(queryset, page: PageParams, serialize=None) -> dict:
    return LimitOffset(serialize=serialize).paginate_queryset(queryset, page)
