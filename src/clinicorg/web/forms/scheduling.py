"""Forms of the schedule pages, the availability page and the public booking page. They parse;
the scheduling actions validate."""

from django import forms

from clinicorg.scheduling.models import WEEKDAYS

from .base import Form

WEEKDAY_FIELDS = tuple(d.lower() for d in WEEKDAYS)


class PatientForm(Form):
    # Not required here: the action checks every field at once and names each problem.
    patient_name = forms.CharField(label="Name", max_length=200, required=False)
    patient_email = forms.CharField(label="Email", max_length=254, required=False)
    patient_phone = forms.CharField(label="Phone", max_length=25, required=False)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, public: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient_email"].widget = forms.EmailInput(attrs={"autocomplete": "email"})
        self.fields["patient_phone"].widget = forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel"}
        )
        self.fields["patient_name"].widget.attrs["autocomplete"] = "name"
        if public:
            del self.fields["notes"]
            self.fields["patient_name"].label = "Your name"
            self.fields["patient_email"].help_text = "We send the confirmation here."


class CancelForm(Form):
    reason = forms.CharField(label="Reason", max_length=300)


class WeeklyForm(Form):
    """One text field per weekday: "09:00-12:00, 13:00-17:00"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in zip(WEEKDAY_FIELDS, WEEKDAYS, strict=True):
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": "e.g. 09:00-12:00, 13:00-17:00"}),
            )


class OverrideForm(Form):
    location = forms.ChoiceField()
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="From", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label="Until", widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args, location_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = location_choices


class TimeOffForm(Form):
    starts_at = forms.DateTimeField(
        label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label="Until", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(max_length=200, required=False)


class SchedulingSettingsForm(Form):
    online_booking_enabled = forms.BooleanField(
        label="Patients may book online on the public page", required=False
    )
    minimum_notice_minutes = forms.IntegerField(
        label="Minimum notice (minutes)", min_value=0, help_text="e.g. 120 for two hours."
    )
    booking_horizon_days = forms.IntegerField(label="Booking horizon (days)", min_value=1)


class VisitTypeForm(Form):
    name = forms.CharField(max_length=100)
    duration_minutes = forms.IntegerField(label="Duration (minutes)")
    is_active = forms.BooleanField(label="Active", required=False, initial=True)
    online_bookable = forms.BooleanField(label="Patients may book it online", required=False)
    providers = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Offered by"
    )

    def __init__(self, *args, provider_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["providers"].choices = provider_choices
