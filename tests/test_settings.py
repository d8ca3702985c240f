"""The production settings pass Django's deploy checks and fail fast without their secrets."""

from __future__ import annotations

import os
import platform
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def production_env(tmp_path: Path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "dx_platform.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "example.jp",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_SITE_URL": "https://example.jp",
    }


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Drop the caller's settings variables (CI sets DATABASE_URL and REDIS_URL), so only `env` decides.
    own = ("DJANGO_", "DATABASE_URL", "REDIS_URL")
    inherited = {name: value for name, value in os.environ.items() if not name.startswith(own)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_checks(production_env: dict[str, str]) -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "variable", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "DJANGO_SITE_URL"]
)
def test_production_settings_refuse_to_boot_without_a_required_variable(
    production_env: dict[str, str], variable: str
) -> None:
    del production_env[variable]
    result = run_manage("check", env=production_env)
    assert result.returncode != 0
    assert f"Set the {variable} environment variable" in result.stderr


def example_key() -> str:
    """The secret key of .env.example, the file the README says to copy."""
    (line,) = (
        line for line in (ROOT / ".env.example").read_text().splitlines() if line.startswith("DJANGO_SECRET_KEY=")
    )
    return line.split("=", 1)[1]


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(example_key(), id="the example's"),
        pytest.param("insecure-local-only-key-change-me", id="the local default"),
        pytest.param(secrets.token_urlsafe(24), id="short"),
        pytest.param("a" * 80, id="one character"),
    ],
)
def test_production_settings_refuse_to_boot_with_a_weak_secret_key(production_env: dict[str, str], key: str) -> None:
    production_env["DJANGO_SECRET_KEY"] = key
    result = run_manage("check", env=production_env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is a placeholder or too weak" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr  # how to make a good one


def test_production_settings_use_the_site_url_and_check_persistent_connections(
    production_env: dict[str, str],
) -> None:
    code = (
        "from django.conf import settings; "
        "print(settings.SITE_URL, settings.DATABASES['default']['CONN_MAX_AGE'], "
        "settings.DATABASES['default']['CONN_HEALTH_CHECKS'], settings.EMAIL_TIMEOUT)"
    )
    result = run_manage("shell", "-c", code, env=production_env)
    assert result.returncode == 0, result.stderr
    # The last line: Django 5.2's shell first reports the objects it imported.
    assert result.stdout.splitlines()[-1].split() == ["https://example.jp", "60", "True", "30"]


def test_nothing_in_the_repository_shadows_the_standard_library() -> None:
    # `python -c` puts the working directory first on sys.path, as `manage.py` does its own folder.
    result = subprocess.run(
        [sys.executable, "-c", "import uuid, pandas, platform; print(platform.python_version())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == platform.python_version()
    # Directories without __init__.py (locale/) lose to the real module, so only these count.
    top_level = {path.stem for path in ROOT.glob("*.py")} | {path.parent.name for path in ROOT.glob("*/__init__.py")}
    assert not top_level & sys.stdlib_module_names


CONCURRENT_WRITES = """
import threading, time
from django.db import connection, transaction
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE counter (n integer)")
errors = []
def work():
    try:
        for _ in range(20):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM counter")  # read, then write: the pattern that deadlocks
                time.sleep(0.002)  # while the others read too
                cursor.execute("INSERT INTO counter VALUES (1)")
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM counter"); rows = cursor.fetchone()[0]
    cursor.execute("PRAGMA journal_mode"); mode = cursor.fetchone()[0]
print(rows, mode, errors[:1])
"""


def test_the_embedded_sqlite_takes_concurrent_writers_without_locking_errors(tmp_path: Path) -> None:
    env = {
        "DJANGO_SETTINGS_MODULE": "dx_platform.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = run_manage("shell", "-c", CONCURRENT_WRITES, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "160 wal []"
