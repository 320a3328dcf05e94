"""Scoped reads of staff members, and THE staff filterset.

`filter_staff` is the one filter the Employee Center page, the API list and the staff export
share; `staff_for` starts from the actor's scope and loads what a list row shows in one query.
"""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from clinicorg.core import boundary

from .models import StaffMember, Status

# Status filter values besides the statuses themselves.
STATUS_CURRENT = ""  # everyone but deactivated members (the default view)
STATUS_ALL = "all"
STATUS_FILTERS = (STATUS_CURRENT, STATUS_ALL, *Status.values)

STAFF_SORTS = {
    "name": ("last_name", "first_name"),
    "email": ("email",),
    "employee_id": ("employee_id",),
    "location": ("primary_location__name",),
    "role": ("role__name",),
    "department": ("department__name",),
    "position": ("position__name",),
    "status": ("status",),
    "hire_date": ("hire_date",),
}
SORT_CHOICES = tuple(k for key in STAFF_SORTS for k in (key, f"-{key}"))

LIST_RELATED = ("primary_location", "role", "department", "position", "category", "supervisor")


def _order(sort: str) -> list[str]:
    sort = (sort or "").strip()
    desc = sort.startswith("-")
    fields = STAFF_SORTS.get(sort.lstrip("-"), STAFF_SORTS["name"])
    order = [f"-{f}" if desc else f for f in fields]
    if fields is not STAFF_SORTS["name"]:
        order += ["last_name", "first_name"]
    return [*order, "id"]


def _id(value) -> int | None | bool:
    """An id filter value: None when absent, False when unusable (matches nothing)."""
    if value in (None, ""):
        return None
    if hasattr(value, "pk"):
        return value.pk
    text = str(value).strip()
    if not boundary.is_int_text(text):
        return False  # not ASCII digits, or past the database's range
    number = int(text)
    return number if number > 0 else False


def filter_staff(
    queryset,
    *,
    q: str = "",
    status: str = "",
    location=None,
    role=None,
    department=None,
    position=None,
    category=None,
    sort: str = "",
):
    """Filter and order staff.

    `q` matches name, email and employee id. `status` is a status, "all", or empty for
    everyone but deactivated members. `location` (primary location), `role`, `department`,
    `position` and `category` take ids (or model instances); an unusable id matches nothing.
    """
    q = (q or "").strip()
    if q:
        words = q.split()
        cond = Q(email__icontains=q) | Q(employee_id__iexact=q) | Q(display_name__icontains=q)
        name = Q()
        for word in words:
            name &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        queryset = queryset.filter(cond | name)
    status = (status or "").strip()
    if status == STATUS_CURRENT:
        queryset = queryset.exclude(status=Status.DEACTIVATED)
    elif status in Status.values:
        queryset = queryset.filter(status=status)
    elif status != STATUS_ALL:
        queryset = queryset.none()
    for field, value in (
        ("primary_location_id", location),
        ("role_id", role),
        ("department_id", department),
        ("position_id", position),
        ("category_id", category),
    ):
        wanted = _id(value)
        if wanted is False:
            return queryset.none()
        if wanted is not None:
            queryset = queryset.filter(**{field: wanted})
    return queryset.order_by(*_order(sort))


def staff_for(actor, **filters):
    """Staff the actor may see, filtered, with what a list row shows (constant queries)."""
    qs = StaffMember.objects.visible_to(actor).select_related(*LIST_RELATED)
    return filter_staff(qs, **filters)


def get_staff(actor, pk) -> StaffMember:
    """A member the actor may see, or 404 (another organization's is never a 403)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    return get_object_or_404(
        StaffMember.objects.visible_to(actor).select_related(*LIST_RELATED),
        pk=pk,
    )
