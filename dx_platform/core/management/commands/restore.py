from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dx_platform.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup folder (made by manage.py backup) into the configured database and media folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--replace", action="store_true", help="restore over a database that holds data")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            restored = restore(options["folder"], replace=options["replace"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {restored['rows']} rows in {restored['tables']} tables and {restored['files']} files; "
            "every count and file matches the backup."
        )
