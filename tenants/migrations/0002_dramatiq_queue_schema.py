"""Create the tables of the embedded PostgreSQL broker (dramatiq-postgres) in this database.

Harmless when Redis or RabbitMQ is the broker; it lets the embedded default work everywhere.
"""

from django.db import migrations


def create_queue_schema(apps, schema_editor):
    from dramatiq_postgres.schema import init

    with schema_editor.connection.cursor() as cursor:
        init(cursor)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [migrations.RunPython(create_queue_schema, migrations.RunPython.noop)]
