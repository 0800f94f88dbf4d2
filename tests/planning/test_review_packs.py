"""The worker assembles a review's pack: the KPI table as of the period's end, best and worst
posts with pillar and time, plan delivery on time, sign-off and reply times, paid results and
the previous review's actions; the review says where the pack stands, review.ready tells
integrators, and a closed review's pack no longer changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_tenants.utils import schema_context

from integrations.models import Event
from planning.models import Pillar, PlanItem, Review, ReviewAction
from planning.tasks import assemble_review_pack
from results.periods import previous_period
from tenants.roles import Role
from tenants.worker import OPTION
from tests.conftest import client_for
from tests.planning.conftest import url
from tests.results.conftest import (  # noqa: F401  (fixture)
    api,
    at,
    brand_with_results,
    kpi_body,
    published_post,
)

pytestmark = pytest.mark.django_db


def build_packs(inline_worker, capture) -> int:
    """Run the pack builds the worker was sent (and the outbox reactions they cause)."""
    sent = [m for m in inline_worker.kept if m.actor_name == assemble_review_pack.actor_name]
    inline_worker.kept[:] = [m for m in inline_worker.kept if m not in sent]
    for message in sent:
        with schema_context(message.options[OPTION]), capture(execute=True):
            assemble_review_pack.fn(**message.kwargs)
    return len(sent)


@pytest.fixture
def last_month(world, brand_with_results):  # noqa: F811
    """Last month with the results fixture's post (on a pillar through its plan item), a KPI of
    its engagements (400 against at least 500) and two more items: one published late, one
    dropped."""
    a, r = world.a, brand_with_results
    lead = client_for(a.person(Role.ACCOUNT_LEAD))
    kpi = lead.post(
        api(a, "kpis/"),
        kpi_body(department=r["marketing"], owner=r["lead"]),
        format="json",
    )
    assert kpi.status_code == 201, kpi.json()
    last = r["last"]
    late = published_post(
        a, "ig-2", published_at=at(last + timedelta(days=6), 9), on=None, campaign="Late one"
    )
    with schema_context(a.brand.schema_name):
        pillar = Pillar.objects.create(name="Coffee culture", target_share=60)
        from content.models import Brief, Draft

        first = Draft.objects.get(external_id="ig-1")
        first.brief = Brief.objects.create(title="Origin story", key_message="Origin")
        first.save(update_fields=["brief"])
        common = {"channel_id": r["channel"], "pillar": pillar, "status": "published"}
        PlanItem.objects.create(
            title="Origin", planned_on=last + timedelta(days=2), brief=first.brief, **common
        )
        PlanItem.objects.create(
            title="Late", planned_on=last + timedelta(days=3), brief_id=late.brief_id, **common
        )
        PlanItem.objects.create(
            title="Dropped",
            planned_on=last + timedelta(days=4),
            channel_id=r["channel"],
            pillar=pillar,
            status="dropped",
        )
    return {**r, "kpi": kpi.json()["id"], "pillar": pillar.pk}


def open_review(client, bw, day, capture, period="month"):
    with capture(execute=True):
        made = client.post(url(bw, "reviews/"), {"period": period, "period_start": str(day)})
    assert made.status_code == 201, made.json()
    return made.json()


def test_the_worker_assembles_the_pack_and_integrators_hear_review_ready(
    world, strategist, last_month, inline_worker, django_capture_on_commit_callbacks
) -> None:
    a, r = world.a, last_month
    capture = django_capture_on_commit_callbacks
    made = open_review(strategist, a, r["last"], capture)
    assert (made["pack_state"], made["pack"]) == ("queued", {})

    assert build_packs(inline_worker, capture) == 1

    shown = client_for(a.person(Role.CLIENT_VIEWER)).get(url(a, f"reviews/{made['id']}/"))
    body = shown.json()
    assert body["pack_state"] == "ready" and body["pack_built_at"]
    pack = body["pack"]
    assert (pack["from"], pack["period"]) == (str(r["last"]), "month")
    (kpi,) = pack["kpis"]
    assert kpi["kpi_id"] == r["kpi"]
    assert (kpi["target"], kpi["actual"], kpi["variance"]) == ("500", "400", "-100")
    assert (kpi["status"], kpi["department"], kpi["owner_id"]) == (
        "off_track",
        "Marketing",
        r["lead"],
    )
    best = pack["best_posts"][0]
    assert (best["pillar"], best["channel_id"], best["local_time"][-5:]) == (
        "Coffee culture",
        r["channel"],
        "09:00",
    )
    assert pack["delivery"] == {
        "planned": 2,
        "published": 2,
        "published_on_time": 1,
        "published_late": 1,
        "dropped": 1,
        "open": 0,
        "on_time_share": "50",
    }
    assert pack["replies"]["median_minutes"] == "20"
    assert sum(b["count"] for b in pack["replies"]["distribution"]) == 3
    assert set(pack["signoff_minutes"]) == {"post", "reply", "boost"}
    assert set(pack["paid"]) == {"engagements", "results"}
    assert pack["previous_actions"] is None
    with schema_context(a.brand.schema_name):
        (event,) = [e.data for e in Event.objects.filter(type="review.ready")]
    assert event["review_id"] == made["id"] and event["url"].endswith(
        f"/plan/reviews/{made['id']}/"
    )
    assert event["page_url"].endswith(f"/brands/{a.brand.slug}/reviews/{made['id']}/")


def test_the_pack_shows_where_the_previous_reviews_actions_stand(
    world, strategist, last_month, inline_worker, django_capture_on_commit_callbacks
) -> None:
    a, r = world.a, last_month
    capture = django_capture_on_commit_callbacks
    earlier = previous_period(r["last"], "month")
    before = open_review(strategist, a, earlier, capture)
    for title, due in (("Shorter captions", r["last"]), ("Try reels", r["this"] + timedelta(99))):
        added = strategist.post(
            url(a, f"reviews/{before['id']}/actions/"),
            {"title": title, "kind": "other", "due_on": str(due)},
        )
        assert added.status_code == 201, added.json()
    with schema_context(a.brand.schema_name):
        first_action = ReviewAction.objects.get(title="Try reels")
    applied = strategist.post(url(a, f"reviews/{before['id']}/actions/{first_action.pk}/apply/"))
    assert applied.status_code == 200, applied.json()
    made = open_review(strategist, a, r["last"], capture)
    build_packs(inline_worker, capture)

    pack = strategist.get(url(a, f"reviews/{made['id']}/")).json()["pack"]

    previous = pack["previous_actions"]
    assert (previous["review_id"], previous["applied"], previous["open"]) == (before["id"], 1, 1)
    assert previous["overdue"] == 1
    assert [(x["title"], x["overdue"]) for x in previous["actions"]] == [
        ("Shorter captions", True),
        ("Try reels", False),
    ]


def test_rebuild_requeues_and_only_the_latest_request_is_stored(
    world, strategist, last_month, inline_worker, django_capture_on_commit_callbacks
) -> None:
    a, r = world.a, last_month
    capture = django_capture_on_commit_callbacks
    made = open_review(strategist, a, r["last"], capture)
    with capture(execute=True):
        again = strategist.post(url(a, f"reviews/{made['id']}/rebuild/"))
    assert again.status_code == 202 and again.json()["pack_state"] == "queued"

    # Two builds were sent; the first is outdated by the second and stores nothing.
    assert build_packs(inline_worker, capture) == 2

    with schema_context(a.brand.schema_name):
        review = Review.objects.get(pk=made["id"])
        assert (review.pack_state, review.pack_generation) == ("ready", 2)
        assert Event.objects.filter(type="review.ready").count() == 1
    viewer = client_for(a.person(Role.CLIENT_VIEWER))
    refused = viewer.post(url(a, f"reviews/{made['id']}/rebuild/"))
    assert refused.status_code == 403


def test_a_failed_build_says_so(
    world, strategist, last_month, inline_worker, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    a, r = world.a, last_month
    capture = django_capture_on_commit_callbacks
    made = open_review(strategist, a, r["last"], capture)

    def broken(**kwargs):
        raise RuntimeError("results unavailable")

    monkeypatch.setattr("planning.services.packs.assemble", broken)
    with pytest.raises(RuntimeError):
        build_packs(inline_worker, capture)

    assert strategist.get(url(a, f"reviews/{made['id']}/")).json()["pack_state"] == "failed"


def test_a_closed_reviews_pack_is_frozen_and_other_brands_see_nothing(
    world, strategist, last_month, inline_worker, django_capture_on_commit_callbacks
) -> None:
    a, b, r = world.a, world.b, last_month
    capture = django_capture_on_commit_callbacks
    made = open_review(strategist, a, r["last"], capture)
    build_packs(inline_worker, capture)
    assert strategist.post(url(a, f"reviews/{made['id']}/close/")).status_code == 200

    refused = strategist.post(url(a, f"reviews/{made['id']}/rebuild/"))

    assert refused.status_code == 409
    assert build_packs(inline_worker, capture) == 0
    assert strategist.post(url(a, "reviews/x/rebuild/")).status_code == 404
    other = client_for(b.person(Role.ACCOUNT_LEAD))
    assert other.post(url(b, f"reviews/{made['id']}/rebuild/")).status_code == 404
    assert other.get(url(a, f"reviews/{made['id']}/")).status_code == 404
