"""The approvals tables name people through ``tenants.people.person_reference`` (issue 12 §3).

Their user-id columns were plain ``BigIntegerField``s named ``<name>_id``. A person reference
named ``<name>`` keeps exactly that column (``<name>_id``, bigint, the same nullability) and
adds no constraint (``db_constraint=False``) and, here, no index (``db_index=False``: none had
been needed; ``decision_by_person`` already leads with ``decider_id`` and the UNIQUE of
``approvals_quiethours.user_id`` is its own index). So the change is the models' state only:
no table is rewritten or locked, and every row keeps the person it had. The UNIQUE that
``user_id = BigIntegerField(unique=True)`` made becomes a ``UniqueConstraint`` with the name
PostgreSQL gave it, so the state names the constraint that is really there.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def person_reference(*, required: bool = False) -> models.ForeignKey:
    # As tenants.people.person_reference(db_index=False) deconstructs today (frozen here).
    return models.ForeignKey(
        blank=not required,
        db_constraint=False,
        db_index=False,
        null=not required,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
    )


# (model, column's old field name, new field name, required)
PEOPLE = [
    ("approvalrequest", "requested_by_id", "requested_by", False),
    ("approvalstep", "decided_by_id", "decided_by", False),
    ("decision", "decider_id", "decider", True),
    ("coveragewindow", "user_id", "user", True),
    ("quiethours", "user_id", "user", True),
    ("incident", "owner_id", "owner", False),
    ("incident", "opened_by_id", "opened_by", False),
    ("incidentupdate", "author_id", "author", False),
    ("auditentry", "actor_id", "actor", False),
]


def _state_operations() -> list[migrations.operations.base.Operation]:
    operations: list[migrations.operations.base.Operation] = [
        # Decision's constraint and index name the field; drop them from the state while it is
        # renamed and add them back naming the reference (same columns, same names).
        migrations.RemoveConstraint(model_name="decision", name="one_decision_per_person"),
        migrations.RemoveIndex(model_name="decision", name="decision_by_person"),
    ]
    for model, old, new, required in PEOPLE:
        operations += [
            migrations.RenameField(model_name=model, old_name=old, new_name=new),
            migrations.AlterField(
                model_name=model, name=new, field=person_reference(required=required)
            ),
        ]
    operations += [
        migrations.AddConstraint(
            model_name="decision",
            constraint=models.UniqueConstraint(
                fields=("step", "decider"), name="one_decision_per_person"
            ),
        ),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(fields=["decider", "-created_at"], name="decision_by_person"),
        ),
        migrations.AddConstraint(
            model_name="quiethours",
            constraint=models.UniqueConstraint(
                fields=("user",), name="approvals_quiethours_user_id_key"
            ),
        ),
    ]
    return operations


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0003_request_author_ids"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=_state_operations(),
            # Nothing: every column already is what the references describe.
            database_operations=[],
        ),
    ]
