"""A shared goal boards chosen municipalities; the goals set before boarded their whole prefecture."""

from django.db import migrations, models


def board_whole_prefectures(apps, schema_editor):
    SharedGoal = apps.get_model("coordination", "SharedGoal")
    Municipality = apps.get_model("organizations", "Municipality")
    for goal in SharedGoal.objects.all():
        goal.municipalities.set(Municipality.objects.filter(prefecture_id=goal.prefecture_id))


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0001_coordination"),
        ("organizations", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="sharedgoal",
            name="municipalities",
            field=models.ManyToManyField(
                related_name="+", to="organizations.municipality", verbose_name="municipalities"
            ),
        ),
        migrations.RunPython(board_whole_prefectures, migrations.RunPython.noop),
    ]
