# The drafts list's page query, newest first by (created_at, id), reads this index instead of
# sorting every draft of the brand (brandroom.pagination). It replaces the index on created_at
# alone, whose every use it serves as well.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0015_supersede_approved"),
    ]

    operations = [
        migrations.AlterField(
            model_name="draft",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True),
        ),
        migrations.AddIndex(
            model_name="draft",
            index=models.Index(fields=["-created_at", "-id"], name="draft_created_id"),
        ),
    ]
