from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dx_platform.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the media files into a new dated folder (restore: manage.py restore)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", type=Path, default=Path(settings.BASE_DIR) / "var" / "backups")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            folder = backup(options["to"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backed up to {folder}")
