"""Reference data (prefectures, municipalities, population) and the organisations people belong to."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dx_platform.core.lgcode import validate_lg_code


class Prefecture(models.Model):
    pref_code = models.CharField(_("prefecture number"), max_length=2, unique=True)
    code = models.CharField(_("local government code"), max_length=6, unique=True, validators=[validate_lg_code])
    name = models.CharField(_("name"), max_length=8)
    name_kana = models.CharField(_("name (katakana)"), max_length=32)
    name_hiragana = models.CharField(_("name (hiragana)"), max_length=32)
    name_en = models.CharField(_("name (English)"), max_length=32)
    iso3166_2 = models.CharField("ISO 3166-2", max_length=5)
    capital = models.CharField(_("capital"), max_length=16)
    website_url = models.URLField(_("website"), blank=True)

    class Meta:
        ordering: ClassVar = ["pref_code"]
        verbose_name = _("prefecture")
        verbose_name_plural = _("prefectures")

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    class Kind(models.TextChoices):
        DESIGNATED_CITY = "designated_city", _("Designated city")
        CORE_CITY = "core_city", _("Core city")
        SPECIAL_WARD = "special_ward", _("Special ward")
        CITY = "city", _("City")
        TOWN = "town", _("Town")
        VILLAGE = "village", _("Village")

    class SizeClass(models.TextChoices):
        """The seven population classes of the benchmark method (人口規模別)."""

        DESIGNATED = "designated", _("Designated city")
        CORE = "core", _("Core city")
        LARGE = "large", _("Large city (200,000+)")
        MID = "mid", _("Mid-size city (100,000–199,999)")
        SMALL = "small", _("Small city (under 100,000)")
        TOWN = "town", _("Town")
        VILLAGE = "village", _("Village")

    code = models.CharField(_("local government code"), max_length=6, unique=True, validators=[validate_lg_code])
    prefecture = models.ForeignKey(
        Prefecture,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("prefecture"),
    )
    name = models.CharField(_("name"), max_length=16)
    name_kana = models.CharField(_("name (katakana)"), max_length=32)
    name_hiragana = models.CharField(_("name (hiragana)"), max_length=32)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    size_class = models.CharField(_("size class"), max_length=16, choices=SizeClass)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    website_url = models.URLField(_("website"), blank=True)

    class Meta:
        ordering: ClassVar = ["code"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        indexes: ClassVar = [models.Index(fields=["prefecture", "kind"])]

    def __str__(self) -> str:
        return f"{self.prefecture.name}{self.name}"


TOWNS_AND_VILLAGES = (Municipality.Kind.TOWN, Municipality.Kind.VILLAGE)


class PopulationRecord(models.Model):
    """住民基本台帳 population of a municipality on a reference date."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="populations")
    as_of = models.DateField(_("reference date"))
    population = models.PositiveIntegerField(_("population"))
    source = models.CharField(_("source"), max_length=200)
    source_en = models.CharField(_("source (English)"), max_length=200, blank=True)

    class Meta:
        ordering: ClassVar = ["municipality", "-as_of"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "as_of"], name="population_unique_date"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality.name} {self.as_of}: {self.population}"


class Organization(models.Model):
    """A body whose people use the platform; prefectures and municipalities mirror reference data."""

    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", _("Prefecture")
        MUNICIPALITY = "municipality", _("Municipality")
        PARTNER = "partner", _("Partner")
        NATIONAL = "national", _("National office")

    class PartnerCategory(models.TextChoices):
        GOVTECH = "govtech", _("GovTech company")
        UNIVERSITY = "university", _("University")
        NPO = "npo", _("NPO")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    name = models.CharField(_("name"), max_length=200)
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, null=True, blank=True, related_name="organizations"
    )
    municipality = models.OneToOneField(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="organization"
    )
    partner_category = models.CharField(_("partner category"), max_length=16, choices=PartnerCategory, blank=True)
    mfa_required = models.BooleanField(
        _("require two-factor authentication"),
        default=False,
        help_text=_("Set by a prefecture: its members and the members of its municipalities must use TOTP."),
    )
    is_demo = models.BooleanField(
        _("demo organisation"), default=False, help_text=_("Synthetic, created for the demo.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["kind", "prefecture__pref_code", "municipality__code", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints: ClassVar = [
            models.CheckConstraint(
                name="organization_kind_links",
                condition=(
                    Q(kind="prefecture", prefecture__isnull=False, municipality__isnull=True)
                    | Q(kind="municipality", prefecture__isnull=False, municipality__isnull=False)
                    | Q(
                        kind__in=["partner", "national"],
                        prefecture__isnull=True,
                        municipality__isnull=True,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["prefecture"], condition=Q(kind="prefecture"), name="one_org_per_prefecture"
            ),
            models.CheckConstraint(
                name="partner_category_only_for_partners",
                condition=Q(kind="partner") | Q(partner_category=""),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": self.pk}


# Organisations that mirror reference data and sit inside a prefecture.
REGIONAL_KINDS = (Organization.Kind.PREFECTURE, Organization.Kind.MUNICIPALITY)


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    EDITOR = "editor", _("Editor")
    ADMIN = "admin", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    PARTNER = "partner", _("Partner staff")


# Which roles a member of each kind of organisation can hold.
ROLES_BY_KIND: dict[str, tuple[str, ...]] = {
    Organization.Kind.MUNICIPALITY: (Role.VIEWER, Role.EDITOR, Role.ADMIN),
    Organization.Kind.PREFECTURE: (Role.COORDINATOR,),
    Organization.Kind.PARTNER: (Role.PARTNER,),
    Organization.Kind.NATIONAL: (Role.VIEWER,),
}


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["organization", "user__email"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": self.organization_id}


class Invitation(models.Model):
    """An invitation by email to join an organisation with a role; the link carries a signed uuid."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=16, choices=Role)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                Lower("email"),
                "organization",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization} ({self.get_role_display()})"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": self.organization_id}
