"""Location pages: list, create, edit, status, delete, payer enrollments, managers."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinicorg.access.catalogue import P
from clinicorg.directory import actions, queries
from clinicorg.directory.actions import ENROLLMENT_FIELDS, LOCATION_FIELDS
from clinicorg.directory.filters import LOCATION_FILTERS, locations_for
from clinicorg.staff import actions as staff_actions
from clinicorg.staff.models import StaffMember

from ..forms.locations import EnrollmentForm, LocationForm, ManagersForm
from .base import confirm_delete, list_filters, paginate, requires, save_form


def _detail_url(location) -> str:
    return reverse("web:location_detail", args=[location.pk])


def _enrollment(request, pk, eid):
    """A location the user may manage and one of its payer enrollments, or 404."""
    location = queries.access_location_by_id(request.user, pk)
    return location, get_object_or_404(location.payer_enrollments, pk=eid)


@requires(P.MANAGE_LOCATIONS)
def location_list(request):
    filters = list_filters(request, LOCATION_FILTERS)
    page, query = paginate(request, locations_for(request.user, filters))
    return render(
        request, "web/locations/list.html", {"page": page, "query": query, "filters": filters}
    )


@requires(P.MANAGE_LOCATIONS)
def location_create(request):
    zone = request.user.organization.timezone
    form = LocationForm(request.POST or None, initial={"timezone": zone})
    done = save_form(
        request,
        form,
        lambda data: actions.create_location(data, actor=request.user),
        lambda location: f"Location “{location.name}” created.",
        _detail_url,
    )
    return done or render(request, "web/locations/form.html", {"form": form, "creating": True})


@requires(P.MANAGE_LOCATIONS)
def location_detail(request, pk):
    location = queries.location_detail(request.user, pk)
    return render(
        request,
        "web/locations/detail.html",
        {
            "location": location,
            "enrollments": location.payer_enrollments.all(),
            "managers": location.visible_managers,
            "staff_count": location.primary_staff.count(),
            "enrollment_form": EnrollmentForm(),
        },
    )


@requires(P.MANAGE_LOCATIONS)
def location_edit(request, pk):
    location = queries.access_location_by_id(request.user, pk)
    initial = {f: getattr(location, f) for f in LOCATION_FIELDS}
    form = LocationForm(request.POST or None, initial=initial)
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


@require_POST
@requires(P.MANAGE_LOCATIONS)
def location_status(request, pk):
    location = queries.access_location_by_id(request.user, pk)
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
        "Managers saved.",
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


@require_POST
@requires(P.MANAGE_LOCATIONS)
def enrollment_delete(request, pk, eid):
    location, enrollment = _enrollment(request, pk, eid)
    actions.remove_payer_enrollment(enrollment, actor=request.user)
    messages.success(request, f"Enrollment with {enrollment.payer_name} removed.")
    return redirect("web:location_detail", pk=location.pk)
