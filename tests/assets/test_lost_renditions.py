"""An upload whose renditions message is lost (the web process killed between its commit and
the broker, the broker refusing it, the worker killed mid-run) does not stay ``processing``
for ever: the every-minute sweep sends it again, a bounded number of times, then says it
failed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context

from assets.models import Asset
from assets.services import requeue_stuck_renditions
from assets.tasks import requeue_stuck_asset_work
from tenants.roles import Role
from tests.assets.conftest import photo, upload, url
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def shown(bw, asset_id: int) -> dict:
    return client_for(bw.person(Role.CLIENT_VIEWER)).get(url(bw, f"assets/{asset_id}/")).json()


def past_the_wait(times: int = 1):
    return timezone.now() + timedelta(
        seconds=times * (settings.ASSET_RENDITIONS_REQUEUE_AFTER_SECONDS + 1)
    )


def lost_upload(bw) -> dict:
    """Uploaded and committed, but its renditions message never reached a worker."""
    made = upload(bw, bw.person(Role.COPYWRITER), photo(gps=False))
    assert made.status_code == 201, made.json()
    assert made.json()["state"] == "processing"
    return made.json()


def test_a_lost_renditions_message_is_sent_again_and_the_asset_becomes_ready(
    world, uploads, inline_worker, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    made = lost_upload(a)
    inline_worker.run.add("make_asset_renditions")

    with schema_context(a.brand.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            assert requeue_stuck_renditions() == []  # a worker may still be on it
        with django_capture_on_commit_callbacks(execute=True):
            assert requeue_stuck_renditions(now=past_the_wait()) == [made["id"]]

    after = shown(a, made["id"])
    assert after["state"] == "ready"
    assert after["urls"]["phone"] is not None and after["urls"]["thumbnail"] is not None
    with schema_context(a.brand.schema_name):
        # Ready assets are never sent again.
        assert requeue_stuck_renditions(now=past_the_wait(5)) == []


def test_an_asset_whose_worker_keeps_dying_is_failed_saying_why_not_resent_for_ever(
    world, uploads, inline_worker, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    made = lost_upload(a)  # every resend below is lost too: nothing runs the renditions
    limit = settings.ASSET_RENDITIONS_MAX_RESENDS

    with schema_context(a.brand.schema_name):
        for attempt in range(1, limit + 1):
            with django_capture_on_commit_callbacks(execute=True):
                assert requeue_stuck_renditions(now=past_the_wait(attempt)) == [made["id"]]
        # A resend just made is waited for, not doubled.
        assert requeue_stuck_renditions(now=past_the_wait(limit)) == []
        with django_capture_on_commit_callbacks(execute=True):
            assert requeue_stuck_renditions(now=past_the_wait(limit + 1)) == []

    sent = [m for m in inline_worker.kept if m.actor_name == "make_asset_renditions"]
    assert [m.kwargs["asset_id"] for m in sent] == [made["id"]] * limit
    after = shown(a, made["id"])
    assert after["state"] == "failed"
    assert f"no worker finished them in {limit + 1} tries" in after["failure"]
    assert after["urls"]["phone"] is None


def test_the_sweep_resends_each_brands_own_stuck_assets_in_that_brand(
    world, uploads, inline_worker, django_capture_on_commit_callbacks
) -> None:
    a, b = world.a, world.b
    stuck_a = lost_upload(a)
    fresh_b = lost_upload(b)
    long_ago = timezone.now() - timedelta(
        seconds=settings.ASSET_RENDITIONS_REQUEUE_AFTER_SECONDS + 60
    )
    with schema_context(a.brand.schema_name):
        Asset.objects.filter(pk=stuck_a["id"]).update(updated_at=long_ago)
    inline_worker.run.add("make_asset_renditions")

    with django_capture_on_commit_callbacks(execute=True):
        requeue_stuck_asset_work.fn()

    assert shown(a, stuck_a["id"])["state"] == "ready"
    # Brand B's upload is only seconds old: its message may still be on its way.
    assert shown(b, fresh_b["id"])["state"] == "processing"
