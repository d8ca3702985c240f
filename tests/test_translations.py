"""Every UI string has a Japanese translation, and the compiled catalogue is current."""

from __future__ import annotations

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

from tests.services import require_service

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/ja/LC_MESSAGES/django.po"
MO = PO.with_suffix(".mo")


def _unfinished(po_file: Path) -> list[str]:
    """msgids of a .po file that are untranslated or fuzzy (gettext's msgattrib finds them)."""
    found = []
    for flag in ("--untranslated", "--only-fuzzy"):
        output = subprocess.run(
            ["msgattrib", flag, "--no-wrap", str(po_file)], capture_output=True, text=True, check=True
        ).stdout
        found += [line for line in output.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
    return found


def test_every_string_in_code_and_templates_is_translated(tmp_path):
    require_service("gettext", shutil.which("xgettext") is not None, "xgettext not installed")
    locale = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", locale)
    # makemessages writes into ./locale of the directory it runs in; run it on a copy of the code.
    for name in ("dx_platform", "assessments", "benchmarks", "community", "coordination", "templates", "manage.py"):
        source = ROOT / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "ja", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    assert _unfinished(locale / "ja/LC_MESSAGES/django.po") == []


def test_compiled_catalogue_matches_the_po_file(tmp_path):
    require_service("gettext", shutil.which("msgfmt") is not None, "msgfmt not installed")
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(PO)], check=True)
    with MO.open("rb") as committed, fresh.open("rb") as compiled:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(compiled)._catalog
