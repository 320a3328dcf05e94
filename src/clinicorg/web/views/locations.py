"""Location pages: list, create, edit, status, delete, payer enrollments, managers."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.directory import actions, queries
from clinicorg.directory.actions import ENROLLMENT_FIELDS, LOCATION_FIELDS
from clinicorg.directory.fields import LOCATION_FIELD_LIST
from clinicorg.directory.filters import LOCATION_FILTERS, locations_for
from clinicorg.directory.models import Location
from clinicorg.staff import actions as staff_actions
from clinicorg.staff.models import StaffMember

from ..forms.locations import EnrollmentForm, LocationForm, ManagersForm
from .base import (
    confirm_delete,
    confirm_page,
    filter_query,
    list_filters,
    paginate,
    requires,
    save_form,
)


def _detail_url(location) -> str:
    return reverse("web:location_detail", args=[location.pk])


def _enrollment(request, pk, eid):
    """A location the user may manage and one of its payer enrollments, or 404."""
    location = queries.access_location_by_id(request.user, pk)
    return location, get_object_or_404(location.payer_enrollments, pk=eid)


def zones_in_use(actor) -> list[str]:
    """The organization's zone and its locations' zones: the top of the time-zone picker."""
    located = (
        Location.objects.visible_to(actor)
        .order_by("timezone")
        .values_list("timezone", flat=True)
        .distinct()
    )
    return [actor.organization.timezone, *located]


@requires(P.MANAGE_LOCATIONS)
def location_list(request):
    filters = list_filters(request, LOCATION_FILTERS)
    page, query = paginate(request, locations_for(request.user, filters))
    context = {
        "page": page,
        "query": query,
        "filters": filters,
        "fields": LOCATION_FIELD_LIST,
        "export_query": filter_query(filters, format="xlsx"),
    }
    return render(request, "web/locations/list.html", context)


@requires(P.MANAGE_LOCATIONS)
def location_create(request):
    zone = request.user.organization.timezone
    form = LocationForm(
        request.POST or None, initial={"timezone": zone}, zones_in_use=zones_in_use(request.user)
    )
    done = save_form(
        request,
        form,
        lambda data: actions.create_location(data, actor=request.user),
        lambda location: f"Location “{location.name}” created.",
        _detail_url,
    )
    return done or render(request, "web/locations/form.html", {"form": form, "creating": True})


# Why a manager cannot manage the staff of a location, by the policy's reason.
MANAGER_GAPS = {
    policy.MISSING_PERMISSION: "Their role ({role}) does not include Manage staff, so they "
    "cannot manage anyone here.",
    policy.NO_LOCATION_ACCESS: "They have no access to this location, so they cannot see its "
    "staff.",
    policy.INACTIVE_ACCOUNT: "Their account is not active.",
}


def manager_gaps(location, managers, actor) -> list[tuple]:
    """[(manager, why not or "", may grant)]: whether the policy lets each manager manage this
    location's staff, so the page never promises what the policy refuses; and, for a manager
    who lacks only access to it, whether `actor` may grant it (the page then offers to)."""
    rows = []
    for manager in managers:
        decision = policy.explain(manager, P.MANAGE_STAFF, location)
        why, grant = "", False
        if not decision.allowed:
            why = MANAGER_GAPS.get(decision.reason, decision.message).format(role=manager.role.name)
            grant = (
                decision.reason == policy.NO_LOCATION_ACCESS
                and policy.explain_member(actor, manager).allowed
                and policy.explain_grant(actor, locations=[location]).allowed
            )
        rows.append((manager, why, grant))
    return rows


@requires(P.MANAGE_LOCATIONS)
def location_detail(request, pk):
    location = queries.location_detail(request.user, pk)
    return render(
        request,
        "web/locations/detail.html",
        {
            "location": location,
            "enrollments": location.payer_enrollments.all(),
            "managers": manager_gaps(location, location.visible_managers, request.user),
            "enrollment_form": EnrollmentForm(),
        },
    )


@requires(P.MANAGE_LOCATIONS)
def location_edit(request, pk):
    location = queries.access_location_by_id(request.user, pk)
    initial = {f: getattr(location, f) for f in LOCATION_FIELDS}
    form = LocationForm(
        request.POST or None, initial=initial, zones_in_use=zones_in_use(request.user)
    )
    done = save_form(
        request,
        form,
        lambda data: actions.update_location(location, data, actor=request.user),
        "Changes saved.",
        _detail_url(location),
    )
    return done or render(
        request, "web/locations/form.html", {"form": form, "location": location, "creating": False}
    )


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# What deactivating a location does to each kind of record that refers to it
# (directory.actions.location_references), as the confirmation says it.
DEACTIVATION_EFFECTS = {
    "primary location of staff members": lambda n: (
        f"{_plural(n, 'staff member has', 'staff members have')} it as their primary "
        "location: they keep it, but can do nothing here until it is reactivated."
    ),
    "additional location of staff members": lambda n: (
        f"{_plural(n, 'staff member loses', 'staff members lose')} the access granted here "
        "while it is inactive."
    ),
    "managers": lambda n: f"{_plural(n, 'manager', 'managers')} can no longer act here.",
    "payer enrollments": lambda n: (
        f"{_plural(n, 'payer enrollment stays', 'payer enrollments stay')} on record."
    ),
    "API tokens": lambda n: (
        f"{_plural(n, 'API token limited', 'API tokens limited')} to it can do nothing here."
    ),
    "supervisor assignments": lambda n: (
        f"{_plural(n, 'supervisor assignment stays', 'supervisor assignments stay')}."
    ),
    "appointments": lambda n: (
        f"{_plural(n, 'appointment stays', 'appointments stay')} in its history; "
        "nothing new can be booked here."
    ),
}


def _confirm_status(request, location, status):
    detail = _detail_url(location)
    crumbs = [("Locations", reverse("web:location_list")), (location.name, detail)]
    if status == "active":
        return confirm_page(
            request,
            heading=f"Reactivate {location.name}?",
            lead="It returns to the pickers, and the access and roles that name it apply again.",
            button=f"Reactivate {location.name}",
            cancel=detail,
            fields={"status": "active"},
            crumbs=crumbs,
            danger=False,
        )
    refs = actions.location_references(location)
    effects = [DEACTIVATION_EFFECTS[kind](n) for kind, n in refs.items()]
    return confirm_page(
        request,
        heading=f"Deactivate {location.name}?",
        lead="It leaves every picker, so no one can be newly assigned to it, and nothing can "
        "be done at it until it is reactivated. Its history is kept.",
        effects=effects,
        note="" if effects else "Nothing refers to it yet.",
        button=f"Deactivate {location.name}",
        cancel=detail,
        fields={"status": "inactive"},
        crumbs=crumbs,
    )


@requires(P.MANAGE_LOCATIONS)
def location_status(request, pk):
    """GET asks (naming what the change affects); POST changes the status."""
    location = queries.access_location_by_id(request.user, pk)
    if request.method != "POST":
        wanted = request.GET.get("status") or ("inactive" if location.is_active else "active")
        return _confirm_status(request, location, "active" if wanted == "active" else "inactive")
    status = request.POST.get("status", "")
    try:
        actions.set_location_status(location, status, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        word = "reactivated" if status == "active" else "deactivated"
        messages.success(request, f"{location.name} {word}.")
    return redirect("web:location_detail", pk=location.pk)


@requires(P.MANAGE_LOCATIONS)
def location_delete(request, pk):
    location = queries.access_location_by_id(request.user, pk)
    refs = actions.location_references(location)
    done = confirm_delete(
        request,
        lambda: actions.delete_location(location, actor=request.user),
        f"Location “{location.name}” deleted.",
        "web:location_list",
        _detail_url(location),
    )
    return done or render(
        request, "web/locations/delete.html", {"location": location, "refs": refs}
    )


def _managers_saved(location, visible, actor) -> str:
    """The message after saving managers: it points at managers who cannot act here yet."""
    rows = manager_gaps(location, visible.select_related("role"), actor)
    gaps = sum(1 for _m, why, _grant in rows if why)
    if not gaps:
        return "Managers saved."
    return (
        f"Managers saved. {_plural(gaps, 'manager', 'managers')} cannot manage staff here yet; "
        "see why below."
    )


@require_POST
@requires(P.MANAGE_LOCATIONS)
def manager_grant_access(request, pk, mid):
    """Add this location to one of its managers' access rules (the location page offers it
    beside a manager who cannot see the location)."""
    location = queries.access_location_by_id(request.user, pk)
    manager = get_object_or_404(
        location.managers.filter(pk__in=StaffMember.objects.visible_to(request.user)), pk=mid
    )
    try:
        staff_actions.grant_location_access(manager, location, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{manager.full_name} now has access to {location.name}.")
    return redirect(_detail_url(location))


@requires(P.MANAGE_LOCATIONS)
def location_managers(request, pk):
    location = queries.access_location_by_id(request.user, pk)
    # The current managers the actor may see, ticked; more are added through the picker.
    current = location.managers.filter(pk__in=StaffMember.objects.visible_to(request.user))
    choices = [(m.pk, f"{m.full_name} · {m.email}") for m in current.order_by("last_name")]
    form = ManagersForm(
        request.POST or None,
        staff_choices=choices,
        initial={"managers": [pk for pk, _ in choices]},
    )
    done = save_form(
        request,
        form,
        lambda data: staff_actions.set_location_managers(
            location, form.manager_ids(), actor=request.user
        ),
        lambda _changes: _managers_saved(location, current, request.user),
        _detail_url(location),
    )
    return done or render(
        request, "web/locations/managers.html", {"location": location, "form": form}
    )


@requires(P.MANAGE_LOCATIONS)
def enrollment_create(request, pk):
    location = queries.access_location_by_id(request.user, pk)
    form = EnrollmentForm(request.POST or None)
    done = save_form(
        request,
        form,
        lambda data: actions.add_payer_enrollment(location, data, actor=request.user),
        "Payer enrollment added.",
        _detail_url(location),
    )
    return done or render(
        request, "web/locations/enrollment_form.html", {"location": location, "form": form}
    )


@requires(P.MANAGE_LOCATIONS)
def enrollment_edit(request, pk, eid):
    location, enrollment = _enrollment(request, pk, eid)
    initial = {f: getattr(enrollment, f) for f in ENROLLMENT_FIELDS}
    form = EnrollmentForm(request.POST or None, initial=initial)
    done = save_form(
        request,
        form,
        lambda data: actions.update_payer_enrollment(enrollment, data, actor=request.user),
        "Payer enrollment saved.",
        _detail_url(location),
    )
    return done or render(
        request,
        "web/locations/enrollment_form.html",
        {"location": location, "form": form, "enrollment": enrollment},
    )


@requires(P.MANAGE_LOCATIONS)
def enrollment_delete(request, pk, eid):
    """GET asks; POST removes the enrollment."""
    location, enrollment = _enrollment(request, pk, eid)
    if request.method != "POST":
        detail = _detail_url(location)
        return confirm_page(
            request,
            heading=f"Remove the enrollment with {enrollment.payer_name}?",
            lead=f"{location.name} will no longer list its "
            f"{enrollment.get_status_display().lower()} enrollment with "
            f"{enrollment.payer_name} (payer id {enrollment.payer_id}). "
            "The audit log keeps a record of it.",
            note="To keep it on record instead, edit it and set its status to Terminated.",
            button="Remove enrollment",
            cancel=detail,
            crumbs=[("Locations", reverse("web:location_list")), (location.name, detail)],
        )
    actions.remove_payer_enrollment(enrollment, actor=request.user)
    messages.success(request, f"Enrollment with {enrollment.payer_name} removed.")
    return redirect("web:location_detail", pk=location.pk)
