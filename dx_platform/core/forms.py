"""Form fields shared by every app."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.text import format_lazy

from .table_files import TableRefused, UploadLimits, upload_check

# The largest id of a BigAutoField; SQLite cannot even take a larger number as a query parameter.
MAX_ID = 2**63 - 1


class ModelIdsField(forms.ModelMultipleChoiceField):
    """Several objects by id (checkboxes). An id beyond any the database holds is an unknown choice: Django
    keeps such a number out of a lookup of one id, but would send it to the database in `IN (…)`, which fails."""

    def clean(self, value: Any) -> Any:
        for given in value if isinstance(value, list | tuple) else ():
            try:
                beyond = abs(int(str(given))) > MAX_ID
            except ValueError:  # not a number (Django says so), or one of thousands of digits
                beyond = False
            if beyond:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": given}
                )
        return super().clean(value)


def _limits_text(kind: str) -> str:
    return UploadLimits.of(kind).help_text()


class TableFileField(forms.FileField):
    """A CSV or XLSX file of one kind of upload (settings.UPLOAD_LIMITS): its limits are said under the
    field and checked here (size, type by content and name, an XLSX's parts); the rows and columns are
    checked when the file is read."""

    def __init__(self, *, kind: str, help_text: Any = "", **kwargs: Any) -> None:
        self.kind = kind
        # Lazy: said in the reader's language, with the limits as the settings have them when the form is shown.
        limits = lazy(_limits_text, str)(kind)
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}))
        super().__init__(help_text=format_lazy("{} {}", help_text, limits) if help_text else limits, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload:
            try:
                upload_check(upload, upload.name or "", upload.size, UploadLimits.of(self.kind))
            except TableRefused as exc:
                raise forms.ValidationError(exc.errors) from None
        return upload
