"""Forms of the organization pages (structure, settings) and the audit log filter.

They parse and render; the directory actions validate, so every front end gives the same errors.
"""

from django import forms

from clinicorg.core.filters import AUDIT_FILTERS
from clinicorg.core.labels import action_label, target_type_label
from clinicorg.core.models import Organization, OrganizationNPI
from clinicorg.core.queries import date_range_problem
from clinicorg.directory.models import CategoryStatus

from .base import Form, ZoneSelect, action_validates, given_filters
from .locations import timezone_choices


class NameForm(Form):
    """Create or rename a department, position or employee category."""

    name = forms.CharField(max_length=100)

    def __init__(self, *args, label="Name", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = label
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        action_validates(self)


class CategoryForm(NameForm):
    status = forms.ChoiceField(
        choices=CategoryStatus.choices,
        help_text="Only Active categories can be assigned. Deprecated ones stay on the staff "
        "who already have them.",
    )


class OrganizationForm(Form):
    locals().update(forms.fields_for_model(Organization, fields=("name", "tax_id", "date_order")))

    def __init__(self, *args, zones_in_use=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"] = forms.ChoiceField(
            label="Time zone",
            choices=timezone_choices(zones_in_use),
            widget=ZoneSelect,
            help_text="Used for dates and times shown across the organization, such as the "
            "audit log.",
        )
        self.fields["tax_id"].label = "Tax id (EIN)"
        self.fields["tax_id"].help_text = "Optional, for example 12-3456789."
        self.fields["date_order"].label = "Date order in spreadsheets"
        self.order_fields(["name", "timezone", "tax_id", "date_order"])
        action_validates(self)


class OrganizationNPIForm(Form):
    locals().update(forms.fields_for_model(OrganizationNPI, fields=("label", "npi")))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].help_text = "What this NPI is used for, e.g. Billing or Group."
        self.fields["npi"].help_text = "Type 2 (organizational) NPI, 10 digits."
        self.fields["npi"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        action_validates(self)


class AuditFilterForm(Form):
    """The audit log filter as the page shows it: its errors beside the fields. The list reads
    the values through the one filter set (core.filters.AuditFilterSet), as the API does, so
    a value it cannot use (a day that is no date, an action the log does not hold) matches
    nothing there too."""

    q = forms.CharField(required=False, label="Search")
    actor = forms.CharField(required=False, label="Actor", max_length=300)
    action = forms.ChoiceField(required=False, label="Action")
    target_type = forms.ChoiceField(required=False, label="Target type")
    target_id = forms.CharField(required=False, label="Target id", max_length=64)
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actions=(), target_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "All actions")] + [
            (a, action_label(a)) for a in actions
        ]
        self.fields["target_type"].choices = [("", "All targets")] + [
            (t, target_type_label(t)) for t in target_types
        ]
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": "Search actor, action, target"}
        )
        self.fields["actor"].widget.attrs["placeholder"] = "Email or staff id"
        self.fields["target_id"].widget.attrs.update({"placeholder": "Id", "inputmode": "numeric"})

    def clean(self):
        data = super().clean()
        problem = date_range_problem(data.get("date_from"), data.get("date_to"))
        if problem:
            self.add_error("date_to", problem)
        return data

    def filters(self) -> dict:
        """The filters as given, for the filter set; one the input boundary refuses (control
        characters, lone surrogates) reads as empty, as on every list page."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return given_filters(self.data, AUDIT_FILTERS)
