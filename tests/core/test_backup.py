"""`manage.py backup` and `restore` (make backup / make restore): a backup restored into a fresh database
and media folder gives back every row and file, on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import require_service, tcp_reachable
from tests.test_settings import run_manage

POSTGRES = "postgres://postgres@127.0.0.1:5432"

MAKE_DATA = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from dx_platform.organizations.models import Organization, Prefecture
p = Prefecture.objects.create(pref_code="20", code="200000", name="長野県", name_en="Nagano")
Organization.objects.create(kind="prefecture", prefecture=p, name="長野県")
default_storage.save("evidence/20/計画書.pdf", ContentFile(b"%PDF-1.4 plan"))
print("made")
"""
READ_DATA = """
from django.core.files.storage import default_storage
from dx_platform.organizations.models import Organization
print(list(Organization.objects.values_list("name", flat=True)), default_storage.open("evidence/20/計画書.pdf").read())
"""


def manage(env: dict[str, str], *args: str) -> str:
    result = run_manage(*args, env={"DJANGO_SETTINGS_MODULE": "dx_platform.settings.local", **env})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def sqlite_databases(tmp_path: Path) -> Iterator[tuple[str, str]]:
    yield f"sqlite:///{tmp_path / 'live.sqlite3'}", f"sqlite:///{tmp_path / 'fresh.sqlite3'}"


def postgres_databases(tmp_path: Path) -> Iterator[tuple[str, str]]:
    require_service("PostgreSQL", tcp_reachable(POSTGRES, 5432), POSTGRES)
    names = [f"backup_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("live", "fresh")]
    for name in names:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)  # noqa: S607
    try:
        yield f"{POSTGRES}/{names[0]}", f"{POSTGRES}/{names[1]}"
    finally:
        for name in names:
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=False)  # noqa: S607


@pytest.fixture(params=[sqlite_databases, postgres_databases], ids=["sqlite", "postgresql"])
def databases(request, tmp_path) -> Iterator[tuple[str, str]]:
    yield from request.param(tmp_path)


def test_a_backup_restores_into_a_fresh_database_with_every_row_and_file(databases, tmp_path):
    live_url, fresh_url = databases
    live = {"DATABASE_URL": live_url, "DJANGO_MEDIA_ROOT": str(tmp_path / "live-media")}
    fresh = {"DATABASE_URL": fresh_url, "DJANGO_MEDIA_ROOT": str(tmp_path / "fresh-media")}
    manage(live, "migrate", "--noinput")
    assert "made" in manage(live, "shell", "-c", MAKE_DATA)
    made = manage(live, "backup", "--to", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    assert f"Backed up to {folder}" in made

    restored = manage(fresh, "restore", str(folder))
    assert "every count and file matches the backup" in restored and "and 1 files" in restored
    assert manage(fresh, "shell", "-c", READ_DATA).splitlines()[-1] == "['長野県'] b'%PDF-1.4 plan'"

    # Once it holds data, a second restore is refused unless asked to replace it.
    again = run_manage("restore", str(folder), env={"DJANGO_SETTINGS_MODULE": "dx_platform.settings.local", **fresh})
    assert again.returncode != 0 and "not empty" in again.stderr
    assert "every count and file matches" in manage(fresh, "restore", str(folder), "--replace")


def test_a_folder_that_is_no_backup_is_refused(tmp_path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "dx_platform.settings.local",
    }
    result = run_manage("restore", str(tmp_path), env=env)
    assert result.returncode != 0 and "holds no readable manifest.json" in result.stderr
