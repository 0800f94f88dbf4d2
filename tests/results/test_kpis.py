"""An account lead defines KPIs for two departments and reads actuals, status, projection and
trend; the numbers are checked against a computation by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from integrations.models import Event
from results.models import Kpi
from results.periods import next_period, period_start, previous_period
from results.services.kpis import evaluate_kpis
from tenants.roles import Role
from tests.conftest import client_for
from tests.results.conftest import (
    api,
    at,
    department,
    integrator,
    kpi_body,
    published_post,
    results_url,
    snap,
)

pytestmark = pytest.mark.django_db


def test_account_lead_defines_kpis_for_two_departments_and_sees_hand_computed_actuals(
    world, brand_with_results
) -> None:
    a, r = world.a, brand_with_results
    lead = client_for(a.person(Role.ACCOUNT_LEAD))

    engagements = lead.post(
        api(a, "kpis/"),
        kpi_body(channel=r["channel"], department=r["marketing"], owner=r["lead"]),
        format="json",
    )
    replies = lead.post(
        api(a, "kpis/"),
        kpi_body(
            name="Median reply time",
            metric="median_reply_minutes",
            direction="at_most",
            target="30",
            department=r["service"],
            owner=r["approver"],
        ),
        format="json",
    )

    assert engagements.status_code == 201, engagements.json()
    assert replies.status_code == 201, replies.json()
    listed = client_for(a.person(Role.CLIENT_VIEWER)).get(api(a, "kpis/"))
    assert listed.status_code == 200
    by_name = {k["name"]: k for k in listed.json()}
    eng = by_name["Engagements on Instagram"]
    assert eng["department_name"] == "Marketing"
    assert eng["scope"] == {"kind": "channel", "value": str(r["channel"])}
    periods = {p["start"]: p for p in eng["periods"]}
    last = periods[str(r["last"])]
    # 130 on the 3rd, then 400 - 130 = 270 more on the 10th: 400 < 500, more than 10% short.
    assert (last["actual"], last["target"], last["status"]) == ("400.0000", "500.0000", "off_track")
    current = eng["periods"][-1]
    assert current["start"] == str(r["this"]) and current["current"] is True
    assert eng["actual"] == "50.0000"  # 350 reactions against 300
    assert float(eng["projected"]) >= 50
    assert eng["variance"] == f"{float(eng['projected']) - 500:.4f}"
    assert eng["status"] in {"on_track", "at_risk", "off_track"}
    assert eng["trend"] is not None or len(eng["periods"]) < 3

    reply = by_name["Median reply time"]
    reply_last = {p["start"]: p for p in reply["periods"]}[str(r["last"])]
    # Median of 20, 60 and 10 minutes.
    assert (reply_last["actual"], reply_last["status"]) == ("20.0000", "on_track")
    assert reply["actual"] is None and reply["status"] == "no_data"


def test_a_late_snapshot_for_last_month_recomputes_it(world, brand_with_results) -> None:
    a, r = world.a, brand_with_results
    lead = client_for(a.person(Role.ACCOUNT_LEAD))
    made = lead.post(
        api(a, "kpis/"),
        kpi_body(department=r["marketing"], owner=r["lead"]),
        format="json",
    ).json()
    # Another post of last month reported late: 80 + 40 engagements.
    published_post(a, "ig-2", published_at=at(r["last"] + timedelta(days=5), 9))
    integrator(a).post(
        results_url(a, "post-snapshots/"),
        {
            "snapshots": [
                snap(
                    "ig-2",
                    at(r["last"] + timedelta(days=5), 18).isoformat(),
                    impressions=900,
                    reactions=80,
                    comments=40,
                )
            ]
        },
        format="json",
    )

    again = lead.get(api(a, f"kpis/{made['id']}/")).json()

    last = {p["start"]: p for p in again["periods"]}[str(r["last"])]
    assert (last["actual"], last["status"]) == ("520.0000", "on_track")


def test_a_new_target_applies_from_now_and_past_periods_keep_theirs(
    world, brand_with_results
) -> None:
    a, r = world.a, brand_with_results
    lead = client_for(a.person(Role.ACCOUNT_LEAD))
    made = lead.post(
        api(a, "kpis/"), kpi_body(department=r["marketing"], owner=r["lead"]), format="json"
    ).json()

    changed = lead.patch(api(a, f"kpis/{made['id']}/"), {"target": "380"}, format="json")

    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert [t["target"] for t in body["targets"]] == ["500.0000", "380.0000"]
    assert body["target"] == "380.0000"
    last = {p["start"]: p for p in body["periods"]}[str(r["last"])]
    assert last["target"] == "500.0000"


@pytest.mark.parametrize(
    ("change", "attr"),
    [
        ({"metric": "happiness"}, "metric"),
        ({"channel": 999999}, "channel"),
        ({"audience": 999999}, "audience"),
        ({"pillar": "coffee culture"}, "pillar"),
        ({"campaign": "never-ran"}, "campaign"),
        ({"metric": "median_signoff_minutes_post", "channel": "CHANNEL"}, "channel"),
        ({"target": "-5"}, "target"),
        ({"metric": "engagement_rate", "target": "120"}, "target"),
        ({"owner": "OTHER"}, "owner"),
        ({"department": 999999}, "department"),
        ({"period": "decade"}, "period"),
    ],
)
def test_bad_kpis_are_a_400_naming_the_field(world, brand_with_results, change, attr) -> None:
    a, r = world.a, brand_with_results
    body = kpi_body(**{"department": r["marketing"], "owner": r["lead"], **change})
    if body.get("channel") == "CHANNEL":
        body["channel"] = r["channel"]
    if body["owner"] == "OTHER":
        body["owner"] = a.person(Role.COPYWRITER).pk  # a brand member, not in Marketing

    refused = client_for(a.person(Role.ACCOUNT_LEAD)).post(api(a, "kpis/"), body, format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == attr
    with schema_context(a.brand.schema_name):
        assert not Kpi.objects.exists()


def test_a_follower_growth_target_may_be_negative(world, brand_with_results) -> None:
    a, r = world.a, brand_with_results
    made = client_for(a.person(Role.ACCOUNT_LEAD)).post(
        api(a, "kpis/"),
        kpi_body(
            metric="follower_growth", target="-50", department=r["marketing"], owner=r["lead"]
        ),
        format="json",
    )
    assert made.status_code == 201, made.json()


def test_only_brand_members_sit_in_departments(world) -> None:
    a, b = world.a, world.b
    lead = client_for(a.person(Role.ACCOUNT_LEAD))
    stranger = b.person(Role.COPYWRITER)

    refused = lead.post(
        api(a, f"departments/{department(a, 'Legal')}/members/"),
        {"user": stranger.pk},
        format="json",
    )
    added = lead.post(api(a, "departments/"), {"name": "Product"}, format="json")
    twice = lead.post(api(a, "departments/"), {"name": "product"}, format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "user"
    assert added.status_code == 201
    assert twice.status_code == 409
    names = [d["name"] for d in lead.get(api(a, "departments/")).json()]
    assert {"Marketing", "Customer Service", "Sales", "PR & Communications", "Legal"} <= set(names)
    assert "Product" in names


def test_kpi_off_track_is_announced_once_per_period(
    world, brand_with_results, django_capture_on_commit_callbacks
) -> None:
    a, r = world.a, brand_with_results
    lead = client_for(a.person(Role.ACCOUNT_LEAD))
    made = lead.post(
        api(a, "kpis/"),
        kpi_body(
            name="Posts this month",
            metric="posts_published",
            target="1000",
            department=r["marketing"],
            owner=r["lead"],
        ),
        format="json",
    ).json()

    with schema_context(a.brand.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            first = evaluate_kpis(brand=a.brand)
        with django_capture_on_commit_callbacks(execute=True):
            second = evaluate_kpis(brand=a.brand)
        announced = [e.data for e in Event.objects.filter(type="kpi.off_track")]

    assert first == [made["id"]]
    assert second == []
    [event] = announced
    assert event["kpi_id"] == made["id"]
    assert event["target"] == "1000.0000"
    assert event["period_start"] == str(r["this"])
    assert event["url"].endswith(f"/kpis/{made['id']}/")


def test_who_may_define_and_read_kpis(world, brand_with_results) -> None:
    a, b, r = world.a, world.b, brand_with_results
    body = kpi_body(department=r["marketing"], owner=r["lead"])

    copywriter = client_for(a.person(Role.COPYWRITER)).post(api(a, "kpis/"), body, format="json")
    other_lead = client_for(b.person(Role.ACCOUNT_LEAD)).post(api(a, "kpis/"), body, format="json")
    analyst = client_for(a.person(Role.ANALYST)).post(api(a, "kpis/"), body, format="json")
    viewer = client_for(a.person(Role.CLIENT_VIEWER)).get(api(a, "kpis/"))
    other_reader = client_for(b.person(Role.CLIENT_VIEWER)).get(api(a, "kpis/"))
    dept_by_copywriter = client_for(a.person(Role.COPYWRITER)).post(
        api(a, "departments/"), {"name": "Growth"}, format="json"
    )

    assert copywriter.status_code == 403
    assert other_lead.status_code == 404
    assert analyst.status_code == 201
    assert viewer.status_code == 200 and len(viewer.json()) == 1
    assert other_reader.status_code == 404
    assert dept_by_copywriter.status_code == 403


def test_period_helpers_walk_weeks_months_and_quarters() -> None:
    from datetime import date

    assert period_start(date(2026, 12, 1), "week") == date(2026, 11, 30)
    assert period_start(date(2026, 11, 15), "quarter") == date(2026, 10, 1)
    assert next_period(date(2026, 10, 1), "quarter") == date(2027, 1, 1)
    assert previous_period(date(2026, 1, 1), "month") == date(2025, 12, 1)


def test_reading_more_kpis_of_the_same_sources_asks_the_database_no_more_often(
    world, brand_with_results
) -> None:
    a, r = world.a, brand_with_results
    lead = client_for(a.person(Role.ACCOUNT_LEAD))

    def define(metric: str, **scope) -> None:
        made = lead.post(
            api(a, "kpis/"),
            kpi_body(
                name=f"{metric} {scope}",
                metric=metric,
                target="1",
                department=r["marketing"],
                owner=r["lead"],
                **scope,
            ),
            format="json",
        )
        assert made.status_code == 201, made.json()

    def queries_to_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            listed = lead.get(api(a, "kpis/"))
        assert listed.status_code == 200
        return len(captured.captured_queries)

    # One KPI per source (rollup, posts, channel days, followers, inbox, approvals, novelty,
    # AI jobs, boosts), all monthly.
    for metric in (
        "engagements",
        "posts_published",
        "mentions",
        "followers",
        "median_reply_minutes",
        "median_signoff_minutes_post",
        "novelty_rejections",
        "ai_cost_per_post",
        "paid_results",
    ):
        define(metric)
    nine = queries_to_list()
    # Eleven more over the same sources and period, other metrics and scopes.
    for metric, scope in (
        ("impressions", {}),
        ("engagement_rate", {"channel": r["channel"]}),
        ("click_through_rate", {}),
        ("shares", {"channel": r["channel"]}),
        ("posts_published", {"channel": r["channel"]}),
        ("negative_mention_share", {}),
        ("follower_growth", {"channel": r["channel"]}),
        ("replies_in_time_share", {"channel": r["channel"]}),
        ("median_signoff_minutes_boost", {}),
        ("paid_clicks", {}),
        ("paid_impressions", {}),
    ):
        define(metric, **scope)
    twenty = queries_to_list()

    assert twenty == nine
    engagements = next(k for k in lead.get(api(a, "kpis/")).json() if k["metric"] == "engagements")
    last = {p["start"]: p for p in engagements["periods"]}[str(r["last"])]
    assert last["actual"] == "400.0000"  # the batched query still gives the hand computation
