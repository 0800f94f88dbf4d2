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
