"""Location, payer enrollment and location manager forms."""

from django import forms

from clinicorg.core.validators import PLACE_OF_SERVICE, timezone_groups
from clinicorg.directory.actions import ENROLLMENT_FIELDS, LOCATION_FIELDS
from clinicorg.directory.models import Location, PayerEnrollment
from clinicorg.staff.queries import PICK_MANAGER

from .base import Form, ZoneSelect, action_validates
from .pickers import MemberIdsField


def _zone_label(name: str) -> str:
    return name.split("/", 1)[-1].replace("_", " ").replace("/", " / ")


def timezone_choices(current=()):
    """The one time-zone picker: the zones `current` names first (those in use), then the
    canonical zones grouped by region (core.validators.timezone_groups)."""
    in_use = [z for z in dict.fromkeys(current) if z]
    groups = [("In use", [(z, z.replace("_", " ")) for z in in_use])] if in_use else []
    return groups + [
        (region, [(z, _zone_label(z)) for z in zones]) for region, zones in timezone_groups()
    ]


class LocationForm(Form):
    locals().update(forms.fields_for_model(Location, fields=LOCATION_FIELDS))

    def __init__(self, *args, zones_in_use=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"] = forms.ChoiceField(
            label="Time zone",
            choices=timezone_choices(zones_in_use),
            widget=ZoneSelect,
            initial="America/New_York",
        )
        self.fields["place_of_service"] = forms.ChoiceField(
            required=False,
            label="Place-of-service code",
            choices=[("", "—")] + [(k, f"{k} · {v}") for k, v in PLACE_OF_SERVICE.items()],
        )
        self.fields["npi"].help_text = "Type 2 (organizational) NPI of this site, 10 digits."
        self.fields["code"].help_text = "Short and unique, used by imports (for example MAIN)."
        action_validates(self)


class EnrollmentForm(Form):
    locals().update(forms.fields_for_model(PayerEnrollment, fields=ENROLLMENT_FIELDS))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_date"].widget = forms.DateInput(attrs={"type": "date"})
        action_validates(self)


class ManagersForm(Form):
    managers = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Current managers"
    )
    add = MemberIdsField(PICK_MANAGER, label="Add managers")

    def __init__(self, *args, staff_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["managers"].choices = staff_choices

    def manager_ids(self) -> list[int]:
        """The managers kept (still ticked) and the ones added."""
        kept = self.cleaned_data["managers"]
        return list(dict.fromkeys([*kept, *self.cleaned_data["add"]]))
