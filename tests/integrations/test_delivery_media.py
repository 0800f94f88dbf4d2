"""A webhook retried after its asset links expired carries links that work: every attempt
signs the approved post's media URLs from its own time, in the delivery's brand, and the
request's signature covers the body as sent. What was stored for the event stays as it was."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context
from PIL import Image

from approvals import services as approval_services
from approvals.errors import ApprovalsError
from approvals.models import ApprovalStep
from assets.models import Asset
from assets.services import Attachment, set_draft_assets
from assets.signing import read_ticket
from brandroom.datetimes import api_datetime
from content import services as content_services
from content.models import Draft
from integrations import events, services, signing
from integrations.models import Delivery, Event
from tenants.roles import Role
from tests.assets.conftest import photo, upload
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

BASE = "http://127.0.0.1:8000"


def approve(bw: Any, draft: Draft, django_capture_on_commit_callbacks: Any) -> None:
    """Everyone on the draft's chain approves, step by step."""
    with django_capture_on_commit_callbacks(execute=True):
        content_services.mark_draft_ready(draft=draft)
    deciders = [bw.person(r) for r in (Role.ACCOUNT_LEAD, Role.CLIENT_APPROVER)]
    while step := ApprovalStep.objects.filter(request__subject_id=draft.pk, status="open").first():
        for person in deciders:
            try:
                with django_capture_on_commit_callbacks(execute=True):
                    approval_services.decide_step(step_id=step.pk, actor=person, decision="approve")
                break
            except ApprovalsError:
                continue
        else:
            pytest.fail(f"nobody could decide step {step.pk}")
    assert Draft.objects.get(pk=draft.pk).status == Draft.Status.APPROVED


def fetched(url: str) -> Any:
    return Client().get(url.removeprefix(BASE))


def test_a_retry_after_the_links_expired_carries_fresh_links_to_the_brands_own_files(
    world,
    receiver,
    allow_private_urls,
    settings,
    tmp_path,
    inline_worker,
    django_capture_on_commit_callbacks,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "uploads")
    settings.PUBLIC_BASE_URL = BASE
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 3600
    settings.WEBHOOK_BACKOFF_MAX_SECONDS = 7200
    inline_worker.run.add("make_asset_renditions")
    a, b = world.a, world.b
    writer = a.person(Role.COPYWRITER)
    with django_capture_on_commit_callbacks(execute=True):
        made = upload(a, writer, photo(size=(2400, 1600), gps=False), name="Terrace")
    asset_id = made.json()["id"]
    # Brand B holds an asset under the same id, with a picture of its own.
    (tmp_path / "uploads" / "b").mkdir(parents=True)
    (tmp_path / "uploads" / "b" / "original.jpg").write_bytes(photo(size=(640, 480), gps=False))
    with schema_context(b.brand.schema_name):
        Asset.objects.create(
            pk=asset_id,
            name="Bikes",
            content_type="image/jpeg",
            size_bytes=1,
            width=640,
            height=480,
            original="b/original.jpg",
        )
    receiver.statuses = [503]  # the receiver is down for the first attempt
    with schema_context(a.brand.schema_name):
        _endpoint, secret = services.create_endpoint(
            url=receiver.url, event_types=[events.APPROVAL_DECIDED]
        )
        channel = content_services.create_channel(network="instagram", handle="alpine-retry")
        draft = Draft.objects.create(
            kind=Draft.Kind.POST, channel=channel, text="The terrace", created_by=writer
        )
        set_draft_assets(
            draft_id=draft.pk, attachments=[Attachment(asset_id, "The terrace")], actor=writer
        )
        approve(a, draft, django_capture_on_commit_callbacks)
        event = Event.objects.get(type=events.APPROVAL_DECIDED)
        stored = event.data
        delivery = Delivery.objects.get(event=event)

        t0 = timezone.now()
        first = services.attempt_delivery(delivery_id=delivery.pk, now=t0)
        assert first is not None and (first.status, first.attempts) == ("pending", 1)
        # The retry comes after the links' lifetime: they would be dead by now.
        later = t0 + timedelta(seconds=settings.ASSET_URL_MAX_AGE_SECONDS + 60)
        with mock.patch("time.time", return_value=later.timestamp()):
            retried = services.attempt_delivery(delivery_id=delivery.pk, now=later)
        assert retried is not None and retried.status == "succeeded"
        assert Event.objects.get(pk=event.pk).data == stored

    sent_first, sent_again = receiver.requests
    first_media = json.loads(sent_first.body)["data"]["assets"]
    media = json.loads(sent_again.body)["data"]["assets"]
    with mock.patch("time.time", return_value=later.timestamp()):
        answers = {name: fetched(url) for name, url in media[0]["urls"].items()}
        stale = fetched(first_media[0]["urls"]["original"])
    # Links that answer, from the retry's time on, and say so.
    assert {name: answer.status_code for name, answer in answers.items()} == {
        "original": 200,
        "thumbnail": 200,
        "phone": 200,
    }
    assert media[0]["expires_at"] == api_datetime(
        later + timedelta(seconds=settings.ASSET_URL_MAX_AGE_SECONDS), tz_name=a.brand.timezone
    )
    assert (stale.status_code, stale.json()["errors"][0]["code"]) == (403, "link_expired")
    # Brand A's file, never brand B's under the same id.
    original = b"".join(answers["original"].streaming_content)
    assert Image.open(io.BytesIO(original)).size == (2400, 1600)
    for url in media[0]["urls"].values():
        assert url.startswith(f"{BASE}/brands/{a.brand.slug}/files/")
        token = url.rstrip("/").rsplit("/", 1)[-1]
        with mock.patch("time.time", return_value=later.timestamp()):
            assert read_ticket(token=token).schema == a.brand.schema_name
    # Otherwise the same event, and the receiver can check the retry's signature.
    body, first_body = json.loads(sent_again.body), json.loads(sent_first.body)
    for sent in (body, first_body):
        for item in sent["data"]["assets"]:
            del item["urls"], item["expires_at"]
    assert body == first_body
    signing.verify_signature(
        secret=secret,
        body=sent_again.body,
        timestamp_header=sent_again.headers[signing.TIMESTAMP_HEADER],
        signature_header=sent_again.headers[signing.SIGNATURE_HEADER],
        now=later.timestamp(),
    )
    assert sent_again.headers[signing.TIMESTAMP_HEADER] == str(int(later.timestamp()))


def test_a_retry_for_an_asset_deleted_since_has_no_links(
    world, receiver, allow_private_urls, settings, django_capture_on_commit_callbacks
) -> None:
    settings.PUBLIC_BASE_URL = BASE
    a = world.a
    with schema_context(a.brand.schema_name):
        services.create_endpoint(url=receiver.url, event_types=[events.APPROVAL_DECIDED])
        event = services.emit_event(
            event_type=events.APPROVAL_DECIDED,
            data={
                "outcome": "approved",
                "assets": [
                    {
                        "position": 0,
                        "asset_id": 987654,
                        "alt_text": "Gone",
                        "urls": {"original": f"{BASE}/old", "thumbnail": None, "phone": None},
                        "expires_at": "2026-01-01T00:00:00.000000Z",
                    }
                ],
            },
        )
        services.attempt_delivery(
            delivery_id=Delivery.objects.get(event=event).pk, now=timezone.now()
        )

    [sent] = receiver.requests
    [item] = json.loads(sent.body)["data"]["assets"]
    assert item["urls"] == {"original": None, "thumbnail": None, "phone": None}
    assert (item["asset_id"], item["alt_text"]) == (987654, "Gone")


def _decided_with(asset_id: int) -> dict[str, Any]:
    return {
        "outcome": "approved",
        "assets": [
            {
                "position": 0,
                "asset_id": asset_id,
                "alt_text": "Terrace",
                "urls": {"original": f"{BASE}/old", "thumbnail": None, "phone": None},
                "expires_at": "2026-01-01T00:00:00.000000Z",
            }
        ],
    }


def test_events_pulled_after_their_links_expired_carry_links_signed_now(
    world, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "uploads")
    settings.PUBLIC_BASE_URL = BASE
    a = world.a
    (tmp_path / "uploads" / "a").mkdir(parents=True)
    (tmp_path / "uploads" / "a" / "original.jpg").write_bytes(photo(size=(800, 600), gps=False))
    with schema_context(a.brand.schema_name):
        asset = Asset.objects.create(
            name="Terrace",
            content_type="image/jpeg",
            size_bytes=1,
            width=800,
            height=600,
            original="a/original.jpg",
        )
        services.emit_event(event_type=events.APPROVAL_DECIDED, data=_decided_with(asset.pk))
        services.emit_event(event_type=events.APPROVAL_DECIDED, data=_decided_with(424242))
        stored = {event.pk: event.data for event in Event.objects.all()}
    integrator = client_for(a.person(Role.ACCOUNT_LEAD))

    before = timezone.now()
    page = integrator.get(f"/brands/{a.brand.slug}/api/v1/events/").json()["results"]

    by_asset = {event["data"]["assets"][0]["asset_id"]: event["data"] for event in page}
    [item] = by_asset[asset.pk]["assets"]
    assert fetched(item["urls"]["original"]).status_code == 200
    assert item["expires_at"] > api_datetime(before, tz_name=a.brand.timezone)
    assert item["alt_text"] == "Terrace"
    # An asset deleted since (or never this brand's) has no links, not stale ones.
    assert by_asset[424242]["assets"][0]["urls"] == {
        "original": None,
        "thumbnail": None,
        "phone": None,
    }
    with schema_context(a.brand.schema_name):
        assert {event.pk: event.data for event in Event.objects.all()} == stored


def test_a_page_of_events_reads_their_assets_in_one_query(world, settings) -> None:
    settings.PUBLIC_BASE_URL = BASE
    a = world.a
    integrator = client_for(a.person(Role.ACCOUNT_LEAD))
    url = f"/brands/{a.brand.slug}/api/v1/events/"

    def queries_for(events_with_assets: int) -> int:
        with schema_context(a.brand.schema_name):
            Event.objects.all().delete()
            for n in range(events_with_assets):
                services.emit_event(
                    event_type=events.APPROVAL_DECIDED, data=_decided_with(1000 + n)
                )
        with CaptureQueriesContext(connection) as captured:
            assert integrator.get(url).status_code == 200
        return len(captured.captured_queries)

    assert queries_for(6) == queries_for(1)
