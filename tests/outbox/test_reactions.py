"""Cross-app reactions go through the outbox: written with the change, run once per event and
reaction, and finished by the reconciler when the worker could not (unit level; the real worker
process is in tests/e2e/test_durable_flows.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals import services as approval_services
from approvals.models import ApprovalRequest
from content import announcements
from content import services as content_services
from integrations import events
from integrations.models import Event
from outbox import services as outbox_services
from outbox.models import OutboxEvent
from tests.approvals.factories import DraftFactory
from tests.outbox.faults import make_routing_fail_once, routing_attempts

pytestmark = pytest.mark.django_db


def requests_for(draft_id: int) -> list[str]:
    return list(
        ApprovalRequest.objects.filter(subject_id=draft_id, subject_kind="post").values_list(
            "status", flat=True
        )
    )


def test_a_ready_draft_is_announced_in_its_own_transaction_and_nothing_if_it_rolls_back(
    world,
) -> None:
    with schema_context(world.a.brand.schema_name):
        draft = DraftFactory(kind="post", status="draft")
        with pytest.raises(RuntimeError), transaction.atomic():
            content_services.mark_draft_ready(draft=draft)
            raise RuntimeError("the caller's transaction fails after all")
        assert not OutboxEvent.objects.filter(name=announcements.DRAFT_READY).exists()
        content_services.mark_draft_ready(draft=draft)
        [event] = OutboxEvent.objects.filter(name=announcements.DRAFT_READY)
        assert event.payload == {"draft_id": draft.pk, "parent_id": None}
        assert event.dispatched_at is None  # the worker runs it once this commits


def test_routing_that_fails_leaves_the_draft_for_the_reconciler_which_routes_it_once(
    world, django_capture_on_commit_callbacks
) -> None:
    schema = world.a.brand.schema_name
    with schema_context(schema):
        approval_services.apply_preset(level=0, actor_id=None, now=timezone.now())
        make_routing_fail_once(schema)
        draft = DraftFactory(kind="post", status="draft", risk_score=80)
        with django_capture_on_commit_callbacks(execute=True):
            content_services.mark_draft_ready(draft=draft)
        # The reaction ran after the commit and failed: nothing routed, the failure recorded.
        assert routing_attempts(schema) == 1
        draft.refresh_from_db()
        assert draft.status == "ready"
        assert requests_for(draft.pk) == []
        [event] = OutboxEvent.objects.filter(name=announcements.DRAFT_READY)
        assert event.dispatched_at is None
        assert event.attempts == 1
        assert "injected fault" in event.last_error
        # The other reactions (assets' carry to a new version, the webhook event) did their
        # part once and are not run again.
        assert event.handled == ["assets.carry_to_revision", "integrations.webhook_event"]

        # Within the grace period the reconciler leaves it to the worker's retries.
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox_services.reconcile_brand(now=timezone.now()) == 0
        assert requests_for(draft.pk) == []

        later = timezone.now() + timedelta(minutes=2)
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox_services.reconcile_brand(now=later) >= 1
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox_services.reconcile_brand(now=later) == 0  # nothing left
        draft.refresh_from_db()
        assert draft.status == "in_review"
        assert requests_for(draft.pk) == ["open"]
        event.refresh_from_db()
        assert event.dispatched_at is not None
        assert list(Event.objects.order_by("created_at").values_list("type", flat=True)) == [
            events.DRAFT_READY,
            events.APPROVAL_REQUESTED,
        ]


def test_a_ready_draft_whose_announcement_never_ran_is_routed_by_the_reconciler(
    world, settings
) -> None:
    """Say the draft was marked ready before this release, or its event was deleted by hand."""
    settings.OUTBOX_RECONCILE_AFTER_SECONDS = 60
    with schema_context(world.a.brand.schema_name):
        approval_services.apply_preset(level=0, actor_id=None, now=timezone.now())
        draft = DraftFactory(kind="post", status="ready", risk_score=80)
        DraftFactory._meta.model.objects.filter(pk=draft.pk).update(
            updated_at=timezone.now() - timedelta(minutes=5)
        )
        assert not OutboxEvent.objects.exists()
        outbox_services.reconcile_brand()
        assert requests_for(draft.pk) == ["open"]
        outbox_services.reconcile_brand()
        assert requests_for(draft.pk) == ["open"]  # routed once


def test_running_an_events_reactions_again_changes_nothing(
    world, django_capture_on_commit_callbacks
) -> None:
    with schema_context(world.a.brand.schema_name):
        approval_services.apply_preset(level=0, actor_id=None, now=timezone.now())
        draft = DraftFactory(kind="post", status="draft", risk_score=80)
        with django_capture_on_commit_callbacks(execute=True):
            content_services.mark_draft_ready(draft=draft)
        [event] = OutboxEvent.objects.filter(name=announcements.DRAFT_READY)
        assert event.dispatched_at is not None
        # A redelivered message, a reconciler that raced the worker: both find it done.
        OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None)
        with django_capture_on_commit_callbacks(execute=True):
            outbox_services.dispatch_event(event_id=event.pk)
        assert requests_for(draft.pk) == ["open"]
        assert Event.objects.filter(type=events.DRAFT_READY).count() == 1
        assert Event.objects.filter(type=events.APPROVAL_REQUESTED).count() == 1


def test_one_message_runs_the_events_of_several_brands_each_in_its_brand_but_not_a_suspended_one(
    world,
) -> None:
    from outbox.tasks import react_to_outbox_events_of_brands
    from tenants.models import Brand

    # Given an event waiting in each of two brands, the second brand suspended since
    written = {}
    for brand in (world.a.brand, world.b.brand):
        with schema_context(brand.schema_name):
            event = outbox_services.new_event(name="tests.nothing", payload={"n": 1})
            event.save()
            written[brand.schema_name] = event.pk
    Brand.objects.filter(pk=world.b.brand.pk).update(status=Brand.Status.SUSPENDED)
    # When one message names both (sent from the public schema, as the sweep sends it)
    react_to_outbox_events_of_brands.fn([[schema, [pk]] for schema, pk in written.items()])
    # Then the active brand's event ran in its own schema, the suspended brand's waits
    with schema_context(world.a.brand.schema_name):
        assert OutboxEvent.objects.get(pk=written[world.a.brand.schema_name]).dispatched_at
    with schema_context(world.b.brand.schema_name):
        assert OutboxEvent.objects.get(pk=written[world.b.brand.schema_name]).dispatched_at is None


@pytest.fixture
def noted():
    """Reactions to the test events ``tests.first`` and ``tests.second`` that note what they
    saw in the brand (a ``tests.noted`` row, undone with their transaction); ``tests.first``
    also has a reaction that fails the first time it runs. Yields the notes read so far."""
    from outbox import handlers

    failures = {"left": 1}

    def note(event: OutboxEvent) -> None:
        outbox_services.new_event(name="tests.noted", payload={"n": event.payload["n"]}).save()

    def fail_once(event: OutboxEvent) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("injected fault: fails once")
        retried = {"retried": event.payload["n"]}
        outbox_services.new_event(name="tests.noted", payload=retried).save()

    def seen() -> list[dict]:
        return [e.payload for e in OutboxEvent.objects.filter(name="tests.noted").order_by("pk")]

    handlers.register("tests.first", note, key="tests.note")
    handlers.register("tests.first", fail_once, key="tests.zz_fail_once")
    handlers.register("tests.second", note, key="tests.note")
    try:
        yield seen, failures
    finally:
        handlers.unregister("tests.first", key="tests.note")
        handlers.unregister("tests.first", key="tests.zz_fail_once")
        handlers.unregister("tests.second", key="tests.note")


def test_the_events_a_transaction_writes_reach_the_worker_as_one_message(
    world, inline_worker, django_capture_on_commit_callbacks
) -> None:
    with schema_context(world.a.brand.schema_name):
        approval_services.apply_preset(level=0, actor_id=None, now=timezone.now())
        draft = DraftFactory(kind="post", status="draft", risk_score=80)
        before = OutboxEvent.objects.order_by("pk").values_list("pk", flat=True).last() or 0
        # When a draft is marked ready
        with django_capture_on_commit_callbacks(execute=True):
            content_services.mark_draft_ready(draft=draft)
        # Then the worker got one message, for its announcement: the events the routing that
        # ran on it wrote (the approval request, its emails and webhooks) ran with it
        outbox_messages = [m for m in inline_worker.ran if m.actor_name.startswith("react_to")]
        written = list(
            OutboxEvent.objects.filter(pk__gt=before).order_by("pk").values_list("pk", flat=True)
        )
        assert len(written) > 2
        assert [list(m.args[0]) for m in outbox_messages] == [written[:1]]
        assert not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()
        assert requests_for(draft.pk) == ["open"]
        assert Event.objects.filter(type=events.APPROVAL_REQUESTED).count() == 1


def test_an_event_written_after_a_rolled_back_savepoint_still_reaches_the_worker(
    world, noted, django_capture_on_commit_callbacks
) -> None:
    seen, _failures = noted
    with schema_context(world.a.brand.schema_name):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            # The first event's message was registered inside a savepoint that rolls back
            with pytest.raises(RuntimeError), transaction.atomic():
                outbox_services.record_event(name="tests.second", payload={"n": 1})
                raise RuntimeError("this part of the change is undone")
            outbox_services.record_event(name="tests.second", payload={"n": 2})
            outbox_services.record_event(name="tests.second", payload={"n": 3})
        assert seen() == [{"n": 2}, {"n": 3}]
        waiting = OutboxEvent.objects.filter(dispatched_at__isnull=True).exclude(name="tests.noted")
        assert not waiting.exists()


def test_an_event_undone_by_a_savepoint_is_in_no_message_and_a_released_ones_join_the_rest(
    world, noted, inline_worker, django_capture_on_commit_callbacks
) -> None:
    seen, _failures = noted
    with schema_context(world.a.brand.schema_name):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            # Given an event written, then one in a part of the change that is undone,
            first = outbox_services.record_event(name="tests.second", payload={"n": 1})
            with pytest.raises(RuntimeError), transaction.atomic():
                outbox_services.record_event(name="tests.second", payload={"n": 2})
                raise RuntimeError("this part of the change is undone")
            # then one in a part that is kept, and one more after it
            with transaction.atomic():
                kept = outbox_services.record_event(name="tests.second", payload={"n": 3})
            last = outbox_services.record_event(name="tests.second", payload={"n": 4})
        # Then the worker got one message, naming only the events that were kept
        outbox_messages = [
            list(m.args[0]) for m in inline_worker.ran if m.actor_name.startswith("react_to")
        ]
        assert outbox_messages == [[first.pk, kept.pk, last.pk]]
        assert seen() == [{"n": 1}, {"n": 3}, {"n": 4}]


def test_a_failing_reaction_holds_back_neither_its_events_other_reactions_nor_the_other_events(
    world, noted, django_capture_on_commit_callbacks
) -> None:
    seen, failures = noted
    with schema_context(world.a.brand.schema_name):
        # Given two events written together, one of them with a reaction that fails once
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            first = outbox_services.record_event(name="tests.first", payload={"n": 1})
            second = outbox_services.record_event(name="tests.second", payload={"n": 2})
        # Then the other reactions ran once each, the failing one was not retried in that run
        assert failures["left"] == 0
        assert seen() == [{"n": 1}, {"n": 2}]
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.handled == ["tests.note"]
        assert first.dispatched_at is None
        assert first.attempts == 1
        assert "injected fault" in first.last_error
        assert second.handled == ["tests.note"]
        assert second.dispatched_at is not None
        # When the worker retries the message, only the failed reaction runs again
        with django_capture_on_commit_callbacks(execute=True):
            outbox_services.dispatch_events(event_ids=[first.pk, second.pk])
        assert seen() == [{"n": 1}, {"n": 2}, {"retried": 1}]
        first.refresh_from_db()
        assert first.handled == ["tests.note", "tests.zz_fail_once"]
        assert first.dispatched_at is not None


class WorkerKilled(BaseException):
    """The worker process dying mid-way: nothing after it runs, nothing uncommitted stays."""


@pytest.fixture
def causing(noted):
    """A reaction to ``tests.cause`` that announces ``tests.first`` (whose reactions ``noted``
    registers: a note, and one that fails once), as routing announces the approval request."""
    from outbox import handlers

    def announce(event: OutboxEvent) -> None:
        outbox_services.record_event(name="tests.first", payload={"n": event.payload["n"]})

    handlers.register("tests.cause", announce, key="tests.announce")
    try:
        yield noted
    finally:
        handlers.unregister("tests.cause", key="tests.announce")


def test_a_failing_reaction_to_an_announced_event_undoes_nothing_and_is_retried_alone(
    world, causing, inline_worker, django_capture_on_commit_callbacks
) -> None:
    seen, failures = causing
    failures["left"] = 2
    with schema_context(world.a.brand.schema_name):
        # Given an event whose reaction announces one with a reaction that fails twice (once
        # run with the first event, rolled back with the announcement; once on its own)
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            cause = outbox_services.record_event(name="tests.cause", payload={"n": 1})
        # Then the first reaction is done and announced once; what it announced went out as
        # its own message, where its other reaction ran once and the failing one is counted
        cause.refresh_from_db()
        assert cause.dispatched_at is not None
        [announced] = OutboxEvent.objects.filter(name="tests.first")
        assert failures["left"] == 0
        assert seen() == [{"n": 1}]
        assert announced.handled == ["tests.note"]
        assert announced.dispatched_at is None
        assert announced.attempts == 1
        outbox_messages = [
            list(m.args[0]) for m in inline_worker.ran if m.actor_name.startswith("react_to")
        ]
        assert outbox_messages == [[cause.pk], [announced.pk]]
        # When the worker retries that message, only the failed reaction runs again
        with django_capture_on_commit_callbacks(execute=True):
            outbox_services.dispatch_events(event_ids=[announced.pk])
        assert seen() == [{"n": 1}, {"retried": 1}]
        assert OutboxEvent.objects.filter(name="tests.first").count() == 1
        waiting = OutboxEvent.objects.filter(dispatched_at__isnull=True)
        assert not waiting.exclude(name="tests.noted").exists()


def test_a_worker_killed_while_running_announced_events_leaves_it_all_to_run_once_again(
    world, causing, django_capture_on_commit_callbacks
) -> None:
    from outbox import handlers

    seen, failures = causing
    failures["left"] = 0
    killed = {"left": 1}

    def die_once(event: OutboxEvent) -> None:
        if killed["left"]:
            killed["left"] -= 1
            raise WorkerKilled

    handlers.register("tests.first", die_once, key="tests.die_once")
    try:
        with schema_context(world.a.brand.schema_name):
            # Given an event whose reaction announces one, when the worker dies running the
            # announced event's reactions (after the first event's reaction ran)
            with (
                pytest.raises(WorkerKilled),
                django_capture_on_commit_callbacks(execute=True),
                transaction.atomic(),
            ):
                cause = outbox_services.record_event(name="tests.cause", payload={"n": 1})
            # Then nothing it did stayed: the event waits, nothing was announced or noted
            cause.refresh_from_db()
            assert cause.dispatched_at is None
            assert cause.handled == []
            assert not OutboxEvent.objects.filter(name="tests.first").exists()
            assert seen() == []
            # When the message is run again (the broker's redelivery, or the reconciler)
            with django_capture_on_commit_callbacks(execute=True):
                outbox_services.dispatch_events(event_ids=[cause.pk])
            # Then each reaction ran once: one announcement, noted once by each reaction
            assert OutboxEvent.objects.filter(name="tests.first").count() == 1
            assert seen() == [{"n": 1}, {"retried": 1}]
            waiting = OutboxEvent.objects.filter(dispatched_at__isnull=True)
            assert not waiting.exclude(name="tests.noted").exists()
    finally:
        handlers.unregister("tests.first", key="tests.die_once")
