"""Backups you can restore: the database (pg_dump's custom format on PostgreSQL, SQLite's online backup
locally) and the media files, with a manifest of every table's row count and every file's digest that the
restore checks itself against."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """The backup or the restore could not be done, or the restored data differs from the backup."""


def _engine() -> str:
    engine = str(settings.DATABASES["default"]["ENGINE"])
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"no backup for the database engine {engine}")


def _pg_env() -> dict[str, str]:
    """libpq's variables, so that no password appears on a command line."""
    db = settings.DATABASES["default"]
    given = {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
    }
    return {**os.environ, **{name: str(value) for name, value in given.items() if value}, "PGDATABASE": str(db["NAME"])}


def _run(command: list[str]) -> None:
    done = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - introspected
            counts[table] = cursor.fetchone()[0]
    return counts


def media_digests(root: Path) -> dict[str, str]:
    if not root.is_dir():
        return {}
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def backup(target: Path) -> Path:
    """A new folder under `target` holding the database, the media files and the manifest."""
    folder = target / timezone.now().strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=False)
    engine = _engine()
    if engine == "sqlite":
        with (
            sqlite3.connect(settings.DATABASES["default"]["NAME"]) as source,
            sqlite3.connect(folder / "database.sqlite3") as copy,
        ):
            source.backup(copy)  # consistent even while the site writes
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(folder / "database.dump")])
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(folder / "media.tar.gz", "w:gz") as archive:
        if media.is_dir():
            archive.add(media, arcname=".")
    manifest = {
        "engine": engine,
        "made_at": timezone.now().isoformat(),
        "rows": row_counts(),
        "files": media_digests(media),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return folder


def restore(folder: Path, *, replace: bool = False) -> dict[str, Any]:
    """Restore a backup into the configured (empty, unless `replace`) database and media folder, then
    check every table's row count and every file against the manifest."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} holds no readable {MANIFEST}: {exc}") from exc
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(f"the backup is of {manifest['engine']}, the configured database is {engine}")
    if any(row_counts().values()) and not replace:
        raise BackupError("the configured database is not empty: restore into a new one, or pass --replace")
    connection.close()
    if engine == "sqlite":
        with (
            sqlite3.connect(folder / "database.sqlite3") as copy,
            sqlite3.connect(settings.DATABASES["default"]["NAME"]) as target,
        ):
            copy.backup(target)
    else:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--dbname",
                str(settings.DATABASES["default"]["NAME"]),
                str(folder / "database.dump"),
            ]
        )
    media = Path(settings.MEDIA_ROOT)
    if replace and media.is_dir():
        shutil.rmtree(media)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / "media.tar.gz") as archive:
        archive.extractall(media, filter="data")  # no absolute paths or links out of the folder
    rows, files = row_counts(), media_digests(media)
    differ = {table: (n, rows.get(table)) for table, n in manifest["rows"].items() if rows.get(table) != n}
    missing = [name for name, digest in manifest["files"].items() if files.get(name) != digest]
    if differ or missing:
        raise BackupError(f"the restored data differs from the backup: tables {differ}, files {missing[:10]}")
    return {"tables": len(rows), "rows": sum(rows.values()), "files": len(files)}
