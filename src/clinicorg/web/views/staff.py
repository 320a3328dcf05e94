"""Employee Center: the staff list, full profile, invite, edit, status, invitation and email
pages, and the public invitation-acceptance page."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.access.models import Role
from clinicorg.core.errors import Conflict
from clinicorg.core.paging import CappedPaginator
from clinicorg.directory.models import Department, EmployeeCategory, Location, Position
from clinicorg.scheduling.filters import appointments_for
from clinicorg.scheduling.models import AppointmentStatus
from clinicorg.security.sessions import member_access
from clinicorg.security.throttle import INVITATION_LINKS, throttled_view
from clinicorg.staff import actions, queries
from clinicorg.staff import filters as staff_filters
from clinicorg.staff.fields import STAFF_FIELD_LIST
from clinicorg.staff.filters import STAFF_FILTERS
from clinicorg.staff.models import SIGN_IN_STATUSES, StaffMember, Status

from ..forms.staff import (
    AcceptForm,
    BulkForm,
    EmailForm,
    InviteForm,
    StaffRecordForm,
    StatusForm,
)
from .base import (
    apply_errors,
    confirm_page,
    filter_query,
    list_filters,
    paginate,
    render_denied,
    requires,
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
    return list_filters(request, STAFF_FILTERS)


PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50


def _page_size(request) -> int:
    value = request.GET.get("per", "")
    return int(value) if value in {str(n) for n in PAGE_SIZES} else DEFAULT_PAGE_SIZE


@requires(P.MANAGE_STAFF)
def staff_list(request):
    actor = request.user
    filters = _filters(request)
    per_page = _page_size(request)
    members = staff_filters.staff_pages(actor, filters)
    page, query = paginate(request, members, per_page, paginator_class=CappedPaginator)
    export_query = filter_query(filters)
    context = {
        "page": page,
        "query": query,
        "fields": STAFF_FIELD_LIST,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "bulk_statuses": [(s, Status(s).label) for s in Status.values if s != Status.PENDING],
        "can_export": policy.can(actor, P.IMPORT_EXPORT),
        "filters": filters,
        "statuses": Status.choices,
        "location_options": _location_options(actor, filters["location"]),
        "roles": Role.objects.visible_to(actor).order_by("name"),
        "departments": Department.objects.visible_to(actor).order_by("name"),
        "positions": Position.objects.visible_to(actor).order_by("name"),
        "categories": EmployeeCategory.objects.visible_to(actor).order_by("name"),
        "filtered": any(filters[k] for k in STAFF_FILTERS if k != "sort"),
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
        "last_status_change": _status_change(queries.last_status_change(request.user, member)),
    }
    return render(request, "web/staff/detail.html", context, status=status)


def _label(status) -> str:
    return Status(status).label if status in Status.values else str(status or "—")


def _status_change(event) -> dict | None:
    """The last status change as the profile shows it: labels, when, by whom, the reason."""
    if event is None:
        return None
    old, new = (event.changes.get("status") or [None, None])[:2]
    reason = (event.changes.get("reason") or [None, ""])[1]
    return {
        "old": _label(old),
        "new": _label(new),
        "at": event.occurred_at,
        "by": event.actor_label,
        "reason": reason,
    }


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


# Status changes that take something away ask first, naming what the action will do.
CONFIRMED_STATUSES = frozenset({Status.ON_LEAVE, Status.SUSPENDED, Status.DEACTIVATED})


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _status_effects(actor, member, status: str) -> list[str]:
    """What `change_staff_status` does to `member` when moved to `status`, and what it leaves
    as it is, counted among what the actor may see."""
    name = member.full_name
    effects = []
    if status in SIGN_IN_STATUSES:
        effects.append(f"{name} can still sign in; their sessions and API tokens are kept.")
    else:
        sessions, tokens = member_access(member)
        effects.append(
            f"{name} is signed out everywhere at once ({_count(sessions, 'session', 'sessions')}"
            " open now) and cannot sign in until reactivated."
            if sessions
            else f"{name} cannot sign in until reactivated (no session is open now)."
        )
        if tokens:
            effects.append(
                f"{_count(len(tokens), 'API token', 'API tokens')} they created "
                f"{'is' if len(tokens) == 1 else 'are'} revoked for good (a reactivation "
                f"does not restore {'it' if len(tokens) == 1 else 'them'}): "
                f"{', '.join(tokens)}."
            )
    if status == Status.DEACTIVATED and actions.open_invitation(member):
        effects.append("Their open invitation link stops working.")
    reports = StaffMember.objects.visible_to(actor).filter(supervisor=member).count()
    if reports:
        effects.append(
            f"{_count(reports, 'direct report keeps', 'direct reports keep')} {name} as "
            "supervisor; reassign them from Supervisors if someone else takes over."
        )
    managed = list(
        Location.objects.visible_to(actor)
        .filter(managers=member)
        .order_by("name")
        .values_list("name", flat=True)
    )
    if managed:
        effects.append(f"They stay listed as manager of {', '.join(managed)}.")
    upcoming = appointments_for(actor, {"provider": member.pk, "status": AppointmentStatus.BOOKED})
    booked = upcoming.filter(ends_at__gt=timezone.now()).count()
    if booked:
        effects.append(
            f"{_count(booked, 'upcoming appointment', 'upcoming appointments')} with them "
            f"{'stays' if booked == 1 else 'stay'} booked: move or cancel "
            f"{'it' if booked == 1 else 'them'} if they will not be seen."
        )
    keeps_hours = member.availability_windows.filter(
        location__in=Location.objects.visible_to(actor)
    ).exists()
    if keeps_hours and status in SIGN_IN_STATUSES:
        effects.append(
            "Appointments can still be booked in their hours; add time off to stop that."
        )
    elif keeps_hours:
        effects.append("No new appointment can be booked with them.")
    return effects


def _confirm_status(request, member, status: str, reason: str):
    detail = reverse("web:staff_detail", args=[member.pk])
    label = Status(status).label
    verb = {
        Status.ON_LEAVE: "Put {name} on leave",
        Status.SUSPENDED: "Suspend {name}",
        Status.DEACTIVATED: "Deactivate {name}",
    }[status].format(name=member.full_name)
    return confirm_page(
        request,
        heading=f"{verb}?",
        lead=f"{member.full_name} ({member.email}) goes from {member.get_status_display()} to "
        f"{label}, with the reason “{reason}”. Their record and history stay.",
        effects=_status_effects(request.user, member, status),
        button=verb,
        cancel=detail,
        fields={"status": status, "reason": reason, "confirm": "yes"},
        crumbs=[("Employee Center", reverse("web:staff_list")), (member.full_name, detail)],
        danger=status != Status.ON_LEAVE,
    )


@require_POST
@requires(P.MANAGE_STAFF)
def staff_status(request, pk):
    """A valid change that takes something away (CONFIRMED_STATUSES) answers the confirmation
    first; its button posts the same change with `confirm`, and only then the action runs."""
    member = queries.get_staff(request.user, pk)
    form = StatusForm(request.POST, member=member)
    if form.is_valid():
        status = form.cleaned_data["status"]
        asks = (
            status in CONFIRMED_STATUSES
            and request.POST.get("confirm") != "yes"
            and member.pk != request.user.pk
        )
        if asks:
            # Refusals the action would make come before the question, from the same rules.
            policy.require_member(request.user, member)
            try:
                actions.ensure_not_last_admin(member, new_status=status)
            except Conflict as exc:
                form.add_error("status", exc.message)
            else:
                return _confirm_status(request, member, status, form.cleaned_data["reason"])
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


# Bulk actions: a selection from the list, a confirmation naming the count, then the
# per-member actions (staff.actions.bulk).

BULK_STATUS = "status"
BULK_RESEND = "resend"
BULK_EXPORT = "export"
BULK_ACTIONS = (BULK_STATUS, BULK_RESEND, BULK_EXPORT)
BULK_SHOWN = 30  # names listed on the confirmation page


def _safe_next(request, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:staff_list")


@requires(P.MANAGE_STAFF)
def staff_bulk(request):
    """GET (a row's Deactivate link) or POST (the list's bulk bar): the confirmation page,
    naming how many members and who; POST with `confirm`: run the per-member actions."""
    actor = request.user
    data = request.POST if request.method == "POST" else request.GET
    form = BulkForm(data, statuses=[s for s in Status.values if s != Status.PENDING])
    back = _safe_next(request, data.get("next", ""))
    if not form.is_valid():
        for name, errors in form.errors.items():
            messages.error(request, " ".join(errors) if name == "__all__" else errors[0])
        return redirect(back)
    action = form.cleaned_data["action"]
    ids = form.cleaned_data["ids"]
    if action == BULK_EXPORT:
        if not policy.can(actor, P.IMPORT_EXPORT):
            return render_denied(request, policy.explain(actor, P.IMPORT_EXPORT))
        selection = urlencode({"ids": ",".join(map(str, ids)), "status": "all"})
        return redirect(f"{reverse('web:export_staff')}?{selection}")
    members = list(staff_filters.staff_for(actor, {"ids": ids, "status": "all"}))
    if not members:
        messages.error(request, "None of the chosen members is one you can see.")
        return redirect(back)
    status = form.cleaned_data.get("status") or ""
    reason = form.cleaned_data.get("reason") or ""
    confirmed = request.method == "POST" and data.get("confirm") == "yes"
    if confirmed and action == BULK_STATUS and not reason:
        form.add_error("reason", "Say why the status changes; the reason is kept in the audit log.")
        confirmed = False
    if not confirmed:
        return render(
            request,
            "web/staff/bulk_confirm.html",
            {
                "form": form,
                "action": action,
                "members": members[:BULK_SHOWN],
                "more": max(0, len(members) - BULK_SHOWN),
                "count": len(members),
                "ids": ",".join(str(m.pk) for m in members),
                "status_label": Status(status).label if status else "",
                "next": back,
            },
            status=422 if form.errors else 200,
        )
    if action == BULK_STATUS:
        outcome = actions.change_staff_statuses(members, status, reason, actor=actor)
        verb = f"now {Status(status).label}"
    else:
        outcome = actions.resend_invitations(members, actor=actor)
        verb = "sent a new invitation"
    if outcome.done:
        n = len(outcome.done)
        messages.success(request, f"{n} staff member{pluralize(n)} {verb}.")
    for member, message in outcome.refused[:BULK_SHOWN]:
        messages.error(request, f"{member.full_name}: {message}")
    if len(outcome.refused) > BULK_SHOWN:
        messages.error(request, f"{len(outcome.refused) - BULK_SHOWN} more were not changed.")
    return redirect(back)
