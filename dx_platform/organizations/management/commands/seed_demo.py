"""python manage.py seed_demo — demo accounts, one per role (never in production)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dx_platform.organizations.demo import DEMO_ACCOUNTS, demo_seed, demo_sign_in_lines
from dx_platform.organizations.models import Organization


class Command(BaseCommand):
    help = "Create the demo organisations and one demo account per role (password in the README)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument(
            "--sign-in",
            action="store_true",
            help="create nothing; print where to open the site and the accounts to sign in with",
        )

    def handle(self, *args: Any, force: bool, sign_in: bool, **options: Any) -> None:
        if sign_in:
            self.stdout.write("\n".join(demo_sign_in_lines(settings.SITE_URL)))
            return
        if not settings.DEBUG and not force:
            raise CommandError("Demo accounts have a published password; refusing with DEBUG off.")
        if not Organization.objects.filter(kind=Organization.Kind.MUNICIPALITY).exists():
            raise CommandError("Load the reference data first: python manage.py load_reference_data")
        demo_seed()
        self.stdout.write(
            f"Demo accounts: {len(DEMO_ACCOUNTS)}, one per role (`manage.py seed_demo --sign-in` lists them)."
        )
