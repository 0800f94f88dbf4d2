# IdempotencyRecord and ThrottleCounter now belong to brandroom.http (project-wide HTTP
# infrastructure). Their tables stay where they are; only the models' state leaves tenants.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0006_throttle_counter"),
        ("brandroom_http", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="IdempotencyRecord"),
                migrations.DeleteModel(name="ThrottleCounter"),
            ],
            database_operations=[],
        ),
    ]
