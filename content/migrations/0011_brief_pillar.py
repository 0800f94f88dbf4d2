"""A brief records the plan pillar it was started for, so results can measure a pillar without
reading the plan (a layer above it)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0010_inbox_work_queue"),
    ]

    operations = [
        migrations.AddField(
            model_name="brief",
            name="pillar_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
    ]
