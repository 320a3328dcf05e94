"""The base of the domain filter sets: one declaration of a list's parameters per model.

A filter set (django-filter) names each parameter, its kind and its choices once; its queryset
is the domain's own filter function (`apply`), the one implementation. The list page, the API
list (whose query schema is typed from it, api.filters), the export and the command line all
read their parameters from it. A value a filter cannot use matches nothing rather than being
an error, as the pages and exports always did; the API's typed schema refuses values outside
the choices with a 422 naming the parameter.

A date a person gives (a `DateFilter`) is a day where the list shows its times: the audit log's
in the organization's time zone, on every front end.
"""

import django_filters as df

from . import queries
from .models import AuditEvent


class IdFilter(df.CharFilter):
    """A record id; with `allows_none`, also "none" (records without one)."""

    def __init__(self, *args, allows_none: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allows_none = allows_none


class FilterSet(df.FilterSet):
    """Subclasses declare their filters and set `apply` to the domain's filter function,
    called as `apply(queryset, **context, **values)`: `context` holds what the list itself
    knows rather than the person filtering it (the organization's time zone, today's date),
    given as keywords when the filter set is made.

    The values reach `apply` as given (`values`), which decides what each one matches; a set
    is therefore made without django-filter's per-instance copy of every filter and without
    its form, neither of which is read (a list request spent a millisecond on them).
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, **context):
        self.is_bound = data is not None
        self.data = data or {}
        self.queryset = self._meta.model._default_manager.all() if queryset is None else queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = self.base_filters  # read, never changed
        self.context = context

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            queryset = self.queryset.all()
            self._qs = self.filter_queryset(queryset) if self.is_bound else queryset
        return self._qs

    @property
    def form(self):
        raise TypeError("A domain filter set has no form: its values are read as given.")

    @staticmethod
    def apply(queryset, **values):
        raise NotImplementedError

    def filter_queryset(self, queryset):
        return self.apply(queryset, **self.context, **self.values())

    def values(self) -> dict:
        """Each filter's value as given (empty when absent)."""
        data = self.data or {}
        values = {name: data.get(name) for name in self.filters}
        return {name: "" if value is None else value for name, value in values.items()}

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The parameter names, in order: what a page keeps in its links and an export
        passes on."""
        return tuple(cls.base_filters)


DAY_HELP = (
    "a day in the organization's time zone (YYYY-MM-DD), the zone the log's times are shown in"
)


class AuditFilterSet(FilterSet):
    """The audit log's filters: the page, its CSV export and the API list."""

    q = df.CharFilter(
        label="Search", help_text="Text in the target's name, the actor or the action."
    )
    actor = df.CharFilter(
        help_text="A staff member id, or text matched against who made the change "
        "(email, token name)."
    )
    action = df.CharFilter(help_text="Exact action name, e.g. update_location.")
    target_type = df.CharFilter(help_text="Kind of record, e.g. location.")
    target_id = df.CharFilter(help_text="Id of the record (use with target_type).")
    date_from = df.DateFilter(label="From", help_text=f"First day included: {DAY_HELP}.")
    date_to = df.DateFilter(label="To", help_text=f"Last day included: {DAY_HELP}.")

    apply = staticmethod(queries.filter_audit_events)

    class Meta:
        model = AuditEvent
        fields: list[str] = []


AUDIT_FILTERS = AuditFilterSet.names()


def audit_events_for(reader, filters: dict):
    """The audit log of every front end: the reader's scope, filtered by `filters`, with the
    days of the date filters in the organization's time zone."""
    return AuditFilterSet(
        filters,
        queryset=queries.scoped_audit_events(reader),
        zone=queries.organization_zone(reader),
    ).qs
