"""What every web form shares: the input boundary (core.boundary) beside each field."""

from django import forms
from django.utils.html import format_html, format_html_join

from clinicorg.core import boundary


class BoundaryMixin:
    """The input boundary for every form (core.boundary): a cleaned value holding control
    characters, lone surrogates or an integer past the database's 64-bit range is an error
    beside its field, whatever the field's own validators are."""

    def _post_clean(self):
        super()._post_clean()
        for name, value in list(getattr(self, "cleaned_data", {}).items()):
            found = boundary.problem(value)
            if found:
                self.add_error(name if name in self.fields else None, found)


class Form(BoundaryMixin, forms.Form):
    """The base of the product's forms."""


def action_validates(form: forms.Form) -> None:
    """Leave the checking of `form`'s fields to the action it feeds: drop the model's
    validators and the "required" check, so a blank required field, a bad value and a clash
    with another record are reported together, in the action's words, after one submit (and
    the same way the API and imports report them). A required field keeps its mark."""
    for field in form.fields.values():
        field.validators = []
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            # The action checks the value against the same choices (a model field's choices
            # or validator), beside the other fields' errors.
            field.valid_value = lambda value: True
        if field.required and not isinstance(field, forms.BooleanField):
            field.required = False
            field.marked_required = True


def given_filters(data, names) -> dict:
    """A list's filters as given (stripped), for its filter set, from a page that reports their
    errors beside its own form's fields; one the input boundary refuses reads as empty."""
    given = {name: str(data.get(name) or "").strip() for name in names}
    return {k: "" if boundary.text_problem(v) else v for k, v in given.items()}


class FilterForm(Form):
    """The query-string filters of a list page, as text fields through the same boundary."""

    def __init__(self, data, names):
        super().__init__(data)
        for name in names:
            self.fields[name] = forms.CharField(required=False)

    def filters(self) -> dict:
        """Each filter stripped; one the boundary refuses reads as empty."""
        self.is_valid()
        return {name: self.cleaned_data.get(name, "") for name in self.fields}


class ZoneSelect(forms.Select):
    """The time-zone picker: a few hundred options in region groups, rendered without a
    template per option (which made the pages several times slower)."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        # A zone in use appears twice (first under "In use"); only its first option is selected.
        pending = [str(value)]

        def selected(key) -> str:
            if pending and str(key) == pending[0]:
                pending.clear()
                return " selected"
            return ""

        def options(pairs):
            return format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((k, selected(k), label) for k, label in pairs),
            )

        groups = format_html_join(
            "",
            '<optgroup label="{}">{}</optgroup>',
            ((group, options(pairs)) for group, pairs in self.choices),
        )
        extra = format_html_join("", ' {}="{}"', ((k, v) for k, v in attrs.items() if v))
        return format_html('<select name="{}"{}>{}</select>', name, extra, groups)
