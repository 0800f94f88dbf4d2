# The idempotency and throttle tables moved here from the tenants app with their names and
# contents unchanged: this only takes over the models' state (tenants 0007 gives it up).

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("tenants", "0006_throttle_counter"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("scope", models.CharField(max_length=100)),
                        ("key", models.CharField(max_length=255)),
                        ("fingerprint", models.CharField(max_length=64)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("in_progress", "In Progress"),
                                    ("completed", "Completed"),
                                ],
                                default="in_progress",
                                max_length=16,
                            ),
                        ),
                        (
                            "response_status",
                            models.PositiveSmallIntegerField(blank=True, null=True),
                        ),
                        ("response_body", models.BinaryField(blank=True, null=True)),
                        ("response_headers", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(db_index=True)),
                        ("completed_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "db_table": "tenants_idempotencyrecord",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("scope", "key"), name="unique_idempotency_key"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("status", "in_progress"),
                                    ("response_status__isnull", False),
                                    _connector="OR",
                                ),
                                name="idempotency_completed_has_response",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ThrottleCounter",
                    fields=[
                        (
                            "key",
                            models.CharField(max_length=100, primary_key=True, serialize=False),
                        ),
                        ("hits", models.PositiveIntegerField()),
                        ("window_ends_at", models.DateTimeField()),
                    ],
                    options={"db_table": "tenants_throttlecounter"},
                ),
            ],
            database_operations=[],
        ),
    ]
