"""Two evaluations of the same trigger at once (two workers after two batches) fire it once.

This needs committed data and separate database connections, so it runs on a brand of its
own created outside any test transaction and dropped afterwards."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from content.models import Brief
from listening.models import Signal, Trigger, TriggerFiring
from listening.services.triggers import evaluate_triggers
from tenants.models import Brand

EVALUATIONS = 3


def evaluate_in_thread(brand: Brand, now: Any, start: threading.Barrier, out: list) -> None:
    try:
        with tenant_context(brand):
            start.wait(timeout=10)
            out.append(len(evaluate_triggers(brand=brand, now=now)))
    except Exception as exc:  # the assertion below shows it
        out.append(exc)
    finally:
        connection.close()


def test_evaluations_racing_past_the_cool_down_check_fire_the_trigger_once(
    own_brand: Brand, django_db_blocker: Any
) -> None:
    now = timezone.now()
    with django_db_blocker.unblock():
        with tenant_context(own_brand):
            trigger = Trigger.objects.create(
                name="Buzz",
                enabled=True,
                topic="launch",
                threshold=2,
                window_minutes=60,
                cooldown_minutes=60,
                brief_title="Launch buzz",
                key_message="Say thanks for the launch buzz.",
            )
            for n in range(3):
                Signal.objects.create(
                    kind="mention",
                    source="instagram",
                    external_id=f"race-{n}",
                    topic="launch",
                    observed_at=now - timedelta(minutes=5),
                )
            outcomes: list = []
            start = threading.Barrier(EVALUATIONS)
            threads = [
                threading.Thread(target=evaluate_in_thread, args=(own_brand, now, start, outcomes))
                for _ in range(EVALUATIONS)
            ]
            # Hold the trigger's row so every evaluation passes its cool-down check and counts
            # the signals before any of them can claim the trigger; then let them all claim.
            with transaction.atomic():
                Trigger.objects.select_for_update().get(pk=trigger.pk)
                for thread in threads:
                    thread.start()
                time.sleep(1.0)
            for thread in threads:
                thread.join(timeout=30)

            assert outcomes.count(1) == 1 and outcomes.count(0) == EVALUATIONS - 1, outcomes
            assert TriggerFiring.objects.count() == 1
            assert Brief.objects.count() == 1
        connection.set_schema_to_public()
