"""An audience's active hours are learned from its signals, in the brand's time zone, and
offered to its profile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from content.models import AudienceProfile
from listening.active_hours import next_active_start, suggest_ranges
from tenants.roles import Role, Scope
from tests.conftest import client_for
from tests.integrations.conftest import key_client
from tests.listening.conftest import audience, send, signal, url

ZURICH = ZoneInfo("Europe/Zurich")


def test_suggestion_is_the_busiest_hours_holding_half_the_activity_merged_into_ranges() -> None:
    histogram = [0] * 24
    histogram[7], histogram[8] = 10, 12
    histogram[19], histogram[20], histogram[21] = 9, 8, 1
    histogram[13] = 2

    # 42 signals: 12 + 10 = 22 already hold half.
    assert suggest_ranges(histogram) == ["07:00-09:00"]
    histogram[23], histogram[0] = 30, 30
    # 102: 30 + 30 (midnight's both sides) hold more than half, as one range.
    assert suggest_ranges(histogram) == ["23:00-01:00"]


def test_too_few_signals_suggest_nothing() -> None:
    histogram = [0] * 24
    histogram[8] = 19
    assert suggest_ranges(histogram) == []


def test_next_active_start_leaves_time_for_sign_off_and_rolls_to_tomorrow() -> None:
    # 17:30 in Zurich (16:30 UTC); an hour of lead time passes 18:00, so tomorrow 07:00.
    now = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
    ranges = ["07:00-09:00", "18:00-21:00"]

    start = next_active_start(ranges, tz=ZURICH, now=now, lead=timedelta(hours=1))

    assert start == datetime(2026, 11, 21, 7, 0, tzinfo=ZURICH)
    early = next_active_start(ranges, tz=ZURICH, now=now - timedelta(hours=2), lead=timedelta(0))
    assert early == datetime(2026, 11, 20, 18, 0, tzinfo=ZURICH)
    assert next_active_start([], tz=ZURICH, now=now, lead=timedelta(0)) is None


def commuter_signals(commuters: int, days: int = 10) -> list[dict]:
    """Each of the last ``days`` days: two signals at 07:xx and one at 12:xx Zurich time."""
    today = timezone.now().astimezone(ZURICH).date()
    items = []
    for n in range(1, days + 1):
        day = today - timedelta(days=n)
        for hour, minute in ((7, 5), (7, 40), (12, 15)):
            at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZURICH)
            items.append(signal(f"s-{n}-{hour}-{minute}", at, audience=commuters))
    return items


@pytest.mark.django_db
def test_segment_activity_is_counted_by_hour_of_the_brands_day(world) -> None:
    a = world.a
    commuters = audience(a)
    send(a, commuter_signals(commuters))

    answer = key_client(a.brand, [Scope.READ]).get(url(a, f"segments/{commuters}/"))

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["signals"] == 30
    assert body["histogram"][7] == 20
    assert body["histogram"][12] == 10
    assert body["suggested_active_hours"] == ["07:00-08:00"]
    assert body["active_hours"] == []
    start = datetime.fromisoformat(body["next_active_at"]).astimezone(ZURICH)
    assert (start.hour, start.minute) == (7, 0)
    assert start > timezone.now() + timedelta(hours=1)


@pytest.mark.django_db
def test_a_lead_adopts_the_suggested_active_hours_on_the_profile(world) -> None:
    a = world.a
    commuters = audience(a)
    send(a, commuter_signals(commuters))

    adopted = client_for(a.person(Role.STRATEGIST)).post(
        url(a, f"segments/{commuters}/adopt-active-hours/")
    )

    assert adopted.status_code == 200, adopted.json()
    assert adopted.json()["active_hours"] == ["07:00-08:00"]
    with schema_context(a.brand.schema_name):
        assert AudienceProfile.objects.get(pk=commuters).active_hours == ["07:00-08:00"]


@pytest.mark.django_db
def test_adopting_with_too_few_signals_is_a_400_and_changes_nothing(world) -> None:
    a = world.a
    commuters = audience(a, active_hours=["09:00-10:00"])
    send(a, commuter_signals(commuters, days=3))

    refused = client_for(a.person(Role.ACCOUNT_LEAD)).post(
        url(a, f"segments/{commuters}/adopt-active-hours/")
    )

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "audience"
    with schema_context(a.brand.schema_name):
        assert AudienceProfile.objects.get(pk=commuters).active_hours == ["09:00-10:00"]


@pytest.mark.django_db
def test_who_may_see_and_adopt_a_segment(world) -> None:
    a, b = world.a, world.b
    commuters = audience(a)
    send(a, commuter_signals(commuters))
    adopt = url(a, f"segments/{commuters}/adopt-active-hours/")

    assert (
        client_for(b.person(Role.ACCOUNT_LEAD)).get(url(a, f"segments/{commuters}/")).status_code
        == 404
    )
    assert client_for(a.person(Role.CLIENT_VIEWER)).post(adopt).status_code == 403
    assert client_for(a.person(Role.ANALYST)).post(adopt).status_code == 403
    assert key_client(a.brand, [Scope.READ]).get(url(a, "segments/999999/")).status_code == 404
    with schema_context(a.brand.schema_name):
        assert AudienceProfile.objects.get(pk=commuters).active_hours == []
