"""National survey data and the benchmark scores computed from it.

The method is docs/benchmark-method.md, after 日本総研 Research Focus No.2024-032
「自治体DXの進捗状況」 (areas, items, deviation scores, composite).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dx_platform.organizations.models import Municipality, Organization, Prefecture


class Area(models.TextChoices):
    SYSTEM = "system", _("DX promotion structure")
    SERVICE = "service", _("Advanced administrative services")
    IMPROVEMENT = "improvement", _("Service improvement efforts")
    ONLINE_VOLUME = "online_volume", _("Online procedures: high-volume")
    ONLINE_LIFEEVENT = "online_lifeevent", _("Online procedures: life events")
    MYNUMBER = "mynumber", _("My Number Card")


class CatalogYear(models.Model):
    """A fiscal year's indicator catalog; frozen once data for the year is published."""

    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"), unique=True)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["fiscal_year"]

    def __str__(self) -> str:
        return str(self.fiscal_year)


class Indicator(models.Model):
    class Kind(models.TextChoices):
        BOOLEAN = "boolean", _("Yes / no")
        PROCEDURE = "procedure", _("Procedure (online / offline / not offered)")
        RATE = "rate", _("Rate (percent)")

    catalog = models.ForeignKey(CatalogYear, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=64)
    area = models.CharField(_("area"), max_length=20, choices=Area)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    scored = models.BooleanField(_("scored"), help_text=_("Unscored items are shown for reference only."))
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        ordering: ClassVar = ["catalog", "position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["catalog", "code"], name="indicator_code_per_year"),
        ]

    def __str__(self) -> str:
        return self.code


class Dataset(models.Model):
    """One national survey file for one fiscal year: real (with its source) or synthetic."""

    class Origin(models.TextChoices):
        REAL = "real", _("Real national data")
        SYNTHETIC = "synthetic", _("Synthetic (demo)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        IMPORTING = "importing", _("Importing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    catalog = models.ForeignKey(CatalogYear, on_delete=models.PROTECT, related_name="datasets")
    name = models.CharField(_("name"), max_length=200)
    source = models.TextField(_("source"))
    # Shown on English pages; blank for a dataset nobody named in English (its Japanese is shown).
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    source_en = models.TextField(_("source (English)"), blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, unique=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # When an importer took the dataset (status importing); a claim older than imports.CLAIM_TTL was
    # left by a process that died, and the next attempt takes the dataset over.
    claimed_at = models.DateTimeField(_("import claimed at"), null=True, blank=True, editable=False)
    value_count = models.PositiveIntegerField(_("values"), default=0)
    errors = models.JSONField(_("problems"), default=list, blank=True)
    changes = models.JSONField(_("changes from the superseded dataset"), default=list, blank=True)
    upload = models.FileField(upload_to="national-surveys/", blank=True)

    class Meta:
        ordering: ClassVar = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.catalog.fiscal_year})"

    @property
    def fiscal_year(self) -> int:
        return self.catalog.fiscal_year


class Value(models.Model):
    """One municipality's answer to one item in a dataset, or the reason it is missing."""

    class Status(models.TextChoices):
        ONLINE = "online", _("Online")
        OFFLINE = "offline", _("Not online")
        NOT_OFFERED = "na", _("Not offered")

    class Missing(models.TextChoices):
        NOT_REPORTED = "not_reported", _("Not reported")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")
        EXCLUDED = "excluded", _("Excluded from the survey")

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="values")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    value = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status, blank=True)
    missing = models.CharField(max_length=16, choices=Missing, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["dataset", "municipality", "indicator"], name="one_value_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.indicator_id}"


class ScoreRun(models.Model):
    """An immutable computation of a dataset's scores; readers use the newest complete one."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        COMPLETE = "complete", _("Complete")
        FAILED = "failed", _("Failed")

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="runs")
    input_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    statistics = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering: ClassVar = ["-started_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["dataset", "input_hash"],
                condition=models.Q(status="complete"),
                name="one_complete_run_per_input",
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.dataset_id}"


class AreaScores(models.Model):
    """Area rates (percent) and deviation scores of the six areas, and the composite."""

    rate_system = models.FloatField(null=True)
    rate_service = models.FloatField(null=True)
    rate_improvement = models.FloatField(null=True)
    rate_online_volume = models.FloatField(null=True)
    rate_online_lifeevent = models.FloatField(null=True)
    rate_mynumber = models.FloatField(null=True)
    dev_system = models.FloatField(null=True)
    dev_service = models.FloatField(null=True)
    dev_improvement = models.FloatField(null=True)
    dev_online_volume = models.FloatField(null=True)
    dev_online_lifeevent = models.FloatField(null=True)
    dev_mynumber = models.FloatField(null=True)
    composite = models.FloatField(null=True)
    rank = models.PositiveIntegerField(null=True)

    class Meta:
        abstract = True


class MunicipalityScore(AreaScores):
    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="municipal_scores")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    composite_areas = models.PositiveSmallIntegerField(default=0)
    # Within the size class (人口規模別): the fair comparison.
    peer_dev_system = models.FloatField(null=True)
    peer_dev_service = models.FloatField(null=True)
    peer_dev_improvement = models.FloatField(null=True)
    peer_dev_online_volume = models.FloatField(null=True)
    peer_dev_online_lifeevent = models.FloatField(null=True)
    peer_dev_mynumber = models.FloatField(null=True)
    peer_composite = models.FloatField(null=True)
    peer_rank = models.PositiveIntegerField(null=True)
    peer_size = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["run", "municipality"], name="one_score_per_municipality"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} in run {self.run_id}"


class PrefectureScore(AreaScores):
    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="prefectural_scores")
    prefecture = models.ForeignKey(Prefecture, on_delete=models.PROTECT, related_name="+")
    towns_villages_share = models.FloatField(null=True)
    n_municipalities = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["run", "prefecture"], name="one_score_per_prefecture"),
        ]

    def __str__(self) -> str:
        return f"{self.prefecture_id} in run {self.run_id}"


class ItemRate(models.Model):
    """Share of a group's municipalities that implemented an item (nation, prefecture, size class)."""

    class Level(models.TextChoices):
        NATION = "nation", _("Nation")
        PREFECTURE = "prefecture", _("Prefecture")
        SIZE_CLASS = "size_class", _("Size class")

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="item_rates")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=12, choices=Level)
    group = models.CharField(max_length=16)
    rate = models.FloatField(null=True)
    # n is the denominator: the group's municipalities with a usable value.
    n = models.PositiveIntegerField()
    # Those that implemented the item; none for a rate item (its rate is a mean of percentages).
    numerator = models.PositiveIntegerField(null=True)
    # Municipalities left out, by Value.Missing reason: {"excluded": 8} for Noto 2024.
    left_out = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["run", "indicator", "level", "group"], name="one_rate_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.level}:{self.group}"

    @property
    def excluded(self) -> int:
        return sum(self.left_out.values())


class ScoreNote(models.Model):
    """Context a municipality or its coordinator gives to a score ("system migration this year")."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="score_notes")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    area = models.CharField(_("area"), max_length=20, choices=Area, blank=True, help_text=_("Blank: the whole score."))
    text = models.TextField(_("note"), max_length=1000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["municipality", "fiscal_year"])]

    def __str__(self) -> str:
        return self.text[:50]

    def get_additional_data(self) -> dict[str, int | None]:
        organization = Organization.objects.filter(municipality_id=self.municipality_id).values_list("pk", flat=True)
        return {"organization_id": organization.first()}
