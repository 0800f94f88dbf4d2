"""The hourly signal rollup: kept by the database on every write to signals, only rows actually
stored count, and windowed aggregates answered from it are the same as counting the signals
themselves (a property test over random signals, zones, periods and groupings)."""

from __future__ import annotations

import importlib
import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import Trunc
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content.models import AudienceProfile
from listening.models import Signal, SignalHour
from listening.selectors.aggregates import GROUPS, raw_spans, signal_aggregates
from tenants.roles import Scope
from tests.integrations.conftest import key_client
from tests.listening.conftest import send, signal, url

pytestmark = pytest.mark.django_db

# Zones at whole-hour offsets with and without summer time, at half- and quarter-hour offsets,
# and Lord Howe, whose summer time moves it by half an hour.
ZONES = [
    "UTC",
    "Europe/Zurich",
    "America/New_York",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Australia/Lord_Howe",
]
# Around the end of summer time in Europe (Oct 25) and North America (Nov 1), 2026.
ORIGIN = datetime(2026, 10, 24, 0, 0, tzinfo=UTC)
SPAN_MINUTES = 12 * 24 * 60


def raw_aggregates(
    *, start: datetime, end: datetime, tz: ZoneInfo, bucket: str, by: list[str], filters: dict
) -> list[dict[str, Any]]:
    """The aggregate computed from the signals alone, as the API did before the rollup."""
    rows = Signal.objects.filter(observed_at__gte=start, observed_at__lt=end)
    for name, value in filters.items():
        rows = rows.filter(**{GROUPS[name]: value})
    grouped = list(
        rows.annotate(bucket=Trunc("observed_at", bucket, tzinfo=tz))
        .values("bucket", *[GROUPS[name] for name in by])
        .annotate(
            n=Count("id"),
            total=Sum("value"),
            mean_value=Avg("value"),
            mean_sentiment=Avg("sentiment"),
            n_negative=Count("id", filter=Q(sentiment__lt=0)),
            n_positive=Count("id", filter=Q(sentiment__gt=0)),
        )
        .order_by("bucket", *[GROUPS[name] for name in by])
    )
    totals: dict[datetime, int] = {}
    for row in grouped:
        totals[row["bucket"]] = totals.get(row["bucket"], 0) + row["n"]
    return [
        {
            "bucket": row["bucket"],
            "group": {name: row[GROUPS[name]] for name in by},
            "count": row["n"],
            "sum": row["total"],
            "mean": row["mean_value"],
            "sentiment": row["mean_sentiment"],
            "negative": row["n_negative"],
            "positive": row["n_positive"],
            "share": row["n"] / totals[row["bucket"]],
        }
        for row in grouped
    ]


def assert_same(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    """Counts, buckets and groups exactly; float sums and means up to rounding (a sum of hour
    sums adds the same values in another order)."""
    assert [(r["bucket"], r["group"], r["count"]) for r in got] == [
        (r["bucket"], r["group"], r["count"]) for r in want
    ]
    for mine, theirs in zip(got, want, strict=True):
        assert mine["bucket"].utcoffset() == theirs["bucket"].utcoffset()
        assert (mine["negative"], mine["positive"]) == (theirs["negative"], theirs["positive"])
        assert mine["share"] == theirs["share"]
        for name in ("sum", "mean", "sentiment"):
            if theirs[name] is None:
                assert mine[name] is None, name
            else:
                assert math.isclose(mine[name], theirs[name], rel_tol=1e-9, abs_tol=1e-9), name


def rollup_totals() -> tuple[int, float]:
    rows = SignalHour.objects.aggregate(n=Sum("signals"), total=Sum("value_sum"))
    return rows["n"] or 0, rows["total"] or 0.0


signals_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "minute": st.integers(0, SPAN_MINUTES - 1),
            "second": st.integers(0, 59),
            "kind": st.sampled_from(["mention", "purchase", "engagement"]),
            "source": st.sampled_from(["instagram", "shop"]),
            "topic": st.sampled_from(["", "oat latte", "prices"]),
            "audience": st.sampled_from([None, 0, 1]),
            "value": st.one_of(
                st.just(1.0),
                st.floats(-1000, 1000, allow_nan=False, allow_infinity=False),
            ),
            "sentiment": st.one_of(st.none(), st.floats(-1, 1, allow_nan=False)),
        }
    ),
    max_size=60,
)
queries = st.fixed_dictionaries(
    {
        "zone": st.sampled_from(ZONES),
        "bucket": st.sampled_from(["hour", "day"]),
        "by": st.lists(st.sampled_from(list(GROUPS)), unique=True, max_size=3),
        "start": st.integers(-60, SPAN_MINUTES),
        "minutes": st.integers(1, SPAN_MINUTES),
        "filter": st.one_of(
            st.none(),
            st.tuples(st.just("kind"), st.sampled_from(["mention", "purchase"])),
            st.tuples(st.just("topic"), st.sampled_from(["", "prices"])),
            st.tuples(st.just("audience"), st.sampled_from([0, 1])),
        ),
    }
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(items=signals_strategy, query=queries, delete_some=st.booleans())
def test_rollup_answers_equal_counting_the_signals(world, items, query, delete_some) -> None:
    with schema_context(world.a.brand.schema_name), transaction.atomic():
        audiences = [AudienceProfile.objects.create(name=f"Rollup {i}").pk for i in range(2)]
        # Given random signals, stored in two statements (two hours may meet in the rollup)
        rows = [
            Signal(
                kind=item["kind"],
                source=item["source"],
                external_id=f"r{i}",
                topic=item["topic"],
                audience_id=None if item["audience"] is None else audiences[item["audience"]],
                value=item["value"],
                sentiment=item["sentiment"],
                observed_at=ORIGIN + timedelta(minutes=item["minute"], seconds=item["second"]),
            )
            for i, item in enumerate(items)
        ]
        half = len(rows) // 2
        Signal.objects.bulk_create(rows[:half])
        Signal.objects.bulk_create(rows[half:])
        if delete_some and rows:
            # ... some of them removed and an audience deleted (its signals lose it)
            Signal.objects.filter(external_id__endswith="3").delete()
            AudienceProfile.objects.filter(pk=audiences[1]).delete()
        tz = ZoneInfo(query["zone"])
        start = ORIGIN + timedelta(minutes=query["start"], seconds=17 * (query["start"] % 2))
        end = start + timedelta(minutes=query["minutes"])
        filters = {}
        if query["filter"] is not None:
            name, value = query["filter"]
            filters[name] = audiences[value] if name == "audience" else value
        arguments = {
            "start": start,
            "end": end,
            "tz": tz,
            "bucket": query["bucket"],
            "by": query["by"],
            "filters": filters,
        }

        # When the aggregate is asked for, then it equals counting the signals themselves
        assert_same(signal_aggregates(**arguments), raw_aggregates(**arguments))
        n, total = rollup_totals()
        assert n == Signal.objects.count()
        assert math.isclose(
            total, Signal.objects.aggregate(t=Sum("value"))["t"] or 0.0, abs_tol=1e-6
        )
        transaction.set_rollback(True)


def test_whole_hours_come_from_the_rollup_and_only_edges_from_the_signals() -> None:
    zurich, kolkata = ZoneInfo("Europe/Zurich"), ZoneInfo("Asia/Kolkata")
    start = datetime(2026, 10, 20, 22, 0, tzinfo=UTC)
    end = start + timedelta(days=28)

    # A 28-day period of whole hours in Zurich (summer time ends inside it) reads no signal
    assert raw_spans(start=start, end=end, tz=zurich) == []
    # partial hours at the edges are read from the signals
    odd = start + timedelta(minutes=20)
    assert raw_spans(start=odd, end=end - timedelta(minutes=5), tz=zurich) == [
        (odd, start + timedelta(hours=1)),
        (end - timedelta(hours=1), end - timedelta(minutes=5)),
    ]
    # and at half-hour offsets no UTC hour falls whole into a local hour: all of it
    assert raw_spans(start=start, end=end, tz=kolkata) == [(start, end)]


def test_resent_batches_count_once_in_the_aggregates(world) -> None:
    first = [
        signal("a1", "2026-11-02T08:10:00Z", topic="oat latte", value=2),
        signal("a2", "2026-11-02T08:50:00Z", topic="oat latte", sentiment=-0.5),
    ]
    assert send(world.a, first).status_code == 200
    # The integrator retries the batch with one new signal in the same hour
    again = send(world.a, [*first, signal("a3", "2026-11-02T08:55:00Z", topic="oat latte")])
    assert again.json() == {"created": [2], "duplicates": [0, 1]}

    answer = key_client(world.a.brand, [Scope.READ]).get(
        url(world.a, "aggregates/?from=2026-11-02&to=2026-11-02&bucket=hour&by=topic")
    )
    assert answer.status_code == 200
    assert [(r["group"]["topic"], r["count"], r["sum"], r["negative"]) for r in answer.json()] == [
        ("oat latte", 3, 4.0, 1)
    ]
    with schema_context(world.a.brand.schema_name):
        assert list(SignalHour.objects.values_list("hour", "topic", "signals", "value_sum")) == [
            (datetime(2026, 11, 2, 8, 0, tzinfo=UTC), "oat latte", 3, 4.0)
        ]


def test_a_deleted_audience_moves_its_signals_to_no_audience(world) -> None:
    with schema_context(world.a.brand.schema_name):
        regulars = AudienceProfile.objects.create(name="Regulars").pk
    items = [
        signal("d1", "2026-11-02T08:10:00Z", audience=regulars),
        signal("d2", "2026-11-02T08:20:00Z"),
    ]
    assert send(world.a, items).status_code == 200
    with schema_context(world.a.brand.schema_name):
        AudienceProfile.objects.filter(pk=regulars).delete()

    answer = key_client(world.a.brand, [Scope.READ]).get(
        url(world.a, "aggregates/?from=2026-11-02&to=2026-11-02&bucket=day&by=audience")
    )
    assert [(r["group"]["audience"], r["count"]) for r in answer.json()] == [(None, 2)]


def test_the_migration_backfills_the_rollup_from_stored_signals(world) -> None:
    migration = importlib.import_module("listening.migrations.0009_signal_hour_rollup")
    with schema_context(world.a.brand.schema_name):
        Signal.objects.bulk_create(
            [
                Signal(
                    kind="mention",
                    source="instagram",
                    external_id=f"b{i}",
                    value=i,
                    sentiment=(-1) ** i,
                    observed_at=ORIGIN + timedelta(minutes=37 * i),
                )
                for i in range(20)
            ]
        )
        kept = sorted(SignalHour.objects.values_list("hour", "signals", "value_sum", "negative"))
        # Given signals stored before the rollup existed
        SignalHour.objects.all().delete()

        # When the migration's backfill runs, then the rollup is what the triggers kept
        with connection.cursor() as cursor:
            cursor.execute(migration.BACKFILL)
        assert kept == sorted(
            SignalHour.objects.values_list("hour", "signals", "value_sum", "negative")
        )
        assert sum(row[1] for row in kept) == 20
