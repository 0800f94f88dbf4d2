"""Counts, values and sentiment of signals per hour or brand-local day and per group."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.roles import Role, Scope
from tests.conftest import client_for
from tests.integrations.conftest import key_client
from tests.listening.conftest import audience, send, signal, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def november(world) -> None:
    """Brand A (Zurich, UTC+1 in November): three mentions about the oat latte and one about
    prices on the 2nd (one of them at 23:30 UTC, already the 3rd in Zurich), a purchase."""
    answer = send(
        world.a,
        [
            signal("m1", "2026-11-02T08:10:00Z", topic="oat latte", sentiment=0.5),
            signal("m2", "2026-11-02T08:50:00Z", topic="oat latte", sentiment=-0.5),
            signal("m3", "2026-11-02T09:05:00Z", topic="prices", sentiment=-1),
            signal("m4", "2026-11-02T23:30:00Z", topic="oat latte"),
            signal("p1", "2026-11-02T10:00:00Z", kind="purchase", source="shop", value=30),
        ],
    )
    assert answer.status_code == 200, answer.json()


def aggregates(bw, query: str, client=None):
    return (client or key_client(bw.brand, [Scope.READ])).get(url(bw, f"aggregates/?{query}"))


def test_mentions_per_brand_local_day_and_topic(world, november) -> None:
    answer = aggregates(world.a, "from=2026-11-02&to=2026-11-03&bucket=day&by=topic&kind=mention")

    assert answer.status_code == 200, answer.json()
    rows = [
        (r["bucket"][:10], r["group"]["topic"], r["count"], r["negative"], r["share"])
        for r in answer.json()
    ]
    assert rows == [
        ("2026-11-02", "oat latte", 2, 1, pytest.approx(2 / 3)),
        ("2026-11-02", "prices", 1, 1, pytest.approx(1 / 3)),
        ("2026-11-03", "oat latte", 1, 0, 1.0),
    ]
    first = answer.json()[0]
    assert first["bucket"] == "2026-11-02T00:00:00+01:00"
    assert first["sentiment"] == pytest.approx(0.0)


def test_hourly_sums_and_means_per_source(world, november) -> None:
    answer = aggregates(world.a, "from=2026-11-02&to=2026-11-02&bucket=hour&by=source")

    rows = [(r["bucket"], r["group"]["source"], r["count"], r["sum"]) for r in answer.json()]
    assert rows == [
        ("2026-11-02T09:00:00+01:00", "instagram", 2, 2.0),
        ("2026-11-02T10:00:00+01:00", "instagram", 1, 1.0),
        ("2026-11-02T11:00:00+01:00", "shop", 1, 30.0),
    ]


def test_another_brand_sees_none_of_them(world, november) -> None:
    answer = aggregates(world.b, "from=2026-11-01&to=2026-11-30")

    assert answer.status_code == 200
    assert answer.json() == []


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ("bucket=minute", "bucket"),
        ("by=colour", "by"),
        ("by=topic,topic", "by"),
        ("kind=rumour", "kind"),
        ("audience=abc", "audience"),
        ("from=2026-11-10&to=2026-11-01", "to"),
        ("from=2026-01-01&to=2026-03-01&bucket=hour", "from"),
        ("from=yesterday", "from"),
    ],
)
def test_bad_queries_are_a_400_naming_the_parameter(world, query, attr) -> None:
    answer = aggregates(world.a, query)

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["attr"] == attr


def test_only_the_brands_people_and_read_keys_see_aggregates(world) -> None:
    a, b = world.a, world.b

    assert aggregates(a, "", client_for(a.person(Role.CLIENT_VIEWER))).status_code == 200
    assert aggregates(a, "", client_for(b.person(Role.ACCOUNT_LEAD))).status_code == 404
    assert aggregates(a, "", key_client(a.brand, [Scope.INGEST_SIGNALS])).status_code == 403


def test_the_time_index_summarises_page_ranges_as_they_fill(world) -> None:
    """Without autosummarize, every range written since the last VACUUM matches every window:
    a 28-day aggregate over a year of signals read the whole table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'signal_observed_brin' AND n.nspname = %s",
            [world.a.brand.schema_name],
        )
        (options,) = cursor.fetchone()
    assert options == ["autosummarize=on"]


def test_an_aggregate_row_has_every_declared_field_as_the_generic_serializer_renders_it(
    world, november
) -> None:
    """The row shape is written out by hand for speed; it must stay what DRF's walk over the
    declared fields (the API schema) would give, field for field: buckets in the brand's zone,
    a mean sentiment of null where nothing was scored, an audience group of null or an id."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from rest_framework import serializers

    from listening.api.serializers import AggregateRowSerializer
    from listening.selectors.aggregates import signal_aggregates

    a = world.a
    commuters = audience(a)
    sent = send(a, [signal("m5", "2026-11-02T08:20:00Z", topic="oat latte", audience=commuters)])
    assert sent.status_code == 200, sent.json()
    query = "from=2026-11-02&to=2026-11-03&bucket=hour&by=topic,audience"
    answer = aggregates(a, query)

    tz = ZoneInfo(a.brand.timezone)
    with schema_context(a.brand.schema_name), timezone.override(tz):
        rows = signal_aggregates(
            start=datetime(2026, 11, 2, tzinfo=tz),
            end=datetime(2026, 11, 4, tzinfo=tz),
            tz=tz,
            bucket="hour",
            by=["topic", "audience"],
            filters={},
        )
        shape = AggregateRowSerializer()
        generic = [dict(serializers.Serializer.to_representation(shape, row)) for row in rows]
    assert answer.status_code == 200, answer.json()
    assert answer.json() == generic
    assert {r["group"]["audience"] for r in generic} == {None, commuters}
    assert None in {r["sentiment"] for r in generic}
    assert all(set(r) == set(shape.fields) for r in answer.json())
