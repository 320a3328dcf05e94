"""Limit/offset pagination with a total count, in two queries."""

from ninja import Field

from clinicorg.core.boundary import INT_MAX

from .schemas import Input

MAX_LIMIT = 500


class PageParams(Input):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Items per page (1–500).")
    offset: int = Field(0, ge=0, le=INT_MAX, description="Items to skip.")


def paginate(queryset, page: PageParams, serialize=None) -> dict:
    total = queryset.count()
    items = list(queryset[page.offset : page.offset + page.limit])
    if serialize is not None:
        items = [serialize(i) for i in items]
    return {"count": total, "limit": page.limit, "offset": page.offset, "items": items}
