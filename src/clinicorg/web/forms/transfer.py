"""The import upload, and the grid that corrects a checked file's rows in place."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from clinicorg.transfer.models import Kind, Mode

from .base import Form


class ImportForm(Form):
    kind = forms.ChoiceField(label="What to import", choices=Kind.choices)
    mode = forms.ChoiceField(
        label="Mode",
        choices=Mode.choices,
        initial=Mode.CREATE,
        widget=forms.RadioSelect,
        help_text="Staff are matched by email, locations by code.",
    )
    file = forms.FileField(
        label="File",
        help_text="The filled-in template, as .xlsx or .csv (UTF-8).",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise ValidationError(
                f"The file is {upload.size / 1048576:.1f} MB; the limit is "
                f"{limit // 1048576} MB. Split it into smaller files."
            )
        return upload


class CorrectionForm(Form):
    """One text field per cell of the rows to fix (`c-<row>-<column index>`), holding the
    file's text; `corrections()` gives the cells that were changed."""

    def __init__(self, data, found):
        super().__init__(data)
        self.found = found
        for r in found.rows:
            for i, text in enumerate(r.cells):
                self.fields[self.name(r.row, i)] = forms.CharField(
                    required=False, strip=False, max_length=2000, initial=text
                )

    @staticmethod
    def name(row: int, index: int) -> str:
        return f"c-{row}-{index}"

    def grid(self):
        """[(row, [(header, bound field, messages)], messages about the whole row)]."""
        headers = self.found.headers
        return [
            (
                r.row,
                [
                    (headers[i], self[self.name(r.row, i)], r.errors.get(i, []))
                    for i in range(len(headers))
                ],
                r.errors.get(None, []),
            )
            for r in self.found.rows
        ]

    def corrections(self) -> dict[int, dict[int, str]]:
        out: dict[int, dict[int, str]] = {}
        for r in self.found.rows:
            for i, text in enumerate(r.cells):
                value = self.cleaned_data.get(self.name(r.row, i), text)
                if value != text:
                    out.setdefault(r.row, {})[i] = value
        return out
