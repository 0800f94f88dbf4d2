"""A started plan item follows its brief's drafts by itself through drafted, in review,
approved, scheduled and published (content announces each move; planning reacts on the
worker); a closed review marks what went out as reviewed; a lost reaction is caught by the
reconciler; a new draft goes out at its plan item's time by default."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from content import services as content_services
from content.models import Draft
from planning.models import PlanItem
from planning.receivers import follow_open_briefs
from planning.services.items import status_from_drafts
from tenants.roles import Role
from tests.conftest import client_for
from tests.planning.conftest import item_body, url

pytestmark = pytest.mark.django_db


def api(bw, tail: str) -> str:
    return f"/brands/{bw.brand.slug}/api/v1/{tail}"


def item_status(bw, item_id: int) -> str:
    with schema_context(bw.brand.schema_name):
        return PlanItem.objects.get(pk=item_id).status


def move(bw, draft_id: int, transition: str, capture) -> None:
    with schema_context(bw.brand.schema_name), capture(execute=True):
        content_services.transition_draft(draft_id=draft_id, transition=transition)


@pytest.mark.parametrize(
    ("drafts", "expected"),
    [
        ([], "briefed"),
        ([("ready", False)], "drafted"),
        ([("rejected", False), ("changes_requested", True)], "drafted"),
        ([("ready", True), ("in_review", True)], "in_review"),
        ([("approved", False), ("in_review", True)], "approved"),
        ([("approved", True), ("ready", False)], "scheduled"),
        ([("approved", True), ("published", True)], "published"),
    ],
)
def test_an_item_is_as_far_as_its_furthest_draft(drafts, expected) -> None:
    assert status_from_drafts(drafts=drafts) == expected


def test_a_started_item_follows_its_draft_to_scheduled_and_published(
    world, plan_a, django_capture_on_commit_callbacks
) -> None:
    a, p = world.a, plan_a
    copywriter = client_for(a.person(Role.COPYWRITER))
    item = copywriter.post(url(a, "items/"), item_body(p, publish_time="09:30")).json()
    brief_id = copywriter.post(url(a, f"items/{item['id']}/start/")).json()["brief"]
    assert item_status(a, item["id"]) == "briefed"

    # Given a draft written for the brief (the policy routes it on the worker)
    with django_capture_on_commit_callbacks(execute=True):
        written = copywriter.post(
            api(a, "drafts/"),
            {"kind": "post", "text": "Meet Rosa, our roaster.", "brief": brief_id},
        )
    assert written.status_code == 201, written.json()
    draft = copywriter.get(api(a, f"drafts/{written.json()['id']}/")).json()

    # Then it goes out at the item's own day and time by default...
    planned = datetime.combine(
        p["launch_start"] + timedelta(days=2),
        time(9, 30),
        tzinfo=ZoneInfo(a.brand.timezone),
    )
    assert datetime.fromisoformat(draft["publish_at"]) == planned
    # ...and the item is where the draft is.
    expected = {"in_review": "in_review", "approved": "scheduled", "ready": "drafted"}
    assert item_status(a, item["id"]) == expected[draft["status"]]

    if draft["status"] == "in_review":
        move(a, draft["id"], "approve", django_capture_on_commit_callbacks)
    assert item_status(a, item["id"]) == "scheduled"
    approved = copywriter.get(api(a, f"drafts/{draft['id']}/")).json()
    assert (approved["scheduled"], approved["approved_late"]) == (True, False)

    # A crisis holds it back in review: the item follows back.
    move(a, draft["id"], "hold", django_capture_on_commit_callbacks)
    assert item_status(a, item["id"]) == "in_review"
    move(a, draft["id"], "release", django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        published = copywriter.post(
            api(a, f"drafts/{draft['id']}/published/"), {"external_id": "ig-7"}
        )
    assert published.status_code == 200, published.json()
    assert item_status(a, item["id"]) == "published"


def test_the_reconciler_brings_an_item_in_step_when_its_reaction_was_lost(world, plan_a) -> None:
    a = world.a
    lead = client_for(a.person(Role.ACCOUNT_LEAD))
    item = lead.post(url(a, "items/"), item_body(plan_a)).json()
    brief_id = lead.post(url(a, f"items/{item['id']}/start/")).json()["brief"]
    with schema_context(a.brand.schema_name):
        # Moved without any reaction running (a process died after the commit).
        Draft.objects.create(kind="post", text="Meet Rosa", status="in_review", brief_id=brief_id)

        fixed, again = follow_open_briefs(), follow_open_briefs()

        assert (fixed, again) == (1, 0)
        assert PlanItem.objects.get(pk=item["id"]).status == "in_review"


def test_a_dropped_item_stays_dropped_whatever_its_drafts_do(
    world, plan_a, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    strategist = client_for(a.person(Role.STRATEGIST))
    item = strategist.post(url(a, "items/"), item_body(plan_a)).json()
    brief_id = strategist.post(url(a, f"items/{item['id']}/start/")).json()["brief"]
    dropped = strategist.post(url(a, f"items/{item['id']}/status/"), {"status": "dropped"})
    assert dropped.status_code == 200
    with schema_context(a.brand.schema_name):
        draft = Draft.objects.create(
            kind="post", text="Meet Rosa", status="draft", brief_id=brief_id
        )
    move(a, draft.pk, "mark_ready", django_capture_on_commit_callbacks)

    assert item_status(a, item["id"]) == "dropped"


def test_by_hand_an_item_moves_between_steps_and_published_becomes_reviewed_only(
    world, strategist, plan_a
) -> None:
    a = world.a
    item = strategist.post(url(a, "items/"), item_body(plan_a)).json()
    step = url(a, f"items/{item['id']}/status/")

    moves = [
        strategist.post(step, {"status": s}).status_code
        for s in ("drafted", "approved", "in_review", "published", "reviewed")
    ]
    back = strategist.post(step, {"status": "published"})

    assert moves == [200] * 5
    assert back.status_code == 409 and "nothing (final)" in back.json()["errors"][0]["detail"]
    assert item_status(a, item["id"]) == "reviewed"


def test_closing_a_review_marks_the_published_items_of_its_period_reviewed(
    world, strategist, plan_a
) -> None:
    a, p = world.a, plan_a
    day = p["launch_start"] + timedelta(days=2)
    done = strategist.post(url(a, "items/"), item_body(p)).json()
    open_item = strategist.post(url(a, "items/"), item_body(p, title="Still open")).json()
    strategist.post(url(a, f"items/{done['id']}/status/"), {"status": "briefed"})
    strategist.post(url(a, f"items/{done['id']}/status/"), {"status": "published"})
    review = strategist.post(
        url(a, "reviews/"), {"period": "month", "period_start": str(day)}
    ).json()

    closed = strategist.post(url(a, f"reviews/{review['id']}/close/"))
    shown = strategist.get(url(a, f"reviews/{review['id']}/")).json()

    assert closed.status_code == 200, closed.json()
    assert (item_status(a, done["id"]), item_status(a, open_item["id"])) == (
        "reviewed",
        "planned",
    )
    # A reviewed item still counts as published.
    assert (shown["delivery"]["planned"], shown["delivery"]["published"]) == (2, 1)
