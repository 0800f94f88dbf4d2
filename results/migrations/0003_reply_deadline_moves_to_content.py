"""The reply deadline becomes one policy, kept by content (assistant settings), which dates each
inbox item by it; results judges replies by the same value. A brand's own value moves across."""

from django.db import migrations


def move_reply_deadline(apps, schema_editor):
    ResultsSettings = apps.get_model("results", "ResultsSettings")
    AssistantSettings = apps.get_model("content", "AssistantSettings")
    row = ResultsSettings.objects.filter(pk=1).first()
    if row is None:
        return
    AssistantSettings.objects.update_or_create(
        singleton=True, defaults={"reply_deadline_minutes": row.reply_deadline_minutes}
    )


def move_it_back(apps, schema_editor):
    ResultsSettings = apps.get_model("results", "ResultsSettings")
    AssistantSettings = apps.get_model("content", "AssistantSettings")
    row = AssistantSettings.objects.filter(singleton=True).first()
    if row is not None:
        ResultsSettings.objects.update_or_create(
            pk=1, defaults={"reply_deadline_minutes": row.reply_deadline_minutes}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("results", "0002_seed_departments"),
        ("content", "0010_inbox_work_queue"),
    ]

    operations = [
        migrations.RunPython(move_reply_deadline, move_it_back),
        migrations.DeleteModel(name="ResultsSettings"),
    ]
