"""A copywriter puts two images on a draft in order with alt text; a missing alt text is a
warning; the client approver sees the phone renditions (never the originals) on the phone view,
and an integrator pulls the approved post's images by signed URL."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from approvals.models import ApprovalStep
from assets.signing import read_ticket
from content import services as content_services
from content.models import Draft
from tenants.roles import Role
from tests.assets.conftest import errors, photo, upload, url
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_images(world, uploads, renditions_inline, django_capture_on_commit_callbacks) -> list[int]:
    a = world.a
    ids = []
    for name in ("Beach day", "Latte art"):
        with django_capture_on_commit_callbacks(execute=True):
            made = upload(a, a.person(Role.COPYWRITER), photo(size=(2400, 1600)), name=name)
        assert made.status_code == 201, made.json()
        ids.append(made.json()["id"])
    return ids


def attach(world, draft_id: int, items: list[dict], role: str = Role.COPYWRITER):
    return client_for(world.a.person(role)).put(
        url(world.a, f"drafts/{draft_id}/assets/"), {"assets": items}, format="json"
    )


def test_copywriter_attaches_two_images_in_order_and_missing_alt_text_is_a_warning(
    world, two_images
) -> None:
    beach, latte = two_images
    draft = _draft_on(world, "x")

    response = attach(
        world,
        draft,
        [{"asset": latte, "alt_text": "Latte art, a fern"}, {"asset": beach}],
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["draft"] == draft
    assert [(x["position"], x["asset"]["id"], x["alt_text"]) for x in body["assets"]] == [
        (0, latte, "Latte art, a fern"),
        (1, beach, ""),
    ]
    assert [(w["code"], w["position"]) for w in body["warnings"]] == [("missing_alt_text", 1)]


def test_attaching_an_asset_that_does_not_exist_is_a_400_naming_it_and_nothing_changes(
    world, two_images
) -> None:
    beach, _ = two_images
    draft = _draft_on(world, "x")
    attach(world, draft, [{"asset": beach, "alt_text": "A beach"}])

    response = attach(world, draft, [{"asset": beach}, {"asset": 999_999}])

    assert response.status_code == 400
    assert errors(response) == {"assets.1.asset": "invalid"}
    with schema_context(world.a.brand.schema_name):
        kept = list(Draft.objects.get(pk=draft).asset_links.values_list("asset_id", "alt_text"))
        assert Draft.objects.count() == 1
    assert kept == [(beach, "A beach")]


def test_a_published_drafts_images_no_longer_change(world, two_images) -> None:
    with schema_context(world.a.brand.schema_name):
        draft = Draft.objects.create(kind=Draft.Kind.POST, text="Out", status="published")

    response = attach(world, draft.pk, [{"asset": two_images[0], "alt_text": "x"}])

    assert response.status_code == 409
    assert errors(response) == {"assets": "draft_not_editable"}
    with schema_context(world.a.brand.schema_name):
        assert Draft.objects.get(pk=draft.pk).asset_links.count() == 0


def test_client_viewer_may_not_attach_and_other_brands_learn_nothing(
    world, two_images, draft_in_review
) -> None:
    items = [{"asset": two_images[0], "alt_text": "x"}]
    assert attach(world, draft_in_review, items, Role.CLIENT_VIEWER).status_code == 403
    outsider = client_for(world.b.person(Role.COPYWRITER))
    assert (
        outsider.put(
            url(world.a, f"drafts/{draft_in_review}/assets/"), {"assets": items}, format="json"
        ).status_code
        == 404
    )
    assert outsider.get(url(world.a, f"drafts/{draft_in_review}/assets/")).status_code == 404
    with schema_context(world.a.brand.schema_name):
        assert Draft.objects.get(pk=draft_in_review).asset_links.count() == 0


def test_approver_sees_the_phone_renditions_on_the_phone_and_the_integrator_pulls_signed_urls(
    world, two_images, draft_in_review, api, django_capture_on_commit_callbacks
) -> None:
    beach, latte = two_images
    with django_capture_on_commit_callbacks(execute=True):
        attached = attach(
            world, draft_in_review, [{"asset": beach, "alt_text": "A beach"}, {"asset": latte}]
        )
    draft_in_review = attached.json()["draft"]
    with schema_context(world.a.brand.schema_name):
        step = ApprovalStep.objects.get(request__subject_id=draft_in_review, status="open")
    lead = Client()
    lead.force_login(world.a.person(Role.ACCOUNT_LEAD))

    page = lead.get(f"/brands/alpine-coffee/approve/steps/{step.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    api_view = (
        client_for(world.a.person(Role.CLIENT_VIEWER))
        .get(url(world.a, f"drafts/{draft_in_review}/assets/"))
        .json()
    )
    originals = [x["asset"]["urls"]["original"] for x in api_view["assets"]]
    assert 'alt="A beach"' in html
    assert "Image 2 has no alt text." in html
    shown = re.findall(r'<img src="([^"]+)" width="(\d+)" height="(\d+)"', html)
    assert [(int(w), int(h)) for _, w, h in shown] == [(720, 480), (720, 480)]
    sizes = []
    for src, _, _ in shown:
        response = Client().get(src.replace("&amp;", "&"))
        assert response.status_code == 200
        data = b"".join(response.streaming_content)
        sizes.append(len(data))
        assert Image.open(io.BytesIO(data)).size == (720, 480)  # the rendition, not the original
    for original in originals:
        assert original.removeprefix("http://testserver") not in html
    # Light enough for a phone: the page and four such images stay under 200 KB.
    assert len(html.encode()) + 2 * sum(sizes) < 200 * 1024

    # The integrator pulls the post's images by signed URL, without credentials.
    first = api_view["assets"][0]["asset"]["urls"]["original"]
    fetched = Client().get(first.removeprefix("http://testserver"))
    assert fetched.status_code == 200
    assert Image.open(io.BytesIO(b"".join(fetched.streaming_content))).size == (2400, 1600)


def test_a_new_version_of_the_draft_carries_its_images_in_order_with_alt_text(
    world, two_images, django_capture_on_commit_callbacks
) -> None:
    beach, latte = two_images
    draft = _draft_on(world, "x")
    attach(world, draft, [{"asset": latte}, {"asset": beach, "alt_text": "A beach"}])
    writer = client_for(world.a.person(Role.COPYWRITER))

    with django_capture_on_commit_callbacks(execute=True):
        edited = writer.post(url(world.a, f"drafts/{draft}/edit/"), {"text": "Summer, terrace."})

    assert edited.status_code == 201, edited.json()
    revision = edited.json()["id"]
    carried = writer.get(url(world.a, f"drafts/{revision}/assets/")).json()
    assert [(x["asset"]["id"], x["alt_text"]) for x in carried["assets"]] == [
        (latte, ""),
        (beach, "A beach"),
    ]
    assert [w["position"] for w in carried["warnings"]] == [0]


def _draft_on(world, network: str) -> int:
    with schema_context(world.a.brand.schema_name):
        channel = content_services.create_channel(network=network, handle=f"alpine-{network}")
        return Draft.objects.create(kind=Draft.Kind.POST, channel=channel, text="Hello").pk


def test_network_media_rules_refuse_too_many_images_and_warn_about_shape_and_missing_media(
    world, uploads
) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)
    square = [upload(a, writer, photo(size=(64, 64), gps=False)).json()["id"] for _ in range(5)]
    banner = upload(a, writer, photo(size=(800, 200), gps=False)).json()["id"]
    on_x, on_instagram = _draft_on(world, "x"), _draft_on(world, "instagram")

    too_many = attach(world, on_x, [{"asset": i, "alt_text": "x"} for i in square])
    empty_instagram = attach(world, on_instagram, [])
    cropped = attach(
        world,
        on_instagram,
        [{"asset": square[0], "alt_text": "a"}, {"asset": banner, "alt_text": "b"}],
    )

    assert too_many.status_code == 400
    assert errors(too_many) == {"assets": "invalid"}
    assert "at most 4 images" in too_many.json()["errors"][0]["detail"]
    assert [w["code"] for w in empty_instagram.json()["warnings"]] == ["media_required"]
    assert cropped.status_code == 200, cropped.json()
    assert [(w["code"], w["position"]) for w in cropped.json()["warnings"]] == [("aspect_ratio", 1)]
    # Four fit on X.
    assert (
        attach(world, on_x, [{"asset": i, "alt_text": "x"} for i in square[:4]]).status_code == 200
    )


def grainy_photo(seed: int) -> bytes:
    """A photo as a camera exports it to an encoder: colour gradients under film grain (far
    heavier to compress than a flat colour), 3000x2000 at quality 92."""
    size = (3000, 2000)
    grain = Image.effect_noise(size, 40 + seed)
    base = Image.linear_gradient("L").resize(size)
    colour = Image.merge("RGB", (base, grain, Image.radial_gradient("L").resize(size)))
    out = io.BytesIO()
    Image.blend(colour, Image.merge("RGB", (grain, base, grain)), 0.5).save(
        out, format="JPEG", quality=92
    )
    return out.getvalue()


def test_phone_page_with_four_photos_shows_only_phone_renditions_and_weighs_under_200_kb(
    world, uploads, renditions_inline, draft_in_review, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    ids = []
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            made = upload(a, a.person(Role.COPYWRITER), grainy_photo(n), name=f"Shoot {n}")
        assert made.status_code == 201, made.json()
        ids.append(made.json()["id"])
    with django_capture_on_commit_callbacks(execute=True):
        attached = attach(
            world, draft_in_review, [{"asset": i, "alt_text": f"Photo {i}"} for i in ids]
        )
    draft = attached.json()["draft"]
    originals = [x["asset"]["urls"]["original"] for x in attached.json()["assets"]]
    with schema_context(a.brand.schema_name):
        step = ApprovalStep.objects.get(request__subject_id=draft, status="open")
    lead = Client()
    lead.force_login(a.person(Role.ACCOUNT_LEAD))

    page = lead.get(f"/brands/alpine-coffee/approve/steps/{step.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    # Everything the phone downloads for this page: the HTML, its images, styles and scripts.
    referenced = re.findall(r'<(?:img|link|script)\b[^>]*?\b(?:src|href)="([^"]+)"', html)
    images = [ref for ref in referenced if "/files/" in ref]
    assert len(images) == 4
    assert len(referenced) > 4  # the stylesheet is counted too
    weight = len(page.content)
    for ref in referenced:
        response = lead.get(ref.replace("&amp;", "&"))
        assert response.status_code == 200, ref
        body = b"".join(response.streaming_content) if response.streaming else response.content
        weight += len(body)
        if ref in images:
            token = ref.rstrip("/").rsplit("/", 1)[-1]
            assert read_ticket(token=token).rendition == "phone"
            assert Image.open(io.BytesIO(body)).width == 720  # not the 3000 px original
    for original in originals:
        assert original.removeprefix("http://testserver") not in html
    assert weight < 200 * 1024, f"the phone page weighs {weight / 1024:.0f} KB"
