"""An integrator reports organic results: post snapshots (cumulative counters) and channel
days, in batches that are stored whole or not at all."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django_tenants.utils import schema_context

from results.models import ChannelDay, PostSnapshot, PostTotals, ResultDay
from tenants.roles import Scope
from tests.conftest import client_for
from tests.integrations.conftest import key_client
from tests.results.conftest import (
    channel,
    integrator,
    published_post,
    results_url,
    snap,
)

pytestmark = pytest.mark.django_db

PUBLISHED = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def stored(bw) -> list[tuple]:
    with schema_context(bw.brand.schema_name):
        return list(
            PostSnapshot.objects.order_by("draft_id", "observed_at").values_list(
                "draft__external_id", "observed_at", "impressions", "reactions", "d_impressions"
            )
        )


def days(bw) -> dict:
    with schema_context(bw.brand.schema_name):
        return {
            (row.day, row.channel_id): (row.impressions, row.reactions, row.comments, row.posts)
            for row in ResultDay.objects.all()
        }


def test_integrator_reports_snapshots_for_two_posts_and_the_daily_growth_adds_up(world) -> None:
    a = world.a
    insta = channel(a)
    published_post(a, "ig-1", published_at=PUBLISHED, on=insta)
    published_post(a, "ig-2", published_at=PUBLISHED, on=insta)

    # Zurich is UTC+1 in November: 23:30 UTC on the 2nd is already the 3rd there.
    answer = integrator(a).post(
        results_url(a, "post-snapshots/"),
        {
            "snapshots": [
                snap("ig-1", "2026-11-02T12:00:00Z", impressions=100, reactions=5, comments=1),
                snap("ig-1", "2026-11-02T23:30:00Z", impressions=250, reactions=9, comments=2),
                snap("ig-2", "2026-11-02T18:00:00+01:00", impressions=40, reactions=2),
            ]
        },
        format="json",
    )

    assert answer.status_code == 200, answer.json()
    assert answer.json() == {"created": 3, "updated": 0, "unchanged": 0}
    assert stored(a) == [
        ("ig-1", datetime(2026, 11, 2, 12, tzinfo=UTC), 100, 5, 100),
        ("ig-1", datetime(2026, 11, 2, 23, 30, tzinfo=UTC), 250, 9, 150),
        ("ig-2", datetime(2026, 11, 2, 17, tzinfo=UTC), 40, 2, 40),
    ]
    # By hand: the 2nd (local) holds ig-1's first 100 and ig-2's 40; the 3rd ig-1's +150.
    assert days(a) == {
        (date(2026, 11, 2), insta.pk): (140, 7, 1, 2),
        (date(2026, 11, 3), insta.pk): (150, 4, 1, 1),
    }
    with schema_context(a.brand.schema_name):
        latest = PostTotals.objects.get(draft__external_id="ig-1")
    assert (latest.impressions, latest.reactions, latest.comments) == (250, 9, 2)


def test_the_same_batch_again_changes_nothing(world) -> None:
    a = world.a
    published_post(a, "ig-1", published_at=PUBLISHED, on=channel(a))
    batch = {
        "snapshots": [
            snap("ig-1", "2026-11-02T12:00:00Z", impressions=100),
            snap("ig-1", "2026-11-03T12:00:00Z", impressions=180),
        ]
    }
    first = integrator(a).post(results_url(a, "post-snapshots/"), batch, format="json")
    before = (stored(a), days(a))

    again = integrator(a).post(results_url(a, "post-snapshots/"), batch, format="json")

    assert first.json() == {"created": 2, "updated": 0, "unchanged": 0}
    assert again.status_code == 200
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}
    assert (stored(a), days(a)) == before


def test_a_counter_that_goes_down_refuses_the_whole_batch_naming_item_and_field(world) -> None:
    a = world.a
    published_post(a, "ig-1", published_at=PUBLISHED, on=channel(a))
    published_post(a, "ig-2", published_at=PUBLISHED)
    integrator(a).post(
        results_url(a, "post-snapshots/"),
        {"snapshots": [snap("ig-1", "2026-11-02T12:00:00Z", impressions=100, reactions=8)]},
        format="json",
    )
    before = (stored(a), days(a))

    refused = integrator(a).post(
        results_url(a, "post-snapshots/"),
        {
            "snapshots": [
                snap("ig-2", "2026-11-02T12:00:00Z", impressions=10),
                snap("ig-1", "2026-11-03T12:00:00Z", impressions=120, reactions=7),
            ]
        },
        format="json",
    )

    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert error["attr"] == "snapshots.1.reactions"
    assert "correction" in error["detail"]
    assert (stored(a), days(a)) == before  # not even ig-2's good snapshot


def test_a_snapshot_marked_as_correction_may_lower_a_counter(world) -> None:
    a = world.a
    published_post(a, "ig-1", published_at=PUBLISHED, on=channel(a))
    integrator(a).post(
        results_url(a, "post-snapshots/"),
        {"snapshots": [snap("ig-1", "2026-11-02T12:00:00Z", impressions=100)]},
        format="json",
    )

    fixed = integrator(a).post(
        results_url(a, "post-snapshots/"),
        {
            "snapshots": [
                {**snap("ig-1", "2026-11-03T12:00:00Z", impressions=90), "correction": True}
            ]
        },
        format="json",
    )

    assert fixed.status_code == 200, fixed.json()
    assert [row[2:] for row in stored(a)] == [(100, 0, 100), (90, 0, -10)]


def test_a_late_snapshot_between_two_others_splits_the_growth(world) -> None:
    a = world.a
    insta = channel(a)
    published_post(a, "ig-1", published_at=PUBLISHED, on=insta)
    client = integrator(a)
    client.post(
        results_url(a, "post-snapshots/"),
        {
            "snapshots": [
                snap("ig-1", "2026-11-02T12:00:00Z", impressions=100),
                snap("ig-1", "2026-11-04T12:00:00Z", impressions=400),
            ]
        },
        format="json",
    )

    late = client.post(
        results_url(a, "post-snapshots/"),
        {"snapshots": [snap("ig-1", "2026-11-03T12:00:00Z", impressions=250)]},
        format="json",
    )

    assert late.status_code == 200
    assert [row[4] for row in stored(a)] == [100, 150, 150]
    assert {day: v[0] for (day, _c), v in days(a).items()} == {
        date(2026, 11, 2): 100,
        date(2026, 11, 3): 150,
        date(2026, 11, 4): 150,
    }


def test_a_late_snapshot_higher_than_a_later_one_is_refused(world) -> None:
    a = world.a
    published_post(a, "ig-1", published_at=PUBLISHED)
    integrator(a).post(
        results_url(a, "post-snapshots/"),
        {"snapshots": [snap("ig-1", "2026-11-04T12:00:00Z", impressions=400)]},
        format="json",
    )

    refused = integrator(a).post(
        results_url(a, "post-snapshots/"),
        {"snapshots": [snap("ig-1", "2026-11-03T12:00:00Z", impressions=500)]},
        format="json",
    )

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "snapshots.0.impressions"


@pytest.mark.parametrize(
    ("item", "attr"),
    [
        (snap("nobody", "2026-11-02T12:00:00Z"), "snapshots.0.external_id"),
        (snap("ig-1", "2026-11-02T12:00:00"), "snapshots.0.observed_at"),
        (snap("ig-1", "2099-11-02T12:00:00Z"), "snapshots.0.observed_at"),
        # An offset no place on Earth uses is a typo, not a time.
        (snap("ig-1", "2026-11-02T12:00:00+23:00"), "snapshots.0.observed_at"),
        (snap("ig-1", "2026-11-02T12:00:00Z", shares=-1), "snapshots.0.shares"),
        (snap("ig-1", "2026-11-02T12:00:00Z", reach="lots"), "snapshots.0.reach"),
        (snap("ig-1", "2026-11-02T12:00:00Z", saves=10**16), "snapshots.0.saves"),
        (snap("ig-1", "2026-11-02T12:00:00Z", saves=None), "snapshots.0.saves"),
        (snap("ig-1", "2026-11-02T12:00:00Z", correction="perhaps"), "snapshots.0.correction"),
        (snap(None, "2026-11-02T12:00:00Z"), "snapshots.0.external_id"),
    ],
)
def test_bad_snapshots_are_a_400_naming_the_field(world, item, attr) -> None:
    a = world.a
    published_post(a, "ig-1", published_at=PUBLISHED)

    refused = integrator(a).post(
        results_url(a, "post-snapshots/"), {"snapshots": [item]}, format="json"
    )

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == attr
    assert stored(a) == []


def test_a_draft_that_is_not_published_gets_no_results(world) -> None:
    a = world.a
    published_post(a, "ig-1", published_at=PUBLISHED, status="approved")

    refused = integrator(a).post(
        results_url(a, "post-snapshots/"),
        {"snapshots": [snap("ig-1", "2026-11-02T12:00:00Z")]},
        format="json",
    )

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "snapshots.0.external_id"


def test_a_batch_holds_at_most_500_snapshots(world) -> None:
    a = world.a
    published_post(a, "ig-1", published_at=PUBLISHED)
    items = [
        snap("ig-1", f"2026-11-{1 + i // 24:02d}T{i % 24:02d}:00:00Z", impressions=i)
        for i in range(501)
    ]

    refused = integrator(a).post(
        results_url(a, "post-snapshots/"), {"snapshots": items}, format="json"
    )

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "snapshots"


def test_keys_without_the_scope_and_other_brands_are_refused(world) -> None:
    a, b = world.a, world.b
    published_post(a, "ig-1", published_at=PUBLISHED)
    batch = {"snapshots": [snap("ig-1", "2026-11-02T12:00:00Z", impressions=1)]}

    read_only = key_client(a.brand, [Scope.READ]).post(
        results_url(a, "post-snapshots/"), batch, format="json"
    )
    other_brand = integrator(b).post(results_url(a, "post-snapshots/"), batch, format="json")
    copywriter = client_for(a.person("copywriter")).post(
        results_url(a, "post-snapshots/"), batch, format="json"
    )
    lead_of_b = client_for(b.person("account_lead")).post(
        results_url(a, "post-snapshots/"), batch, format="json"
    )

    assert read_only.status_code == 403
    assert other_brand.status_code == 404
    assert copywriter.status_code == 403
    assert lead_of_b.status_code == 404
    assert stored(a) == []


# --- channel days ---------------------------------------------------------------------------


def test_integrator_reports_channel_days_and_a_day_again_replaces_it(world) -> None:
    a = world.a
    insta = channel(a)
    day = {
        "channel": insta.pk,
        "day": "2026-11-02",
        "followers": 1200,
        "profile_visits": 40,
        "mentions": 10,
        "positive_mentions": 6,
        "neutral_mentions": 3,
        "negative_mentions": 1,
    }
    first = integrator(a).post(results_url(a, "channel-days/"), {"days": [day]}, format="json")
    same = integrator(a).post(results_url(a, "channel-days/"), {"days": [day]}, format="json")
    fixed = integrator(a).post(
        results_url(a, "channel-days/"), {"days": [{**day, "followers": 1210}]}, format="json"
    )

    assert first.json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert same.json() == {"created": 0, "updated": 0, "unchanged": 1}
    assert fixed.json() == {"created": 0, "updated": 1, "unchanged": 0}
    with schema_context(a.brand.schema_name):
        [row] = ChannelDay.objects.values_list("followers", "negative_mentions")
    assert row == (1210, 1)


def test_bad_channel_days_refuse_the_batch(world) -> None:
    a = world.a
    insta = channel(a)
    good = {"channel": insta.pk, "day": "2026-11-02", "followers": 5}
    too_many = {**good, "day": "2026-11-03", "mentions": 1, "negative_mentions": 2}

    sentiment = integrator(a).post(
        results_url(a, "channel-days/"), {"days": [good, too_many]}, format="json"
    )
    unknown = integrator(a).post(
        results_url(a, "channel-days/"), {"days": [{**good, "channel": 999999}]}, format="json"
    )

    assert sentiment.status_code == 400
    assert sentiment.json()["errors"][0]["attr"] == "days.1.mentions"
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["attr"] == "days.0.channel"
    with schema_context(a.brand.schema_name):
        assert not ChannelDay.objects.exists()
