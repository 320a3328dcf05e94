"""The import upload."""

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
