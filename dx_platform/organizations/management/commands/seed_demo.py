"""python manage.py seed_demo — demo accounts, one per role (never in production)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dx_platform.organizations.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_seed
from dx_platform.organizations.models import Organization


class Command(BaseCommand):
    help = "Create the demo organisations and one demo account per role (password in the README)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("Demo accounts have a published password; refusing with DEBUG off.")
        if not Organization.objects.filter(kind=Organization.Kind.MUNICIPALITY).exists():
            raise CommandError("Load the reference data first: python manage.py load_reference_data")
        organizations = demo_seed()
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password {DEMO_PASSWORD}):"))
        for account in DEMO_ACCOUNTS:
            where = organizations[account.organization].name if account.organization else "—"
            self.stdout.write(f"  {account.email:32} {account.role:12} {where}")
