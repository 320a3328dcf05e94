"""The license expiry filters: one declaration of the parameters the license page, its CSV and
XLSX export and the API list take. Its queryset is `queries.filter_licenses`, the one
implementation, given the organization's today."""

import django_filters as df

from clinicorg.core.filters import FilterSet, IdFilter
from clinicorg.staff.models import License

from . import queries


class LicenseFilterSet(FilterSet):
    window = df.NumberFilter(
        label="Within (days)",
        min_value=1,
        max_value=queries.MAX_WINDOW,
        help_text="Licenses expiring within this many days (and expired ones); "
        f"{queries.DEFAULT_WINDOW} when not given.",
    )
    show = df.ChoiceFilter(
        choices=[
            (queries.SHOW_EXPIRED, "Expired only"),
            (queries.SHOW_EXPIRING, "Expiring only"),
        ],
        empty_label="Expired and expiring",
        help_text="`expired` or `expiring`; empty for both.",
    )
    location = IdFilter(help_text="Holder's primary location id.")
    state = df.CharFilter(max_length=2, help_text="License state, e.g. CA.")
    q = df.CharFilter(label="Search", help_text="Holder's name or email, or the license number.")
    sort = df.ChoiceFilter(
        choices=[(f"{d}{k}", f"{d}{k}") for k in queries.LICENSE_SORTS for d in ("", "-")],
        help_text="Order (`-` first for descending); soonest expiry first by default.",
    )

    apply = staticmethod(queries.filter_licenses)

    class Meta:
        model = License
        fields: list[str] = []


LICENSE_FILTERS = LicenseFilterSet.names()


def licenses_for(actor, filters: dict, *, today):
    """The expiry list of every front end: the licenses the actor may see, filtered by
    `filters`, expired or expiring as of `today` (the organization's)."""
    return LicenseFilterSet(filters, queryset=queries.scoped_licenses(actor), today=today).qs
