"""Plan items whose time came are announced once as "plan_item.due", with where they stand."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from integrations.models import Event
from planning.models import PlanItem
from planning.services.due import announce_due_items
from tenants.roles import Role
from tests.conftest import client_for
from tests.planning.conftest import item_body, url

pytestmark = pytest.mark.django_db


def test_plan_items_whose_time_came_are_announced_once(
    world, plan_a, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    strategist = client_for(a.person(Role.STRATEGIST))
    item = strategist.post(url(a, "items/"), item_body(plan_a, publish_time="09:30")).json()
    planned = datetime.fromisoformat(f"{item['planned_on']}T09:30").replace(
        tzinfo=ZoneInfo(a.brand.timezone)
    )
    with schema_context(a.brand.schema_name), django_capture_on_commit_callbacks(execute=True):
        early = announce_due_items(brand=a.brand, now=planned - timedelta(minutes=1))
        on_time = announce_due_items(brand=a.brand, now=planned)
        again = announce_due_items(brand=a.brand, now=planned + timedelta(hours=1))
    with schema_context(a.brand.schema_name):
        (event,) = [e.data for e in Event.objects.filter(type="plan_item.due")]
        assert PlanItem.objects.get(pk=item["id"]).due_announced_at is not None

    assert (early, on_time, again) == (0, 1, 0)
    assert (event["plan_item_id"], event["status"], event["publish_time"]) == (
        item["id"],
        "planned",
        "09:30:00",
    )
