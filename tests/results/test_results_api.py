"""Reading results: posts best and worst by engagement rate, CSV that a spreadsheet cannot run,
breakdowns per slice, and the figures computed from Brandroom's own data, by hand."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals.models import ApprovalRequest
from content.models import AudienceProfile, Draft, GenerationJob
from media.models import Boost, MetricSnapshot
from tenants.roles import Role
from tests.conftest import client_for
from tests.results.conftest import (
    api,
    channel,
    integrator,
    published_post,
    reply_to,
    results_url,
    snap,
)

pytestmark = pytest.mark.django_db


def report(bw, posts: list[tuple[str, int, int]]) -> None:
    """(external id, impressions, reactions) an hour ago."""
    at = (timezone.now() - timedelta(hours=1)).isoformat()
    answer = integrator(bw).post(
        results_url(bw, "post-snapshots/"),
        {"snapshots": [snap(e, at, impressions=i, reactions=r) for e, i, r in posts]},
        format="json",
    )
    assert answer.status_code == 200, answer.json()


def test_posts_best_and_worst_by_engagement_rate(world) -> None:
    a = world.a
    insta, x = channel(a), channel(a, handle="alpine_x", network="x")
    day = timezone.now() - timedelta(days=2)
    published_post(a, "p-good", published_at=day, on=insta)
    published_post(a, "p-mid", published_at=day, on=insta)
    published_post(a, "p-bad", published_at=day, on=x)
    published_post(a, "p-silent", published_at=day, on=x)  # no results yet
    report(a, [("p-good", 1000, 90), ("p-mid", 1000, 40), ("p-bad", 2000, 10)])
    reader = client_for(a.person(Role.CLIENT_VIEWER))

    best = reader.get(api(a, "results/posts/")).json()
    worst = reader.get(api(a, "results/posts/"), {"ordering": "engagement_rate"}).json()
    on_x = reader.get(api(a, "results/posts/"), {"channel": x.pk}).json()

    assert [(p["external_id"], p["engagement_rate"]) for p in best] == [
        ("p-good", 9.0),
        ("p-mid", 4.0),
        ("p-bad", 0.5),
    ]
    assert [p["external_id"] for p in worst] == ["p-bad", "p-mid", "p-good"]
    assert [p["external_id"] for p in on_x] == ["p-bad"]
    assert reader.get(api(a, "results/posts/"), {"ordering": "text"}).status_code == 400


def test_csv_export_cannot_run_formulas_in_a_spreadsheet(world) -> None:
    a = world.a
    published_post(
        a,
        '=HYPERLINK("http://evil.test")',
        published_at=timezone.now() - timedelta(days=1),
        text="@SUM(1+1) win a mug",
    )
    report(a, [('=HYPERLINK("http://evil.test")', 100, 3)])

    answer = client_for(a.person(Role.ANALYST)).get(api(a, "results/posts/export/"))

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert rows[0]["external_id"] == '\'=HYPERLINK("http://evil.test")'
    assert rows[0]["text"] == "'@SUM(1+1) win a mug"
    assert rows[0]["reactions"] == "3"


def test_breakdown_per_channel_and_audience(world) -> None:
    a = world.a
    insta = channel(a)
    with schema_context(a.brand.schema_name):
        fans = AudienceProfile.objects.create(name="Espresso fans")
    day = timezone.now() - timedelta(days=1)
    published_post(a, "b-1", published_at=day, on=insta, audience=fans)
    published_post(a, "b-2", published_at=day, on=insta)
    report(a, [("b-1", 500, 50), ("b-2", 500, 0)])
    reader = client_for(a.person(Role.CLIENT_VIEWER))

    channels = reader.get(api(a, "results/breakdown/"), {"by": "channel"}).json()
    audiences = reader.get(api(a, "results/breakdown/"), {"by": "audience"}).json()
    unknown = reader.get(api(a, "results/breakdown/"), {"by": "mood"})

    assert [(c["key"], c["impressions"], c["engagement_rate"]) for c in channels] == [
        (str(insta.pk), 1000, 5.0)
    ]
    assert [(r["name"], r["reactions"]) for r in audiences] == [
        ("Espresso fans", 50),
        ("(none)", 0),
    ]
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["attr"] == "by"


def test_figures_from_brandroom_data_match_a_hand_computation(world) -> None:
    a = world.a
    now = timezone.now()
    yesterday = now - timedelta(days=1)
    # Replies after 10, 50 and 200 minutes: median 50; inside a 60-minute deadline 2 of 3.
    for n, minutes in enumerate([10, 50, 200]):
        reply_to(a, yesterday - timedelta(hours=n * 5), minutes, n)
    published_post(a, "f-1", published_at=yesterday)
    published_post(a, "f-2", published_at=yesterday)
    with schema_context(a.brand.schema_name):
        for kind, minutes in (("post", 30), ("post", 90), ("post", 60), ("reply", 5)):
            ApprovalRequest.objects.create(
                subject_kind=kind,
                subject_id=1,
                band="low",
                status="approved",
                reason="test",
                level=1,
                created_at=yesterday,
                finished_at=yesterday + timedelta(minutes=minutes),
            )
        Draft.objects.create(kind="post", text="Same again", novelty={"too_similar": True})
        Draft.objects.create(kind="post", text="Fresh", novelty={"too_similar": False})
        for cost in ("0.30", "0.50"):
            GenerationJob.objects.create(kind="post", cost_estimate=Decimal(cost), inputs={})
        reach = Boost.objects.create(
            external_post_ref="https://x.test/1",
            network="x",
            objective="reach",
            currency="EUR",
            budget_total=Decimal(100),
            starts_at=yesterday,
            ends_at=now + timedelta(days=3),
        )
        traffic = Boost.objects.create(
            external_post_ref="https://x.test/2",
            network="x",
            objective="traffic",
            currency="EUR",
            budget_total=Decimal(100),
            starts_at=yesterday,
            ends_at=now + timedelta(days=3),
        )
        for boost, reach_n, clicks, engagements in ((reach, 900, 4, 12), (traffic, 300, 25, 8)):
            MetricSnapshot.objects.create(
                boost=boost,
                period_start=yesterday,
                period_end=yesterday + timedelta(hours=1),
                reach=reach_n,
                clicks=clicks,
                engagements=engagements,
            )

    body = client_for(a.person(Role.ACCOUNT_LEAD)).get(api(a, "results/figures/")).json()

    figures = body["figures"]
    assert figures["median_reply_minutes"] == "50.0000"
    assert figures["replies_in_time_share"] == f"{200 / 3:.4f}"
    assert figures["median_signoff_minutes_post"] == "60.0000"
    assert figures["median_signoff_minutes_reply"] == "5.0000"
    assert figures["median_signoff_minutes_boost"] is None
    # Two posts published (f-1, f-2; replies are not posts).
    assert figures["posts_published"] == "2.0000"
    assert figures["novelty_rejections"] == "1.0000"
    assert figures["ai_cost_per_post"] == "0.4000"
    # Reach for the reach boost, clicks for the traffic boost.
    assert figures["paid_results"] == "925.0000"
    assert figures["paid_engagements"] == "20.0000"


def test_the_reply_deadline_is_a_brand_setting(world) -> None:
    a = world.a
    lead = client_for(a.person(Role.ACCOUNT_LEAD))
    reply_to(a, timezone.now() - timedelta(days=1), 90, 0)

    before = lead.get(api(a, "results/figures/")).json()["figures"]["replies_in_time_share"]
    changed = lead.patch(api(a, "results/settings/"), {"reply_deadline_minutes": 120})
    after = lead.get(api(a, "results/figures/")).json()["figures"]["replies_in_time_share"]
    refused = client_for(a.person(Role.COPYWRITER)).patch(
        api(a, "results/settings/"), {"reply_deadline_minutes": 5}
    )

    assert (before, changed.status_code, after) == ("0.0000", 200, "100.0000")
    assert refused.status_code == 403
