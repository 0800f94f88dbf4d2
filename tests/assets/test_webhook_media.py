"""Integrators hear that a post was approved with its images: the ``approval.decided`` event
of an approved draft carries each image's signed, expiring URLs (original and renditions) in
order with alt text, fetchable without credentials."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from approvals import services as approval_services
from approvals.errors import ApprovalsError
from approvals.models import ApprovalStep
from assets.services import Attachment, set_draft_assets
from content import services as content_services
from content.models import Draft
from integrations import events
from integrations.models import Event
from tenants.roles import Role
from tests.assets.conftest import photo, upload

pytestmark = pytest.mark.django_db

BASE = "http://127.0.0.1:8000"


def test_an_approved_posts_event_carries_signed_urls_of_its_images_in_order(
    world, uploads, renditions_inline, settings, django_capture_on_commit_callbacks
) -> None:
    settings.PUBLIC_BASE_URL = BASE
    a = world.a
    writer = a.person(Role.COPYWRITER)
    ids = []
    for size in ((2400, 1600), (800, 800)):
        with django_capture_on_commit_callbacks(execute=True):
            ids.append(upload(a, writer, photo(size=size), name=f"{size}").json()["id"])
    with schema_context(a.brand.schema_name):
        channel = content_services.create_channel(network="instagram", handle="alpine-hooks")
        draft = Draft.objects.create(
            kind=Draft.Kind.POST, channel=channel, text="Two views", created_by=writer
        )
        set_draft_assets(
            draft_id=draft.pk,
            attachments=[Attachment(ids[1], "A square"), Attachment(ids[0], "A landscape")],
            actor=writer,
        )
        with django_capture_on_commit_callbacks(execute=True):
            content_services.mark_draft_ready(draft=draft)
        # Everyone on the chain approves, step by step.
        deciders = [a.person(r) for r in (Role.ACCOUNT_LEAD, Role.CLIENT_APPROVER)]
        while step := ApprovalStep.objects.filter(
            request__subject_id=draft.pk, status="open"
        ).first():
            for person in deciders:
                try:
                    with django_capture_on_commit_callbacks(execute=True):
                        approval_services.decide_step(
                            step_id=step.pk, actor=person, decision="approve"
                        )
                    break
                except ApprovalsError:
                    continue
            else:
                pytest.fail(f"nobody could decide step {step.pk}")
        assert Draft.objects.get(pk=draft.pk).status == Draft.Status.APPROVED
        [decided] = [e.data for e in Event.objects.filter(type=events.APPROVAL_DECIDED)]

    assert decided["outcome"] == "approved"
    assert decided["assets_url"] == f"{BASE}/brands/{a.brand.slug}/api/v1/drafts/{draft.pk}/assets/"
    media = decided["assets"]
    assert [(m["position"], m["asset_id"], m["alt_text"]) for m in media] == [
        (0, ids[1], "A square"),
        (1, ids[0], "A landscape"),
    ]
    assert all(m["expires_at"] for m in media)
    # Anyone holding the event can fetch the files, no credentials, until they expire.
    original = Client().get(media[1]["urls"]["original"].removeprefix(BASE))
    phone = Client().get(media[1]["urls"]["phone"].removeprefix(BASE))
    assert original.status_code == 200 and phone.status_code == 200
    assert Image.open(io.BytesIO(b"".join(original.streaming_content))).size == (2400, 1600)
    assert Image.open(io.BytesIO(b"".join(phone.streaming_content))).size == (720, 480)
