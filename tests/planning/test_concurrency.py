"""Two strategists add pillars at the same moment, on separate database connections: their
targets together would pass 100 %, so exactly one is stored. Two people applying the same
review action at once apply it once, and two overdue sweeps at once remind once. Needs
committed data, so it runs in a brand of its own (``own_brand``), dropped afterwards."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from planning import horizon
from planning.errors import PlanningError
from planning.models import Pillar, ReviewAction
from planning.services import reviews
from planning.services.overdue import remind_overdue_actions
from planning.services.pillars import create_pillar
from tenants.audit.models import AuditEntry


def add_in_thread(brand: Any, name: str, start: threading.Barrier, outcomes: dict) -> None:
    try:
        with tenant_context(brand):
            start.wait(timeout=10)
            try:
                create_pillar(name=name, target_share=Decimal(60))
                outcomes[name] = "stored"
            except PlanningError as exc:
                outcomes[name] = exc
    finally:
        connection.close()


def test_two_pillars_added_at_once_cannot_together_pass_100_percent(
    own_brand, django_db_blocker
) -> None:
    with django_db_blocker.unblock():
        start = threading.Barrier(2)
        outcomes: dict[str, Any] = {}
        threads = [
            threading.Thread(target=add_in_thread, args=(own_brand, name, start, outcomes))
            for name in ("Coffee culture", "Our people")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert sorted(str(v) == "stored" for v in outcomes.values()) == [False, True]
        refused = next(v for v in outcomes.values() if v != "stored")
        assert refused.field == "target_share"
        assert "60.00 %" in refused.message
        with tenant_context(own_brand):
            assert Pillar.objects.count() == 1


def _at_once(work: Any, brand: Any, count: int = 2) -> list[Any]:
    """Run ``work()`` in ``count`` threads on their own connections, released together."""
    start = threading.Barrier(count)
    outcomes: list[Any] = []

    def run() -> None:
        try:
            with tenant_context(brand):
                start.wait(timeout=10)
                try:
                    outcomes.append(work())
                except PlanningError as exc:
                    outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def _overdue_action(brand: Any) -> int:
    with tenant_context(brand):
        today = horizon.local_today(now=timezone.now(), tz_name=brand.timezone)
        review = reviews.open_review(period="week", period_start=today, created_by_id=None)
        made = reviews.add_action(
            brand=brand,
            review_id=review.pk,
            title="Post reels on Fridays",
            kind="other",
            due_on=today - timedelta(days=1),
        )
        return made.pk


def test_two_people_applying_the_same_action_at_once_apply_it_once(
    own_brand, django_db_blocker
) -> None:
    with django_db_blocker.unblock():
        action_id = _overdue_action(own_brand)

        outcomes = _at_once(
            lambda: reviews.apply_action(brand=own_brand, action_id=action_id, actor=None),
            own_brand,
        )

        refused = [o for o in outcomes if isinstance(o, PlanningError)]
        assert len(outcomes) == 2 and len(refused) == 1
        assert refused[0].status_code == 409
        assert (
            AuditEntry.objects.filter(
                brand_id=own_brand.pk, action="review_action.applied", subject_id=action_id
            ).count()
            == 1
        )


def test_two_sweeps_at_once_remind_an_overdue_action_once(own_brand, django_db_blocker) -> None:
    with django_db_blocker.unblock():
        action_id = _overdue_action(own_brand)

        outcomes = _at_once(lambda: remind_overdue_actions(brand=own_brand), own_brand)

        assert sorted(len(o.reminded) for o in outcomes) == [0, 1]
        with tenant_context(own_brand):
            assert ReviewAction.objects.get(pk=action_id).reminded_at is not None
