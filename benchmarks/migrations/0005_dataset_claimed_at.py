"""When an import took its dataset: a claim older than imports.CLAIM_TTL was left by a process that died.

A dataset importing before this migration counts as claimed when it was recorded, so one left by a
failed or killed import (issue 15) expires and can be imported again.
"""

from django.db import migrations, models
from django.db.models import F


def claim_importing(apps, schema_editor):
    Dataset = apps.get_model("benchmarks", "Dataset")
    Dataset.objects.filter(status="importing").update(claimed_at=F("imported_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("benchmarks", "0004_dashboard_own_items"),
    ]

    operations = [
        migrations.AddField(
            model_name="dataset",
            name="claimed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="import claimed at"),
        ),
        migrations.RunPython(claim_importing, migrations.RunPython.noop),
    ]
