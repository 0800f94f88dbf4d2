"""Every brand starts with the steering committee's usual departments and default settings.

Runs in each brand schema and in the template new brands are cloned from (rows included)."""

from django.db import migrations

DEPARTMENTS = ["Marketing", "Customer Service", "Sales", "PR & Communications", "Legal"]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.schema_name == "public":
        return
    Department = apps.get_model("results", "Department")
    for name in DEPARTMENTS:
        Department.objects.get_or_create(name=name)
    apps.get_model("results", "ResultsSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("results", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
