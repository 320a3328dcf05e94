"""Employee Center: the staff list, full profile, invite, edit, status, invitation and email
pages, and the public invitation-acceptance page."""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import auth, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.access.models import Role
from clinicorg.core.errors import Conflict
from clinicorg.directory.models import Department, EmployeeCategory, Location, Position
from clinicorg.security.throttle import INVITATION_LINKS, throttled_view
from clinicorg.staff import actions, queries
from clinicorg.staff.models import Status, Supervisor

from ..forms import Form
from .base import apply_errors, list_filters, paginate, requires

FILTER_NAMES = ("q", "status", "location", "role", "department", "position", "category", "sort")
STAFF_BACKEND = "clinicorg.staff.backends.StaffBackend"


def optional_url(name: str, *args, query: str = "") -> str | None:
    """The URL of a page another area provides, or None while it does not exist yet."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return None
    return f"{url}?{query}" if query else url


# Forms: they parse; the actions validate.


class _Choice(forms.ModelChoiceField):
    def __init__(self, queryset, *, label_attr="name", **kw):
        super().__init__(queryset, **kw)
        self.label_attr = label_attr

    def label_from_instance(self, obj):
        return getattr(obj, self.label_attr)


class _SupervisorChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} · {obj.email}"


def _active_or_current(qs, current_id, *, active=None):
    """Active records for a picker, plus the record currently assigned (kept if inactive)."""
    from django.db.models import Q

    cond = active if active is not None else Q(is_active=True)
    if current_id:
        cond |= Q(pk=current_id)
    return qs.filter(cond)


class StaffRecordForm(Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    display_name = forms.CharField(
        max_length=200,
        required=False,
        help_text="As it appears on clinical notes and signatures, e.g. “Dr. Jane Smith, MD”.",
    )
    primary_location = _Choice(Location.objects.none(), empty_label="Choose a location")
    role = _Choice(Role.objects.none(), empty_label="Choose a role")
    department = _Choice(Department.objects.none(), required=False, empty_label="—")
    position = _Choice(Position.objects.none(), required=False, label="Position (job title)")
    category = _Choice(EmployeeCategory.objects.none(), required=False, label="Employee category")
    supervisor = _SupervisorChoice(
        Location.objects.none(), required=False, help_text="Chosen from appointed supervisors."
    )
    employee_id = forms.CharField(max_length=50, required=False, label="Employee id")
    phone = forms.CharField(max_length=25, required=False)
    hire_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Hire date"
    )

    def __init__(self, *args, actor, member=None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        from clinicorg.staff.models import StaffMember

        cur = (lambda f: getattr(member, f"{f}_id")) if member else (lambda f: None)
        self.fields["primary_location"].queryset = _active_or_current(
            Location.objects.visible_to(actor), cur("primary_location"), active=Q(status="active")
        ).order_by("name")
        self.fields["role"].queryset = policy.org_scope(Role.objects.all(), actor).order_by("name")
        self.fields["department"].queryset = _active_or_current(
            Department.objects.visible_to(actor), cur("department")
        ).order_by("name")
        self.fields["position"].queryset = _active_or_current(
            Position.objects.visible_to(actor), cur("position")
        ).order_by("name")
        self.fields["category"].queryset = _active_or_current(
            EmployeeCategory.objects.visible_to(actor), cur("category"), active=Q(status="active")
        ).order_by("name")
        self.fields["category"].help_text = "Only Active categories can be assigned."
        supervisors = Supervisor.objects.filter(organization_id=actor.organization_id)
        self.fields["supervisor"].queryset = (
            StaffMember.objects.filter(
                organization_id=actor.organization_id, supervisor_appointment__in=supervisors
            )
            .exclude(pk=getattr(member, "pk", None))
            .order_by("last_name", "first_name")
        )
        for name in ("department", "position", "category", "supervisor"):
            self.fields[name].empty_label = "—"


class InviteForm(StaffRecordForm):
    email = forms.EmailField(
        max_length=254, help_text="The sign-in email; the invitation goes here."
    )
    extra_locations = forms.ModelMultipleChoiceField(
        Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Also works at",
        help_text="Locations besides the primary one where this member may act.",
    )
    send_invitation = forms.BooleanField(
        required=False, initial=True, label="Send the invitation email now"
    )
    field_order = ["email", "first_name", "last_name", "display_name"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["extra_locations"].queryset = Location.objects.visible_to(actor).filter(
            status="active"
        )
        self.fields["extra_locations"].label_from_instance = lambda loc: loc.name


class StatusForm(Form):
    status = forms.ChoiceField(label="New status")
    reason = forms.CharField(
        max_length=500, widget=forms.TextInput(attrs={"placeholder": "e.g. Left the practice"})
    )

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = [(s, Status(s).label) for s in actions.allowed_statuses(member)]
        self.fields["status"].choices = [("", "Choose…"), *allowed] if allowed else []


class EmailForm(Form):
    email = forms.EmailField(max_length=254, label="New email")


class AcceptForm(Form):
    password = forms.CharField(
        label="New password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Repeat the password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") != data.get("password"):
            self.add_error("password2", "The two passwords differ.")
        return data


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
        "roles": policy.org_scope(Role.objects.all(), actor).order_by("name"),
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
        "extra_locations": member.extra_locations.order_by("name"),
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
