"""Location, payer enrollment and location manager forms."""

from django import forms

from clinicorg.core.validators import PLACE_OF_SERVICE, timezone_names
from clinicorg.directory.actions import ENROLLMENT_FIELDS, LOCATION_FIELDS
from clinicorg.directory.models import Location, PayerEnrollment

from .base import Form, action_validates


def timezone_choices():
    return [(tz, tz.replace("_", " ")) for tz in timezone_names()]


class LocationForm(Form):
    locals().update(forms.fields_for_model(Location, fields=LOCATION_FIELDS))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"] = forms.ChoiceField(
            choices=timezone_choices(), initial="America/New_York"
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
    managers = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, staff_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["managers"].choices = staff_choices
