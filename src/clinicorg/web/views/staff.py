"""Employee Center: the staff list, full profile, invite, edit, status, invitation and email
pages, and the public invitation-acceptance page."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clinicorg.access.catalogue import P
from clinicorg.access.models import Role
from clinicorg.core.errors import Conflict
from clinicorg.directory.models import Department, EmployeeCategory, Location, Position
from clinicorg.security.throttle import INVITATION_LINKS, throttled_view
from clinicorg.staff import actions, queries
from clinicorg.staff.models import Status

from ..forms.staff import (
    AcceptForm,
    EmailForm,
    InviteForm,
    StaffRecordForm,
    StatusForm,
)
from .base import apply_errors, list_filters, paginate, requires

FILTER_NAMES = (
    "q",
    "status",
    "location",
    "role",
    "department",
    "position",
    "category",
    "invitation",
    "missing",
    "sort",
)
STAFF_BACKEND = "clinicorg.staff.backends.StaffBackend"


def optional_url(name: str, *args, query: str = "") -> str | None:
    """The URL of a page another area provides, or None while it does not exist yet."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return None
    return f"{url}?{query}" if query else url


# Pages


def _filters(request) -> dict:
    return list_filters(request, FILTER_NAMES)


@requires(P.MANAGE_STAFF)
def staff_list(request):
    actor = request.user
    filters = _filters(request)
    page, query = paginate(request, queries.staff_for(actor, **filters))
    export_query = urlencode({k: v for k, v in filters.items() if v})
    context = {
        "page": page,
        "query": query,
        "filters": filters,
        "statuses": Status.choices,
        "location_options": _location_options(actor, filters["location"]),
        "roles": Role.objects.visible_to(actor).order_by("name"),
        "departments": Department.objects.visible_to(actor).order_by("name"),
        "positions": Position.objects.visible_to(actor).order_by("name"),
        "categories": EmployeeCategory.objects.visible_to(actor).order_by("name"),
        "filtered": any(filters[k] for k in FILTER_NAMES if k != "sort"),
        "upload_url": optional_url("web:import_start", query="kind=staff"),
        "export_url": optional_url("web:export_staff", query=export_query),
    }
    return render(request, "web/staff/list.html", context)


def _location_options(actor, selected: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) for the location filter, from plain values: an organization
    with a thousand locations renders them without a model instance or template per option."""
    rows = Location.objects.visible_to(actor).order_by("name").values_list("pk", "name", "status")
    return [
        (str(pk), name if status == "active" else f"{name} (inactive)", str(pk) == selected)
        for pk, name, status in rows
    ]


def _has_active_location(actor) -> bool:
    return Location.objects.filter(organization_id=actor.organization_id, status="active").exists()


@requires(P.MANAGE_STAFF)
def staff_create(request):
    actor = request.user
    if not _has_active_location(actor):
        return render(
            request,
            "web/staff/form.html",
            {
                "creating": True,
                "no_location": actions.NO_ACTIVE_LOCATION,
                "location_create_url": optional_url("web:location_create"),
            },
        )
    form = InviteForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        extra = list(data.pop("extra_locations") or [])
        send = data.pop("send_invitation")
        try:
            member = actions.invite_staff(data, actor=actor, send=send, extra_locations=extra)
        except ValidationError as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            if send:
                messages.success(request, f"Invitation sent to {member.email}.")
            else:
                messages.success(
                    request,
                    f"{member.full_name} added as Pending. Send the invitation from their "
                    "profile when ready.",
                )
            return redirect("web:staff_detail", pk=member.pk)
    return render(
        request,
        "web/staff/form.html",
        {"form": form, "creating": True, "ttl_days": settings.INVITATION_TTL_DAYS},
    )


def _render_detail(request, member, *, status_form=None, email_form=None, status=200):
    invitations = list(member.invitations.select_related("sent_by").order_by("-created_at")[:5])
    context = {
        "member": member,
        "status_form": status_form or StatusForm(member=member),
        "email_form": email_form or EmailForm(),
        "open_invitation": actions.open_invitation(member),
        "invitations": invitations,
        "needs_invitation": member.status == Status.PENDING
        or (member.status == Status.ACTIVE and not member.has_usable_password()),
        "extra_locations": member.extra_locations.filter(
            pk__in=Location.objects.visible_to(request.user)
        ).order_by("name"),
        "is_self": member.pk == request.user.pk,
    }
    return render(request, "web/staff/detail.html", context, status=status)


@requires(P.MANAGE_STAFF)
def staff_detail(request, pk):
    member = queries.get_staff(request.user, pk)
    return _render_detail(request, member)


@requires(P.MANAGE_STAFF)
def staff_edit(request, pk):
    member = queries.get_staff(request.user, pk)
    initial = {f: getattr(member, f) for f in actions.RECORD_FIELDS}
    form = StaffRecordForm(request.POST or None, actor=request.user, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changes = actions.update_staff(member, form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            form.add_error("role" if exc.code == "last_administrator" else None, exc.message)
        else:
            messages.success(request, "Changes saved." if changes else "Nothing changed.")
            return redirect("web:staff_detail", pk=member.pk)
    return render(
        request, "web/staff/form.html", {"form": form, "member": member, "creating": False}
    )


@require_POST
@requires(P.MANAGE_STAFF)
def staff_status(request, pk):
    member = queries.get_staff(request.user, pk)
    form = StatusForm(request.POST, member=member)
    if form.is_valid():
        try:
            member = actions.change_staff_status(
                member, form.cleaned_data["status"], form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            form.add_error("status", exc.message)
        else:
            messages.success(request, f"{member.full_name} is now {member.get_status_display()}.")
            return redirect("web:staff_detail", pk=member.pk)
    return _render_detail(request, member, status_form=form, status=422)


def _back(request, member):
    """Return to the page the button was on (the list keeps its filters), else the profile."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("web:staff_detail", pk=member.pk)


@require_POST
@requires(P.MANAGE_STAFF)
def staff_invitation_resend(request, pk):
    member = queries.get_staff(request.user, pk)
    try:
        actions.resend_invitation(member, actor=request.user)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"A new invitation was sent to {member.email}; the previous link no longer works.",
        )
    return _back(request, member)


@require_POST
@requires(P.MANAGE_STAFF)
def staff_invitation_revoke(request, pk):
    member = queries.get_staff(request.user, pk)
    try:
        actions.revoke_invitation(member, actor=request.user)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The invitation of {member.email} was revoked.")
    return redirect("web:staff_detail", pk=member.pk)


@require_POST
@requires(P.MANAGE_STAFF)
def staff_email(request, pk):
    member = queries.get_staff(request.user, pk)
    form = EmailForm(request.POST)
    if form.is_valid():
        old = member.email
        try:
            member = actions.change_staff_email(
                member, form.cleaned_data["email"], actor=request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Email changed to {member.email}; {old} is free again.")
            return redirect("web:staff_detail", pk=member.pk)
    return _render_detail(request, member, email_form=form, status=422)


@never_cache
@throttled_view(INVITATION_LINKS, failed=lambda response: response.status_code == 410)
def invite_accept(request, token):
    """Public: the invitation link. Sets the password, activates and signs the member in."""
    try:
        invitation = actions.find_invitation(token)
    except actions.InvitationInvalid as exc:
        response = render(
            request, "web/staff/accept.html", {"problem": exc.message, "code": exc.code}, status=410
        )
        response["Referrer-Policy"] = "same-origin"
        return response
    member = invitation.staff
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = actions.accept_invitation(token, form.cleaned_data["password"])
        except ValidationError as exc:
            apply_errors(form, exc)
        except actions.InvitationInvalid as exc:
            return render(request, "web/staff/accept.html", {"problem": exc.message}, status=410)
        else:
            auth.login(request, member, backend=STAFF_BACKEND)
            messages.success(
                request, f"Welcome to {member.organization.name}, {member.first_name}."
            )
            return redirect("web:home")
    response = render(
        request,
        "web/staff/accept.html",
        {"form": form, "member": member, "organization": member.organization},
    )
    response["Referrer-Policy"] = "same-origin"
    return response
