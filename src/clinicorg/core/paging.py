"""Paging long lists: the page's ids first, and a count that stops early.

At 100,000 records a list spends its time in two places: the total count, which reads every
match, and the page, which the database may join to everything a row shows for every match
before sorting them. `IdPages` reads a page in two short queries instead: the ordered ids of
the page (a narrow query holding only the joins its filters and order need), then those rows
with everything a row shows. `count_up_to` counts no further than it must: a list with a
`count_cap` counts up to the cap, or to the end of the page asked for when that lies further,
and says whether more follow (the page shows "1,000+"). Within the cap, the count and the
page's ids come from one query: the ordered ids up to the cap (and one more), of which the page
is a slice. Django's paginator (`CappedPaginator`) and the API's pagination
(`api.pagination.CappedLimitOffset`) read a list through both.
"""

from functools import cached_property

from django.core.paginator import Paginator

from .boundary import INT_MAX


def count_up_to(queryset, bound: int) -> tuple[int, bool]:
    """The rows of `queryset` counted no further than `bound`: (count, exact), where `exact`
    is False when more than `bound` rows exist (the count is then `bound`)."""
    bound = max(0, min(bound, INT_MAX - 1))
    counted = queryset.order_by().values("pk")[: bound + 1].count()
    return (counted, True) if counted <= bound else (bound, False)


class IdPages:
    """An ordered queryset read a page at a time, ids first; sliced and counted like a queryset
    (Django's paginator and ninja's pagination take it).

    `ordered` decides which records and in what order (scope, filters, sort). `rows` is the
    query the page's records are read from by id, with what a row shows (related records,
    annotations, or `values()`): the actor's scope without the filters, so that it never shows
    a record `ordered` would not. A record that left `rows` between the two reads is left out.
    """

    ordered = True  # for Django's paginator: the order is the queryset's own

    def __init__(self, ordered, rows, *, count_cap: int | None = None):
        self.queryset = ordered
        self.rows = rows
        self.count_cap = count_cap
        # Ids already read: (the first one's position, the ids, whether they end the list).
        self._known: tuple[int, list, bool] | None = None

    def values(self, *fields, **expressions) -> "IdPages":
        """The same list with its rows read as `values(*fields, **expressions)` dicts (with
        the id)."""
        pk = self.rows.model._meta.pk.attname
        fields = fields if pk in fields else (*fields, pk)
        rows = self.rows.values(*fields, **expressions)
        return IdPages(self.queryset, rows, count_cap=self.count_cap)

    def _ids(self, key: slice) -> list:
        """The ids of a slice: from those already read when they hold it, else one query."""
        if self._known is not None and key.step is None:
            first, ids, complete = self._known
            start = key.start or 0
            if start >= first and (
                complete or (key.stop is not None and key.stop <= first + len(ids))
            ):
                return ids[start - first : None if key.stop is None else key.stop - first]
        return list(self.queryset.values_list("pk", flat=True)[key])

    def __getitem__(self, key: slice) -> list:
        if not isinstance(key, slice):
            raise TypeError("IdPages is read a page (a slice) at a time.")
        ids = self._ids(key)
        if not ids:
            return []
        pk = self.rows.model._meta.pk.attname
        found = {}
        for row in self.rows.filter(pk__in=ids).order_by():  # their order is `ids`
            found[row[pk] if isinstance(row, dict) else row.pk] = row
        return [found[i] for i in ids if i in found]

    def count(self) -> int:
        """The exact count."""
        return self.queryset.order_by().count()

    def counted(self, end: int) -> tuple[int, bool]:
        """(count, exact) for a page ending at record `end`: exact up to `count_cap` records,
        or up to `end` when that lies further; past that, the count stops there and `exact` is
        False. Either way a next page exists exactly when the count is not exact or exceeds
        `end`.

        For a page within the cap, the count reads the ordered ids up to the cap (one more
        tells that more follow) and keeps them: the page is then a slice of them, not a
        second query."""
        if self.count_cap is None:
            return self.count(), True
        if end > self.count_cap:
            return count_up_to(self.queryset, end)
        bound = min(self.count_cap, INT_MAX - 1)
        ids = list(self.queryset.values_list("pk", flat=True)[: bound + 1])
        self._known = (0, ids, len(ids) <= bound)
        return (len(ids), True) if len(ids) <= bound else (bound, False)

    def page(self, start: int, stop: int) -> tuple[list, int, bool]:
        """The records from `start` to `stop`, with (count, exact) as `counted(stop)` gives
        them; a page past the cap that ends the list counts itself."""
        if self.count_cap is not None and stop <= self.count_cap:
            count, exact = self.counted(stop)
            return self[start:stop], count, exact
        items = self[start:stop]
        if len(items) < stop - start and (items or start == 0):
            return items, start + len(items), True
        return (items, *self.counted(stop))


def _page_number(number) -> int:
    try:
        number = int(number)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), INT_MAX // 1000)


class CappedPaginator(Paginator):
    """Django's paginator over an `IdPages` list that counts no further than it needs (see
    `IdPages.counted`), up to the end of the page `get_page` is asked for.

    When `count_exact` is False, more than `count` records match: the pages go on at least to
    the one holding the next record (`num_pages`), and the page range ends in a gap. A page
    number that is no number, or below 1, is the first page; one past the end is the last.
    """

    reach = 1  # the page asked for: the count reaches at least to its end

    def get_page(self, number):
        self.reach = _page_number(number)
        return super().get_page(self.reach)

    @cached_property
    def _counted(self) -> tuple[int, bool]:
        return self.object_list.counted(self.reach * self.per_page)

    @cached_property
    def count(self) -> int:
        return self._counted[0]

    @property
    def count_exact(self) -> bool:
        return self._counted[1]

    @property
    def count_label(self) -> str:
        """The count as the page shows it: "1,000+" when more match."""
        return f"{self.count:,}" if self.count_exact else f"{self.count:,}+"

    @cached_property
    def num_pages(self) -> int:
        if self.count_exact:
            return super().num_pages
        return self.count // self.per_page + 1  # the page holding the first record not counted

    def get_elided_page_range(self, number=1, *, on_each_side=3, on_ends=2):
        if self.count_exact:
            yield from super().get_elided_page_range(
                number, on_each_side=on_each_side, on_ends=on_ends
            )
            return
        # The last page is not known: the first pages, those around this one, then a gap.
        number = self.validate_number(number)
        last = min(self.num_pages, number + on_each_side)
        if number > on_each_side + on_ends + 2:
            yield from range(1, on_ends + 1)
            yield self.ELLIPSIS
            yield from range(number - on_each_side, last + 1)
        else:
            yield from range(1, last + 1)
        yield self.ELLIPSIS
