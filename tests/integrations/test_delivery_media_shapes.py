"""Event data the re-signing of asset links (integrations.fresh_media) must survive: whatever
shape an event's ``assets`` has, the feed answers and a delivery is sent; an asset id that is
not a plain integer id of the brand's own never gets another asset's links."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from assets.models import Asset
from integrations import events, services
from integrations.fresh_media import with_fresh_media_urls_of_many
from tenants.roles import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

BASE = "http://127.0.0.1:8000"
GONE = {"original": None, "thumbnail": None, "phone": None}


def _item(asset_id: Any) -> dict[str, Any]:
    return {
        "asset_id": asset_id,
        "urls": {"original": f"{BASE}/old", "thumbnail": None, "phone": None},
        "expires_at": "2026-01-01T00:00:00Z",
    }


@pytest.fixture
def asset(world, settings) -> Asset:  # type: ignore[no-untyped-def]
    settings.PUBLIC_BASE_URL = BASE
    with schema_context(world.a.brand.schema_name):
        return Asset.objects.create(
            name="One",
            content_type="image/jpeg",
            size_bytes=1,
            width=1,
            height=1,
            original="a/one.jpg",
        )


@pytest.mark.parametrize("hostile", [True, 1.0, "1", None, [1], {"id": 1}], ids=repr)
def test_an_asset_id_that_is_no_plain_id_never_gets_asset_ones_links(
    world, asset, hostile, monkeypatch
) -> None:
    """true == 1 == 1.0 in Python (and Django reads "1" as 1): an item naming its asset so,
    alone on its page or next to asset 1's own, gets no links rather than asset 1's or the
    stale ones it was stored with."""
    with schema_context(world.a.brand.schema_name):
        Asset.objects.filter(pk=asset.pk).update(id=1)
        for datas in ([{"assets": [_item(hostile)]}], [{"assets": [_item(hostile), _item(1)]}]):
            fresh = with_fresh_media_urls_of_many(
                datas=datas, brand=world.a.brand, now=timezone.now()
            )
            item = fresh[0]["assets"][0]
            assert item["urls"] == GONE
            assert item["asset_id"] == hostile
        own = fresh[0]["assets"][1]
        assert own["urls"]["original"].startswith(f"{BASE}/")
        assert own["urls"]["original"] != f"{BASE}/old"


HUGE = {"assets": [_item(2**63), _item(-(2**70)), _item(2**80)]}


@pytest.mark.parametrize(
    "data",
    [
        {"assets": {"0": _item(1)}},
        {"assets": "not a list"},
        {"assets": [None, 3, "x", [_item(1)], {"asset_id": 1}]},
        HUGE,
        {"nested": {"assets": [_item(1)]}},
    ],
    ids=repr,
)
def test_the_feed_answers_whatever_shape_an_events_assets_have(world, asset, data) -> None:
    with schema_context(world.a.brand.schema_name):
        event = services.emit_event(event_type=events.APPROVAL_DECIDED, data=data)
    feed = client_for(world.a.person(Role.ACCOUNT_LEAD))

    answer = feed.get(f"/brands/{world.a.brand.slug}/api/v1/events/")

    assert answer.status_code == 200
    [listed] = [e for e in answer.json()["results"] if e["id"] == str(event.pk)]
    if data == HUGE:  # beyond bigint: no asset, no error
        assert [item["urls"] for item in listed["data"]["assets"]] == [GONE] * 3
    else:  # nothing there carries signed links: left as stored
        assert listed["data"] == data
