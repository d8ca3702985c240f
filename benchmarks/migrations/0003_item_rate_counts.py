from django.db import migrations, models


def numerators(apps, schema_editor):
    """Runs computed before this field existed: a yes/no or procedure rate is numerator / n exactly.
    Their left-out counts are not known; a recompute of the dataset fills them."""
    ItemRate = apps.get_model("benchmarks", "ItemRate")
    rows = ItemRate.objects.exclude(indicator__kind="rate").filter(rate__isnull=False, numerator__isnull=True)
    for row in rows.iterator():
        row.numerator = round(row.rate * row.n / 100)
        row.save(update_fields=["numerator"])


class Migration(migrations.Migration):
    dependencies = [
        ("benchmarks", "0002_score_note"),
    ]

    operations = [
        migrations.AddField(
            model_name="itemrate",
            name="left_out",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="itemrate",
            name="numerator",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.RunPython(numerators, migrations.RunPython.noop),
    ]
