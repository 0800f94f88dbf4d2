"""Starting a plan item writes its brief, prefilled; when a draft of that brief is published
the item is published too (through content's announcement, and by the reconciler if that
reaction was lost)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_tenants.utils import schema_context

from content.models import Draft
from planning.models import PlanItem
from planning.receivers import follow_open_briefs
from tenants.roles import Role
from tests.conftest import client_for
from tests.planning.conftest import item_body, url

pytestmark = pytest.mark.django_db


def brands_api(bw, tail: str) -> str:
    return f"/brands/{bw.brand.slug}/api/v1/{tail}"


def approved_draft(bw, brief_id: int) -> Draft:
    with schema_context(bw.brand.schema_name):
        return Draft.objects.create(
            kind="post", text="Meet Rosa", status="approved", brief_id=brief_id
        )


def test_starting_an_item_writes_its_brief_and_publishing_a_draft_publishes_it(
    world, plan_a, django_capture_on_commit_callbacks
) -> None:
    a, p = world.a, plan_a
    copywriter = client_for(a.person(Role.COPYWRITER))
    item = copywriter.post(
        url(a, "items/"),
        item_body(p, campaign=p["launch"], publish_time="09:30", notes="Rosa roasts at 5 am"),
    ).json()

    started = copywriter.post(url(a, f"items/{item['id']}/start/"))
    again = copywriter.post(url(a, f"items/{item['id']}/start/"))

    assert started.status_code == 200, started.json()
    assert started.json()["status"] == "briefed"
    brief = copywriter.get(brands_api(a, f"briefs/{started.json()['brief']}/")).json()
    assert (brief["title"], brief["key_message"], brief["campaign"], brief["goal"]) == (
        "Meet the roaster",
        "Rosa roasts at 5 am",
        "Winter blend launch",
        "1,000 pre-orders",
    )
    assert brief["channels"] == [p["insta"]]
    assert brief["deadline"].startswith(str(p["launch_start"] + timedelta(days=2)) + "T09:30")
    assert again.status_code == 409

    draft = approved_draft(a, started.json()["brief"])
    # The worker runs content's announcement after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        published = copywriter.post(
            brands_api(a, f"drafts/{draft.pk}/published/"),
            {"external_id": "ig-42", "url": "https://instagram.com/p/42"},
        )

    assert published.status_code == 200, published.json()
    assert copywriter.get(url(a, f"items/{item['id']}/")).json()["status"] == "published"


def test_the_reconciler_publishes_an_item_whose_reaction_was_lost(world, plan_a) -> None:
    a = world.a
    lead = client_for(a.person(Role.ACCOUNT_LEAD))
    item = lead.post(url(a, "items/"), item_body(plan_a)).json()
    brief_id = lead.post(url(a, f"items/{item['id']}/start/")).json()["brief"]
    with schema_context(a.brand.schema_name):
        # Published without the announcement (a process died after the commit).
        Draft.objects.create(kind="post", text="Meet Rosa", status="published", brief_id=brief_id)

        fixed = follow_open_briefs()
        again = follow_open_briefs()

        assert (fixed, again) == (1, 0)
        assert PlanItem.objects.get(pk=item["id"]).status == "published"


def test_starting_is_for_the_people_who_write_and_leaves_nothing_when_refused(
    world, plan_a
) -> None:
    a = world.a
    item = client_for(a.person(Role.STRATEGIST)).post(url(a, "items/"), item_body(plan_a)).json()

    refused = client_for(a.person(Role.CLIENT_VIEWER)).post(url(a, f"items/{item['id']}/start/"))
    outsider = client_for(world.b.person(Role.COPYWRITER)).post(
        url(a, f"items/{item['id']}/start/")
    )

    assert (refused.status_code, outsider.status_code) == (403, 404)
    with schema_context(a.brand.schema_name):
        kept = PlanItem.objects.get(pk=item["id"])
        assert (kept.status, kept.brief_id) == ("planned", None)
