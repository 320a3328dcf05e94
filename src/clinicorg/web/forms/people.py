"""Forms of the people area (supervisors, credentials, my profile). They parse; actions validate."""

import re

from django import forms

from clinicorg.staff.actions.people import US_STATES
from clinicorg.staff.bio import BIO_MAX_LENGTH
from clinicorg.staff.models import SCHEDULING_STEPS, StaffMember
from clinicorg.staff.queries import PICK_APPOINTEE, PICK_SUPERVISOR

from .base import Form
from .pickers import MemberChoiceField

BIO_HELP = (
    f"Shown to patients. Up to {BIO_MAX_LENGTH:,} characters. Plain text or simple markdown: "
    "**bold**, *italic*, lists starting with “- ”, and links written [text](https://…)."
)


class SupervisorForm(Form):
    staff = MemberChoiceField(StaffMember.objects.none(), PICK_APPOINTEE, label="Member")
    locations = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Supervises locations"
    )
    departments = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Supervises departments"
    )

    def __init__(self, *args, staff=None, location_choices=(), department_choices=(), **kw):
        super().__init__(*args, **kw)
        if staff is None:
            del self.fields["staff"]
        else:
            self.fields["staff"].queryset = staff
        self.fields["locations"].choices = location_choices
        self.fields["departments"].choices = department_choices


class RemoveSupervisorForm(Form):
    reports = forms.ChoiceField(
        choices=[("reassign", "Reassign them to"), ("clear", "Clear their supervisor")],
        widget=forms.RadioSelect,
        required=False,
        initial="reassign",
    )
    reassign_to = MemberChoiceField(
        StaffMember.objects.none(),
        PICK_SUPERVISOR,
        required=False,
        label="Supervisor who takes over",
    )

    def __init__(self, *args, staff, replacing: int, **kw):
        """`staff`: the members the actor sees (any of them parses; whether they may take
        over is the action's rule to say); `replacing`: the supervisor being removed, whom the
        picker leaves out together with everyone the rule refuses."""
        super().__init__(*args, **kw)
        self.fields["reassign_to"].queryset = staff
        self.fields["reassign_to"].widget.replacing = replacing


def split_codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,;]+", (text or "").upper()) if c]


class CredentialsForm(Form):
    npi = forms.CharField(
        label="Individual NPI",
        required=False,
        max_length=20,
        help_text="Type 1 NPI, 10 digits.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    taxonomy_codes = forms.CharField(
        label="Taxonomy codes",
        required=False,
        max_length=500,
        help_text="NUCC codes separated by commas; the first one is the primary. "
        "Search by name below to find a code.",
    )
    capacity = forms.IntegerField(
        label="Capacity",
        required=True,
        help_text="Appointments at once, 1–20.",
        widget=forms.NumberInput(attrs={"min": 1, "max": 20}),
    )
    scheduling_step = forms.TypedChoiceField(
        label="Scheduling step",
        coerce=int,
        choices=[(s, f"{s} minutes") for s in SCHEDULING_STEPS],
    )
    bio = forms.CharField(
        label="Patient-facing bio",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=BIO_HELP,
    )

    def action_data(self) -> dict:
        data = dict(self.cleaned_data)
        codes = split_codes(data.pop("taxonomy_codes"))
        data["taxonomy_codes"] = codes
        data["primary_taxonomy"] = codes[0] if codes else ""
        return data


class LicenseForm(Form):
    state = forms.ChoiceField(
        choices=[("", "State…"), *((k, f"{k} · {v}") for k, v in sorted(US_STATES.items()))]
    )
    number = forms.CharField(max_length=60, label="License number")
    expires_on = forms.DateField(
        label="Expires on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class MyProfileForm(Form):
    display_name = forms.CharField(
        required=False,
        max_length=250,
        help_text="As it appears on clinical notes and signatures.",
    )
    phone = forms.CharField(
        required=False, max_length=40, widget=forms.TextInput(attrs={"type": "tel"})
    )
    bio = forms.CharField(
        label="Patient-facing bio",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=BIO_HELP,
    )
