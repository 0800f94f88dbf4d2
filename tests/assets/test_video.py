"""Video uploads: recognised from the bytes; ffmpeg reads the duration, size and poster frame
where it is installed, and where it is not the upload is refused saying so, nothing stored.
ffprobe and ffmpeg are stood in for by small scripts (the test machine has no ffmpeg)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from approvals.models import ApprovalStep
from content import services as content_services
from content.models import Draft
from tenants.roles import Role
from tests.assets.conftest import asset_count, errors, photo, stored_files, upload, url
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 2000
# Where it was filmed, as a phone writes it into the container's metadata (udta/©xyz).
FILMED_AT = b"udta\xa9xyz+47.3700+008.5400/"
# The stand-in ffmpeg "strips metadata" by keeping the bytes before it; a poster frame
# otherwise.
FAKE_FFMPEG = """case "$*" in
  *-map_metadata*) for last; do :; done; head -c {keep} "$4" > "$last" ;;
  *) cat {poster} ;;
esac"""


def script(folder: Path, name: str, body: str) -> str:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def ffmpeg(settings, tmp_path) -> Path:
    """Stand-ins for ffprobe (a 1920x1080 video of 75 s) and ffmpeg (its poster frame, and
    stripping metadata)."""
    tools = tmp_path / "tools"
    tools.mkdir()
    poster = tools / "poster.jpg"
    poster.write_bytes(photo(size=(1920, 1080), gps=False))
    settings.FFPROBE_BINARY = script(
        tools,
        "ffprobe",
        """echo '{"streams": [{"width": 1920, "height": 1080}], "format": {"duration": "75.4"}}'""",
    )
    settings.FFMPEG_BINARY = script(
        tools, "ffmpeg", FAKE_FFMPEG.format(keep=len(MP4), poster=poster)
    )
    return tools


def test_a_video_is_stored_with_its_length_and_its_poster_frame_makes_the_renditions(
    world, uploads, ffmpeg, renditions_inline, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    with django_capture_on_commit_callbacks(execute=True):
        made = upload(a, a.person(Role.COPYWRITER), MP4, filename="clip.bin", name="Clip")

    assert made.status_code == 201, made.json()
    body = client_for(a.person(Role.CLIENT_VIEWER)).get(url(a, f"assets/{made.json()['id']}/"))
    shown = body.json()
    assert (shown["kind"], shown["content_type"], shown["duration_seconds"]) == (
        "video",
        "video/mp4",
        75.4,
    )
    assert (shown["width"], shown["height"], shown["state"]) == (1920, 1080, "ready")
    phone = client_for(a.person(Role.CLIENT_VIEWER)).get(
        shown["urls"]["phone"].removeprefix("http://testserver")
    )
    assert Image.open(io.BytesIO(b"".join(phone.streaming_content))).size == (720, 405)
    original = client_for(a.person(Role.CLIENT_VIEWER)).get(
        shown["urls"]["original"].removeprefix("http://testserver")
    )
    assert original["Content-Type"] == "video/mp4"
    assert b"".join(original.streaming_content) == MP4


def test_without_ffmpeg_a_video_is_refused_saying_so_and_nothing_is_stored(
    world, uploads, settings
) -> None:
    a = world.a
    settings.FFPROBE_BINARY = "brandroom-test-no-such-ffprobe"

    response = upload(a, a.person(Role.COPYWRITER), MP4, filename="clip.mp4")

    assert response.status_code == 422
    assert errors(response) == {"file": "video_unavailable"}
    assert "ffmpeg" in response.json()["errors"][0]["detail"]
    assert asset_count(a) == 0
    assert stored_files(uploads) == []


def test_a_corrupt_video_is_a_400_naming_file_and_nothing_is_stored(
    world, uploads, ffmpeg, settings
) -> None:
    a = world.a
    settings.FFPROBE_BINARY = script(
        ffmpeg, "broken-ffprobe", "echo 'moov atom not found' >&2; exit 1"
    )

    response = upload(a, a.person(Role.COPYWRITER), MP4, filename="clip.mp4")

    assert response.status_code == 400
    assert errors(response) == {"file": "unsupported_file"}
    assert asset_count(a) == 0
    assert stored_files(uploads) == []


def test_a_video_over_the_video_limit_is_a_413(world, uploads, ffmpeg, settings) -> None:
    a = world.a
    settings.ASSET_VIDEO_MAX_BYTES = 100

    response = upload(a, a.person(Role.COPYWRITER), MP4, filename="clip.mp4")

    assert response.status_code == 413
    assert errors(response) == {"file": "file_too_large"}
    with schema_context(a.brand.schema_name):
        assert asset_count(a) == 0


def test_the_phone_view_shows_a_videos_poster_frame_and_length(
    world, uploads, ffmpeg, renditions_inline, draft_in_review, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    with django_capture_on_commit_callbacks(execute=True):
        made = upload(a, a.person(Role.COPYWRITER), MP4, filename="clip.mp4").json()
    with django_capture_on_commit_callbacks(execute=True):
        put = client_for(a.person(Role.COPYWRITER)).put(
            url(a, f"drafts/{draft_in_review}/assets/"),
            {"assets": [{"asset": made["id"], "alt_text": "Pouring a latte"}]},
            format="json",
        )
    # In review already: the video goes to review again as the draft's next version.
    assert put.status_code == 201, put.json()
    with schema_context(a.brand.schema_name):
        step = ApprovalStep.objects.get(request__subject_id=put.json()["draft"], status="open")
    lead = Client()
    lead.force_login(a.person(Role.ACCOUNT_LEAD))

    html = lead.get(f"/brands/alpine-coffee/approve/steps/{step.pk}/").content.decode()

    assert "Video, 1:15 (poster frame)" in html
    assert 'width="720" height="405" alt="Pouring a latte"' in html


def test_network_rules_warn_about_a_video_too_long_and_a_tiktok_post_without_video(
    world, uploads, ffmpeg, settings
) -> None:
    a = world.a
    writer = a.person(Role.COPYWRITER)
    settings.FFPROBE_BINARY = script(
        ffmpeg,
        "ffprobe-long",
        """echo '{"streams": [{"width": 1080, "height": 1920}], "format": {"duration": "200"}}'""",
    )
    clip = upload(a, writer, MP4, filename="clip.mp4").json()["id"]
    still = upload(a, writer, photo(size=(64, 64), gps=False)).json()["id"]
    with schema_context(a.brand.schema_name):
        on_x = Draft.objects.create(
            kind=Draft.Kind.POST,
            channel=content_services.create_channel(network="x", handle="alpine-x"),
            text="Watch",
        ).pk
        on_tiktok = Draft.objects.create(
            kind=Draft.Kind.POST,
            channel=content_services.create_channel(network="tiktok", handle="alpine-tt"),
            text="Look",
        ).pk
    put = client_for(writer).put

    long_on_x = put(
        url(a, f"drafts/{on_x}/assets/"),
        {"assets": [{"asset": clip, "alt_text": "A pour"}]},
        format="json",
    )
    still_on_tiktok = put(
        url(a, f"drafts/{on_tiktok}/assets/"),
        {"assets": [{"asset": still, "alt_text": "Cup"}]},
        format="json",
    )

    assert [(w["code"], w["position"]) for w in long_on_x.json()["warnings"]] == [
        ("video_too_long", 0)
    ]
    assert "at most 140 s" in long_on_x.json()["warnings"][0]["detail"]
    assert [w["code"] for w in still_on_tiktok.json()["warnings"]] == ["video_required"]


def test_a_videos_metadata_is_stripped_unless_asked_to_keep_it(
    world, uploads, ffmpeg, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    writer = client_for(a.person(Role.CLIENT_VIEWER))

    stripped = upload(a, a.person(Role.COPYWRITER), MP4 + FILMED_AT, filename="clip.mp4").json()
    kept = upload(
        a, a.person(Role.COPYWRITER), MP4 + FILMED_AT, filename="c.mp4", keep_metadata="true"
    ).json()

    def original(asset: dict) -> bytes:
        got = writer.get(asset["urls"]["original"].removeprefix("http://testserver"))
        return b"".join(got.streaming_content)

    assert (stripped["metadata_stripped"], stripped["size_bytes"]) == (True, len(MP4))
    assert original(stripped) == MP4
    assert (kept["metadata_stripped"], original(kept)) == (False, MP4 + FILMED_AT)


def test_a_video_ffmpeg_cannot_rewrite_is_a_400_and_nothing_is_stored(
    world, uploads, ffmpeg, settings
) -> None:
    a = world.a
    settings.FFMPEG_BINARY = script(ffmpeg, "broken-ffmpeg", "echo 'Invalid data' >&2; exit 1")

    response = upload(a, a.person(Role.COPYWRITER), MP4 + FILMED_AT, filename="clip.mp4")

    assert response.status_code == 400
    assert errors(response) == {"file": "unsupported_file"}
    assert "metadata could not be removed" in response.json()["errors"][0]["detail"]
    assert asset_count(a) == 0
    assert stored_files(uploads) == []


def test_with_ffprobe_but_no_ffmpeg_a_video_is_refused_naming_ffmpeg(
    world, uploads, ffmpeg, settings
) -> None:
    a = world.a
    settings.FFMPEG_BINARY = "brandroom-test-no-such-ffmpeg"

    response = upload(a, a.person(Role.COPYWRITER), MP4, filename="clip.mp4")

    assert response.status_code == 422
    assert errors(response) == {"file": "video_unavailable"}
    assert "brandroom-test-no-such-ffmpeg" in response.json()["errors"][0]["detail"]
    assert stored_files(uploads) == []


def test_a_video_with_more_pixels_a_frame_than_the_limit_is_a_400_naming_file_and_the_limit(
    world, uploads, ffmpeg, settings
) -> None:
    # ffprobe reads the frame size from the container; an 8192x8192 video (67 MP) would only
    # fail on the worker, when its poster frame met Pillow's guard.
    a = world.a
    ran_ffmpeg = ffmpeg / "ffmpeg-ran"
    settings.FFPROBE_BINARY = script(
        ffmpeg,
        "ffprobe-huge",
        """echo '{"streams": [{"width": 8192, "height": 8192}], "format": {"duration": "3"}}'""",
    )
    settings.FFMPEG_BINARY = script(ffmpeg, "ffmpeg-marks", f"touch {ran_ffmpeg}; exit 1")

    response = upload(a, a.person(Role.COPYWRITER), MP4, filename="clip.mp4")

    assert response.status_code == 400
    assert errors(response) == {"file": "video_too_large"}
    detail = response.json()["errors"][0]["detail"]
    assert "8192x8192" in detail and "50,000,000" in detail
    assert asset_count(a) == 0
    assert stored_files(uploads) == []
    assert not ran_ffmpeg.exists()  # refused before the whole file was rewritten


def test_a_huge_second_stream_behind_a_small_first_one_is_refused_too(
    world, uploads, ffmpeg, settings
) -> None:
    # ffmpeg takes the poster frame from the largest stream, not the first.
    a = world.a
    settings.ASSET_IMAGE_MAX_PIXELS = 1920 * 1080
    settings.FFPROBE_BINARY = script(
        ffmpeg,
        "ffprobe-two",
        """echo '{"streams": [{"width": 640, "height": 360}, {"width": 1921, "height": 1080}],"""
        """ "format": {"duration": "3"}}'""",
    )

    response = upload(a, a.person(Role.COPYWRITER), MP4, filename="clip.mp4")

    assert response.status_code == 400
    assert errors(response) == {"file": "video_too_large"}
    assert "1921x1080" in response.json()["errors"][0]["detail"]
    assert asset_count(a) == 0


def test_a_video_at_the_limit_is_taken(world, uploads, ffmpeg, settings) -> None:
    a = world.a
    settings.ASSET_IMAGE_MAX_PIXELS = 1920 * 1080

    response = upload(a, a.person(Role.COPYWRITER), MP4, filename="clip.mp4")

    assert response.status_code == 201, response.json()
    assert (response.json()["width"], response.json()["height"]) == (1920, 1080)
