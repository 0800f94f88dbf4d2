"""Webhook delivery end to end against a real receiver on 127.0.0.1: signatures, retries with
exponential backoff, disabling a failing endpoint (and telling the brand), redelivery."""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from dramatiq import Message
from dramatiq.brokers.stub import StubBroker

from integrations import events, services, signing, tasks
from integrations.errors import UnknownEventType
from integrations.models import Delivery, Event, WebhookEndpoint
from tenants.models import Brand
from tenants.roles import Role
from tenants.worker import BrandContextMiddleware
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery_settings(settings, allow_private_urls):
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 30
    settings.WEBHOOK_BACKOFF_MAX_SECONDS = 100
    settings.WEBHOOK_MAX_ATTEMPTS = 5
    settings.WEBHOOK_DISABLE_AFTER_FAILING_HOURS = 24
    return settings


def test_event_reaches_receiver_signed_and_receiver_can_reject_a_replay(
    world, receiver, delivery_settings, worker_queue, django_capture_on_commit_callbacks
):
    with schema_context(world.a.brand.schema_name):
        _endpoint, secret = services.create_endpoint(
            url=receiver.url, event_types=[events.DRAFT_READY]
        )
        with django_capture_on_commit_callbacks(execute=True):
            event = services.emit_event(event_type=events.DRAFT_READY, data={"draft_id": 7})
        [queued] = worker_queue.take()
        tasks.deliver_webhook.fn(queued.delivery_id)  # what the worker runs
        delivery = Delivery.objects.get(pk=queued.delivery_id)

    assert delivery.status == Delivery.Status.SUCCEEDED
    [got] = receiver.requests
    body = json.loads(got.body)
    assert body["id"] == str(event.id)
    assert body["type"] == "draft.ready"
    assert body["brand"] == world.a.brand.slug
    assert body["data"] == {"draft_id": 7}
    assert got.headers[signing.EVENT_ID_HEADER] == str(event.id)
    timestamp = got.headers[signing.TIMESTAMP_HEADER]
    signature = got.headers[signing.SIGNATURE_HEADER]

    # The receiver accepts the genuine request now...
    signing.verify_signature(
        secret=secret, body=got.body, timestamp_header=timestamp, signature_header=signature
    )
    # ...but not the same request replayed ten minutes later,
    with pytest.raises(signing.InvalidSignature, match="replay"):
        signing.verify_signature(
            secret=secret,
            body=got.body,
            timestamp_header=timestamp,
            signature_header=signature,
            now=int(timestamp) + 600,
        )
    # nor a replay with a fresh timestamp (the signature covers it),
    with pytest.raises(signing.InvalidSignature, match="does not match"):
        signing.verify_signature(
            secret=secret,
            body=got.body,
            timestamp_header=str(int(timestamp) + 600),
            signature_header=signature,
            now=int(timestamp) + 600,
        )
    # nor a changed body, nor another secret.
    with pytest.raises(signing.InvalidSignature):
        signing.verify_signature(
            secret=secret,
            body=got.body.replace(b"7", b"8"),
            timestamp_header=timestamp,
            signature_header=signature,
        )
    with pytest.raises(signing.InvalidSignature):
        signing.verify_signature(
            secret="whsec_someone-else",
            body=got.body,
            timestamp_header=timestamp,
            signature_header=signature,
        )


def test_event_goes_to_active_endpoints_of_its_brand_that_want_it_and_is_held_for_paused_ones(
    world, delivery_settings, worker_queue, django_capture_on_commit_callbacks
):
    with schema_context(world.b.brand.schema_name):
        services.create_endpoint(url="https://93.184.216.34/b", event_types=[])
    with schema_context(world.a.brand.schema_name):
        everything, _ = services.create_endpoint(url="https://93.184.216.34/all", event_types=[])
        drafts, _ = services.create_endpoint(
            url="https://93.184.216.34/drafts", event_types=[events.DRAFT_READY]
        )
        services.create_endpoint(
            url="https://93.184.216.34/approvals", event_types=[events.APPROVAL_DECIDED]
        )
        paused, _ = services.create_endpoint(url="https://93.184.216.34/paused", event_types=[])
        services.update_endpoint(endpoint=paused, status=WebhookEndpoint.Status.DISABLED)

        with django_capture_on_commit_callbacks(execute=True):
            event = services.emit_event(event_type=events.DRAFT_READY, data={"draft_id": 1})

        got = dict(Delivery.objects.filter(event=event).values_list("endpoint", "status"))
        assert got == {everything.pk: "pending", drafts.pk: "pending", paused.pk: "held"}
        held = Delivery.objects.get(event=event, endpoint=paused)
        assert held.last_error.startswith("Held while the endpoint is disabled")
        assert Delivery.objects.get(event=event, endpoint=drafts).last_error == ""
        stored = Event.objects.get(pk=event.pk)
        assert (stored.type, stored.data, stored.created_at) == (
            events.DRAFT_READY,
            {"draft_id": 1},
            event.created_at,
        )
        sent = {Delivery.objects.get(pk=q.delivery_id).endpoint_id for q in worker_queue.take()}
        assert sent == {everything.pk, drafts.pk}
    with schema_context(world.b.brand.schema_name):
        assert not Delivery.objects.exists()


def test_unknown_event_type_is_refused(world):
    with schema_context(world.a.brand.schema_name), pytest.raises(UnknownEventType):
        services.emit_event(event_type="draft.exploded", data={})


def test_failed_attempts_are_retried_with_exponential_backoff_until_one_succeeds(
    world, receiver, delivery_settings, worker_queue, django_capture_on_commit_callbacks
):
    receiver.statuses = [500, 503, 500]
    t0 = timezone.now()
    with schema_context(world.a.brand.schema_name):
        services.create_endpoint(url=receiver.url, event_types=[])
        event = services.emit_event(event_type=events.INCIDENT_OPENED, data={"incident_id": 3})
        delivery_id = Delivery.objects.get(event=event).pk

        def attempt(at_seconds: float) -> Delivery:
            with django_capture_on_commit_callbacks(execute=True):
                services.attempt_delivery(
                    delivery_id=delivery_id, now=t0 + timedelta(seconds=at_seconds)
                )
            return Delivery.objects.get(pk=delivery_id)

        first = attempt(0)
        assert (first.status, first.attempts) == ("pending", 1)
        assert first.next_attempt_at == t0 + timedelta(seconds=30)
        [retry] = worker_queue.take()
        assert retry.delivery_id == delivery_id
        assert 25 <= retry.delay_seconds <= 30

        early = attempt(10)  # a duplicate or early message changes nothing
        assert early.attempts == 1
        assert len(receiver.requests) == 1

        second = attempt(30)
        assert second.next_attempt_at == t0 + timedelta(seconds=30 + 60)
        third = attempt(90)
        # 120 s would be next, but the backoff is capped at 100 s.
        assert third.next_attempt_at == t0 + timedelta(seconds=90 + 100)
        fourth = attempt(190)

        assert (fourth.status, fourth.attempts, fourth.last_status_code) == ("succeeded", 4, 200)
        log = [(a.number, a.status_code, a.response_excerpt) for a in fourth.attempt_log.all()]
        assert log == [
            (1, 500, "receiver is down"),
            (2, 503, "receiver is down"),
            (3, 500, "receiver is down"),
            (4, 200, "ok"),
        ]
        assert WebhookEndpoint.objects.get().consecutive_failures == 0
    assert len(receiver.requests) == 4
    # Every retry carries the same event id, so the receiver can drop duplicates.
    assert {r.headers[signing.EVENT_ID_HEADER] for r in receiver.requests} == {str(event.id)}


def test_delivery_fails_after_the_last_attempt(
    world, receiver, delivery_settings, django_capture_on_commit_callbacks
):
    delivery_settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.statuses = [500, 500, 500]
    t0 = timezone.now()
    with schema_context(world.a.brand.schema_name):
        services.create_endpoint(url=receiver.url, event_types=[])
        event = services.emit_event(event_type=events.BOOST_ALERT, data={})
        delivery_id = Delivery.objects.get(event=event).pk
        services.attempt_delivery(delivery_id=delivery_id, now=t0)
        services.attempt_delivery(delivery_id=delivery_id, now=t0 + timedelta(seconds=30))
        services.attempt_delivery(delivery_id=delivery_id, now=t0 + timedelta(hours=1))
        delivery = Delivery.objects.get(pk=delivery_id)
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert delivery.last_error == "HTTP 500"
    assert len(receiver.requests) == 2


def test_a_burst_against_a_receiver_that_is_down_for_a_minute_does_not_disable_it(
    world, receiver, delivery_settings, django_capture_on_commit_callbacks
):
    # What broke: 21 failures in 18 seconds disabled the endpoint for good.
    delivery_settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.statuses = [503] * 30
    t0 = timezone.now()
    with schema_context(world.a.brand.schema_name):
        endpoint, _ = services.create_endpoint(url=receiver.url, event_types=[])
        burst = [
            services.emit_event(event_type=events.DRAFT_READY, data={"n": n}) for n in range(30)
        ]
        with django_capture_on_commit_callbacks(execute=True):
            for n, event in enumerate(burst):
                services.attempt_delivery(
                    delivery_id=Delivery.objects.get(event=event).pk,
                    now=t0 + timedelta(seconds=n * 0.6),
                )
        endpoint.refresh_from_db()
        assert endpoint.consecutive_failures == 30
        assert endpoint.status == WebhookEndpoint.Status.ACTIVE
        assert endpoint.failing_since == t0

        # The receiver is back a minute later: the retries get through and the run is over.
        for event in burst:
            services.attempt_delivery(
                delivery_id=Delivery.objects.get(event=event).pk, now=t0 + timedelta(minutes=1)
            )
        endpoint.refresh_from_db()
        assert (endpoint.consecutive_failures, endpoint.failing_since) == (0, None)
        assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}
    assert mail.outbox == []


def test_endpoint_failing_for_a_day_is_disabled_once_and_brand_leads_are_emailed(
    world, receiver, delivery_settings, django_capture_on_commit_callbacks
):
    receiver.statuses = [500] * 10
    t0 = timezone.now()
    with schema_context(world.a.brand.schema_name):
        endpoint, _ = services.create_endpoint(url=receiver.url, event_types=[])
        first = services.emit_event(event_type=events.DRAFT_FAILED, data={"n": 1})
        second = services.emit_event(event_type=events.DRAFT_FAILED, data={"n": 2})
        with django_capture_on_commit_callbacks(execute=True):
            services.attempt_delivery(delivery_id=Delivery.objects.get(event=first).pk, now=t0)
            # Still failing 23 hours later: not yet.
            services.attempt_delivery(
                delivery_id=Delivery.objects.get(event=second).pk, now=t0 + timedelta(hours=23)
            )
            endpoint.refresh_from_db()
            assert endpoint.status == WebhookEndpoint.Status.ACTIVE
            # A day of nothing but failures: disabled by this attempt.
            services.attempt_delivery(
                delivery_id=Delivery.objects.get(event=first).pk, now=t0 + timedelta(hours=24)
            )
        endpoint.refresh_from_db()
        assert endpoint.status == WebhookEndpoint.Status.DISABLED
        assert "3 attempts" in endpoint.disabled_reason
        assert "HTTP 500" in endpoint.disabled_reason
        assert Delivery.objects.get(event=first).status == Delivery.Status.FAILED
        # The other delivery's next attempt finds the endpoint disabled and sends nothing.
        services.attempt_delivery(
            delivery_id=Delivery.objects.get(event=second).pk, now=t0 + timedelta(hours=25)
        )
        assert Delivery.objects.get(event=second).status == Delivery.Status.FAILED
        # New events are kept for it, not sent.
        later = services.emit_event(event_type=events.DRAFT_FAILED, data={"n": 3})
        assert Delivery.objects.get(event=later).status == Delivery.Status.HELD
    assert len(receiver.requests) == 3

    # One email to each lead (nobody sees the others' addresses), saying how to catch up.
    assert sorted(to for message in mail.outbox for to in message.to) == sorted(
        [world.admin.email, world.a.person(Role.ACCOUNT_LEAD).email]
    )
    for message in mail.outbox:
        assert receiver.url in message.body
        assert "redeliver" in message.body
        assert world.a.brand.name in message.subject


def test_events_kept_for_a_disabled_endpoint_are_delivered_after_re_enabling_it(
    world, receiver, delivery_settings, worker_queue, django_capture_on_commit_callbacks
):
    delivery_settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.statuses = [500]
    admin = client_for(world.admin)
    base = f"/brands/{world.a.brand.slug}/api/v1/webhooks"
    t0 = timezone.now()
    with schema_context(world.a.brand.schema_name):
        endpoint, _ = services.create_endpoint(url=receiver.url, event_types=[])
        other, _ = services.create_endpoint(url=receiver.url + "/other", event_types=[])
        old = services.emit_event(
            event_type=events.POST_PUBLISHED, data={"n": 0}, occurred_at=t0 - timedelta(days=2)
        )
        failed = services.emit_event(event_type=events.POST_PUBLISHED, data={"n": 1})
        services.attempt_delivery(
            delivery_id=Delivery.objects.get(event=failed, endpoint=endpoint).pk, now=t0
        )
        services.update_endpoint(endpoint=endpoint, status=WebhookEndpoint.Status.DISABLED)
        held = [
            services.emit_event(event_type=events.POST_PUBLISHED, data={"n": n}) for n in (2, 3)
        ]
    worker_queue.take()

    listed = admin.get(f"{base}/endpoints/{endpoint.pk}/").json()
    assert (listed["status"], listed["held_deliveries"]) == ("disabled", 2)
    refused = admin.post(
        f"{base}/endpoints/{endpoint.pk}/redeliver/", {"since": t0.isoformat()}, format="json"
    )
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "endpoint_disabled"

    enabled = admin.patch(f"{base}/endpoints/{endpoint.pk}/", {"status": "active"})
    assert enabled.json()["held_deliveries"] == 2  # offered, not sent unasked
    assert worker_queue.take() == []

    since = (t0 - timedelta(hours=1)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        sent = admin.post(f"{base}/endpoints/{endpoint.pk}/redeliver/", {"since": since})
    assert sent.status_code == 202, sent.content
    assert sent.json() == {"released": 2, "redelivered": 1}
    queued = [q.delivery_id for q in worker_queue.take()]
    assert len(queued) == 3
    with schema_context(world.a.brand.schema_name):
        for delivery_id in queued:
            tasks.deliver_webhook.fn(delivery_id)
        got = Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.SUCCEEDED)
        assert {d.event_id for d in got} == {failed.id, *(e.id for e in held)}
        # The two-day-old event was before "since"; the other endpoint was never involved.
        assert not Delivery.objects.filter(
            event=old, endpoint=endpoint, redelivery_of__isnull=False
        )
        assert not Delivery.objects.filter(endpoint=other, redelivery_of__isnull=False).exists()

    # Asking twice sends nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        again = admin.post(f"{base}/endpoints/{endpoint.pk}/redeliver/", {"since": since})
    assert again.json() == {"released": 0, "redelivered": 0}
    assert worker_queue.take() == []
    assert admin.get(f"{base}/endpoints/{endpoint.pk}/").json()["held_deliveries"] == 0


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "required"),
        ({"since": "yesterday"}, "format"),
        ({"since": "2999-01-01T00:00Z"}, "future"),
    ],
)
def test_redelivering_since_a_time_names_a_missing_or_bad_time(world, body, reason):
    admin = client_for(world.admin)
    with schema_context(world.a.brand.schema_name):
        endpoint, _ = services.create_endpoint(url="https://93.184.216.34/x", event_types=[])
    answer = admin.post(
        f"/brands/{world.a.brand.slug}/api/v1/webhooks/endpoints/{endpoint.pk}/redeliver/",
        body,
        format="json",
    )
    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["attr"] == "since"
    assert reason in error["detail"].lower()


def test_only_the_brands_admins_can_redeliver_an_endpoints_events(world):
    with schema_context(world.a.brand.schema_name):
        endpoint, _ = services.create_endpoint(url="https://93.184.216.34/x", event_types=[])
    path = f"webhooks/endpoints/{endpoint.pk}/redeliver/"
    body = {"since": timezone.now().isoformat()}
    copywriter = client_for(world.a.person(Role.COPYWRITER))
    assert copywriter.post(f"/brands/{world.a.brand.slug}/api/v1/{path}", body).status_code == 403
    # A member of the other brand learns nothing; on another brand's URL the endpoint is not
    # there, even for an admin of both.
    bob = client_for(world.b.person(Role.ACCOUNT_LEAD))
    assert bob.post(f"/brands/{world.a.brand.slug}/api/v1/{path}", body).status_code == 404
    admin = client_for(world.admin)
    assert admin.post(f"/brands/{world.b.brand.slug}/api/v1/{path}", body).status_code == 404
    with schema_context(world.a.brand.schema_name):
        assert not Delivery.objects.exists()


def test_admin_redelivers_a_failed_delivery_after_fixing_the_endpoint(
    world, receiver, delivery_settings, worker_queue, django_capture_on_commit_callbacks
):
    delivery_settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.statuses = [500]
    admin = client_for(world.admin)
    base = f"/brands/{world.a.brand.slug}/api/v1/webhooks"
    with schema_context(world.a.brand.schema_name):
        services.create_endpoint(url=receiver.url, event_types=[])
        event = services.emit_event(event_type=events.APPROVAL_DECIDED, data={"decision": "ok"})
        failed = Delivery.objects.get(event=event)
        services.attempt_delivery(delivery_id=failed.pk, now=timezone.now())
    worker_queue.take()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"{base}/deliveries/{failed.pk}/redeliver/")
    assert response.status_code == 202, response.content
    again = response.json()
    assert again["redelivery_of"] == failed.pk
    assert again["status"] == "pending"
    [queued] = worker_queue.take()
    assert queued.delivery_id == again["id"]

    with schema_context(world.a.brand.schema_name):
        tasks.deliver_webhook.fn(again["id"])
    log = admin.get(f"{base}/deliveries/{again['id']}/").json()
    assert log["status"] == "succeeded"
    assert [a["status_code"] for a in log["attempt_log"]] == [200]
    assert len({r.headers[signing.EVENT_ID_HEADER] for r in receiver.requests}) == 1
    assert len({r.headers[signing.DELIVERY_ID_HEADER] for r in receiver.requests}) == 2


def test_redelivery_to_a_disabled_endpoint_is_refused_until_it_is_re_enabled(
    world, delivery_settings
):
    admin = client_for(world.admin)
    base = f"/brands/{world.a.brand.slug}/api/v1/webhooks"
    with schema_context(world.a.brand.schema_name):
        endpoint, _ = services.create_endpoint(url="https://93.184.216.34/x", event_types=[])
        event = services.emit_event(event_type=events.POST_PUBLISHED, data={})
        delivery = Delivery.objects.get(event=event)
        services.update_endpoint(endpoint=endpoint, status=WebhookEndpoint.Status.DISABLED)

    refused = admin.post(f"{base}/deliveries/{delivery.pk}/redeliver/")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "endpoint_disabled"
    with schema_context(world.a.brand.schema_name):
        assert Delivery.objects.count() == 1

    enabled = admin.patch(f"{base}/endpoints/{endpoint.pk}/", {"status": "active"})
    assert enabled.status_code == 200
    assert enabled.json()["status"] == "active"
    assert admin.post(f"{base}/deliveries/{delivery.pk}/redeliver/").status_code == 202


def test_delivery_to_an_address_that_turned_private_is_not_sent(world, settings):
    with schema_context(world.a.brand.schema_name):
        settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
        services.create_endpoint(url="http://127.0.0.1:9/hook", event_types=[])
        settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
        event = services.emit_event(event_type=events.INCIDENT_CLOSED, data={})
        delivery = services.attempt_delivery(
            delivery_id=Delivery.objects.get(event=event).pk, now=timezone.now()
        )
    assert delivery is not None
    assert delivery.attempts == 1
    assert delivery.last_status_code is None
    assert "loopback" in delivery.last_error


def test_deliveries_whose_message_was_lost_are_handed_to_the_worker_again(
    world, delivery_settings, worker_queue, django_capture_on_commit_callbacks
):
    with schema_context(world.a.brand.schema_name):
        services.create_endpoint(url="https://93.184.216.34/x", event_types=[])
        lost = services.emit_event(event_type=events.DRAFT_READY, data={"n": 1})
        fresh = services.emit_event(event_type=events.DRAFT_READY, data={"n": 2})
        Delivery.objects.filter(event=lost).update(created_at=timezone.now() - timedelta(hours=1))
        with django_capture_on_commit_callbacks(execute=True):
            count = services.requeue_stalled_deliveries(now=timezone.now())
        lost_id = Delivery.objects.get(event=lost).pk
        assert Delivery.objects.filter(event=fresh).exists()
    assert count == 1
    assert [q.delivery_id for q in worker_queue.take()] == [lost_id]


def test_unreachable_receiver_is_logged_as_a_failed_attempt_and_retried(world, delivery_settings):
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with schema_context(world.a.brand.schema_name):
        services.create_endpoint(url=f"http://127.0.0.1:{port}/hooks", event_types=[])
        event = services.emit_event(event_type=events.INCIDENT_UPDATED, data={})
        delivery = services.attempt_delivery(
            delivery_id=Delivery.objects.get(event=event).pk, now=timezone.now()
        )
    assert delivery is not None
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert "ConnectError" in delivery.last_error


def test_after_rotating_the_secret_receivers_verify_with_either_secret_for_a_day(
    world, receiver, delivery_settings
):
    admin = client_for(world.admin)
    base = f"/brands/{world.a.brand.slug}/api/v1/webhooks/endpoints"
    with schema_context(world.a.brand.schema_name):
        endpoint, old_secret = services.create_endpoint(url=receiver.url, event_types=[])
    rotated = admin.post(f"{base}/{endpoint.pk}/rotate-secret/")
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != old_secret
    assert "secret" not in admin.get(f"{base}/{endpoint.pk}/").json()

    now = timezone.now()
    with schema_context(world.a.brand.schema_name):
        for at in (now, now + timedelta(hours=25)):
            event = services.emit_event(event_type=events.DRAFT_READY, data={})
            services.attempt_delivery(delivery_id=Delivery.objects.get(event=event).pk, now=at)
    during, after = receiver.requests

    def verifies(got, secret: str) -> bool:
        try:
            signing.verify_signature(
                secret=secret,
                body=got.body,
                timestamp_header=got.headers[signing.TIMESTAMP_HEADER],
                signature_header=got.headers[signing.SIGNATURE_HEADER],
                now=int(got.headers[signing.TIMESTAMP_HEADER]),
            )
        except signing.InvalidSignature:
            return False
        return True

    assert verifies(during, new_secret) and verifies(during, old_secret)
    assert verifies(after, new_secret) and not verifies(after, old_secret)


def test_rotating_a_secret_is_for_agency_admins_of_the_brand_only(world):
    with schema_context(world.a.brand.schema_name):
        endpoint, secret = services.create_endpoint(url="https://93.184.216.34/x", event_types=[])
    url = f"/brands/{world.a.brand.slug}/api/v1/webhooks/endpoints/{endpoint.pk}/rotate-secret/"
    assert client_for(world.a.person(Role.ACCOUNT_LEAD)).post(url).status_code == 403
    assert client_for(world.b.person(Role.ACCOUNT_LEAD)).post(url).status_code == 404
    with schema_context(world.a.brand.schema_name):
        assert WebhookEndpoint.objects.get().secret == secret


def test_old_events_and_their_delivery_log_are_pruned_unless_still_on_their_way(
    world, delivery_settings
):
    now = timezone.now()
    with schema_context(world.a.brand.schema_name):
        services.create_endpoint(url="https://93.184.216.34/x", event_types=[])
        done = services.emit_event(event_type=events.DRAFT_READY, data={"n": "done"})
        waiting = services.emit_event(event_type=events.DRAFT_READY, data={"n": "waiting"})
        recent = services.emit_event(event_type=events.DRAFT_READY, data={"n": "recent"})
        Delivery.objects.filter(event=done).update(status="succeeded", finished_at=now)
        Event.objects.filter(pk__in=[done.pk, waiting.pk]).update(
            created_at=now - timedelta(days=31)
        )

        assert services.prune_events(now=now) == 1
        assert set(Event.objects.values_list("pk", flat=True)) == {waiting.pk, recent.pk}
        assert not Delivery.objects.filter(event_id=done.pk).exists()


def test_periodic_sweep_sends_one_message_per_active_brand_carrying_that_brand(world):
    broker = StubBroker(middleware=[BrandContextMiddleware()])
    original = tasks.requeue_brand_stalled_deliveries.broker
    tasks.requeue_brand_stalled_deliveries.broker = broker
    broker.declare_actor(tasks.requeue_brand_stalled_deliveries)
    try:
        tasks.sweep_stalled_deliveries.fn()
    finally:
        tasks.requeue_brand_stalled_deliveries.broker = original
    queue = broker.queues[tasks.requeue_brand_stalled_deliveries.queue_name]
    brands = []
    while not queue.empty():
        brands.append(Message.decode(queue.get_nowait()).options["brand_schema"])
    assert sorted(brands) == sorted(
        Brand.objects.filter(status="active").values_list("schema_name", flat=True)
    )
    assert world.a.brand.schema_name in brands and world.b.brand.schema_name in brands


def test_delivery_connects_to_the_checked_address_with_the_original_host_name(
    world, receiver, delivery_settings
):
    port = receiver.url.split(":")[2].split("/")[0]
    with schema_context(world.a.brand.schema_name):
        services.create_endpoint(url=f"http://localhost:{port}/hooks?src=br", event_types=[])
        event = services.emit_event(event_type=events.DRAFT_READY, data={})
        delivery = services.attempt_delivery(
            delivery_id=Delivery.objects.get(event=event).pk, now=timezone.now()
        )
    assert delivery is not None and delivery.status == "succeeded"
    [got] = receiver.requests
    assert got.headers["Host"] == f"localhost:{port}"
    assert got.path == "/hooks?src=br"


def test_dns_answer_that_turns_private_after_the_check_is_not_followed(
    world, delivery_settings, monkeypatch
):
    delivery_settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    answers = iter([["93.184.216.34"], ["169.254.169.254"]])

    def rebinding_dns(host, port, *args, **kwargs):  # the network edge
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in next(answers)]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    with schema_context(world.a.brand.schema_name):
        services.create_endpoint(url="https://hooks.example.test/in", event_types=[])
        event = services.emit_event(event_type=events.DRAFT_READY, data={})
        delivery = services.attempt_delivery(
            delivery_id=Delivery.objects.get(event=event).pk, now=timezone.now()
        )
    assert delivery is not None
    assert delivery.last_status_code is None
    assert "link-local" in delivery.last_error


def test_event_of_a_rolled_back_change_is_neither_recorded_nor_sent(
    world, delivery_settings, worker_queue, django_capture_on_commit_callbacks
):
    with schema_context(world.a.brand.schema_name):
        services.create_endpoint(url="https://93.184.216.34/x", event_types=[])
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            services.emit_event(event_type=events.APPROVAL_DECIDED, data={})
            raise RuntimeError("the caller's change failed after emitting")
        assert not Event.objects.exists()
        assert not Delivery.objects.exists()
    assert worker_queue.take() == []
