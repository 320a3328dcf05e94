"""Staff forms: the member record, invitation, status, email and invitation acceptance."""

from django import forms

from clinicorg.access.models import Role
from clinicorg.directory.models import Department, EmployeeCategory, Location, Position
from clinicorg.staff import actions, queries
from clinicorg.staff.models import StaffMember, Status

from .base import Form
from .pickers import MemberChoiceField


class _Choice(forms.ModelChoiceField):
    def __init__(self, queryset, *, label_attr="name", **kw):
        super().__init__(queryset, **kw)
        self.label_attr = label_attr

    def label_from_instance(self, obj):
        return getattr(obj, self.label_attr)


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
    supervisor = MemberChoiceField(
        StaffMember.objects.none(),
        queries.PICK_SUPERVISOR,
        required=False,
        help_text="Chosen from appointed supervisors.",
    )
    employee_id = forms.CharField(max_length=50, required=False, label="Employee id")
    phone = forms.CharField(max_length=25, required=False)
    hire_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Hire date"
    )

    def __init__(self, *args, actor, member=None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        cur = (lambda f: getattr(member, f"{f}_id")) if member else (lambda f: None)
        self.fields["primary_location"].queryset = _active_or_current(
            Location.objects.visible_to(actor), cur("primary_location"), active=Q(status="active")
        ).order_by("name")
        self.fields["role"].queryset = Role.objects.visible_to(actor).order_by("name")
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
        # Any member the actor sees parses; whether they may supervise is the rule's to say
        # (staff.rules.supervisor_error), and the picker offers only those it accepts.
        self.fields["supervisor"].queryset = StaffMember.objects.visible_to(actor)
        self.fields["supervisor"].widget.exclude = getattr(member, "pk", None)
        for name in ("department", "position", "category"):
            self.fields[name].empty_label = "—"
        if getattr(member, "supervisor_id", None) and not member.supervisor_visible:
            # Their supervisor is outside the actor's scope: neither shown nor changed here.
            del self.fields["supervisor"]


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


class BulkForm(Form):
    """A bulk action of the Employee Center on a selection of members (ids)."""

    action = forms.ChoiceField(
        choices=[
            ("status", "Change status"),
            ("resend", "Resend invitations"),
            ("export", "Export"),
        ]
    )
    ids = forms.CharField(max_length=10_000, required=False)
    status = forms.ChoiceField(required=False, label="New status")
    reason = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Left the practice"}),
    )

    def __init__(self, *args, statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Choose…"), *((s, Status(s).label) for s in statuses)]

    def clean_ids(self) -> list[int]:
        # One `ids` value per ticked box, or one comma-separated value (a row's link).
        values = self.data.getlist("ids") if hasattr(self.data, "getlist") else [self.data["ids"]]
        parts = [p for v in values for p in str(v).replace(" ", "").split(",") if p]
        if not parts:
            raise forms.ValidationError("Tick at least one member first.")
        if any(not p.isascii() or not p.isdigit() or len(p) > 18 for p in parts):
            raise forms.ValidationError("Choose members from the list.")
        if len(parts) > actions.BULK_LIMIT:
            raise forms.ValidationError(f"Choose at most {actions.BULK_LIMIT} members at a time.")
        return list(dict.fromkeys(int(p) for p in parts))

    def clean(self):
        data = super().clean()
        if data.get("action") == "status" and not data.get("status"):
            self.add_error("status", "Choose the new status.")
        return data
