"""Form fields the areas share."""

from __future__ import annotations

from benchmarks.models import Indicator
from dx_platform.core.forms import ModelIdsField
from dx_platform.core.i18n import localized


class SurveyItemsField(ModelIdsField):
    """Survey items (checkboxes), each by its Japanese name; the form sets which items it offers."""

    def label_from_instance(self, obj: Indicator) -> str:
        return localized(obj, "name")
