"""Organization pages: departments and positions, employee categories, organization settings.

Departments and positions live the same life (create, rename, activate/deactivate), so one set
of views serves both, parametrised by a `Kind` chosen in the routes.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.core.errors import Conflict
from clinicorg.core.models import OrganizationNPI
from clinicorg.directory import actions, queries
from clinicorg.directory.fields import CATEGORY_FIELD_LIST, NAMED_FIELD_LIST
from clinicorg.directory.filters import (
    CATEGORY_FILTERS,
    NAMED_FILTERS,
    categories_for,
    departments_for,
    positions_for,
)
from clinicorg.directory.models import CategoryStatus, Department, EmployeeCategory, Position
from clinicorg.staff.models import Status

from ..forms.org import CategoryForm, NameForm, OrganizationForm, OrganizationNPIForm
from .base import apply_errors, confirm_page, list_filters, paginate, requires
from .locations import zones_in_use


@dataclass(frozen=True)
class Kind:
    key: str
    model: type
    singular: str
    plural: str
    list_for: Callable
    create: Callable
    update: Callable
    about: str

    @property
    def list_url(self) -> str:
        return f"web:structure_{self.key}_list"

    @property
    def create_url(self) -> str:
        return f"web:structure_{self.key}_create"

    @property
    def edit_url(self) -> str:
        return f"web:structure_{self.key}_edit"

    @property
    def status_url(self) -> str:
        return f"web:structure_{self.key}_status"

    @property
    def deactivate_url(self) -> str:
        return f"web:structure_{self.key}_deactivate"


KINDS = {
    "department": Kind(
        "department",
        Department,
        "department",
        "Departments",
        departments_for,
        actions.create_department,
        actions.update_department,
        "Departments group staff by the part of the practice they work in.",
    ),
    "position": Kind(
        "position",
        Position,
        "position",
        "Positions",
        positions_for,
        actions.create_position,
        actions.update_position,
        "Positions are job titles, such as Physician or Receptionist.",
    ),
}


def _safe_next(request, default: str) -> str:
    """The list the member came from (`next`, posted or in the query), if it is ours."""
    target = request.POST.get("next", "") or request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _back(request, default: str):
    """Where to return after a row action: the list the member came from, if it is ours."""
    return redirect(_safe_next(request, default))


def _named_list_context(request, kind: Kind, form):
    filters = list_filters(request, NAMED_FILTERS)
    page, query = paginate(request, kind.list_for(request.user, filters))
    return {
        "kind": kind,
        "page": page,
        "query": query,
        "filters": filters,
        "form": form,
        "fields": NAMED_FIELD_LIST,
    }


@requires(P.MANAGE_SETTINGS)
def named_list(request, kind):
    kind = KINDS[kind]
    form = NameForm(label=f"New {kind.singular}")
    return render(request, "web/org/named_list.html", _named_list_context(request, kind, form))


@require_POST
@requires(P.MANAGE_SETTINGS)
def named_create(request, kind):
    kind = KINDS[kind]
    form = NameForm(request.POST, label=f"New {kind.singular}")
    if form.is_valid():
        try:
            obj = kind.create(form.cleaned_data["name"], actor=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{kind.singular.capitalize()} “{obj.name}” created.")
            return redirect(kind.list_url)
    context = _named_list_context(request, kind, form)
    return render(request, "web/org/named_list.html", context)


@requires(P.MANAGE_SETTINGS)
def named_edit(request, kind, pk):
    kind = KINDS[kind]
    obj = queries.get_in_org(kind.model, request.user, pk)
    form = NameForm(request.POST or None, initial={"name": obj.name})
    if request.method == "POST" and form.is_valid():
        try:
            changes = kind.update(obj, {"name": form.cleaned_data["name"]}, actor=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if changes:
                old, new = changes["name"]
                messages.success(request, f"Renamed “{old}” to “{new}”.")
            return redirect(kind.list_url)
    return render(
        request,
        "web/org/named_form.html",
        {"kind": kind, "obj": obj, "form": form, **_holders(request.user, obj)},
    )


def _holders(actor, obj) -> dict:
    """Who holds it, as the reader may learn it (directory.queries.holders)."""
    seen, others = queries.holders(actor, obj)
    return {"in_use": seen or others, "holders": queries.holders_text(seen, others)}


def _staff_count(n: int, what: str) -> str:
    return f"{n} {what} staff member{pluralize(n)}"


@requires(P.MANAGE_SETTINGS)
def named_deactivate(request, kind, pk):
    """Asks before deactivating, naming how many staff hold it; the button posts to the
    status address (POST only), where the action runs."""
    kind = KINDS[kind]
    obj = queries.get_in_org(kind.model, request.user, pk)
    back = _safe_next(request, reverse(kind.list_url))
    if not obj.is_active:
        messages.info(request, f"{kind.singular.capitalize()} “{obj.name}” is already inactive.")
        return redirect(back)
    counts = queries.members_by_status(request.user, obj)
    active = counts.get(Status.ACTIVE, 0)
    others = sum(n for s, n in counts.items() if s not in (Status.ACTIVE, Status.DEACTIVATED))
    effects = [
        f"{_staff_count(active, 'active')} hold{pluralize(active, 's,')} it; they keep it."
        if active
        else "No active staff member holds it."
    ]
    if others:
        effects.append(
            f"{_staff_count(others, 'more')} (invited, on leave or suspended) "
            f"hold{pluralize(others, 's,')} it; they keep it too."
        )
    limited = policy.accessible_location_ids(request.user) is not None
    return confirm_page(
        request,
        heading=f"Deactivate the {kind.singular} “{obj.name}”?",
        lead=f"It is no longer offered when a {kind.singular} is chosen for a staff member. "
        "Nobody loses it, its history stays, and it can be activated again.",
        effects=effects,
        note="Counted among the staff of the locations you can access." if limited else "",
        button=f"Deactivate {obj.name}",
        cancel=back,
        fields={"is_active": "false", "next": back},
        crumbs=[(kind.plural, reverse(kind.list_url))],
        action=reverse(kind.status_url, args=[obj.pk]),
    )


@require_POST
@requires(P.MANAGE_SETTINGS)
def named_status(request, kind, pk):
    kind = KINDS[kind]
    obj = queries.get_in_org(kind.model, request.user, pk)
    wanted = request.POST.get("is_active", "")
    if wanted not in ("true", "false"):
        messages.error(request, "Choose whether to activate or deactivate.")
    else:
        kind.update(obj, {"is_active": wanted == "true"}, actor=request.user)
        word = "activated" if wanted == "true" else "deactivated"
        messages.success(request, f"{kind.singular.capitalize()} “{obj.name}” {word}.")
    return _back(request, reverse(kind.list_url))


# Employee categories.


def _category_list_context(request, form):
    filters = list_filters(request, CATEGORY_FILTERS)
    page, query = paginate(request, categories_for(request.user, filters))
    return {
        "page": page,
        "query": query,
        "filters": filters,
        "form": form,
        "fields": CATEGORY_FIELD_LIST,
    }


@requires(P.MANAGE_SETTINGS)
def category_list(request):
    form = NameForm(label="New category")
    return render(request, "web/org/category_list.html", _category_list_context(request, form))


@require_POST
@requires(P.MANAGE_SETTINGS)
def category_create(request):
    form = NameForm(request.POST, label="New category")
    if form.is_valid():
        try:
            category = actions.create_employee_category(
                form.cleaned_data["name"], actor=request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Category “{category.name}” created.")
            return redirect("web:structure_category_list")
    context = _category_list_context(request, form)
    return render(request, "web/org/category_list.html", context)


@requires(P.MANAGE_SETTINGS)
def category_edit(request, pk):
    category = queries.get_in_org(EmployeeCategory, request.user, pk)
    form = CategoryForm(
        request.POST or None, initial={"name": category.name, "status": category.status}
    )
    if request.method == "POST" and form.is_valid():
        try:
            changes = actions.update_employee_category(
                category, form.cleaned_data, actor=request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if changes:
                messages.success(request, "Category saved.")
            return redirect("web:structure_category_list")
    return render(
        request,
        "web/org/category_form.html",
        {"category": category, "form": form, **_holders(request.user, category)},
    )


@require_POST
@requires(P.MANAGE_SETTINGS)
def category_status(request, pk):
    category = queries.get_in_org(EmployeeCategory, request.user, pk)
    status = request.POST.get("status", "")
    try:
        actions.update_employee_category(category, {"status": status}, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        word = "deprecated" if status == CategoryStatus.DEPRECATED else "made active"
        messages.success(request, f"Category “{category.name}” {word}.")
    return _back(request, reverse("web:structure_category_list"))


@requires(P.MANAGE_SETTINGS)
def category_delete(request, pk):
    category = queries.get_in_org(EmployeeCategory, request.user, pk)
    if request.method == "POST":
        try:
            actions.delete_employee_category(category, actor=request.user)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("web:structure_category_delete", pk=category.pk)
        messages.success(request, f"Category “{category.name}” deleted.")
        return redirect("web:structure_category_list")
    return render(
        request,
        "web/org/category_delete.html",
        {"category": category, **_holders(request.user, category)},
    )


# Organization settings and organizational NPIs.


def _settings_page(request, org_form, npi_form):
    organization = request.user.organization
    npis = OrganizationNPI.objects.visible_to(request.user).order_by("label", "npi")
    return render(
        request,
        "web/org/settings.html",
        {"organization": organization, "form": org_form, "npi_form": npi_form, "npis": npis},
    )


@requires(P.MANAGE_SETTINGS)
def org_settings(request):
    organization = request.user.organization
    initial = {f: getattr(organization, f) for f in actions.ORGANIZATION_FIELDS}
    form = OrganizationForm(
        request.POST or None, initial=initial, zones_in_use=zones_in_use(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            changes = actions.update_organization(
                organization, form.cleaned_data, actor=request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Settings saved." if changes else "Nothing to change.")
            return redirect("web:org_settings")
    return _settings_page(request, form, OrganizationNPIForm())


@require_POST
@requires(P.MANAGE_SETTINGS)
def org_npi_add(request):
    form = OrganizationNPIForm(request.POST)
    if form.is_valid():
        try:
            entry = actions.add_organization_npi(
                form.cleaned_data["label"], form.cleaned_data["npi"], actor=request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"NPI {entry.npi} ({entry.label}) added.")
            return redirect("web:org_settings")
    organization = request.user.organization
    initial = {f: getattr(organization, f) for f in actions.ORGANIZATION_FIELDS}
    org_form = OrganizationForm(initial=initial, zones_in_use=zones_in_use(request.user))
    return _settings_page(request, org_form, form)


@requires(P.MANAGE_SETTINGS)
def org_npi_remove(request, pk):
    """GET asks; POST removes the NPI."""
    entry = get_object_or_404(OrganizationNPI.objects.visible_to(request.user), pk=pk)
    if request.method != "POST":
        settings_url = reverse("web:org_settings")
        return confirm_page(
            request,
            heading=f"Remove NPI {entry.npi}?",
            lead=f"The organization will no longer list NPI {entry.npi} ({entry.label}). "
            "The audit log keeps a record of it.",
            button=f"Remove NPI {entry.npi}",
            cancel=settings_url + "#npis",
            crumbs=[("Organization settings", settings_url)],
        )
    actions.remove_organization_npi(entry, actor=request.user)
    messages.success(request, f"NPI {entry.npi} ({entry.label}) removed.")
    return redirect("web:org_settings")
