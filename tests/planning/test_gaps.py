"""The gaps view: an account lead sees which channels' weeks fall short of cadence and how far
the pillar mix drifts from its targets, with numbers worked out by hand below."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals import services as approvals_services
from planning.horizon import week_start
from planning.models import PlanItem
from tenants.roles import Role
from tests.conftest import client_for
from tests.planning.conftest import errors, next_monday, today, url

pytestmark = pytest.mark.django_db


def place(bw, day, channel, pillar, *, status="planned", whole_week=False) -> None:
    with schema_context(bw.brand.schema_name):
        PlanItem.objects.create(
            title="Post",
            planned_on=day,
            channel_id=channel,
            pillar_id=pillar,
            status=status,
            whole_week=whole_week,
        )


@pytest.fixture
def two_weeks(world, strategist, plan_a):
    """Instagram 3 a week, LinkedIn 2. Week 1: Instagram 3 (coffee, coffee, people), LinkedIn
    1 (coffee). Week 2: Instagram a coffee post, a coffee post some time in the week and a
    dropped one; LinkedIn nothing. Week 3 (outside the range asked for): one Instagram post."""
    a, p = world.a, plan_a
    for channel, weekly in ((p["insta"], 3), (p["linkedin"], 2)):
        made = strategist.post(url(a, "cadence/"), {"channel": channel, "posts_per_week": weekly})
        assert made.status_code == 201, made.json()
    w1, w2 = next_monday(a, 1), next_monday(a, 2)
    place(a, w1, p["insta"], p["coffee"])
    place(a, w1 + timedelta(days=2), p["insta"], p["coffee"])
    place(a, w1 + timedelta(days=4), p["insta"], p["people"])
    place(a, w1 + timedelta(days=1), p["linkedin"], p["coffee"])
    place(a, w2 + timedelta(days=3), p["insta"], p["coffee"])
    place(a, w2, p["insta"], p["coffee"], whole_week=True)
    place(a, w2 + timedelta(days=5), p["insta"], p["people"], status="dropped")
    place(a, next_monday(a, 3), p["insta"], p["people"])
    return w1, w2


def test_account_lead_sees_weeks_below_cadence_and_the_pillar_drift(
    world, plan_a, two_weeks
) -> None:
    a, p = world.a, plan_a
    w1, w2 = two_weeks

    answer = client_for(a.person(Role.ACCOUNT_LEAD)).get(
        url(a, "gaps/"), {"from": str(w1 + timedelta(days=2)), "to": str(w2 + timedelta(days=1))}
    )

    assert answer.status_code == 200, answer.json()
    gaps = answer.json()
    # Whole weeks: Monday of the first to Sunday of the last.
    assert (gaps["from"], gaps["to"], gaps["weeks"]) == (
        str(w1),
        str(w2 + timedelta(days=6)),
        2,
    )
    assert (gaps["planned"], gaps["target"], gaps["short_by"]) == (6, 10, 4)
    channels = {c["channel"]: c for c in gaps["channels"]}
    insta, linkedin = channels[p["insta"]], channels[p["linkedin"]]
    assert (insta["planned"], insta["target"], insta["short_by"]) == (5, 6, 1)
    assert insta["weeks_below_cadence"] == [
        {"week_start": str(w2), "planned": 2, "target": 3, "short_by": 1}
    ]
    assert insta["channel_name"] == "instagram @alpinecoffee"
    assert (linkedin["planned"], linkedin["target"], linkedin["short_by"]) == (1, 4, 3)
    assert [w["short_by"] for w in linkedin["weeks_below_cadence"]] == [1, 2]
    pillars = {x["name"]: x for x in gaps["pillars"]}
    # Coffee culture: 5 of 6 items = 83.33 % against 60 %; 60 % of 6 is 3.6, so 4 items.
    assert pillars["Coffee culture"] == {
        "pillar": p["coffee"],
        "name": "Coffee culture",
        "target_share": "60.00",
        "planned": 5,
        "actual_share": "83.33",
        "drift": "23.33",
        "to_target": -1,
        "status": "over",
    }
    people = pillars["Our people"]
    assert (people["actual_share"], people["drift"], people["to_target"], people["status"]) == (
        "16.67",
        "-23.33",
        1,
        "under",
    )
    assert gaps["unassigned_share"] == "0.00"


def test_by_default_the_gaps_cover_the_weeks_of_the_next_14_days(world, plan_a) -> None:
    a = world.a

    gaps = client_for(a.person(Role.CLIENT_VIEWER)).get(url(a, "gaps/")).json()

    assert gaps["from"] == str(week_start(today(a)))
    assert gaps["to"] == str(week_start(today(a) + timedelta(days=13)) + timedelta(days=6))
    assert gaps["planned"] == 0
    assert {x["status"] for x in gaps["pillars"]} == {"no_items"}


def test_twelve_months_of_gaps_at_once(world, plan_a, two_weeks) -> None:
    a = world.a
    start = today(a)

    answer = client_for(a.person(Role.ACCOUNT_LEAD)).get(
        url(a, "gaps/"), {"from": str(start), "to": str(start + timedelta(days=365))}
    )

    assert answer.status_code == 200
    gaps = answer.json()
    assert gaps["weeks"] in (53, 54)
    assert gaps["planned"] == 7
    assert gaps["target"] == 5 * gaps["weeks"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2027-03-10", "to": "2027-03-01"}, "to"),
        ({"from": "2027-01-01", "to": "2028-06-01"}, "to"),
        ({"from": "next tuesday"}, "from"),
        ({"to": "2027-13-01"}, "to"),
    ],
)
def test_a_bad_range_is_a_400_naming_it(world, query, field) -> None:
    answer = client_for(world.a.person(Role.ACCOUNT_LEAD)).get(url(world.a, "gaps/"), query)

    assert answer.status_code == 400
    assert set(errors(answer)) == {field}


def test_campaigns_and_peak_periods_without_cover_show_up(world, strategist, plan_a, two_weeks):
    a = world.a
    w1, w2 = two_weeks

    def event(name: str, kind: str, start, end) -> int:
        made = strategist.post(
            url(a, "campaigns/"),
            {"name": name, "kind": kind, "starts_on": str(start), "ends_on": str(end)},
        )
        assert made.status_code == 201, made.json()
        return made.json()["id"]

    holiday = event("Coffee day", "holiday", w1 + timedelta(days=1), w1 + timedelta(days=2))
    # Only the dropped item falls on these days.
    peak = event("Black Friday", "peak", w2 + timedelta(days=5), w2 + timedelta(days=6))
    promo = event("Loyalty promo", "campaign", w1, w2)

    gaps = (
        client_for(a.person(Role.ACCOUNT_LEAD))
        .get(url(a, "gaps/"), {"from": str(w1), "to": str(w2 + timedelta(days=6))})
        .json()
    )

    cover = {e["campaign"]: (e["planned"], e["covered"]) for e in gaps["events"]}
    # (The launch of plan_a is next month; it shows up only when next month is this close.)
    cover.pop(plan_a["launch"], None)
    assert cover == {holiday: (2, True), peak: (0, False), promo: (0, False)}


def test_owners_with_more_items_in_a_week_than_the_capacity_show_up(
    world, strategist, plan_a, two_weeks
) -> None:
    a = world.a
    w1, w2 = two_weeks
    carla = a.person(Role.COPYWRITER).pk
    with schema_context(a.brand.schema_name):
        week_one = PlanItem.objects.filter(planned_on__gte=w1, planned_on__lt=w2)
        PlanItem.objects.filter(pk__in=list(week_one.values_list("pk", flat=True)[:3])).update(
            owner_id=carla
        )
    refused = client_for(a.person(Role.COPYWRITER)).patch(
        url(a, "settings/"), {"owner_weekly_capacity": 10}
    )
    zero = strategist.patch(url(a, "settings/"), {"owner_weekly_capacity": 0})
    set_to_two = strategist.patch(url(a, "settings/"), {"owner_weekly_capacity": 2})

    gaps = strategist.get(url(a, "gaps/"), {"from": str(w1), "to": str(w2)}).json()

    assert refused.status_code == 403
    assert zero.status_code == 400 and set(errors(zero)) == {"owner_weekly_capacity"}
    assert set_to_two.json()["owner_weekly_capacity"] == 2
    assert gaps["owners_over_capacity"] == [
        {"owner": carla, "week_start": str(w1), "planned": 3, "capacity": 2, "over_by": 1}
    ]
    assert strategist.get(url(a, "settings/")).json()["owner_weekly_capacity"] == 2


def test_an_event_without_cover_says_who_is_on_approvals_duty_then(
    world, strategist, plan_a, two_weeks
) -> None:
    a = world.a
    w1, _w2 = two_weeks
    weekend, weekdays = a.person(Role.CLIENT_PR), a.person(Role.CLIENT_LEGAL)
    now = timezone.now()
    with schema_context(a.brand.schema_name):
        for person, days, duty in [
            (weekdays, [0, 1, 2, 3, 4], "approvals"),
            (weekend, [5, 6], "approvals"),
            (a.person(Role.COMMUNITY_MANAGER), [5], "inbox"),
        ]:
            approvals_services.create_coverage_window(
                user_id=person.pk,
                weekdays=days,
                starts=time(8),
                ends=time(18),
                duty=duty,
                actor_id=None,
                now=now,
            )
    made = strategist.post(
        url(a, "campaigns/"),
        {
            "name": "Weekend market",
            "kind": "peak",
            "starts_on": str(w1 + timedelta(days=5)),
            "ends_on": str(w1 + timedelta(days=6)),
        },
    ).json()

    gaps = (
        client_for(a.person(Role.CLIENT_VIEWER))
        .get(url(a, "gaps/"), {"from": str(w1), "to": str(w1 + timedelta(days=6))})
        .json()
    )

    (market,) = [e for e in gaps["events"] if e["campaign"] == made["id"]]
    assert (market["covered"], market["on_duty"]) == (False, [weekend.pk])
