"""Drafts get a publish time: integrators pull the scheduled ones (approved, with a time) and
hear "draft.due" once when the time comes; a draft approved after its time is flagged; a new
draft with no plan item goes out at its audience's next active hour; plan items whose time
came are announced once as "plan_item.due"."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from content import services
from content.models import AudienceProfile, Brief, Draft
from integrations.models import Event
from tenants.audit.models import AuditEntry
from tenants.roles import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def api(bw, tail: str) -> str:
    return f"/brands/{bw.brand.slug}/api/v1/{tail}"


def draft_in(bw, **fields) -> Draft:
    with schema_context(bw.brand.schema_name):
        return Draft.objects.create(kind="post", text="Autumn roast is back", **fields)


def test_integrators_pull_scheduled_drafts_due_before_a_time(world) -> None:
    a = world.a
    now = timezone.now()
    soon = draft_in(a, status="approved", publish_at=now + timedelta(hours=1))
    later = draft_in(a, status="approved", publish_at=now + timedelta(days=3))
    draft_in(a, status="approved")  # approved, no time: not scheduled
    draft_in(a, status="in_review", publish_at=now + timedelta(hours=1))
    reader = client_for(a.person(Role.CLIENT_VIEWER))

    scheduled = reader.get(api(a, "drafts/"), {"status": "scheduled"}).json()["results"]
    due = reader.get(
        api(a, "drafts/"),
        {"status": "scheduled", "due_before": (now + timedelta(days=1)).isoformat()},
    ).json()["results"]
    bad = reader.get(api(a, "drafts/"), {"status": "soonish"})

    assert {d["id"] for d in scheduled} == {soon.pk, later.pk}
    assert all(d["scheduled"] for d in scheduled)
    assert [d["id"] for d in due] == [soon.pk]
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "status"


def test_a_writer_sets_the_publish_time_in_the_audit_trail_and_a_viewer_may_not(
    world,
) -> None:
    a, b = world.a, world.b
    draft = draft_in(a, status="ready")
    at = "2031-05-04T09:30:00+02:00"

    refused = client_for(a.person(Role.CLIENT_VIEWER)).post(
        api(a, f"drafts/{draft.pk}/schedule/"), {"publish_at": at}
    )
    stranger = client_for(b.person(Role.COPYWRITER)).post(
        api(a, f"drafts/{draft.pk}/schedule/"), {"publish_at": at}
    )
    bad = client_for(a.person(Role.COPYWRITER)).post(
        api(a, f"drafts/{draft.pk}/schedule/"), {"publish_at": "next tuesday"}
    )
    done = client_for(a.person(Role.COPYWRITER)).post(
        api(a, f"drafts/{draft.pk}/schedule/"), {"publish_at": at}
    )

    assert (refused.status_code, stranger.status_code) == (403, 404)
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "publish_at"
    assert done.status_code == 200, done.json()
    assert datetime.fromisoformat(done.json()["publish_at"]) == datetime.fromisoformat(at)
    assert AuditEntry.objects.filter(
        action="draft.scheduled", subject_id=draft.pk, brand_id=a.brand.pk
    ).exists()


def test_a_published_draft_keeps_its_time(world) -> None:
    a = world.a
    draft = draft_in(a, status="published", publish_at=timezone.now())

    moved = client_for(a.person(Role.COPYWRITER)).post(
        api(a, f"drafts/{draft.pk}/schedule/"), {"publish_at": "2031-05-04T09:30:00Z"}
    )

    assert moved.status_code == 409
    with schema_context(a.brand.schema_name):
        assert Draft.objects.get(pk=draft.pk).publish_at == draft.publish_at


def test_a_draft_approved_after_its_publish_time_is_flagged(world) -> None:
    a = world.a
    late = draft_in(a, status="in_review", publish_at=timezone.now() - timedelta(minutes=5))
    in_time = draft_in(a, status="in_review", publish_at=timezone.now() + timedelta(hours=2))
    with schema_context(a.brand.schema_name):
        for draft in (late, in_time):
            services.transition_draft(draft_id=draft.pk, transition="approve")
    reader = client_for(a.person(Role.CLIENT_VIEWER))

    flags = [reader.get(api(a, f"drafts/{d.pk}/")).json()["approved_late"] for d in (late, in_time)]

    assert flags == [True, False]


def test_draft_due_is_announced_once_even_by_two_sweeps(
    world, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    now = timezone.now()
    due = draft_in(a, status="approved", publish_at=now - timedelta(minutes=1))
    draft_in(a, status="approved", publish_at=now + timedelta(hours=1))
    draft_in(a, status="in_review", publish_at=now - timedelta(minutes=1))

    with schema_context(a.brand.schema_name), django_capture_on_commit_callbacks(execute=True):
        counts = [services.announce_due_drafts(now=now), services.announce_due_drafts(now=now)]

    assert counts == [1, 0]
    with schema_context(a.brand.schema_name):
        (event,) = [e.data for e in Event.objects.filter(type="draft.due")]
    assert event["draft_id"] == due.pk
    assert event["url"].endswith(f"/drafts/{due.pk}/")
    assert event["publish_at"]


def test_a_new_time_is_announced_again_when_it_comes(
    world, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    now = timezone.now()
    draft = draft_in(a, status="approved", publish_at=now - timedelta(minutes=1))
    with schema_context(a.brand.schema_name), django_capture_on_commit_callbacks(execute=True):
        services.announce_due_drafts(now=now)
        services.schedule_draft(draft_id=draft.pk, publish_at=now + timedelta(minutes=30))
        before = services.announce_due_drafts(now=now)
        after = services.announce_due_drafts(now=now + timedelta(hours=1))

    assert (before, after) == (0, 1)


def test_a_draft_without_a_plan_item_goes_out_at_its_audiences_next_active_hour(
    world, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    tz = ZoneInfo(a.brand.timezone)
    with schema_context(a.brand.schema_name):
        audience = AudienceProfile.objects.create(
            name="Early commuters", active_hours=["06:00-08:00"]
        )
        brief = Brief.objects.create(
            title="Commute coffee", key_message="Hot by the platform", audience=audience
        )
        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            draft = services.write_draft(kind="post", text="Coffee for the 6:40 train", brief=brief)
        reply = services.write_draft(kind="reply", text="Thanks!", brief=None)

    local = draft.publish_at.astimezone(tz)
    assert local.time().isoformat() == "06:00:00"
    assert before + timedelta(hours=1) <= draft.publish_at <= before + timedelta(days=2)
    assert reply.publish_at is None
