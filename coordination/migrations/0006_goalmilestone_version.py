import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """A municipality's own date for a goal carries a version; who set it and when are kept (renamed)."""

    dependencies = [
        ('coordination', '0005_english_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name='goalmilestone', old_name='updated_by', new_name='changed_by'),
        migrations.RenameField(model_name='goalmilestone', old_name='updated_at', new_name='changed_at'),
        migrations.AlterField(
            model_name='goalmilestone',
            name='changed_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='goalmilestone',
            name='changed_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='goalmilestone',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
    ]
