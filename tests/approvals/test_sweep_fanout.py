"""The deadline sweep across brands: several due brands in one call, a broken brand among them,
two sweeps at once.

Two sweeps at once need two connections, which only see committed data, and a broken brand
needs its schema dropped: these tests use brands of their own, created outside any test
transaction and dropped afterwards."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from approvals import announcements, services
from approvals.models import ApprovalStep, AuditEntry
from approvals.schedule.models import BrandDue
from approvals.services import due_across_brands
from outbox.models import OutboxEvent
from outbox.notifications import EMAIL
from tenants.models import Brand
from tenants.roles import Role
from tenants.services import add_member
from tests.approvals.conftest import T0
from tests.approvals.factories import DraftFactory
from tests.conftest import World, committed_brands

STEPS_PER_BRAND = 2
BRANDS = [(f"fan-out-{n}", f"Fan Out {n}") for n in range(3)]


@pytest.fixture
def due_brands(world: World, django_db_blocker: Any) -> Iterator[list[Brand]]:
    """Three brands, each with two medium-risk replies waiting on the account lead (reminders
    at 15 and 25 minutes, deadline at 30), all committed."""
    with committed_brands(world, django_db_blocker, *BRANDS) as brands:
        with django_db_blocker.unblock():
            for brand in brands:
                add_member(
                    brand=brand, user=world.a.person(Role.ACCOUNT_LEAD), role=Role.ACCOUNT_LEAD
                )
                with tenant_context(brand):
                    services.apply_preset(level=1, actor_id=None, now=T0)
                    for _ in range(STEPS_PER_BRAND):
                        draft = DraftFactory(kind="reply", risk_score=50)
                        services.request_approval(
                            subject_kind="reply",
                            subject_id=draft.pk,
                            risk_score=50,
                            actor_id=None,
                            now=T0,
                        )
            connection.set_schema_to_public()
        yield brands


def audited(brand: Brand, action: str) -> list[int]:
    with tenant_context(brand):
        return sorted(AuditEntry.objects.filter(action=action).values_list("step_id", flat=True))


def step_ids(brand: Brand) -> list[int]:
    with tenant_context(brand):
        return sorted(ApprovalStep.objects.values_list("pk", flat=True))


def test_one_call_reminds_then_escalates_every_due_brand_exactly_once(
    due_brands: list[Brand], django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        reminded = services.sweep_due_brands(now=T0 + timedelta(minutes=16))
        assert reminded == {brand.slug: STEPS_PER_BRAND for brand in due_brands}
        # Nothing more is due until the second reminder: a sweep now finds nothing to do.
        assert services.sweep_due_brands(now=T0 + timedelta(minutes=17)) == {}
        escalated = services.sweep_due_brands(now=T0 + timedelta(minutes=31))
        assert escalated == {brand.slug: STEPS_PER_BRAND for brand in due_brands}
        for brand in due_brands:
            steps = step_ids(brand)
            assert audited(brand, "reminder_sent") == steps
            assert audited(brand, "step_escalated") == steps


def test_brands_sent_in_several_statements_are_each_reminded_once_in_their_own_schema(
    due_brands: list[Brand], django_db_blocker: Any, monkeypatch: Any
) -> None:
    # Given statements that reach two brand schemas each, so the three due brands need two of
    # each kind (claim, reads, write, due index), sent together
    monkeypatch.setattr(due_across_brands, "SCHEMAS_PER_STATEMENT", 2)
    with django_db_blocker.unblock():
        # When one sweep runs
        reminded = services.sweep_due_brands(now=T0 + timedelta(minutes=16))
        # Then every brand's own steps got one reminder each, audited, announced and emailed
        # in that brand, and each brand is due again at its steps' second reminder
        assert reminded == {brand.slug: STEPS_PER_BRAND for brand in due_brands}
        for brand in due_brands:
            steps = step_ids(brand)
            assert audited(brand, "reminder_sent") == steps
            with tenant_context(brand):
                assert (
                    sorted(
                        ApprovalStep.objects.filter(reminders_sent=1).values_list("pk", flat=True)
                    )
                    == steps
                )
                notices = OutboxEvent.objects.filter(name=announcements.NOTICE)
                assert (
                    sorted(
                        e.payload["step_id"]
                        for e in notices
                        if e.payload.get("notice") == "reminder_sent"
                    )
                    == steps
                )
                subjects = [
                    e.payload["subject"]
                    for e in OutboxEvent.objects.filter(name=EMAIL)
                    if "Reminder:" in e.payload["subject"]
                ]
                assert len(set(subjects)) == STEPS_PER_BRAND  # one each, to every decider
                assert all(subject.startswith(f"[{brand.name}] Reminder:") for subject in subjects)
            connection.set_schema_to_public()
            assert BrandDue.objects.get(brand=brand).next_due_at == T0 + timedelta(minutes=25)
        # And a sweep right after finds nothing left to do
        assert services.sweep_due_brands(now=T0 + timedelta(minutes=17)) == {}


def test_a_broken_brand_is_logged_and_does_not_stop_the_others(
    due_brands: list[Brand], django_db_blocker: Any, caplog: Any
) -> None:
    broken = due_brands[1]
    with django_db_blocker.unblock():
        # Its schema is gone (say a restore that missed it) while the brand and its due row stay.
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{broken.schema_name}" CASCADE')
        try:
            with caplog.at_level(logging.ERROR, logger="approvals.services.sweep"):
                reminded = services.sweep_due_brands(now=T0 + timedelta(minutes=16))
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{broken.schema_name}"')  # for the clean-up
        others = [brand for brand in due_brands if brand != broken]
        assert reminded == {brand.slug: STEPS_PER_BRAND for brand in others}
        assert [r.getMessage() for r in caplog.records] == [
            f"Approvals sweep failed for brand {broken.slug}"
        ]
        for brand in others:
            assert audited(brand, "reminder_sent") == step_ids(brand)
        # The broken brand stays due, so the next sweep tries it again.
        assert BrandDue.objects.get(brand=broken).next_due_at == T0 + timedelta(minutes=15)


def test_a_suspended_brand_is_not_swept(due_brands: list[Brand], django_db_blocker: Any) -> None:
    suspended = due_brands[0]
    with django_db_blocker.unblock():
        Brand.objects.filter(pk=suspended.pk).update(status=Brand.Status.SUSPENDED)
        reminded = services.sweep_due_brands(now=T0 + timedelta(minutes=16))
        assert suspended.slug not in reminded and len(reminded) == len(due_brands) - 1
        assert audited(suspended, "reminder_sent") == []


def test_two_sweeps_at_once_remind_each_due_step_exactly_once(
    due_brands: list[Brand], django_db_blocker: Any
) -> None:
    now = T0 + timedelta(minutes=16)
    start = threading.Barrier(2)
    results: list[Any] = []

    def sweep() -> None:
        try:
            start.wait(timeout=10)
            results.append(services.sweep_due_brands(now=now))
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    with django_db_blocker.unblock():
        sweeps = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in sweeps:
            thread.start()
        for thread in sweeps:
            thread.join(timeout=60)
        assert all(isinstance(result, dict) for result in results), results
        # SKIP LOCKED: whichever sweep claims a step handles it; together exactly the steps due.
        for brand in due_brands:
            assert sum(result.get(brand.slug, 0) for result in results) == STEPS_PER_BRAND
            assert audited(brand, "reminder_sent") == step_ids(brand)


def attention_of(brand: Brand) -> list[tuple[Any, ...]]:
    from tenants.attention.models import AttentionRow

    return sorted(
        AttentionRow.objects.filter(brand=brand)
        .exclude(kind="crisis")
        .values_list(
            "kind", "source_id", "title", "roles", "user_ids", "excluded_user_ids", "due_at"
        )
    )


def test_a_step_being_decided_while_the_chunk_sweeps_is_not_reminded(
    due_brands: list[Brand], world: World, django_db_blocker: Any
) -> None:
    # Given a decision under way on one due step: its transaction holds the step's row
    brand = due_brands[0]
    deciding, others = step_ids(brand)[0], step_ids(brand)[1:]
    holding, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def decide() -> None:
        from django.db import transaction

        try:
            with tenant_context(brand), transaction.atomic():
                ApprovalStep.objects.select_for_update().get(pk=deciding)
                holding.set()
                release.wait(timeout=30)
                services.decide_step(
                    step_id=deciding,
                    actor=world.a.person(Role.ACCOUNT_LEAD),
                    decision="approve",
                    now=T0 + timedelta(minutes=16),
                )
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    with django_db_blocker.unblock():
        thread = threading.Thread(target=decide)
        thread.start()
        assert holding.wait(timeout=30)
        try:
            # When the sweep reminds the due brands meanwhile
            reminded = services.sweep_due_brands(now=T0 + timedelta(minutes=16))
        finally:
            release.set()
            thread.join(timeout=30)
        assert failures == []
        # Then the step being decided is skipped, not reminded, and ends decided; the rest of
        # the brand and the other brands are reminded once
        assert reminded[brand.slug] == len(others)
        assert audited(brand, "reminder_sent") == others
        with tenant_context(brand):
            step = ApprovalStep.objects.get(pk=deciding)
            assert (step.status, step.reminders_sent) == ("approved", 0)
        for other in due_brands[1:]:
            assert audited(other, "reminder_sent") == step_ids(other)
        # And the brand is due again at its reminded steps' next reminder, not at the old one
        connection.set_schema_to_public()
        assert BrandDue.objects.get(brand=brand).next_due_at == T0 + timedelta(minutes=25)


def test_a_request_opened_while_the_chunk_writes_is_kept_due_and_reminded_next(
    due_brands: list[Brand], django_db_blocker: Any, monkeypatch: Any
) -> None:
    # Given a request opened in one brand, on another connection, after the sweep claimed and
    # read the brand's steps but before it writes them and the due index
    brand = due_brands[2]
    opened: list[int] = []
    write = due_across_brands._write

    def open_request() -> None:
        try:
            with tenant_context(brand):
                draft = DraftFactory(kind="reply", risk_score=50)
                result = services.request_approval(
                    subject_kind="reply",
                    subject_id=draft.pk,
                    risk_score=50,
                    actor_id=None,
                    now=T0 + timedelta(minutes=10),
                )
                opened.append(ApprovalStep.objects.get(request_id=result.request_id).pk)
        finally:
            connection.close()

    def write_after_an_open(*args: Any, **kwargs: Any) -> Any:
        if not opened:
            thread = threading.Thread(target=open_request)
            thread.start()
            thread.join(timeout=30)
        return write(*args, **kwargs)

    monkeypatch.setattr(due_across_brands, "_write", write_after_an_open)
    with django_db_blocker.unblock():
        # When the sweep runs at 16
        reminded = services.sweep_due_brands(now=T0 + timedelta(minutes=16))
        assert len(opened) == 1
        # Then the new step (first reminder at 25) is not reminded now, and the due index
        # still says when: its first reminder, which the brand's reminded steps share
        assert reminded[brand.slug] == STEPS_PER_BRAND
        assert opened[0] not in audited(brand, "reminder_sent")
        connection.set_schema_to_public()
        assert BrandDue.objects.get(brand=brand).next_due_at == T0 + timedelta(minutes=25)
        # And the next sweep reminds it with the others
        assert services.sweep_due_brands(now=T0 + timedelta(minutes=26))[brand.slug] == 3
        assert opened[0] in audited(brand, "reminder_sent")


def test_a_reminder_leaves_every_cockpit_row_of_the_brand_as_it_was(
    due_brands: list[Brand], world: World, django_db_blocker: Any
) -> None:
    # Given due brands whose cockpit lists their open steps
    with django_db_blocker.unblock():
        before = {brand.pk: attention_of(brand) for brand in due_brands}
        assert all(len(rows) == STEPS_PER_BRAND for rows in before.values())
        # When the sweep reminds every due brand across brands (without rewriting those rows)
        reminded = services.sweep_due_brands(now=T0 + timedelta(minutes=16))
        assert reminded == {brand.slug: STEPS_PER_BRAND for brand in due_brands}
        # Then what the cockpit shows is unchanged: a reminder moves none of it
        assert {brand.pk: attention_of(brand) for brand in due_brands} == before
