"""The appointment filters: one declaration of the parameters the appointment list takes. The
API list reads them from it, and the schedule pages (a location's day, a provider's week) give
it their location or provider and their days. Its queryset is `queries.filter_appointments`,
the one implementation: a day is a day at the appointment's location, in its time zone, as the
schedule shows it."""

import django_filters as df

from clinicorg.access.catalogue import P
from clinicorg.core.filters import FilterSet, IdFilter
from clinicorg.directory.queries import filter_named

from . import queries
from .models import Appointment, AppointmentStatus, Source, VisitType

LOCAL_DAY = "a day at the appointment's location, in its time zone as the schedule shows it"


class AppointmentFilterSet(FilterSet):
    location = IdFilter(help_text="Location id.")
    provider = IdFilter(help_text="Provider (staff member) id.")
    status = df.ChoiceFilter(choices=AppointmentStatus.choices, help_text="An appointment status.")
    source = df.ChoiceFilter(
        choices=Source.choices, help_text="`staff` (booked by staff) or `online`."
    )
    date_from = df.DateFilter(
        label="From", help_text=f"First day included (YYYY-MM-DD): {LOCAL_DAY}."
    )
    date_to = df.DateFilter(label="To", help_text=f"Last day included (YYYY-MM-DD): {LOCAL_DAY}.")
    q = df.CharFilter(label="Search", help_text="Patient name, email or phone.")

    apply = staticmethod(queries.filter_appointments)

    class Meta:
        model = Appointment
        fields: list[str] = []


APPOINTMENT_FILTERS = AppointmentFilterSet.names()


def appointments_for(actor, filters: dict, permission: str = P.VIEW_APPOINTMENTS):
    """The appointment list of every front end: those at the locations where the actor holds
    `permission`, filtered by `filters`."""
    return AppointmentFilterSet(filters, queryset=queries.scoped_appointments(actor, permission)).qs


class VisitTypeFilterSet(FilterSet):
    """Visit types: the schedule settings page and the API list."""

    q = df.CharFilter(label="Search", help_text="Part of the name, case-insensitive.")
    status = df.ChoiceFilter(
        choices=[("active", "Active"), ("inactive", "Inactive")],
        help_text="`active` or `inactive`; empty for both.",
    )

    # A visit type is named and active or not, as a department is: the same filter.
    apply = staticmethod(filter_named)

    class Meta:
        model = VisitType
        fields: list[str] = []


def visit_types_for(actor, filters: dict | None = None):
    """The visit-type list of every front end: the organization's, filtered by `filters`."""
    return VisitTypeFilterSet(filters or {}, queryset=queries.scoped_visit_types(actor)).qs
