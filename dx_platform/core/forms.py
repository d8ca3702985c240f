"""Form fields shared by every app."""

from __future__ import annotations

from typing import Any

from django import forms

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
