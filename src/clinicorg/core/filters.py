"""The base of the domain filter sets: one declaration of a list's parameters per model.

A filter set (django-filter) names each parameter, its kind and its choices once; its queryset
is the domain's own filter function (`apply`), the one implementation. The list page, the API
list (whose query schema is typed from it, api.filters), the export and the command line all
read their parameters from it. A value a filter cannot use matches nothing rather than being
an error, as the pages and exports always did; the API's typed schema refuses values outside
the choices with a 422 naming the parameter.
"""

import django_filters as df


class IdFilter(df.CharFilter):
    """A record id; with `allows_none`, also "none" (records without one)."""

    def __init__(self, *args, allows_none: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allows_none = allows_none


class FilterSet(df.FilterSet):
    """Subclasses declare their filters and set `apply` to the domain's filter function,
    called as `apply(queryset, **values)`."""

    @staticmethod
    def apply(queryset, **values):
        raise NotImplementedError

    def filter_queryset(self, queryset):
        return self.apply(queryset, **self.values())

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
