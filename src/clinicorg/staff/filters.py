"""THE staff filters: one declaration of the parameters every staff list takes.

`StaffFilterSet` names each filter, its kind and its choices once. The Employee Center page,
the staff export (web and command line) and the API list all read their parameters from it,
the API typing its query schema from it (api.filters), and its queryset is
`queries.filter_staff`, the one implementation. A value the filter cannot use matches nothing
rather than being an error, as the page and the export always did; the API's typed schema
refuses values outside the choices with a 422 naming the parameter.
"""

import django_filters as df
from django.conf import settings

from clinicorg.core.filters import FilterSet, IdFilter
from clinicorg.core.paging import IdPages

from . import queries
from .models import StaffMember, Status


def _choices(*pairs):
    return list(pairs)


class StaffFilterSet(FilterSet):
    q = df.CharFilter(label="Search", help_text="Name, email or employee id.")
    status = df.ChoiceFilter(
        choices=_choices(
            (queries.STATUS_CURRENT, "Current staff (all but deactivated)"),
            (queries.STATUS_ALL, "All statuses"),
            *Status.choices,
        ),
        help_text="A status; empty for everyone but deactivated members; `all` for everyone.",
    )
    location = IdFilter(label="Primary location", help_text="Location id.")
    role = IdFilter(help_text="Role id.")
    department = IdFilter(allows_none=True, help_text="Department id, or `none`.")
    position = IdFilter(allows_none=True, help_text="Position id, or `none`.")
    category = IdFilter(allows_none=True, help_text="Employee category id, or `none`.")
    invitation = df.ChoiceFilter(
        choices=_choices(
            ("", "Any"),
            (queries.INVITATION_OPEN, "Invitation open"),
            (queries.INVITATION_EXPIRED, "Invitation expired unused"),
            (queries.INVITATION_ACCEPTED, "Accepted in the last 30 days"),
        ),
        help_text="`open`, `expired` or `accepted` (in the last 30 days).",
    )
    missing = df.ChoiceFilter(
        choices=_choices(
            ("", "Nothing"),
            (queries.MISSING_NPI, "Providers without an NPI"),
            (queries.MISSING_TAXONOMY, "Providers without a primary taxonomy"),
        ),
        help_text="`npi` or `taxonomy`: providers without one.",
    )
    ids = df.CharFilter(label="Members", help_text="Member ids separated by commas.")
    sort = df.CharFilter(
        help_text=f"One of {', '.join(queries.STAFF_SORTS)}; `-` first for descending."
    )

    apply = staticmethod(queries.filter_staff)

    class Meta:
        model = StaffMember
        fields: list[str] = []


STAFF_FILTERS = StaffFilterSet.names()


def staff_for(actor, filters: dict):
    """The staff list of every front end: the actor's scope, filtered by `filters`."""
    return StaffFilterSet(filters, queryset=queries.scoped_staff(actor)).qs


def staff_pages(actor, filters: dict) -> IdPages:
    """`staff_for`, read a page at a time (the list page and the API list): the ordered ids of
    a page first, then those members read again within the actor's scope with what a row
    shows (`queries.list_rows`); counted up to STAFF_LIST_COUNT_CAP matches (core.paging)."""
    ordered = StaffFilterSet(filters, queryset=queries.scoped_staff(actor)).qs
    return IdPages(ordered, queries.list_rows(actor), count_cap=settings.STAFF_LIST_COUNT_CAP)
