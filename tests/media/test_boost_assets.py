"""A boost's creative: images of the brand's library in order with alt text, checked against
the network's rules, judged by its approvers on the phone, and never changed behind their
backs (a change while it waits for sign-off starts its review again; an approved boost's
images are fixed)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from approvals.models import ApprovalRequest
from media.models import Boost, BoostAsset
from tenants.audit.models import AuditEntry
from tenants.roles import Role
from tests.assets.conftest import errors, photo, upload
from tests.conftest import client_for
from tests.media.conftest import (
    boosts_url,
    brand_api,
    committed,
    open_step_of,
    proposal,
    propose,
    status_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def images(world, settings: Any, tmp_path: Path, inline_worker, django_capture_on_commit_callbacks):
    """Two ready images of brand A (renditions made as the worker would)."""
    settings.MEDIA_ROOT = str(tmp_path / "uploads")
    inline_worker.run.add("make_asset_renditions")
    ids = []
    for name in ("Winter blend", "Roastery"):
        with django_capture_on_commit_callbacks(execute=True):
            made = upload(
                world.a, world.a.person(Role.COPYWRITER), photo(size=(1200, 1200)), name=name
            )
        assert made.status_code == 201, made.json()
        ids.append(made.json()["id"])
    return ids


def put_assets(world, boost_id: int, items: list[dict], role: str = Role.MEDIA_SPECIALIST):
    with committed(world.a):
        return client_for(world.a.person(role)).put(
            boosts_url(world.a, f"{boost_id}/assets/"), {"assets": items}, format="json"
        )


def links_of(world, boost_id: int) -> list[tuple[int, str]]:
    with schema_context(world.a.brand.schema_name):
        return list(
            BoostAsset.objects.filter(boost_id=boost_id)
            .order_by("position")
            .values_list("asset_id", "alt_text")
        )


def requests_of(world, boost_id: int) -> list[str]:
    with schema_context(world.a.brand.schema_name):
        return list(
            ApprovalRequest.objects.filter(subject_kind="boost", subject_id=boost_id)
            .order_by("pk")
            .values_list("status", flat=True)
        )


def test_a_boost_proposed_with_two_images_shows_them_to_its_approver_on_the_phone(
    world, budgets, images
) -> None:
    blend, roastery = images
    body = propose(
        world.a,
        budget_total="1200.00",
        assets=[{"asset": roastery, "alt_text": "The roastery at dawn"}, {"asset": blend}],
    )
    assert body["status"] == "pending_approval"

    listed = client_for(world.a.person(Role.CLIENT_VIEWER)).get(
        boosts_url(world.a, f"{body['id']}/assets/")
    )
    lead = Client()
    lead.force_login(world.a.person(Role.ACCOUNT_LEAD))
    page = lead.get(
        f"/brands/{world.a.brand.slug}/approve/steps/{open_step_of(world.a, body['id'])}/"
    ).content.decode()

    assert listed.status_code == 200
    assets = listed.json()["assets"]
    assert [(x["position"], x["asset"]["id"], x["alt_text"]) for x in assets] == [
        (0, roastery, "The roastery at dawn"),
        (1, blend, ""),
    ]
    assert [(w["code"], w["position"]) for w in listed.json()["warnings"]] == [
        ("missing_alt_text", 1)
    ]
    shown = re.findall(r'<img src="([^"]+)" width="(\d+)" height="(\d+)" alt="([^"]*)"', page)
    assert [alt for *_, alt in shown] == ["The roastery at dawn", ""]
    assert "Image 2 has no alt text." in page
    for src, width, height, _ in shown:
        # The phone rendition behind a signed URL, not the 1200 px original.
        fetched = Client().get(src.replace("&amp;", "&"))
        assert fetched.status_code == 200
        size = Image.open(io.BytesIO(b"".join(fetched.streaming_content))).size
        assert size == (int(width), int(height)) and size != (1200, 1200)


def test_changing_the_images_of_a_boost_waiting_for_sign_off_starts_its_review_again(
    world, budgets, images
) -> None:
    blend, roastery = images
    body = propose(world.a, budget_total="1200.00", assets=[{"asset": blend, "alt_text": "Beans"}])
    boost_id = body["id"]

    response = put_assets(world, boost_id, [{"asset": roastery, "alt_text": "The roastery"}])

    assert response.status_code == 200, response.json()
    assert links_of(world, boost_id) == [(roastery, "The roastery")]
    assert requests_of(world, boost_id) == ["withdrawn", "open"]
    assert status_of(world.a, boost_id) == "pending_approval"
    entry = AuditEntry.objects.filter(action="boost_assets.set", subject_id=boost_id).latest("pk")
    assert entry.after["assets"] == [[roastery, "The roastery"]]
    assert entry.actor_user_id == world.a.person(Role.MEDIA_SPECIALIST).pk
    # The same images again change nothing: no third request.
    put_assets(world, boost_id, [{"asset": roastery, "alt_text": "The roastery"}])
    assert requests_of(world, boost_id) == ["withdrawn", "open"]


def test_an_approved_boosts_images_no_longer_change(world, budgets, images) -> None:
    blend, roastery = images
    # Under 500 EUR: approved at once by the policy.
    body = propose(world.a, budget_total="300.00", assets=[{"asset": blend, "alt_text": "B"}])
    assert body["status"] == "approved"

    response = put_assets(world, body["id"], [{"asset": roastery, "alt_text": "R"}])

    assert response.status_code == 409
    assert errors(response) == {"assets": "invalid_transition"}
    assert links_of(world, body["id"]) == [(blend, "B")]


def test_network_rules_bad_assets_roles_and_other_brands_are_refused_and_nothing_changes(
    world, budgets, images
) -> None:
    blend, roastery = images
    body = propose(world.a, budget_total="1200.00", assets=[{"asset": blend, "alt_text": "B"}])
    boost_id = body["id"]
    other_brands = upload(world.b, world.b.person(Role.COPYWRITER), photo(gps=False))

    too_many = put_assets(world, boost_id, [{"asset": blend, "alt_text": "x"}] * 5)
    twice = put_assets(world, boost_id, [{"asset": blend}, {"asset": blend}])
    foreign = put_assets(world, boost_id, [{"asset": other_brands.json()["id"]}])
    viewer = put_assets(world, boost_id, [{"asset": roastery}], role=Role.CLIENT_VIEWER)
    outsider = client_for(world.b.person(Role.MEDIA_SPECIALIST)).put(
        boosts_url(world.a, f"{boost_id}/assets/"), {"assets": []}, format="json"
    )

    assert too_many.status_code == 400 and errors(too_many) == {"assets": "invalid"}
    assert "at most 4 images" in too_many.json()["errors"][0]["detail"]
    assert twice.status_code == 400 and errors(twice) == {"assets.1.asset": "invalid"}
    assert foreign.status_code == 400 and errors(foreign) == {"assets.0.asset": "invalid"}
    assert viewer.status_code == 403
    assert outsider.status_code == 404
    assert links_of(world, boost_id) == [(blend, "B")]
    assert requests_of(world, boost_id) == ["open"]


def test_a_proposal_with_an_asset_that_does_not_exist_stores_no_boost(world, budgets) -> None:
    response = client_for(world.a.person(Role.MEDIA_SPECIALIST)).post(
        boosts_url(world.a),
        {**proposal(budget_total="1200.00"), "assets": [{"asset": 999_999, "alt_text": "x"}]},
        format="json",
    )

    assert response.status_code == 400
    assert errors(response) == {"assets.0.asset": "invalid"}
    with schema_context(world.a.brand.schema_name):
        assert not Boost.objects.exists()
        assert not AuditEntry.objects.filter(action="boost.proposed").exists()


def test_an_image_on_a_boost_cannot_be_deleted_from_the_library(world, budgets, images) -> None:
    blend, _ = images
    propose(world.a, budget_total="1200.00", assets=[{"asset": blend, "alt_text": "B"}])

    response = client_for(world.a.person(Role.COPYWRITER)).delete(
        brand_api(world.a, f"assets/{blend}/")
    )

    assert response.status_code == 409
    assert errors(response) == {"asset": "asset_in_use"}
    assert "on boost #" in response.json()["errors"][0]["detail"]
