"""Two people deciding the same step at the same moment, on separate database connections.

This needs committed data, so it runs on a brand of its own created outside any test
transaction and dropped afterwards (the shared session brands are never touched)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from approvals import services
from approvals.errors import ApprovalAlreadyDecided
from approvals.models import ApprovalRequest, ApprovalStep, Decision
from tenants import services as tenant_services
from tenants.models import Brand, User
from tenants.roles import Role
from tests.approvals.conftest import T0
from tests.approvals.factories import DraftFactory
from tests.factories import UserFactory

ROUNDS = 4


@dataclass
class RaceBrand:
    brand: Brand
    lead: User
    admin: User
    step_ids: list[int]


@pytest.fixture(scope="module")
def race_brand(world: Any, django_db_blocker: Any) -> Iterator[RaceBrand]:
    with django_db_blocker.unblock():
        lead = UserFactory(username="rita-race-lead", first_name="Rita", last_name="Lead")
        admin = UserFactory(username="ravi-race-admin", first_name="Ravi", last_name="Admin")
        brand = tenant_services.create_brand(
            agency=world.agency, name="Race Roasters", slug="race-roasters", created_by=admin
        )
        tenant_services.add_member(brand=brand, user=lead, role=Role.ACCOUNT_LEAD)
        step_ids = []
        with tenant_context(brand):
            services.apply_preset(level=1, actor_id=None, now=T0)
            for _ in range(ROUNDS):
                draft = DraftFactory(kind="post", risk_score=50)
                result = services.request_approval(
                    subject_kind="post",
                    subject_id=draft.pk,
                    risk_score=50,
                    actor_id=None,
                    now=T0,
                )
                step_ids.append(ApprovalStep.objects.get(request_id=result.request_id).pk)
        connection.set_schema_to_public()
    try:
        yield RaceBrand(brand=brand, lead=lead, admin=admin, step_ids=step_ids)
    finally:
        with django_db_blocker.unblock():
            connection.set_schema_to_public()
            brand.delete(force_drop=True)
            User.objects.filter(pk__in=[lead.pk, admin.pk]).delete()


def decide_in_thread(
    brand: Brand, step_id: int, user: User, start: threading.Barrier, outcomes: dict[str, Any]
) -> None:
    try:
        with tenant_context(brand):
            start.wait(timeout=10)
            try:
                services.decide_step(step_id=step_id, actor=user, decision="approve")
                outcomes[user.username] = "won"
            except ApprovalAlreadyDecided as exc:
                outcomes[user.username] = exc
    finally:
        connection.close()


def test_two_approvers_at_once_exactly_one_wins_and_the_other_hears_who(
    race_brand: RaceBrand, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        for step_id in race_brand.step_ids:
            outcomes: dict[str, Any] = {}
            start = threading.Barrier(2)
            threads = [
                threading.Thread(
                    target=decide_in_thread,
                    args=(race_brand.brand, step_id, user, start, outcomes),
                )
                for user in (race_brand.lead, race_brand.admin)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)

            winners = [name for name, outcome in outcomes.items() if outcome == "won"]
            losers = [o for o in outcomes.values() if isinstance(o, ApprovalAlreadyDecided)]
            assert len(winners) == 1 and len(losers) == 1, outcomes
            winner = race_brand.lead if winners[0] == race_brand.lead.username else race_brand.admin
            assert winner.get_full_name() in losers[0].message
            assert losers[0].status_code == 409
            with tenant_context(race_brand.brand):
                assert Decision.objects.filter(step_id=step_id).count() == 1
                step = ApprovalStep.objects.get(pk=step_id)
                assert (step.status, step.decided_by_id) == ("approved", winner.pk)
                assert ApprovalRequest.objects.get(pk=step.request_id).status == "approved"
            connection.set_schema_to_public()


@dataclass
class Outcome:
    decided: Any = None
    withdrawn: Any = None


def _open_boost_step(brand: Brand, subject_id: int) -> tuple[int, int]:
    """A boost waiting for the lead's sign-off: its request and open step ids."""
    with tenant_context(brand):
        result = services.request_approval(
            subject_kind="boost",
            subject_id=subject_id,
            risk_score=0,
            actor_id=None,
            amount=Decimal("2000"),
            currency="EUR",
            summary="Boost the autumn roast",
        )
        assert result.request_id is not None
        step = ApprovalStep.objects.get(request_id=result.request_id, status="open")
    connection.set_schema_to_public()
    return result.request_id, step.pk


def _waiting_on_locks(count: int) -> None:
    """Wait until ``count`` other sessions of this database are waiting for a row lock."""
    with connection.cursor() as cursor:
        for _ in range(400):
            # Statistics views are read once per transaction unless the snapshot is cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            row = cursor.fetchone()
            if row is not None and row[0] >= count:
                return
            time.sleep(0.025)
    raise AssertionError(f"expected {count} sessions waiting for a lock")


def _decide(brand: Brand, step_id: int, lead: User, outcome: Outcome) -> None:
    try:
        with tenant_context(brand):
            services.decide_step(step_id=step_id, actor=lead, decision="approve")
            outcome.decided = "won"
    except Exception as exc:  # anything else is what the person would see as a 500
        outcome.decided = exc
    finally:
        connection.close()


def _withdraw(brand: Brand, subject_id: int, outcome: Outcome) -> None:
    try:
        with tenant_context(brand):
            outcome.withdrawn = services.withdraw_request(
                subject_kind="boost", subject_id=subject_id, actor_id=None
            )
    except Exception as exc:
        outcome.withdrawn = exc
    finally:
        connection.close()


@pytest.mark.parametrize("first", ["decide", "cancel"])
def test_deciding_a_boost_while_it_is_cancelled_never_deadlocks(
    race_brand: RaceBrand, django_db_blocker: Any, first: str
) -> None:
    """Someone decides a boost's step while someone else cancels the boost (its request is
    withdrawn). Both wait behind a third transaction holding the step, in a chosen order, so
    the race happens every time; then exactly one wins and the other gets a clear answer."""
    subject_id = 9000 + (first == "cancel")
    with django_db_blocker.unblock():
        request_id, step_id = _open_boost_step(race_brand.brand, subject_id)
        outcome = Outcome()
        decide = threading.Thread(
            target=_decide, args=(race_brand.brand, step_id, race_brand.lead, outcome)
        )
        cancel = threading.Thread(target=_withdraw, args=(race_brand.brand, subject_id, outcome))
        order = [decide, cancel] if first == "decide" else [cancel, decide]
        with tenant_context(race_brand.brand), transaction.atomic():
            # Hold the step so both paths queue behind it, ``first`` in front.
            ApprovalStep.objects.select_for_update().get(pk=step_id)
            for waiting, thread in enumerate(order, start=1):
                thread.start()
                _waiting_on_locks(waiting)
        for thread in order:
            thread.join(timeout=30)
        connection.set_schema_to_public()

        with tenant_context(race_brand.brand):
            request = ApprovalRequest.objects.get(pk=request_id)
            decisions = Decision.objects.filter(step_id=step_id).count()
        connection.set_schema_to_public()
    if first == "decide":
        assert outcome.decided == "won", outcome
        assert outcome.withdrawn is False, outcome
        assert (request.status, decisions) == ("approved", 1)
    else:
        assert outcome.withdrawn is True, outcome
        assert isinstance(outcome.decided, ApprovalAlreadyDecided), outcome
        assert outcome.decided.status_code == 409
        assert (request.status, decisions) == ("withdrawn", 0)


@pytest.fixture
def due_brand(world: Any, django_db_blocker: Any) -> Iterator[RaceBrand]:
    """A committed brand with three replies whose first reminder is due at T0 + 15 min."""
    with django_db_blocker.unblock():
        lead = UserFactory(username="sam-sweep-lead", first_name="Sam", last_name="Lead")
        admin = UserFactory(username="sia-sweep-admin", first_name="Sia", last_name="Admin")
        brand = tenant_services.create_brand(
            agency=world.agency, name="Sweep Roasters", slug="sweep-roasters", created_by=admin
        )
        tenant_services.add_member(brand=brand, user=lead, role=Role.ACCOUNT_LEAD)
        step_ids = []
        with tenant_context(brand):
            services.apply_preset(level=1, actor_id=None, now=T0)
            for _ in range(3):
                draft = DraftFactory(kind="reply", risk_score=50)
                result = services.request_approval(
                    subject_kind="reply", subject_id=draft.pk, risk_score=50, actor_id=None, now=T0
                )
                step_ids.append(ApprovalStep.objects.get(request_id=result.request_id).pk)
        connection.set_schema_to_public()
    try:
        yield RaceBrand(brand=brand, lead=lead, admin=admin, step_ids=step_ids)
    finally:
        with django_db_blocker.unblock():
            connection.set_schema_to_public()
            brand.delete(force_drop=True)
            User.objects.filter(pk__in=[lead.pk, admin.pk]).delete()


def test_two_sweeps_at_once_remind_each_due_step_exactly_once(
    due_brand: RaceBrand, django_db_blocker: Any
) -> None:
    from approvals.models import AuditEntry
    from approvals.schedule.models import BrandDue

    now = T0 + timedelta(minutes=16)
    start = threading.Barrier(2)
    handled: list[Any] = []

    def sweep() -> None:
        try:
            with tenant_context(due_brand.brand):
                start.wait(timeout=10)
                handled.append(services.sweep_brand(now=now))
        except Exception as exc:
            handled.append(exc)
        finally:
            connection.close()

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        # SKIP LOCKED: whichever sweep claims a step handles it; together exactly the three.
        assert all(isinstance(h, int) for h in handled) and sum(handled) == 3, handled
        with tenant_context(due_brand.brand):
            reminded = AuditEntry.objects.filter(action="reminder_sent")
            assert sorted(reminded.values_list("step_id", flat=True)) == sorted(due_brand.step_ids)
            for step in ApprovalStep.objects.filter(pk__in=due_brand.step_ids):
                assert (step.reminders_sent, step.next_action_at) == (
                    1,
                    T0 + timedelta(minutes=25),
                )
        connection.set_schema_to_public()
        assert BrandDue.objects.get(brand=due_brand.brand).next_due_at == T0 + timedelta(minutes=25)
