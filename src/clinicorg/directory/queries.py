"""Scoped reads and the filters shared by list pages, exports and the API."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.access.queries import visible_member_count

from .models import (
    Department,
    EmployeeCategory,
    EnrollmentStatus,
    Location,
    PayerEnrollment,
    Position,
)

LOCATION_SORTS = {
    "name": "name",
    "-name": "-name",
    "code": "code",
    "-code": "-code",
    "city": "city",
    "-city": "-city",
    "status": "status",
    "-status": "-status",
}


def pending_enrollment_condition() -> Q:
    """Locations with at least one payer enrollment still pending."""
    pending = PayerEnrollment.objects.filter(
        location=OuterRef("pk"), status=EnrollmentStatus.PENDING
    )
    return Q(Exists(pending))


def filter_locations(
    queryset,
    *,
    q: str = "",
    status: str = "",
    credentialing: str = "",
    enrollment: str = "",
    sort: str = "",
):
    """`credentialing` is "on" or "off"; `enrollment` "pending" keeps locations with a payer
    enrollment still pending."""
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(
            Q(name__icontains=q)
            | Q(code__icontains=q)
            | Q(city__icontains=q)
            | Q(npi__startswith=q)
        )
    if status in ("active", "inactive"):
        queryset = queryset.filter(status=status)
    if credentialing in ("on", "off"):
        queryset = queryset.filter(credentialing_enabled=credentialing == "on")
    if enrollment == EnrollmentStatus.PENDING:
        queryset = queryset.filter(pending_enrollment_condition())
    return queryset.order_by(LOCATION_SORTS.get(sort, "name"), "id")


def scoped_locations(actor):
    """Locations the actor may see, with their staff counts, before any filter (the lists
    filter them through directory.filters)."""
    return Location.objects.visible_to(actor).annotate(
        staff_count=Count("primary_staff", distinct=True)
    )


def get_location(actor, pk) -> Location:
    """A location the actor may see, or 404 (another organization's is never a 403)."""
    return get_object_or_404(Location.objects.visible_to(actor), pk=pk)


def access_location_by_id(actor, pk, permission: str = P.MANAGE_LOCATIONS) -> Location:
    """A location fetched inside the actor's scope (404 outside it) and authorized (403).

    Every front end fetches a location it acts on through this one call.
    """
    location = get_location(actor, pk)
    policy.require(actor, permission, location)
    return location


def visible_managers(actor) -> Prefetch:
    """Prefetch each location's managers that the actor may see, as `visible_managers`.

    A manager outside the actor's scope (a regional manager, say) is not shown: their name
    and email are not the actor's to read.
    """
    staff = Location._meta.get_field("managers").related_model
    scoped = policy.staff_scope(staff.objects.all(), actor).order_by("last_name", "first_name")
    return Prefetch("managers", queryset=scoped, to_attr="visible_managers")


def location_detail(actor, pk, permission: str = P.MANAGE_LOCATIONS) -> Location:
    """`access_location_by_id` with what a location's page shows: enrollments, managers, and
    the staff count the lists show (`scoped_locations`)."""
    access_location_by_id(actor, pk, permission)
    qs = scoped_locations(actor).prefetch_related("payer_enrollments", visible_managers(actor))
    return qs.get(pk=pk)


def active_locations(actor):
    """Pickers: active locations only (inactive ones vanish from pickers)."""
    return Location.objects.visible_to(actor).active().order_by("name")


def filter_named(queryset, *, q: str = "", status: str = ""):
    """Departments, positions or visit types (named, active or not): `q` part of the name;
    `status` "active" or "inactive" (the spelling of the location list's filter)."""
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(name__icontains=q)
    if status == "active":
        queryset = queryset.filter(is_active=True)
    elif status == "inactive":
        queryset = queryset.filter(is_active=False)
    return queryset.order_by("name", "id")


def scoped_departments(actor):
    """Departments of the actor's organization with the members the actor may see counted,
    before any filter (the lists filter them through directory.filters)."""
    return Department.objects.visible_to(actor).annotate(
        member_count=visible_member_count(actor, Department)
    )


def scoped_positions(actor):
    """Positions, as `scoped_departments`."""
    return Position.objects.visible_to(actor).annotate(
        member_count=visible_member_count(actor, Position)
    )


def members_by_status(actor, obj) -> dict[str, int]:
    """How many members of a department, position or category the actor can see, by status
    (a location-limited reader counts only the staff of their locations)."""
    rows = (
        policy.staff_scope(obj.members.all(), actor)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def holders(actor, obj) -> tuple[int, bool]:
    """Who holds a department, position or category, as the actor may learn it: how many
    members the actor can see, and whether others (outside the actor's locations) hold it
    too. Their number is not the actor's to know."""
    seen = sum(members_by_status(actor, obj).values())
    return seen, obj.members.count() > seen


def holders_text(seen: int, others: bool) -> str:
    """`holders` in words: "3 staff members", "1 staff member at your locations, and staff
    at other locations", "staff members outside your locations"."""
    counted = f"{seen} staff member{'' if seen == 1 else 's'}"
    if not others:
        return counted
    if seen:
        return f"{counted} at your locations, and staff at other locations"
    return "staff members outside your locations"


def filter_categories(queryset, *, q: str = "", status: str = ""):
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(name__icontains=q)
    if status in ("active", "deprecated"):
        queryset = queryset.filter(status=status)
    return queryset.order_by("name", "id")


def scoped_categories(actor):
    """Employee categories, as `scoped_departments`."""
    return EmployeeCategory.objects.visible_to(actor).annotate(
        member_count=visible_member_count(actor, EmployeeCategory)
    )


def get_in_org(model, actor, pk):
    return get_object_or_404(model.objects.visible_to(actor), pk=pk)


def assignable_categories(actor):
    """Only Active categories can be newly assigned."""
    return EmployeeCategory.objects.visible_to(actor).filter(status="active").order_by("name")
