"""The member picker: a type-ahead over the one scoped people search (web:people_search).

Without scripts it is a plain field for a member's id (several ids, separated by commas, for a
picker of many), so every page keeps working; member-picker.js turns it into a search box with
a list of the people the search offers. Either way the chosen id goes to the action, whose
rules decide.
"""

import re
from urllib.parse import urlencode

from django import forms
from django.urls import reverse


class MemberPicker(forms.TextInput):
    template_name = "web/widgets/member_picker.html"

    def __init__(self, purpose: str, *, multiple: bool = False, attrs=None):
        super().__init__(attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})})
        self.purpose = purpose
        self.multiple = multiple
        self.exclude = None  # the member being edited, left out of the offers
        self.replacing = None  # a supervisor being removed (see staff.queries.pick_staff)

    def search_url(self) -> str:
        params = {"for": self.purpose}
        if self.exclude:
            params["exclude"] = self.exclude
        if self.replacing:
            params["replacing"] = self.replacing
        return f"{reverse('web:people_search')}?{urlencode(params)}"

    def chosen_label(self, value) -> str:
        """The chosen member's name and email, read inside the field's scoped queryset."""
        queryset = getattr(getattr(self, "choices", None), "queryset", None)
        if queryset is None or value in (None, ""):
            return ""
        try:
            member = queryset.filter(pk=int(value)).first()
        except (TypeError, ValueError):
            return ""
        return f"{member.full_name} · {member.email}" if member else ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(
            search_url=self.search_url(),
            multiple=self.multiple,
            chosen=None if self.multiple else self.chosen_label(value),
        )
        return context


class MemberChoiceField(forms.ModelChoiceField):
    """One member, by id, among `queryset` (the actor's scope); the action's rules decide the
    rest (appointed supervisor, status, reporting loops)."""

    default_error_messages = {
        "invalid_choice": "No member with this id among the staff you can see.",
    }

    def __init__(self, queryset, purpose: str, **kwargs):
        kwargs.setdefault("widget", MemberPicker(purpose))
        super().__init__(queryset, **kwargs)


class MemberIdsField(forms.CharField):
    """Several member ids, separated by commas or spaces, as a list of ints."""

    def __init__(self, purpose: str, **kwargs):
        kwargs.setdefault("widget", MemberPicker(purpose, multiple=True))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        parts = [p for p in re.split(r"[\s,;]+", text or "") if p]
        if any(not p.isascii() or not p.isdigit() or len(p) > 18 for p in parts):
            raise forms.ValidationError("Enter member ids (numbers) separated by commas.")
        return list(dict.fromkeys(int(p) for p in parts))
