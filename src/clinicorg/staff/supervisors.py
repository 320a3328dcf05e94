"""Scoped reads for the people area: appointed supervisors and members' credentials.

Every read starts from `StaffMember.objects.visible_to(actor)`, so a supervisor or member the
actor cannot see (another organization, a location outside their access) is a 404.
"""

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404

from clinicorg.directory.models import Location

from .models import License, StaffMember, Status, Supervisor, TaxonomyAssignment


def supervisors_for(actor):
    """Appointed supervisors whose primary location the actor can access, with report counts."""
    return (
        Supervisor.objects.visible_to(actor)
        .select_related("staff", "staff__primary_location", "staff__role")
        # What each one supervises, as far as the reader may see: no outside location's name.
        .prefetch_related(
            Prefetch("locations", queryset=Location.objects.visible_to(actor)), "departments"
        )
        .annotate(report_count=Count("staff__direct_reports", distinct=True))
        .order_by("staff__last_name", "staff__first_name", "id")
    )


def get_supervisor(actor, pk) -> Supervisor:
    return get_object_or_404(supervisors_for(actor), pk=pk)


def appointable_staff(actor):
    """Current staff (not deactivated) the actor sees who are not supervisors yet."""
    return (
        StaffMember.objects.visible_to(actor)
        .exclude(status=Status.DEACTIVATED)
        .filter(supervisor_appointment__isnull=True)
        .select_related("primary_location")
        .order_by("last_name", "first_name", "id")
    )


def get_member(actor, pk) -> StaffMember:
    """A member the actor can see, with what the credentials page shows, in three queries."""
    qs = (
        StaffMember.objects.visible_to(actor)
        .select_related("primary_location", "role")
        .prefetch_related(
            Prefetch("taxonomies", queryset=TaxonomyAssignment.objects.all()),
            Prefetch("licenses", queryset=License.objects.all()),
        )
    )
    return get_object_or_404(qs, pk=pk)
