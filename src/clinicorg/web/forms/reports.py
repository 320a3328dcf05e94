"""Forms of the reports pages: they parse; `reports.queries` filters."""

from django import forms

from clinicorg.reports import queries
from clinicorg.reports.models import MAX_WINDOW_DAYS, MAX_WINDOWS

from .base import Form


class LicenseFilterForm(Form):
    """The license filter as the page shows it: its errors beside the fields. The list reads
    the values through the one filter set (reports.filters.LicenseFilterSet)."""

    window = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=queries.MAX_WINDOW,
        label="Within (days)",
        widget=forms.NumberInput(attrs={"min": 1, "max": queries.MAX_WINDOW}),
    )
    show = forms.ChoiceField(
        required=False,
        choices=[
            (queries.SHOW_ALL, "Expired and expiring"),
            (queries.SHOW_EXPIRED, "Expired only"),
            (queries.SHOW_EXPIRING, "Expiring only"),
        ],
    )
    location = forms.CharField(required=False)
    state = forms.CharField(required=False, max_length=2, label="State")
    q = forms.CharField(required=False, max_length=200, label="Search")
    sort = forms.CharField(required=False)


class ReminderSettingsForm(Form):
    enabled = forms.BooleanField(required=False, label="Send license expiry reminders")
    windows = forms.CharField(
        max_length=60,
        label="Remind this many days before expiry",
        help_text=f"Up to {MAX_WINDOWS} numbers of days (1–{MAX_WINDOW_DAYS}), separated by "
        "commas, e.g. 90, 60, 30, 7. A license is told once within each window (at the next "
        "daily run if it entered one on a day the job did not run), on the day it expires, "
        "then weekly while it stays expired.",
    )

    def clean_windows(self):
        parts = [p.strip() for p in self.cleaned_data["windows"].split(",") if p.strip()]
        try:
            return [int(p) for p in parts]
        except ValueError:
            raise forms.ValidationError(
                "Write whole numbers of days separated by commas."
            ) from None
