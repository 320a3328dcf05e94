"""The location filters: one declaration of the parameters every location list takes (the
Locations page, the API list, the export from the web and the command line). Its queryset is
`queries.filter_locations`, the one implementation. Likewise for departments and positions
(one filter set for both, with the locations' `status`) and employee categories."""

import django_filters as df

from clinicorg.core.filters import FilterSet

from . import queries
from .models import (
    ActiveStatus,
    CategoryStatus,
    Department,
    EmployeeCategory,
    EnrollmentStatus,
    Location,
)


class LocationFilterSet(FilterSet):
    q = df.CharFilter(label="Search", help_text="Name, code, city, or the start of the NPI.")
    status = df.ChoiceFilter(choices=ActiveStatus.choices, help_text="`active` or `inactive`.")
    credentialing = df.ChoiceFilter(
        choices=[("on", "Credentialing on"), ("off", "Credentialing off")],
        help_text="`on` or `off`: whether credentialing is enabled.",
    )
    enrollment = df.ChoiceFilter(
        choices=[(EnrollmentStatus.PENDING, "A payer enrollment pending")],
        help_text="`pending`: locations with a payer enrollment still pending.",
    )
    sort = df.CharFilter(
        help_text=f"One of {', '.join(k for k in queries.LOCATION_SORTS if k[0] != '-')}; "
        "`-` first for descending."
    )

    apply = staticmethod(queries.filter_locations)

    class Meta:
        model = Location
        fields: list[str] = []


LOCATION_FILTERS = LocationFilterSet.names()


def locations_for(actor, filters: dict):
    """The location list of every front end: the actor's scope, filtered by `filters`."""
    return LocationFilterSet(filters, queryset=queries.scoped_locations(actor)).qs


class NamedFilterSet(FilterSet):
    """Departments and positions: the page and the API list."""

    q = df.CharFilter(label="Search", help_text="Part of the name, case-insensitive.")
    status = df.ChoiceFilter(
        choices=ActiveStatus.choices, help_text="`active` or `inactive`; empty for both."
    )

    apply = staticmethod(queries.filter_named)

    class Meta:
        model = Department
        fields: list[str] = []


NAMED_FILTERS = NamedFilterSet.names()


def departments_for(actor, filters: dict):
    """The department list of every front end: the actor's organization, filtered."""
    return NamedFilterSet(filters, queryset=queries.scoped_departments(actor)).qs


def positions_for(actor, filters: dict):
    """The position list of every front end: the actor's organization, filtered."""
    return NamedFilterSet(filters, queryset=queries.scoped_positions(actor)).qs


class CategoryFilterSet(FilterSet):
    """Employee categories: the page and the API list."""

    q = df.CharFilter(label="Search", help_text="Part of the name, case-insensitive.")
    status = df.ChoiceFilter(
        choices=CategoryStatus.choices, help_text="`active` or `deprecated`; empty for both."
    )

    apply = staticmethod(queries.filter_categories)

    class Meta:
        model = EmployeeCategory
        fields: list[str] = []


CATEGORY_FILTERS = CategoryFilterSet.names()


def categories_for(actor, filters: dict):
    """The employee category list of every front end: the actor's organization, filtered."""
    return CategoryFilterSet(filters, queryset=queries.scoped_categories(actor)).qs
