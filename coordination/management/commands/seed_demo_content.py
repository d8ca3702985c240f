"""python manage.py seed_demo_content — invented community and coordination content for the demo."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from community.demo import community_demo_seed
from coordination.demo import coordination_demo_seed
from dx_platform.accounts.models import User


class Command(BaseCommand):
    help = "Create demo practice cases, a need, a solution, a joint procurement, a support case and a goal."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("Demo content is invented; refusing with DEBUG off.")
        if not User.objects.filter(email="coordinator@chiiki-dx.example").exists():
            raise CommandError("Create the demo accounts first: python manage.py seed_demo")
        # All or nothing, as one app's content after the other's: the community's first.
        with transaction.atomic():
            created = [community_demo_seed(), coordination_demo_seed()]
        self.stdout.write(
            self.style.SUCCESS("Demo content created." if any(created) else "Demo content already there.")
        )
