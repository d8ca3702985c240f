"""What the API's OPTIONS answers (its own module: the settings name it, and DRF loads it while importing)."""

from __future__ import annotations

from typing import Any

from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request


class BriefMetadata(SimpleMetadata):
    """OPTIONS names the endpoint and the formats it speaks; its fields are in the schema (/api/schema/).
    Describing them here would need a serializer on every view, which the action-based ones do not have."""

    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        return {}
