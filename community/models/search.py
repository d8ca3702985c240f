"""One row per searchable item, its text folded for Japanese search (see community/search.py).

Indexed by trigrams: pg_trgm's GIN index on PostgreSQL, an FTS5 trigram table on SQLite (both made in
the migrations), so a word inside a sentence is found without word spaces.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Area
from dx_platform.organizations.models import Municipality, Organization, Prefecture


class SearchEntry(models.Model):
    class Kind(models.TextChoices):
        CASE = "case", _("Practice case")
        SOLUTION = "solution", _("Solution")
        NEED = "need", _("Need")
        PROCUREMENT = "procurement", _("Joint procurement")

    kind = models.CharField(max_length=12, choices=Kind)
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=200)  # as written, for the result list
    heading = models.CharField(max_length=200)  # the title folded, for ranking
    text = models.TextField()  # folded: title and body
    # None for an anonymised case, and so its prefecture: its size class and population still filter and rank.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True, related_name="+")
    prefecture = models.ForeignKey(Prefecture, on_delete=models.SET_NULL, null=True, related_name="+")
    size_class = models.CharField(max_length=16, choices=Municipality.SizeClass, blank=True)
    population = models.PositiveIntegerField(null=True)
    area = models.CharField(max_length=20, choices=Area, blank=True)
    outcome = models.CharField(max_length=10, blank=True)
    indicator_codes = models.TextField(blank=True)  # " code code " for a containment filter
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["-updated_at"]
        constraints: ClassVar = [models.UniqueConstraint(fields=["kind", "object_id"], name="one_entry_per_item")]
        # The search walks it newest first to its candidates (selectors/search.py).
        indexes: ClassVar = [models.Index(fields=["-updated_at", "-id"], name="searchentry_newest")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.title}"

    def get_absolute_url(self) -> str:
        # Each area's detail page, by the item's primary key.
        return reverse(f"community:{self.kind}_detail", args=[self.object_id])
