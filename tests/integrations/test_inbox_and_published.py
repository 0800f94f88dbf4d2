"""An integrator with one scoped key: pushed-in comments start reply drafting as the brand's
policy says, and the published callback records an approved post going out."""

from __future__ import annotations

import pytest
from django.utils.dateparse import parse_datetime
from django_tenants.utils import schema_context

from content import services as content_services
from content.models import Draft, GenerationJob
from content.tasks import run_generation_job
from integrations import events
from integrations.models import Event
from tenants.roles import Role, Scope
from tests.approvals.factories import DraftFactory
from tests.conftest import client_for
from tests.integrations.conftest import key_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def offline(settings):  # type: ignore[no-untyped-def]
    settings.AI_BASE_URL = ""
    settings.AI_API_KEY = ""
    return settings


def api(world, tail: str, brand: str = "a") -> str:
    return f"/brands/{getattr(world, brand).brand.slug}/api/v1/{tail}"


def events_of(world, event_type: str) -> list[dict]:
    with schema_context(world.a.brand.schema_name):
        return [e.data for e in Event.objects.filter(type=event_type).order_by("created_at")]


def comment(**overrides: object) -> dict:
    return {
        "kind": "comment",
        "author_handle": "jane_doe",
        "text": "Is the autumn blend decaf too?",
        "external_id": "x-comment-1",
        **overrides,
    }


# --- inbox ingestion ------------------------------------------------------------------------


def test_pushed_comment_starts_a_reply_job_whose_draft_goes_through_the_policy(
    world, offline, django_capture_on_commit_callbacks
) -> None:
    with schema_context(world.a.brand.schema_name):
        channel = content_services.create_channel(network="x", handle="alpinecoffee")
    integrator = key_client(world.a.brand, [Scope.INGEST_INBOX])

    pushed = integrator.post(api(world, "inbox/"), comment(channel=channel.pk), format="json")

    assert pushed.status_code == 201, pushed.json()
    job = pushed.json()["reply_job"]
    assert job["status"] == "queued"
    assert job["kind"] == "reply"
    # What the worker runs; its draft_ready reaches approvals on commit.
    with schema_context(world.a.brand.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            run_generation_job.fn(job["id"])
        [reply] = Draft.objects.filter(inbox_item_id=pushed.json()["id"])
        assert GenerationJob.objects.get(pk=job["id"]).status == "succeeded"
    assert reply.kind == "reply"
    assert "@jane_doe" in reply.text
    # The policy decided: approved outright, or in review with an open request.
    assert reply.status in {"approved", "in_review"}
    [ready] = events_of(world, events.DRAFT_READY)
    assert ready["draft_id"] == reply.pk
    assert ready["inbox_item_id"] == pushed.json()["id"]


def test_brand_that_turned_auto_replies_off_only_stores_the_comment(world, offline) -> None:
    manager = client_for(world.a.person(Role.ACCOUNT_LEAD))
    off = manager.patch(
        api(world, "assistant/settings/"), {"auto_draft_replies": False}, format="json"
    )
    assert off.status_code == 200, off.json()
    assert off.json()["auto_draft_replies"] is False
    integrator = key_client(world.a.brand, [Scope.INGEST_INBOX])

    pushed = integrator.post(api(world, "inbox/"), comment(), format="json")

    assert pushed.status_code == 201
    assert pushed.json()["reply_job"] is None
    with schema_context(world.a.brand.schema_name):
        assert not GenerationJob.objects.exists()


def test_key_without_the_ingest_scope_cannot_push_and_starts_nothing(world, offline) -> None:
    reader = key_client(world.a.brand, [Scope.READ])
    other_brand = key_client(world.b.brand, [Scope.INGEST_INBOX])

    assert reader.post(api(world, "inbox/"), comment(), format="json").status_code == 403
    assert other_brand.post(api(world, "inbox/"), comment(), format="json").status_code in {
        401,
        403,
        404,
    }
    with schema_context(world.a.brand.schema_name):
        assert not GenerationJob.objects.exists()


# --- published callback ---------------------------------------------------------------------


def published_body(**overrides: object) -> dict:
    return {
        "external_id": "x-post-77",
        "url": "https://x.com/alpinecoffee/status/77",
        "published_at": "2026-11-23T09:30:00Z",
        **overrides,
    }


def draft_in(world, status: str) -> Draft:
    with schema_context(world.a.brand.schema_name):
        return DraftFactory(kind="post", status=status)


def status_of(world, draft: Draft) -> Draft:
    with schema_context(world.a.brand.schema_name):
        return Draft.objects.get(pk=draft.pk)


def test_published_callback_records_the_post_once_and_emits_post_published(
    world, django_capture_on_commit_callbacks
) -> None:
    draft = draft_in(world, "approved")
    integrator = key_client(world.a.brand, [Scope.WRITE_CONTENT])
    url = api(world, f"drafts/{draft.pk}/published/")

    with django_capture_on_commit_callbacks(execute=True):
        first = integrator.post(url, published_body(), format="json")
    with django_capture_on_commit_callbacks(execute=True):
        again = integrator.post(url, published_body(), format="json")

    assert first.status_code == 200, first.json()
    assert first.json()["status"] == "published"
    assert first.json()["external_id"] == "x-post-77"
    assert first.json()["external_url"] == "https://x.com/alpinecoffee/status/77"
    assert parse_datetime(first.json()["published_at"]) == parse_datetime("2026-11-23T09:30Z")
    assert again.status_code == 200
    assert again.json() == first.json()
    [event] = events_of(world, events.POST_PUBLISHED)
    assert event["draft_id"] == draft.pk
    assert event["status"] == "published"
    assert event["external_id"] == "x-post-77"
    assert event["external_url"] == "https://x.com/alpinecoffee/status/77"
    assert parse_datetime(event["published_at"]) == parse_datetime("2026-11-23T09:30Z")
    assert event["url"].endswith(f"/brands/{world.a.brand.slug}/api/v1/drafts/{draft.pk}/")


def test_published_again_under_another_external_id_is_a_conflict(world) -> None:
    draft = draft_in(world, "approved")
    integrator = key_client(world.a.brand, [Scope.WRITE_CONTENT])
    url = api(world, f"drafts/{draft.pk}/published/")
    assert integrator.post(url, published_body(), format="json").status_code == 200

    other = integrator.post(url, published_body(external_id="x-post-78"), format="json")

    assert other.status_code == 409
    assert status_of(world, draft).external_id == "x-post-77"


@pytest.mark.parametrize("status", ["in_review", "ready", "rejected", "changes_requested"])
def test_only_approved_drafts_can_be_published(world, status: str) -> None:
    draft = draft_in(world, status)
    integrator = key_client(world.a.brand, [Scope.WRITE_CONTENT])

    refused = integrator.post(
        api(world, f"drafts/{draft.pk}/published/"), published_body(), format="json"
    )

    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "conflict"
    after = status_of(world, draft)
    assert (after.status, after.external_id, after.published_at) == (status, "", None)
    assert events_of(world, events.POST_PUBLISHED) == []


def test_draft_held_by_a_crisis_cannot_be_published(
    world, django_capture_on_commit_callbacks
) -> None:
    from approvals import services as approval_services

    lead = world.a.person(Role.ACCOUNT_LEAD)
    preset = client_for(lead).post(api(world, "approvals/policy/preset/"), {"level": 2})
    assert preset.status_code == 200
    with schema_context(world.a.brand.schema_name):
        # A calm reply the policy approves on its own, then a crisis holds it.
        draft = DraftFactory(kind="reply", status="draft", risk_score=5)
        with django_capture_on_commit_callbacks(execute=True):
            content_services.mark_draft_ready(draft=draft)
        assert Draft.objects.get(pk=draft.pk).status == "approved"
        with django_capture_on_commit_callbacks(execute=True):
            approval_services.open_incident(
                summary="Recall", severity=5, owner_id=lead.pk, actor_id=lead.pk
            )
    assert status_of(world, draft).status == "in_review"
    integrator = key_client(world.a.brand, [Scope.WRITE_CONTENT])

    refused = integrator.post(
        api(world, f"drafts/{draft.pk}/published/"), published_body(), format="json"
    )

    assert refused.status_code == 409
    assert status_of(world, draft).status == "in_review"


def test_published_callback_needs_write_content_on_the_same_brand(world) -> None:
    draft = draft_in(world, "approved")
    url = api(world, f"drafts/{draft.pk}/published/")
    reader = key_client(world.a.brand, [Scope.READ])
    other_brand = key_client(world.b.brand, [Scope.WRITE_CONTENT])
    other_member = client_for(world.b.person(Role.ACCOUNT_LEAD))

    assert reader.post(url, published_body(), format="json").status_code == 403
    assert other_brand.post(url, published_body(), format="json").status_code in {401, 403, 404}
    assert other_member.post(url, published_body(), format="json").status_code in {403, 404}
    after = status_of(world, draft)
    assert (after.status, after.external_id) == ("approved", "")
    assert events_of(world, events.POST_PUBLISHED) == []
