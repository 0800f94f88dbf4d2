"""Changing a draft's images once people have seen it: a new version whose review starts
again, the way an edit of its text does; the approvers never judge a post that changes under
their eyes, and an approved post stays exactly as it was approved."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from approvals import announcements as approval_announcements
from approvals import services as approval_services
from approvals.models import ApprovalRequest, ApprovalStep
from assets.errors import AssetInUse
from assets.models import Asset, DraftAsset
from assets.services import Attachment, delete_asset, set_draft_assets
from content.errors import ContentError
from content.models import Draft
from tenants import services as tenant_services
from tenants.audit.models import AuditEntry
from tenants.models import Brand, User
from tenants.roles import Role
from tests.assets.conftest import errors, photo, upload, url
from tests.conftest import announced, client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_images(world, uploads) -> list[int]:
    a = world.a
    return [
        upload(a, a.person(Role.COPYWRITER), photo(size=(800, 600), gps=False), name=n).json()["id"]
        for n in ("Beach day", "Latte art")
    ]


def put(world, draft_id: int, items: list[dict], role: str = Role.COPYWRITER) -> Any:
    return client_for(world.a.person(role)).put(
        url(world.a, f"drafts/{draft_id}/assets/"), {"assets": items}, format="json"
    )


def links_of(world, draft_id: int) -> list[tuple[int, str]]:
    with schema_context(world.a.brand.schema_name):
        return list(
            DraftAsset.objects.filter(draft_id=draft_id)
            .order_by("position")
            .values_list("asset_id", "alt_text")
        )


def requests_of(world, draft_id: int) -> list[str]:
    with schema_context(world.a.brand.schema_name):
        return list(
            ApprovalRequest.objects.filter(subject_id=draft_id)
            .order_by("pk")
            .values_list("status", flat=True)
        )


def status_of(world, draft_id: int) -> str:
    with schema_context(world.a.brand.schema_name):
        return Draft.objects.get(pk=draft_id).status


def test_changing_the_images_of_a_draft_in_review_restarts_its_review_as_a_new_version(
    world, two_images, draft_in_review, django_capture_on_commit_callbacks
) -> None:
    beach, latte = two_images
    with schema_context(world.a.brand.schema_name):
        old_step = ApprovalStep.objects.get(request__subject_id=draft_in_review, status="open")

    with django_capture_on_commit_callbacks(execute=True):
        response = put(world, draft_in_review, [{"asset": beach, "alt_text": "A beach"}])

    assert response.status_code == 201, response.json()
    revision = response.json()["draft"]
    assert revision != draft_in_review
    assert [(x["asset"]["id"], x["alt_text"]) for x in response.json()["assets"]] == [
        (beach, "A beach")
    ]
    # What the approvers were judging did not change under them; its review stopped.
    assert links_of(world, draft_in_review) == []
    assert status_of(world, draft_in_review) == Draft.Status.SUPERSEDED
    assert requests_of(world, draft_in_review) == ["withdrawn"]
    with schema_context(world.a.brand.schema_name):
        assert ApprovalStep.objects.get(pk=old_step.pk).status == "skipped"
        # The new version, same text and the new image, is in review from the first step.
        new = Draft.objects.get(pk=revision)
        assert (new.text, new.parent_id, new.status) == (
            "Summer on the terrace.",
            draft_in_review,
            Draft.Status.IN_REVIEW,
        )
        assert ApprovalStep.objects.filter(request__subject_id=revision, status="open").exists()
        notices = [n["notice"] for n in announced(approval_announcements.NOTICE)]
        assert "request_withdrawn" in notices and "request_opened" in notices
    assert requests_of(world, revision) == ["open"]
    assert links_of(world, revision) == [(beach, "A beach")]
    # The audit trail says who changed the images of which draft, and what they were.
    entry = AuditEntry.objects.filter(action="draft_assets.set", subject_id=revision).get()
    assert entry.actor_user_id == world.a.person(Role.COPYWRITER).pk
    assert entry.before["assets"] == [] and entry.after["assets"] == [[beach, "A beach"]]
    assert "goes to review again" in entry.detail
    del latte


def test_reordering_and_changing_alt_text_in_review_each_make_a_version_but_the_same_set_does_not(
    world, two_images, draft_in_review, django_capture_on_commit_callbacks
) -> None:
    beach, latte = two_images
    with django_capture_on_commit_callbacks(execute=True):
        v2 = put(world, draft_in_review, [{"asset": beach}, {"asset": latte}]).json()["draft"]
    with django_capture_on_commit_callbacks(execute=True):
        again = put(world, v2, [{"asset": beach}, {"asset": latte}])
        reordered = put(world, v2, [{"asset": latte}, {"asset": beach}])
    v3 = reordered.json()["draft"]
    with django_capture_on_commit_callbacks(execute=True):
        described = put(world, v3, [{"asset": latte, "alt_text": "A fern"}, {"asset": beach}])

    assert (again.status_code, again.json()["draft"]) == (200, v2)
    assert reordered.status_code == 201 and v3 != v2
    assert described.status_code == 201
    v4 = described.json()["draft"]
    assert [status_of(world, d) for d in (v2, v3, v4)] == ["superseded", "superseded", "in_review"]
    assert links_of(world, v2) == [(beach, ""), (latte, "")]
    assert links_of(world, v4) == [(latte, "A fern"), (beach, "")]
    assert requests_of(world, v3) == ["withdrawn"]


def test_taking_every_image_off_a_draft_in_review_stays_off_after_the_worker_runs(
    world, two_images, draft_in_review, django_capture_on_commit_callbacks
) -> None:
    beach, _ = two_images
    with django_capture_on_commit_callbacks(execute=True):
        v2 = put(world, draft_in_review, [{"asset": beach, "alt_text": "A beach"}]).json()["draft"]

    with django_capture_on_commit_callbacks(execute=True):
        emptied = put(world, v2, [])

    assert emptied.status_code == 201
    v3 = emptied.json()["draft"]
    # The worker carries a parent's images to a new version, but not to one whose images a
    # person chose: the image taken off does not come back.
    assert links_of(world, v3) == []
    assert links_of(world, v2) == [(beach, "A beach")]
    assert status_of(world, v3) == Draft.Status.IN_REVIEW


def test_an_approved_draft_changed_is_superseded_with_its_images_and_the_change_goes_to_review(
    world, two_images, django_capture_on_commit_callbacks
) -> None:
    beach, latte = two_images
    with schema_context(world.a.brand.schema_name):
        approved = Draft.objects.create(kind=Draft.Kind.POST, text="Done", status="approved")
        DraftAsset.objects.create(draft=approved, asset_id=beach, position=0, alt_text="A beach")

    with django_capture_on_commit_callbacks(execute=True):
        response = put(world, approved.pk, [{"asset": latte, "alt_text": "Latte"}])

    assert response.status_code == 201
    # What was signed off no longer goes out: a scheduler pulling approved posts must not
    # publish the old images. The old version keeps them as its record.
    assert status_of(world, approved.pk) == Draft.Status.SUPERSEDED
    assert links_of(world, approved.pk) == [(beach, "A beach")]
    assert links_of(world, response.json()["draft"]) == [(latte, "Latte")]
    assert status_of(world, response.json()["draft"]) == Draft.Status.IN_REVIEW


def test_an_old_version_is_a_409_and_nothing_is_written(
    world, two_images, draft_in_review, django_capture_on_commit_callbacks
) -> None:
    beach, latte = two_images
    with django_capture_on_commit_callbacks(execute=True):
        put(world, draft_in_review, [{"asset": beach}])
    with schema_context(world.a.brand.schema_name):
        drafts = Draft.objects.count()

    response = put(world, draft_in_review, [{"asset": latte}])

    assert response.status_code == 409
    assert "newer version" in response.json()["errors"][0]["detail"]
    assert links_of(world, draft_in_review) == []
    with schema_context(world.a.brand.schema_name):
        assert Draft.objects.count() == drafts


def test_a_bad_list_for_a_draft_in_review_is_a_400_and_no_version_is_made(
    world, two_images, draft_in_review
) -> None:
    beach, _ = two_images

    response = put(world, draft_in_review, [{"asset": beach}, {"asset": beach}])

    assert response.status_code == 400
    assert errors(response) == {"assets.1.asset": "invalid"}
    assert status_of(world, draft_in_review) == Draft.Status.IN_REVIEW
    with schema_context(world.a.brand.schema_name):
        assert not Draft.objects.filter(parent_id=draft_in_review).exists()


@dataclass
class FrameBrand:
    brand: Brand
    writers: list[User]
    draft_id: int
    asset_ids: list[int]
    # A draft still being written and an image on nothing, for the delete race.
    spare_draft_id: int
    spare_asset_id: int


@pytest.fixture(scope="module")
def frame_brand(world: Any, django_db_blocker: Any) -> Iterator[FrameBrand]:
    """A brand of its own with committed data: a draft in review and two images."""
    with django_db_blocker.unblock():
        writers = [
            UserFactory(username=f"{name}-frames", first_name=name.title())
            for name in ("wanda", "walt")
        ]
        brand = tenant_services.create_brand(
            agency=world.agency, name="Race Frames", slug="race-frames", created_by=writers[0]
        )
        # The first writer created the brand and is on it already.
        tenant_services.add_member(brand=brand, user=writers[1], role=Role.COPYWRITER)
        with tenant_context(brand):
            approval_services.apply_preset(level=1, actor_id=None, now=timezone.now())
            draft = Draft.objects.create(
                kind=Draft.Kind.POST, text="Frames", risk_score=50, status="in_review"
            )
            asset_ids = [
                Asset.objects.create(
                    name=name,
                    content_type="image/jpeg",
                    size_bytes=1,
                    width=8,
                    height=8,
                    original=f"assets/race/{name}.jpg",
                ).pk
                for name in ("left", "right", "spare")
            ]
            spare_asset_id = asset_ids.pop()
            spare_draft = Draft.objects.create(
                kind=Draft.Kind.POST, text="Spare", risk_score=10, status="ready"
            )
        connection.set_schema_to_public()
    try:
        yield FrameBrand(
            brand=brand,
            writers=writers,
            draft_id=draft.pk,
            asset_ids=asset_ids,
            spare_draft_id=spare_draft.pk,
            spare_asset_id=spare_asset_id,
        )
    finally:
        with django_db_blocker.unblock():
            connection.set_schema_to_public()
            brand.delete(force_drop=True)
            User.objects.filter(pk__in=[w.pk for w in writers]).delete()


def _set_in_thread(
    frames: FrameBrand, writer: User, asset_id: int, start: threading.Barrier, out: dict
) -> None:
    try:
        with tenant_context(frames.brand):
            start.wait(timeout=10)
            try:
                change = set_draft_assets(
                    draft_id=frames.draft_id,
                    attachments=[Attachment(asset_id=asset_id, alt_text=writer.first_name)],
                    actor=writer,
                )
                out[writer.username] = change
            except ContentError as exc:
                out[writer.username] = exc
    finally:
        connection.close()


def test_two_writers_changing_the_images_of_a_draft_in_review_at_once_make_one_version(
    frame_brand: FrameBrand, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        out: dict[str, Any] = {}
        start = threading.Barrier(2)
        threads = [
            threading.Thread(
                target=_set_in_thread, args=(frame_brand, writer, asset_id, start, out)
            )
            for writer, asset_id in zip(frame_brand.writers, frame_brand.asset_ids, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        won = [o for o in out.values() if not isinstance(o, ContentError)]
        lost = [o for o in out.values() if isinstance(o, ContentError)]
        assert len(won) == 1 and len(lost) == 1, out
        assert lost[0].status_code == 409 and "newer version" in lost[0].message
        with tenant_context(frame_brand.brand):
            versions = list(Draft.objects.filter(parent_id=frame_brand.draft_id))
            assert [v.pk for v in versions] == [won[0].draft_id]
            assert DraftAsset.objects.filter(draft_id=frame_brand.draft_id).count() == 0
            assert DraftAsset.objects.filter(draft_id=won[0].draft_id).count() == 1
        connection.set_schema_to_public()


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        # The statistics views keep one snapshot per transaction (and the test runs in one).
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(cursor.fetchone()[0])


def test_deleting_an_asset_while_it_is_put_on_a_draft_going_to_review_is_a_409_and_it_stays(
    frame_brand: FrameBrand, django_db_blocker: Any
) -> None:
    """The writer's transaction puts the image on a draft and sends the draft to review; the
    delete reads which drafts use the image before that commits and waits for the image's
    lock. When it gets it, the draft in review must still keep its image."""
    frames = frame_brand
    attached, release = threading.Event(), threading.Event()
    out: dict[str, Any] = {}

    def attach_and_send_to_review() -> None:
        try:
            with tenant_context(frames.brand), transaction.atomic():
                set_draft_assets(
                    draft_id=frames.spare_draft_id,
                    attachments=[Attachment(asset_id=frames.spare_asset_id, alt_text="Spare")],
                    actor=frames.writers[0],
                )
                Draft.objects.filter(pk=frames.spare_draft_id).update(status=Draft.Status.IN_REVIEW)
                attached.set()
                assert release.wait(timeout=10)
        finally:
            connection.close()

    def delete() -> None:
        try:
            with tenant_context(frames.brand):
                assert attached.wait(timeout=10)
                try:
                    delete_asset(asset_id=frames.spare_asset_id)
                    out["delete"] = "deleted"
                except AssetInUse as exc:
                    out["delete"] = exc
        finally:
            connection.close()

    with django_db_blocker.unblock():
        threads = [
            threading.Thread(target=attach_and_send_to_review),
            threading.Thread(target=delete),
        ]
        for thread in threads:
            thread.start()
        assert attached.wait(timeout=10)
        deadline = time.monotonic() + 10
        while not _waiting_for_a_lock():  # the delete waits for the image the writer holds
            assert time.monotonic() < deadline, "the delete never waited for the asset"
            time.sleep(0.02)
        release.set()
        for thread in threads:
            thread.join(timeout=30)

        assert isinstance(out["delete"], AssetInUse), out
        assert out["delete"].status_code == 409
        with tenant_context(frames.brand):
            assert Asset.objects.filter(pk=frames.spare_asset_id).exists()
            assert list(
                DraftAsset.objects.filter(draft_id=frames.spare_draft_id).values_list(
                    "asset_id", flat=True
                )
            ) == [frames.spare_asset_id]
        connection.set_schema_to_public()
