"""The inbox as a work queue: priority from risk, sentiment and reach; a reply deadline from the
brand's policy; status and assignee; filters (unknown ones refused); overdue items in the
cockpit for the people who answer them, and only them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from content import services
from content.models import Draft, InboxItem
from tenants.roles import Role
from tests.approvals.factories import DraftFactory
from tests.conftest import BrandWorld, client_for

pytestmark = pytest.mark.django_db


def inbox(bw: BrandWorld, tail: str = "") -> str:
    return f"/brands/{bw.brand.slug}/api/v1/inbox/{tail}"


def push(bw: BrandWorld, *, minutes_ago: int = 0, **body) -> dict:
    body = {
        "author_handle": "someone",
        "text": "Lovely flat white this morning.",
        "received_at": (timezone.now() - timedelta(minutes=minutes_ago)).isoformat(),
        **body,
    }
    response = client_for(bw.person(Role.COMMUNITY_MANAGER)).post(inbox(bw), body)
    assert response.status_code == 201, response.json()
    return response.json()


def listed(bw: BrandWorld, role: str = Role.COMMUNITY_MANAGER, **params) -> list[int]:
    response = client_for(bw.person(role)).get(inbox(bw), params)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def cockpit(user) -> list[tuple[str, int]]:
    body = client_for(user).get("/api/v1/attention/", {"kind": "inbox_item"}).json()
    return [(row["brand"], row["source_id"]) for row in body["results"]]


def test_an_angry_customer_with_reach_who_speaks_of_a_recall_is_urgent(world) -> None:
    urgent = push(
        world.a,
        text="Your beans made me sick, is this a RECALL?? Furious!!!",
        author_followers=150_000,
    )
    calm = push(world.a, sentiment="positive", author_followers=40)
    assert (urgent["priority"], urgent["sentiment"]) == ("urgent", "negative")
    assert {r["code"] for r in urgent["priority_reasons"]} == {
        "crisis_language",
        "negative",
        "reach_100k",
    }
    assert (calm["priority"], calm["priority_score"]) == ("low", 0)
    assert listed(world.a, priority="urgent") == [urgent["id"]]
    assert listed(world.a, ordering="-priority_score")[0] == urgent["id"]


def test_the_reply_deadline_comes_from_the_brands_policy(world) -> None:
    item = push(world.a)
    received = InboxItem.received_at.field.to_python(item["received_at"])
    assert InboxItem.reply_due_at.field.to_python(item["reply_due_at"]) == received + timedelta(
        minutes=60
    )
    with schema_context(world.a.brand.schema_name):
        services.update_assistant_settings(reply_deadline_minutes=15)
    faster = push(world.a)
    received = InboxItem.received_at.field.to_python(faster["received_at"])
    assert InboxItem.reply_due_at.field.to_python(faster["reply_due_at"]) == received + timedelta(
        minutes=15
    )


def test_filters_unanswered_overdue_and_mine(world) -> None:
    late = push(world.a, minutes_ago=90)
    fresh = push(world.a)
    done = push(world.a, minutes_ago=120)
    manager = world.a.person(Role.COMMUNITY_MANAGER)
    client = client_for(manager)
    assert (
        client.post(inbox(world.a, f"{done['id']}/move/"), {"transition": "ignore"}).json()[
            "status"
        ]
        == "ignored"
    )
    assigned = client.post(inbox(world.a, f"{fresh['id']}/assign/"), {"assignee": manager.pk})
    assert (assigned.json()["status"], assigned.json()["assignee"]) == ("assigned", manager.pk)

    assert sorted(listed(world.a, unanswered="true")) == sorted([late["id"], fresh["id"]])
    assert listed(world.a, unanswered="false") == [done["id"]]
    assert listed(world.a, overdue="true") == [late["id"]]
    assert listed(world.a, mine="true") == [fresh["id"]]
    assert listed(world.a, Role.COPYWRITER, mine="true") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"unanswerd": "true"}, "unanswerd"), ({"priority": "asap"}, "priority")],
)
def test_an_unknown_or_bad_filter_is_a_400_naming_it(world, params, field) -> None:
    response = client_for(world.a.person(Role.COMMUNITY_MANAGER)).get(inbox(world.a), params)
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == [field]


def test_only_someone_who_may_answer_can_be_assigned_and_moves_follow_the_table(world) -> None:
    item = push(world.a)
    client = client_for(world.a.person(Role.ACCOUNT_LEAD))
    refused = client.post(
        inbox(world.a, f"{item['id']}/assign/"),
        {"assignee": world.a.person(Role.CLIENT_VIEWER).pk},
    )
    assert refused.status_code == 400
    assert [e["attr"] for e in refused.json()["errors"]] == ["assignee"]
    stranger = client.post(
        inbox(world.a, f"{item['id']}/assign/"),
        {"assignee": world.b.person(Role.COMMUNITY_MANAGER).pk},
    )
    assert stranger.status_code == 400
    move = inbox(world.a, f"{item['id']}/move/")
    assert client.post(move, {"transition": "mark_replied"}).json()["status"] == "replied"
    again = client.post(move, {"transition": "escalate"})
    assert again.status_code == 409
    assert "is replied" in again.json()["errors"][0]["detail"]
    assert client.post(move, {"transition": "reopen"}).json()["status"] == "new"
    viewer = client_for(world.a.person(Role.CLIENT_VIEWER))
    assert viewer.post(move, {"transition": "ignore"}).status_code == 403
    assert client.get(inbox(world.a, f"{item['id']}/")).json()["status"] == "new"


def test_an_overdue_item_waits_in_the_cockpit_for_those_who_answer_it(world) -> None:
    late = push(world.a, minutes_ago=90)
    push(world.a)  # not due yet: not in the cockpit
    elsewhere = push(world.b, minutes_ago=90)
    expected = [("alpine-coffee", late["id"])]
    assert cockpit(world.a.person(Role.COMMUNITY_MANAGER)) == expected
    assert cockpit(world.a.person(Role.COPYWRITER)) == expected
    assert cockpit(world.a.person(Role.CLIENT_VIEWER)) == []
    assert cockpit(world.b.person(Role.COPYWRITER)) == [("bayside-bikes", elsewhere["id"])]

    # Assigned, it waits for its assignee and the leads only.
    manager = world.a.person(Role.COMMUNITY_MANAGER)
    client = client_for(manager)
    client.post(inbox(world.a, f"{late['id']}/assign/"), {"assignee": manager.pk})
    assert cockpit(manager) == expected
    assert cockpit(world.a.person(Role.ACCOUNT_LEAD)) == expected
    assert cockpit(world.a.person(Role.COPYWRITER)) == []

    client.post(inbox(world.a, f"{late['id']}/move/"), {"transition": "mark_replied"})
    assert cockpit(manager) == []
    assert cockpit(world.a.person(Role.ACCOUNT_LEAD)) == []


def test_publishing_the_reply_answers_the_item(world) -> None:
    item = push(world.a, minutes_ago=90)
    with schema_context(world.a.brand.schema_name):
        draft = DraftFactory(kind="reply", status=Draft.Status.APPROVED, inbox_item_id=item["id"])
        services.mark_draft_published(draft_id=draft.pk, external_id="x-1")
        assert InboxItem.objects.get(pk=item["id"]).status == "replied"
    assert cockpit(world.a.person(Role.COMMUNITY_MANAGER)) == []


def test_one_reply_policy_dates_inbox_items_and_judges_replies_in_results(world) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    changed = lead.patch(
        f"/brands/{world.a.brand.slug}/api/v1/results/settings/", {"reply_deadline_minutes": 120}
    )
    assert changed.json() == {"reply_deadline_minutes": 120}
    assert (
        lead.get(f"/brands/{world.a.brand.slug}/api/v1/assistant/settings/").json()[
            "reply_deadline_minutes"
        ]
        == 120
    )
    item = push(world.a)
    received = InboxItem.received_at.field.to_python(item["received_at"])
    assert InboxItem.reply_due_at.field.to_python(item["reply_due_at"]) == received + timedelta(
        minutes=120
    )
