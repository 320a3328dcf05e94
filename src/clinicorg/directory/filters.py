"""The location filters: one declaration of the parameters every location list takes (the
Locations page, the API list, the export from the web and the command line). Its queryset is
`queries.filter_locations`, the one implementation."""

import django_filters as df

from clinicorg.core.filters import FilterSet

from . import queries
from .models import ActiveStatus, EnrollmentStatus, Location


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
