"""Labels in the page's language: the catalog and datasets carry English beside the Japanese."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import get_language


def english() -> bool:
    return (get_language() or "").split("-")[0] == "en"


def pick(japanese: str, english_text: str | None) -> str:
    """The English text on English pages when there is one, else the Japanese."""
    return english_text if english() and english_text else japanese


def localized(obj: Any, field: str) -> str:
    """obj.<field>_en on English pages when it is filled, else the Japanese (<field>_ja, or <field> itself)."""
    return pick(str(getattr(obj, f"{field}_ja", None) or getattr(obj, field)), getattr(obj, f"{field}_en", ""))


def list_separator() -> str:
    """Between the words of a list in a sentence: 「、」 in Japanese, ", " in English."""
    return ", " if english() else "、"


def join_list(items: Iterable[object]) -> str:
    return list_separator().join(str(item) for item in items)
