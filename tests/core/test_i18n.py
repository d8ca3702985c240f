"""Labels in the page's language (dx_platform.core.i18n)."""

from __future__ import annotations

from types import SimpleNamespace

from django.utils import translation

from dx_platform.core.i18n import join_list, localized


def test_an_english_page_shows_the_english_label_and_falls_back_to_the_japanese():
    item = SimpleNamespace(name_ja="CIOの任命", name_en="CIO appointed")
    unnamed = SimpleNamespace(name="合成データ", name_en="")
    with translation.override("en"):
        assert (localized(item, "name"), localized(unnamed, "name")) == ("CIO appointed", "合成データ")
    with translation.override("ja"):
        assert (localized(item, "name"), localized(unnamed, "name")) == ("CIOの任命", "合成データ")


def test_a_list_in_a_sentence_is_separated_as_each_language_writes_it():
    with translation.override("en"):
        assert join_list(["CIO appointed", "AI adopted"]) == "CIO appointed, AI adopted"
    with translation.override("ja"):
        assert join_list(["CIOの任命", "AIの導入"]) == "CIOの任命、AIの導入"
