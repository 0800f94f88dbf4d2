"""Segment rules on an audience profile over the members its signals show: top engagement,
active hours, mentions of a topic; the live size is counted in SQL and shown with the
audience's activity."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from listening.models import SegmentRule
from tenants.audit.models import AuditEntry
from tenants.roles import Role
from tests.conftest import client_for
from tests.listening.conftest import audience, send, signal, url

pytestmark = pytest.mark.django_db


def at_local(bw, hour: int) -> datetime:
    tz = ZoneInfo(bw.brand.timezone)
    yesterday = timezone.now().astimezone(tz).date() - timedelta(days=1)
    return datetime.combine(yesterday, time(hour), tzinfo=tz)


def members(bw) -> None:
    """Ten members m0-m9 engaging 1-10 times as much; m5, m8 and m9 are evening people; m9
    (and m0) mention oat latte."""
    items = []
    for i in range(10):
        when = at_local(bw, 20 if i in (5, 8, 9) else 8)
        attrs = {"member": f"m{i}"}
        items.append(signal(f"e-{i}", when, kind="engagement", value=i + 1, attributes=attrs))
        if i in (0, 9):
            items.append(signal(f"t-{i}", when, topic="Oat latte", attributes=attrs))
    # A signal without a member counts for nobody.
    items.append(signal("anon", at_local(bw, 20), kind="engagement", value=100))
    assert send(bw, items).status_code == 200


def add_rule(bw, audience_id: int, who: str = Role.STRATEGIST, **body: Any) -> Any:
    return client_for(bw.person(who)).post(
        url(bw, f"segments/{audience_id}/rules/"), body, format="json"
    )


def activity(bw, audience_id: int) -> dict[str, Any]:
    answer = client_for(bw.person(Role.COPYWRITER)).get(url(bw, f"segments/{audience_id}/"))
    assert answer.status_code == 200, answer.json()
    return answer.json()


def test_each_rule_narrows_the_live_size_of_the_segment(world) -> None:
    a = world.a
    fans = audience(a, name="Evening fans")
    members(a)
    assert (activity(a, fans)["members_seen"], activity(a, fans)["size"]) == (10, None)

    sizes = []
    for body in (
        {"kind": "top_engagement", "percent": 30},
        {"kind": "active_hours", "from_hour": 18, "to_hour": 23},
        {"kind": "mentions_topic", "topic": "oat latte"},
    ):
        added = add_rule(a, fans, **body)
        assert added.status_code == 201, added.json()
        sizes.append(activity(a, fans)["size"])

    # Top 30 %: m7-m9; of them in the evening: m8, m9; of them mentioning oat latte: m9.
    assert sizes == [3, 2, 1]
    shown = activity(a, fans)
    assert [r["kind"] for r in shown["rules"]] == [
        "top_engagement",
        "active_hours",
        "mentions_topic",
    ]
    assert AuditEntry.objects.filter(brand_id=a.brand.pk, action="segment_rule.added").count() == 3

    removed = client_for(a.person(Role.STRATEGIST)).delete(
        url(a, f"segments/{fans}/rules/{shown['rules'][0]['id']}/")
    )
    assert removed.status_code == 204
    # Evening people mentioning oat latte, whatever their engagement: still m9 only.
    assert activity(a, fans)["size"] == 1


def test_an_evening_rule_wraps_past_midnight(world) -> None:
    a = world.a
    owls = audience(a, name="Night owls")
    late = [
        signal(f"late-{i}", at_local(a, 23), attributes={"member": f"owl{i}"}) for i in range(3)
    ]
    send(a, late + [signal("early", at_local(a, 9), attributes={"member": "lark"})])

    assert add_rule(a, owls, kind="active_hours", from_hour=22, to_hour=2).status_code == 201

    assert activity(a, owls)["size"] == 3


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"kind": "top_engagement"}, "percent"),
        ({"kind": "top_engagement", "percent": 0}, "percent"),
        ({"kind": "active_hours", "from_hour": 18}, "to_hour"),
        ({"kind": "active_hours", "from_hour": 18, "to_hour": 24}, "to_hour"),
        ({"kind": "mentions_topic", "topic": ""}, "topic"),
        ({"kind": "richest"}, "kind"),
        ({"kind": "mentions_topic", "topic": "x", "days": 0}, "days"),
    ],
)
def test_an_incomplete_rule_is_a_400_naming_the_field(world, body, attr) -> None:
    a = world.a
    fans = audience(a)

    refused = add_rule(a, fans, **body)

    assert refused.status_code == 400, refused.json()
    assert refused.json()["errors"][0]["attr"] == attr
    with schema_context(a.brand.schema_name):
        assert not SegmentRule.objects.exists()


def test_another_brands_audience_or_a_copywriter_changes_nothing(world) -> None:
    a, b = world.a, world.b
    fans = audience(a)
    body = {"kind": "mentions_topic", "topic": "oat latte"}

    other = client_for(b.person(Role.ACCOUNT_LEAD)).post(
        url(a, f"segments/{fans}/rules/"), body, format="json"
    )
    copywriter = add_rule(a, fans, who=Role.COPYWRITER, **body)

    assert other.status_code == 404
    assert copywriter.status_code == 403
    with schema_context(a.brand.schema_name):
        assert not SegmentRule.objects.exists()
