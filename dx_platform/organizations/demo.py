"""Demo accounts, one per role, for `make demo`. Everything here is synthetic and marked so."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction

from dx_platform.accounts.models import User

from .models import Membership, Organization, Role

DEMO_PASSWORD = "chiiki-demo-2026"  # noqa: S105 - published in the README; local demo only
DEMO_PREFECTURE = "20"  # 長野県: 77 municipalities, 58 of them towns and villages
DEMO_MUNICIPALITY = "205419"  # 長野県小布施町
DEMO_PARTNER = "デモGovTech株式会社（デモ）"
DEMO_NATIONAL = "国の機関（デモ）"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str  # a membership role, or "staff" for platform staff
    organization: str  # "prefecture", "town", "partner", "national", or "" for staff


DEMO_ACCOUNTS = (
    DemoAccount("staff@chiiki-dx.example", "運営 花子（デモ）", "staff", ""),
    DemoAccount("coordinator@chiiki-dx.example", "県庁 太郎（デモ）", Role.COORDINATOR, "prefecture"),
    DemoAccount("admin@chiiki-dx.example", "管理 一郎（デモ）", Role.ADMIN, "town"),
    DemoAccount("editor@chiiki-dx.example", "編集 二郎（デモ）", Role.EDITOR, "town"),
    DemoAccount("viewer@chiiki-dx.example", "閲覧 三郎（デモ）", Role.VIEWER, "town"),
    DemoAccount("partner@chiiki-dx.example", "協力 四郎（デモ）", Role.PARTNER, "partner"),
    DemoAccount("national@chiiki-dx.example", "国 五郎（デモ）", Role.VIEWER, "national"),
)


def demo_organizations() -> dict[str, str]:
    """The name of each demo account's organisation, by its key in DemoAccount.organization."""
    names = {
        "prefecture": Organization.objects.filter(
            kind=Organization.Kind.PREFECTURE, prefecture__pref_code=DEMO_PREFECTURE
        )
        .values_list("name", flat=True)
        .first(),
        "town": Organization.objects.filter(municipality__code=DEMO_MUNICIPALITY)
        .values_list("name", flat=True)
        .first(),
        "partner": DEMO_PARTNER,
        "national": DEMO_NATIONAL,
    }
    return {key: name or "" for key, name in names.items()}


def demo_sign_in_lines(site_url: str) -> list[str]:
    """What `make demo` ends with: where to open the site and the accounts to sign in with."""
    names = demo_organizations()
    return [
        f"Open {site_url} and sign in as one of these (password {DEMO_PASSWORD}):",
        *(f"  {a.email:32} {a.role:12} {names.get(a.organization, '') or '—'}" for a in DEMO_ACCOUNTS),
    ]


def demo_seed() -> dict[str, Organization]:
    """Create (or reset) the demo organisations and accounts; needs the reference data loaded."""
    with transaction.atomic():
        organizations = {
            "prefecture": Organization.objects.get(
                kind=Organization.Kind.PREFECTURE, prefecture__pref_code=DEMO_PREFECTURE
            ),
            "town": Organization.objects.get(municipality__code=DEMO_MUNICIPALITY),
            "partner": Organization.objects.get_or_create(
                kind=Organization.Kind.PARTNER,
                name=DEMO_PARTNER,
                defaults={
                    "partner_category": Organization.PartnerCategory.GOVTECH,
                    "is_demo": True,
                },
            )[0],
            "national": Organization.objects.get_or_create(
                kind=Organization.Kind.NATIONAL, name=DEMO_NATIONAL, defaults={"is_demo": True}
            )[0],
        }
        for account in DEMO_ACCOUNTS:
            user, _ = User.objects.update_or_create(
                email=account.email,
                defaults={"name": account.name, "is_staff": account.role == "staff"},
            )
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            EmailAddress.objects.update_or_create(
                user=user, email=account.email, defaults={"verified": True, "primary": True}
            )
            if account.organization:
                Membership.objects.update_or_create(
                    user=user,
                    organization=organizations[account.organization],
                    defaults={"role": account.role},
                )
    return organizations
