"""docker-compose.yml, the start scripts and .env.example agree with each other and with the settings.

No Docker engine is needed: the files are read, not run.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_DIR = ROOT / "dx_platform" / "settings"
START_SCRIPTS = {
    "web": "docker/start-web.sh",
    "worker": "docker/start-worker.sh",
    "beat": "docker/start-beat.sh",
}
DATA_VOLUMES = {"postgres": "/var/lib/postgresql/data", "redis": "/data"}

Compose = dict[str, Any]


@pytest.fixture(scope="module")
def compose() -> Compose:
    # safe_load applies the `<<: *app` merges, so each service shows what Compose will run.
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def script_text(path: str) -> str:
    """The script with its line continuations joined and whitespace collapsed."""
    return " ".join((ROOT / path).read_text(encoding="utf-8").replace("\\\n", " ").split())


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's `environment`, in either of Compose's two spellings."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


def env_reads(path: Path) -> dict[str, bool]:
    """Every variable a settings module reads with `env(...)`/`env.<cast>(...)`: name -> has a default."""
    reads = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        func = node.func
        if (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
        ):
            reads[node.args[0].value] = any(keyword.arg == "default" for keyword in node.keywords)
    return reads


def env_example_names() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_all_services_are_defined(compose: Compose) -> None:
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(compose["services"])


@pytest.mark.parametrize(("service", "script"), START_SCRIPTS.items())
def test_app_services_run_their_start_script(compose: Compose, service: str, script: str) -> None:
    assert compose["services"][service]["command"] == script
    path = ROOT / script
    assert path.is_file()
    assert os.access(path, os.X_OK), f"{script} is not executable"
    assert "set -euo pipefail" in script_text(script)


def test_web_script_migrates_then_serves_with_gunicorn() -> None:
    text = script_text(START_SCRIPTS["web"])
    # Replicas set RUN_MIGRATIONS=0 so they do not migrate concurrently; one web migrates by default.
    guard = text.index('if [ "${RUN_MIGRATIONS:-1}" = "1" ]; then')
    migrate = text.index("python manage.py migrate --noinput", guard)
    load = text.index("python manage.py load_reference_data", guard)
    end = text.index(" fi ", load)
    serve = text.index("exec gunicorn dx_platform.wsgi:application --bind 0.0.0.0:8000")
    assert guard < migrate < load < end < serve


def test_worker_script_consumes_every_routed_queue() -> None:
    text = script_text(START_SCRIPTS["worker"])
    assert "exec celery -A dx_platform worker" in text
    match = re.search(r"--queues \"?\$\{CELERY_QUEUES:-([^}]+)\}", text)
    assert match, "the worker's --queues has no default"
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    expected = {"default", "scoring", "imports", "mail"} | routed | {settings.CELERY_TASK_DEFAULT_QUEUE}
    assert set(match.group(1).split(",")) == expected


def test_beat_script_runs_beat() -> None:
    assert "exec celery -A dx_platform beat" in script_text(START_SCRIPTS["beat"])


def test_app_services_share_one_environment(compose: Compose) -> None:
    web, worker, beat = (compose["services"][name] for name in START_SCRIPTS)
    for key in ("build", "image", "env_file", "depends_on", "volumes"):
        assert web.get(key) == worker.get(key) == beat.get(key), f"{key} differs between the app services"
    assert environment(web) == environment(worker) == environment(beat)
    assert web["env_file"] in (".env", [".env"])
    assert web["build"]["dockerfile"] == "docker/Dockerfile"
    assert (ROOT / "docker" / "Dockerfile").is_file()
    env = environment(web)
    assert env["DJANGO_SETTINGS_MODULE"] == "dx_platform.settings.production"
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379/")
    assert web["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_postgres_password_has_no_default(compose: Compose) -> None:
    # `${VAR:?message}` makes Compose refuse to start while the variable is unset or empty.
    required = "${POSTGRES_PASSWORD:?"
    assert environment(compose["services"]["postgres"])["POSTGRES_PASSWORD"].startswith(required)
    assert f"postgres://postgres:{required}" in environment(compose["services"]["web"])["DATABASE_URL"]
    assert "${POSTGRES_PASSWORD:-" not in (ROOT / "docker-compose.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize("service", ["web", "worker", "beat", "postgres", "redis"])
def test_every_service_has_a_healthcheck(compose: Compose, service: str) -> None:
    healthcheck = compose["services"][service].get("healthcheck") or {}
    assert healthcheck.get("test"), f"{service} has no healthcheck"
    assert not healthcheck.get("disable")


def test_web_healthcheck_probes_healthz(compose: Compose) -> None:
    assert "http://127.0.0.1:8000/healthz" in str(compose["services"]["web"]["healthcheck"]["test"])


@pytest.mark.parametrize(("service", "target"), DATA_VOLUMES.items())
def test_data_services_keep_data_in_named_volumes(compose: Compose, service: str, target: str) -> None:
    mounts = {}
    for volume in compose["services"][service].get("volumes", []):
        if isinstance(volume, str):
            parts = volume.split(":")
            source, mount_target = (None, parts[0]) if len(parts) == 1 else parts[:2]
        else:
            source, mount_target = volume.get("source"), volume["target"]
        mounts[mount_target] = source
    assert target in mounts, f"{service} keeps {target} in no volume"
    assert mounts[target] in (compose.get("volumes") or {}), f"{mounts[target]} is not a named volume"


def test_env_example_defines_every_required_production_variable() -> None:
    required = {name for name, has_default in env_reads(SETTINGS_DIR / "production.py").items() if not has_default}
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= required  # the parser still finds them
    missing = required - env_example_names()
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_env_example_lists_only_variables_something_reads() -> None:
    read = set(env_reads(SETTINGS_DIR / "base.py")) | set(env_reads(SETTINGS_DIR / "production.py"))
    for path in [ROOT / "docker-compose.yml", *(ROOT / script for script in START_SCRIPTS.values())]:
        read |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", path.read_text(encoding="utf-8")))
    unknown = env_example_names() - read
    assert not unknown, f".env.example sets {sorted(unknown)}, which nothing reads (a typo?)"
