"""Forms of the reports pages: they parse; `reports.queries` filters."""

from django import forms

from clinicorg.reports import queries
from clinicorg.reports.models import MAX_WINDOW_DAYS, MAX_WINDOWS

from .base import Form


class LicenseFilterForm(Form):
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

    def filters(self) -> dict:
        """The filters of a valid form; a field with an error falls back to its default."""
        data = self.cleaned_data if self.is_bound else {}
        return {
            "window": data.get("window") or queries.DEFAULT_WINDOW,
            "show": data.get("show") or queries.SHOW_ALL,
            "location": data.get("location") or None,
            "state": data.get("state") or "",
            "q": data.get("q") or "",
            "sort": data.get("sort") or "",
        }


class ReminderSettingsForm(Form):
    enabled = forms.BooleanField(required=False, label="Send license expiry reminders")
    windows = forms.CharField(
        max_length=60,
        label="Remind this many days before expiry",
        help_text=f"Up to {MAX_WINDOWS} numbers of days (1–{MAX_WINDOW_DAYS}), separated by "
        "commas, e.g. 90, 60, 30, 7. People are also told on the day a license expires, then "
        "weekly while it stays expired.",
    )

    def clean_windows(self):
        parts = [p.strip() for p in self.cleaned_data["windows"].split(",") if p.strip()]
        try:
            return [int(p) for p in parts]
        except ValueError:
            raise forms.ValidationError(
                "Write whole numbers of days separated by commas."
            ) from None
