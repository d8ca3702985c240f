"""Practice cases (事例): what a body did, what it cost, what came of it, failures included."""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Area, Indicator
from dx_platform.core.concurrency import Versioned
from dx_platform.organizations.models import Municipality, Organization


class Audience(models.TextChoices):
    # Staff-only spaces: what municipalities tell each other candidly is not for vendors.
    PUBLIC_SECTOR = "public_sector", _("Public-sector staff only")
    EVERYONE = "everyone", _("Everyone signed in, partners included")


class PracticeCase(Versioned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        PARTIAL = "partial", _("Partly successful")
        FAILURE = "failure", _("Failure")
        ONGOING = "ongoing", _("Still running")

    class Again(models.TextChoices):
        YES = "yes", _("Yes")
        WITH_CHANGES = "with_changes", _("Yes, with changes")
        NO = "no", _("No")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="practice_cases", verbose_name=_("author body")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    audience = models.CharField(_("who may read it"), max_length=16, choices=Audience, default=Audience.PUBLIC_SECTOR)
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("the problem"))
    context = models.TextField(_("context"), blank=True)
    # The author's size class and population when the case was written: the town may grow or merge later.
    size_class = models.CharField(_("size class"), max_length=16, choices=Municipality.SizeClass, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    what_was_done = models.TextField(_("what was done"))
    tools = models.TextField(_("tools and vendors"), blank=True)
    cost_yen = models.PositiveBigIntegerField(_("cost (yen)"), null=True, blank=True)
    cost_note = models.CharField(_("about the cost"), max_length=300, blank=True)
    people = models.CharField(_("people"), max_length=300, blank=True)
    started_on = models.DateField(_("started"), null=True, blank=True)
    finished_on = models.DateField(_("finished"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome)
    outcomes = models.TextField(_("outcomes"), blank=True)
    what_did_not_work = models.TextField(_("what did not work"), blank=True)
    lessons = models.TextField(_("lessons"), blank=True)
    would_do_again = models.CharField(_("would we do it again"), max_length=12, choices=Again, blank=True)
    area = models.CharField(_("area"), max_length=20, choices=Area, blank=True)
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="+", verbose_name=_("survey items"))
    anonymous = models.BooleanField(
        _("anonymised"), default=False, help_text=_("Others see the size class and population, not the body's name.")
    )
    embargo_until = models.DateField(
        _("embargoed until"), null=True, blank=True, help_text=_("Others see the case from this date.")
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Its comments go with it when it is deleted.
    comments = GenericRelation("community.Comment", content_type_field="target_type", object_id_field="target_id")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["-published_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                name="case_finished_after_started",
                condition=models.Q(finished_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(finished_on__gte=models.F("started_on")),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        # An anonymised case's entries name no body: the log would tell the managers whose case it is.
        return {"organization_id": None if self.anonymous else self.organization_id}


class CaseMetric(models.Model):
    """An outcome in numbers, e.g. 'time to process a form: 95 → 22 minutes'."""

    case = models.ForeignKey(PracticeCase, on_delete=models.CASCADE, related_name="metrics")
    label = models.CharField(_("measure"), max_length=200)
    before = models.FloatField(_("before"), null=True, blank=True)
    after = models.FloatField(_("after"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)

    class Meta:
        ordering: ClassVar = ["case", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def change_percent(self) -> float | None:
        if not self.before or self.after is None:
            return None
        return 100 * (self.after - self.before) / self.before


def kit_path(attachment: CaseAttachment, filename: str) -> str:
    return f"kits/{attachment.case_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class CaseAttachment(models.Model):
    """A piece of the reusable kit: a specification template, a form, an RPA scenario …"""

    class Kind(models.TextChoices):
        SPECIFICATION = "specification", _("Specification template")
        FORM = "form", _("Form")
        RPA = "rpa", _("RPA scenario")
        MANUAL = "manual", _("Manual or guide")
        OTHER = "other", _("Other")

    case = models.ForeignKey(PracticeCase, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    file = models.FileField(upload_to=kit_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["case", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class Adoption(models.Model):
    """横展開: another body says 'we adopted this'."""

    case = models.ForeignKey(PracticeCase, on_delete=models.CASCADE, related_name="adoptions")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="adoptions")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["case", "organization"], name="one_adoption_per_body"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} ← {self.case}"
