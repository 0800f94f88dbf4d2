"""The brand's events come from the other apps' real changes: each type is recorded with its
documented payload and reaches a matching endpoint signed (docs/webhooks.md)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals import announcements as approvals_announcements
from approvals import services as approval_services
from content import announcements as content_announcements
from content import services as content_services
from integrations import events, services, signing, tasks
from integrations.models import Delivery, Event
from media import announcements as media_announcements
from outbox.services import NotInBrand, record_event
from tenants.roles import Role
from tests.approvals.factories import DraftFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooked(world, receiver, allow_private_urls, worker_queue):
    """An endpoint on brand A that wants every event type, and a way to deliver what is due."""
    with schema_context(world.a.brand.schema_name):
        _endpoint, secret = services.create_endpoint(url=receiver.url, event_types=[])

    def deliver() -> list[dict]:
        with schema_context(world.a.brand.schema_name):
            for queued in worker_queue.take():
                tasks.deliver_webhook.fn(queued.delivery_id)
        bodies = []
        for got in receiver.requests:
            signing.verify_signature(
                secret=secret,
                body=got.body,
                timestamp_header=got.headers[signing.TIMESTAMP_HEADER],
                signature_header=got.headers[signing.SIGNATURE_HEADER],
            )
            body = json.loads(got.body)
            assert got.headers[signing.EVENT_TYPE_HEADER] == body["type"]
            bodies.append(body)
        receiver.requests.clear()
        return bodies

    return deliver


def recorded(world, event_type: str) -> list[dict]:
    with schema_context(world.a.brand.schema_name):
        return [e.data for e in Event.objects.filter(type=event_type).order_by("created_at")]


def base(world) -> str:
    return f"http://127.0.0.1:8000/brands/{world.a.brand.slug}/api/v1/"


def test_ready_draft_and_its_approval_request_and_decision_are_delivered_signed(
    world, hooked, settings, django_capture_on_commit_callbacks
) -> None:
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    lead = world.a.person(Role.ACCOUNT_LEAD)
    assert (
        client_for(lead)
        .post(f"/brands/{world.a.brand.slug}/api/v1/approvals/policy/preset/", {"level": 2})
        .status_code
        == 200
    )
    with schema_context(world.a.brand.schema_name):
        draft = DraftFactory(kind="post", status="draft", risk_score=80)
        with django_capture_on_commit_callbacks(execute=True):
            content_services.mark_draft_ready(draft=draft)

    [ready] = recorded(world, events.DRAFT_READY)
    assert ready["draft_id"] == draft.pk
    assert ready["kind"] == "post"
    assert ready["risk_score"] == 80
    assert ready["url"] == base(world) + f"drafts/{draft.pk}/"
    # Times read the same in an event as in the API (brand offset, microseconds).
    api_draft = client_for(lead).get(f"/brands/{world.a.brand.slug}/api/v1/drafts/{draft.pk}/")
    assert ready["created_at"] == api_draft.json()["created_at"]
    [requested] = recorded(world, events.APPROVAL_REQUESTED)
    assert requested["subject_kind"] == "post"
    assert requested["subject_id"] == draft.pk
    assert requested["url"] == base(world) + f"approvals/requests/{requested['request_id']}/"
    assert "brand" not in requested

    # The lead rejects through the API; the on-commit signal runs after the request ended,
    # with the connection back on public: the brand travels with the signal.
    queue = (
        client_for(lead)
        .get(f"/brands/{world.a.brand.slug}/api/v1/approvals/queue/")
        .json()["results"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        rejected = client_for(lead).post(
            f"/brands/{world.a.brand.slug}/api/v1/approvals/steps/{queue[0]['id']}/decision/",
            {"decision": "reject", "comment": "Not this week."},
            format="json",
        )
    assert rejected.status_code == 200, rejected.json()
    [decided] = recorded(world, events.APPROVAL_DECIDED)
    assert decided == {
        "request_id": requested["request_id"],
        "subject_kind": "post",
        "subject_id": draft.pk,
        "outcome": "rejected",
        "subject_url": base(world) + f"drafts/{draft.pk}/",
        "url": base(world) + f"approvals/requests/{requested['request_id']}/",
    }

    delivered = hooked()
    assert sorted(b["type"] for b in delivered) == [
        "approval.decided",
        "approval.requested",
        "draft.ready",
    ]
    assert all(b["brand"] == world.a.brand.slug for b in delivered)
    by_type = {b["type"]: b["data"] for b in delivered}
    assert by_type["approval.decided"]["outcome"] == "rejected"


def test_a_request_replaced_by_a_newer_version_is_announced_as_withdrawn(
    world, settings, django_capture_on_commit_callbacks
) -> None:
    """An integrator tracking a request must hear that it closed, even though nobody decided."""
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    with schema_context(world.a.brand.schema_name):
        approval_services.apply_preset(level=0, actor_id=None, now=timezone.now())
        draft = DraftFactory(kind="post", status="draft", risk_score=80)
        with django_capture_on_commit_callbacks(execute=True):
            content_services.mark_draft_ready(draft=draft)
        [requested] = recorded(world, events.APPROVAL_REQUESTED)
        with django_capture_on_commit_callbacks(execute=True):
            content_services.revise_draft(
                draft_id=draft.pk, text="A better sentence.", created_by=None
            )

    decided = recorded(world, events.APPROVAL_DECIDED)
    assert decided == [
        {
            "request_id": requested["request_id"],
            "subject_kind": "post",
            "subject_id": draft.pk,
            "outcome": "withdrawn",
            "subject_url": base(world) + f"drafts/{draft.pk}/",
            "url": base(world) + f"approvals/requests/{requested['request_id']}/",
        }
    ]
    # The newer version's own request was announced too.
    assert len(recorded(world, events.APPROVAL_REQUESTED)) == 2


def test_editing_an_approved_draft_takes_its_approval_away_and_tells_the_integrator(
    world, hooked, settings, django_capture_on_commit_callbacks
) -> None:
    """An integrator may have scheduled the approved text: the edit must not leave two
    publishable versions, and the integrator must hear that the old one may not go out."""
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    api = f"/brands/{world.a.brand.slug}/api/v1/"
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    assert lead.post(api + "approvals/policy/preset/", {"level": 2}).status_code == 200
    with schema_context(world.a.brand.schema_name):
        old = DraftFactory(kind="post", status="approved", text="Winter blend, Friday.")
    copywriter = client_for(world.a.person(Role.COPYWRITER))

    with django_capture_on_commit_callbacks(execute=True):
        edited = copywriter.post(api + f"drafts/{old.pk}/edit/", {"text": "Winter blend, Monday."})
    assert edited.status_code == 201, edited.json()
    new = edited.json()
    # Checked and offered for review afresh (the policy routes it on the worker).
    assert (new["parent"], new["version"], new["status"]) == (old.pk, 2, "ready")
    assert copywriter.get(api + f"drafts/{old.pk}/").json()["status"] == "superseded"
    approved = copywriter.get(api + "drafts/?status=approved").json()["results"]
    assert old.pk not in [d["id"] for d in approved]
    # The integrator that still tries to publish the old text is refused; nothing changes.
    late = copywriter.post(
        api + f"drafts/{old.pk}/published/", {"external_id": "x-1", "url": "https://x.test/1"}
    )
    assert late.status_code == 409
    assert copywriter.get(api + f"drafts/{old.pk}/").json()["status"] == "superseded"

    [superseded] = recorded(world, events.DRAFT_SUPERSEDED)
    assert superseded["draft_id"] == old.pk
    assert superseded["status"] == "superseded"
    assert superseded["superseded_by"] == new["id"]
    assert superseded["superseded_by_url"] == base(world) + f"drafts/{new['id']}/"
    assert "draft.superseded" in [b["type"] for b in hooked()]

    # Editing the old version again is refused: only the newest version changes.
    again = copywriter.post(api + f"drafts/{old.pk}/edit/", {"text": "Tuesday then."})
    assert again.status_code == 409
    assert len(recorded(world, events.DRAFT_SUPERSEDED)) == 1


def test_a_draft_the_policy_clears_without_sign_off_is_announced_as_approved(
    world, hooked, settings, django_capture_on_commit_callbacks
) -> None:
    """Integrators schedule what approval.decided says is approved: a low-risk post cleared by
    an always-on policy must reach them too, not only signed-off ones."""
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    with schema_context(world.a.brand.schema_name):
        approval_services.apply_preset(level=3, actor_id=None, now=timezone.now())
        draft = DraftFactory(kind="post", status="draft", risk_score=5)
        with django_capture_on_commit_callbacks(execute=True):
            content_services.mark_draft_ready(draft=draft)
        draft.refresh_from_db()
        assert draft.status == "approved"

    [decided] = recorded(world, events.APPROVAL_DECIDED)
    assert decided["outcome"] == "approved"
    assert decided["subject_id"] == draft.pk
    assert decided["subject_url"] == base(world) + f"drafts/{draft.pk}/"
    assert decided["assets"] == []
    assert decided["assets_url"] == base(world) + f"drafts/{draft.pk}/assets/"
    request = client_for(world.a.person(Role.ACCOUNT_LEAD)).get(
        f"/brands/{world.a.brand.slug}/api/v1/approvals/requests/{decided['request_id']}/"
    )
    assert request.json()["status"] == "not_required"
    assert not recorded(world, events.APPROVAL_REQUESTED)
    assert [b["type"] for b in hooked()].count("approval.decided") == 1


def test_a_dropped_variant_cannot_be_revised(world) -> None:
    """The approver chose another variant: reviving this one would reopen that decision."""
    api = f"/brands/{world.a.brand.slug}/api/v1/"
    with schema_context(world.a.brand.schema_name):
        dropped = DraftFactory(kind="post", status="dropped", text="The other idea.")
    copywriter = client_for(world.a.person(Role.COPYWRITER))
    refused = copywriter.post(api + f"drafts/{dropped.pk}/edit/", {"text": "Try it anyway."})
    assert refused.status_code == 409
    assert "dropped" in refused.json()["errors"][0]["detail"]
    assert copywriter.get(api + f"drafts/?parent={dropped.pk}").json()["results"] == []


def test_incident_opened_updated_and_closed_are_delivered(
    world, hooked, django_capture_on_commit_callbacks
) -> None:
    lead = world.a.person(Role.ACCOUNT_LEAD)
    with schema_context(world.a.brand.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            incident = approval_services.open_incident(
                summary="Spoiled batch rumours", severity=2, owner_id=lead.pk, actor_id=lead.pk
            )
        with django_capture_on_commit_callbacks(execute=True):
            approval_services.update_incident(
                incident_id=incident.pk, actor_id=lead.pk, note="Lab says fine", severity=1
            )
        with django_capture_on_commit_callbacks(execute=True):
            approval_services.update_incident(
                incident_id=incident.pk, actor_id=lead.pk, note="Over", close=True
            )

    [opened] = recorded(world, events.INCIDENT_OPENED)
    assert opened["incident_id"] == incident.pk
    assert (opened["severity"], opened["status"]) == (2, "open")
    assert opened["summary"] == "Spoiled batch rumours"
    assert opened["url"].endswith(f"/approvals/incidents/{incident.pk}/")
    [updated] = recorded(world, events.INCIDENT_UPDATED)
    assert (updated["severity"], updated["note"]) == (1, "Lab says fine")
    [closed] = recorded(world, events.INCIDENT_CLOSED)
    assert closed["status"] == "closed"
    assert closed["closed_at"] is not None
    api_incident = client_for(lead).get(
        f"/brands/{world.a.brand.slug}/api/v1/approvals/incidents/{incident.pk}/"
    )
    assert closed["created_at"] == api_incident.json()["created_at"]

    assert [b["type"] for b in hooked()] == [
        "incident.opened",
        "incident.updated",
        "incident.closed",
    ]


def test_a_crisis_announces_the_approved_drafts_it_holds_and_gives_back(
    world, django_capture_on_commit_callbacks
) -> None:
    """A scheduler holding an approved post must hear not to publish it during a crisis."""
    owner = world.a.person(Role.CLIENT_PR)
    with schema_context(world.a.brand.schema_name):
        approval_services.apply_preset(level=2, actor_id=None, now=timezone.now())
        draft = DraftFactory(kind="reply", risk_score=5)
        with django_capture_on_commit_callbacks(execute=True):
            cleared = approval_services.request_approval(
                subject_kind="reply", subject_id=draft.pk, risk_score=5, actor_id=None
            )
        assert not cleared.needs_approval
        with django_capture_on_commit_callbacks(execute=True):
            incident = approval_services.open_incident(
                summary="Recall rumour", severity=4, owner_id=owner.pk, actor_id=owner.pk
            )
        with django_capture_on_commit_callbacks(execute=True):
            approval_services.update_incident(
                incident_id=incident.pk, severity=1, note="Debunked", actor_id=owner.pk
            )

    url = base(world) + f"drafts/{draft.pk}/"
    assert recorded(world, events.DRAFT_HELD) == [
        {"draft_id": draft.pk, "kind": "reply", "status": "in_review", "url": url}
    ]
    assert recorded(world, events.DRAFT_RELEASED) == [
        {"draft_id": draft.pk, "kind": "reply", "status": "approved", "url": url}
    ]


def test_escalation_failure_and_boost_alert_announcements_become_events(
    world, hooked, django_capture_on_commit_callbacks
) -> None:
    schema = world.a.brand.schema_name
    with django_capture_on_commit_callbacks(execute=True):
        announce_escalation_failure_and_alert(world)
    # The reactions ran after the commit, with the connection back on public: the brand is
    # the schema the announcements were written in.
    assert connection.schema_name == "public"
    check_escalation_failure_and_alert(world, schema)
    assert sorted(b["type"] for b in hooked()) == [
        "approval.escalated",
        "boost.alert",
        "draft.failed",
    ]


def announce_escalation_failure_and_alert(world) -> None:
    """Written as approvals, content and media write them, in brand A."""
    with schema_context(world.a.brand.schema_name):
        record_event(
            name=approvals_announcements.NOTICE,
            payload={"notice": "step_escalated", "step_id": 5, "request_id": 9, "to": [1, 2]},
        )
        record_event(
            name=approvals_announcements.NOTICE, payload={"notice": "reminder_sent", "step_id": 5}
        )
        record_event(
            name=content_announcements.DRAFT_FAILED,
            payload={"job_id": 3, "code": "refused", "reason": "No."},
        )
        record_event(
            name=media_announcements.BOOST_ALERT,
            payload={"boost_id": 4, "alert_id": 8, "kind": "overspend", "message": "!"},
        )


def check_escalation_failure_and_alert(world, schema: str) -> None:
    [escalated] = recorded(world, events.APPROVAL_ESCALATED)
    assert escalated["request_id"] == 9
    assert escalated["to"] == [1, 2]
    [failed] = recorded(world, events.DRAFT_FAILED)
    assert failed["job_id"] == 3
    assert failed["code"] == "refused"
    assert failed["url"].endswith("/jobs/3/")
    [alert] = recorded(world, events.BOOST_ALERT)
    assert alert["boost_id"] == 4
    assert alert["kind"] == "overspend"
    assert alert["url"].endswith("/boosts/4/")
    # Reminders are for people; they are no event.
    with schema_context(schema):
        assert Event.objects.count() == 3


def test_an_announcement_outside_a_brand_is_refused(world) -> None:
    assert connection.schema_name == "public"
    with pytest.raises(NotInBrand):
        record_event(
            name=content_announcements.DRAFT_FAILED,
            payload={"job_id": 3, "code": "refused", "reason": "No."},
        )


def test_endpoint_filter_only_gets_the_types_it_wants(
    world, receiver, allow_private_urls, django_capture_on_commit_callbacks
) -> None:
    with schema_context(world.a.brand.schema_name):
        wanted, _ = services.create_endpoint(url=receiver.url, event_types=[events.BOOST_ALERT])
        with django_capture_on_commit_callbacks(execute=True):
            record_event(
                name=content_announcements.DRAFT_FAILED,
                payload={"job_id": 3, "code": "refused", "reason": "No."},
            )
        assert Event.objects.filter(type=events.DRAFT_FAILED).exists()
        assert not Delivery.objects.filter(endpoint=wanted).exists()


def test_a_late_step_escalated_by_the_sweep_is_an_event(
    world, django_capture_on_commit_callbacks
) -> None:
    from datetime import timedelta

    from tests.approvals.conftest import T0

    with schema_context(world.a.brand.schema_name):
        approval_services.apply_preset(level=1, actor_id=None, now=T0)
        draft = DraftFactory(kind="reply", risk_score=50)
        result = approval_services.request_approval(
            subject_kind="reply", subject_id=draft.pk, risk_score=50, actor_id=None, now=T0
        )
    # The sweep visits each due brand in its own schema_context, as on the worker.
    with django_capture_on_commit_callbacks(execute=True):
        approval_services.sweep_due_brands(now=T0 + timedelta(minutes=31))

    [escalated] = recorded(world, events.APPROVAL_ESCALATED)
    assert escalated["request_id"] == result.request_id
    assert escalated["to"] == [world.a.person(Role.ACCOUNT_LEAD).pk]
    assert escalated["url"] == base(world) + f"approvals/requests/{result.request_id}/"
