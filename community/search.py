"""Folding Japanese text for search, pure Python: what is typed and what is stored meet in one form.

- NFKC: full-width letters and digits become half-width, half-width katakana full-width (ＤＸ → DX, ｶﾞ → ガ);
- lower case;
- katakana become hiragana (マイナンバー and まいなんばー match), and the small ヵ and ヶ both become か:
  in counters they are read "ka" whichever is written (3ヶ所, 3ヵ所 and 3か所 match; 3ヶ月 and 3か月).
"""

from __future__ import annotations

import unicodedata

# Katakana ァ..ヶ sit 0x60 above hiragana ぁ..ゖ; ヽヾ (iteration marks) likewise above ゝゞ.
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in (*range(0x30A1, 0x30F7), 0x30FD, 0x30FE)}
# ヵ and ヶ, turned into hiragana above; ヶ is no small ケ when it counts ("ヶ所" is "kasho").
_SMALL_KA = {ord("ゕ"): "か", ord("ゖ"): "か"}

MAX_TERMS = 8


def fold(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower().translate(_KATAKANA_TO_HIRAGANA)
    return folded.translate(_SMALL_KA)


def terms(query: str) -> list[str]:
    """The distinct folded words of a query (split at spaces, full-width ones too), at most MAX_TERMS."""
    seen: list[str] = []
    for word in fold(query).split():
        if word not in seen:
            seen.append(word)
    return seen[:MAX_TERMS]
