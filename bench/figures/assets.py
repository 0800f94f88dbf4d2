"""Creative assets (issue 21): a 10 MB photo uploaded and made into renditions, the approver's
phone page for a draft with four such photos, and a 10 MB resumable (tus) upload.

Targets: upload and thumbnail a 10 MB image <= 2 s end to end (the multipart request, then the
worker's rendition job, until the thumbnail and the phone rendition exist); the phone page for
a draft with 4 images < 200 KB (its HTML plus every image, stylesheet and script it
references, each fetched). The tus row is reported: 10 MB in 1 MB pieces, until the asset and
its renditions exist.

Everything runs in-process through the product's own endpoints (``django.test.Client``), and
the rendition job is the worker's function called as the worker calls it (in the brand's
schema, by asset id). Files go to a scratch folder under bench/.work/, removed at the end.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context
from PIL import Image

from bench.context import WORK_DIR, Bench, log
from bench.report import Figure
from bench.stats import median

GROUP = "Creative assets"
TARGET_S = 2.0
PAGE_BUDGET_KB = 200.0
PIECE_BYTES = 1024 * 1024
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
# Every timed loop stops here whatever its count.
CAP_S = 120.0


def photo(*, width: int, height: int, seed: int) -> bytes:
    """A photo-like JPEG (smooth colour gradients under film-grain noise, quality 92, what a
    camera export looks like to an encoder): about 0.55 bytes a pixel, so 5,200 x 3,500 is
    about 10 MB. ``seed`` turns the grain so no two uploads are the same bytes."""
    base = Image.linear_gradient("L").resize((width, height))
    colour = Image.merge(
        "RGB",
        (
            base,
            base.rotate(90 + seed).resize((width, height)),
            Image.radial_gradient("L").resize((width, height)),
        ),
    )
    grain = Image.effect_noise((width, height), 40 + seed % 7)
    noise = Image.merge(
        "RGB",
        (
            grain,
            grain.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
            grain.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
        ),
    )
    out = io.BytesIO()
    Image.blend(colour, noise, 0.5).save(out, format="JPEG", quality=92)
    return out.getvalue()


@contextmanager
def _scratch_storage() -> Iterator[None]:
    """Uploads and pieces in a folder of the bench's own, gone afterwards."""
    root = WORK_DIR / "assets"
    shutil.rmtree(root, ignore_errors=True)
    try:
        with override_settings(
            MEDIA_ROOT=str(root / "uploads"), ASSET_RESUMABLE_ROOT=str(root / "resumable")
        ):
            yield
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run_worker_job(schema: str, asset_id: int) -> None:
    """The rendition job as the worker runs it: the actor's function, in the brand's schema."""
    from assets.models import Asset
    from assets.tasks import make_asset_renditions

    with schema_context(schema):
        make_asset_renditions.fn(asset_id=asset_id)
        asset = Asset.objects.get(pk=asset_id)
        assert asset.state == Asset.State.READY, (asset.state, asset.failure)
        from django.core.files.storage import default_storage

        assert default_storage.exists(asset.thumbnail.name)
        assert default_storage.exists(asset.phone.name)


def _upload(client: Client, base: str, data: bytes, name: str) -> int:
    answer = client.post(
        base + "assets/",
        {"file": _named(data, f"{name}.jpg"), "name": name},
    )
    assert answer.status_code == 201, answer.content[:300]
    return int(answer.json()["id"])


def _named(data: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


def _tus_upload(client: Client, base: str, data: bytes, name: str) -> int:
    meta = ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}"
        for k, v in {"filename": f"{name}.jpg", "filetype": "image/jpeg", "name": name}.items()
    )
    started = client.post(
        base + "assets/uploads/",
        HTTP_UPLOAD_LENGTH=str(len(data)),
        HTTP_UPLOAD_METADATA=meta,
        **TUS,
    )
    assert started.status_code == 201, started.content[:300]
    at = urlsplit(started["Location"]).path
    offset, answer = 0, None
    while offset < len(data):
        piece = data[offset : offset + PIECE_BYTES]
        answer = client.generic(
            "PATCH",
            at,
            piece,
            content_type="application/offset+octet-stream",
            HTTP_UPLOAD_OFFSET=str(offset),
            **TUS,
        )
        assert answer.status_code == 204, answer.content[:300]
        offset = int(answer["Upload-Offset"])
    assert answer is not None
    return int(answer["Asset-Id"])


def _body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


REFERENCE = re.compile(r"""<(?:img|script|link)\b[^>]*?\b(?:src|href)="([^"]+)\"""")


def page_weight(client: Client, html: bytes) -> tuple[int, dict[str, int]]:
    """The bytes of a page's HTML plus every image, stylesheet and script it references
    (fetched with the same session), and each reference's size. Links to other pages
    (``<a href>``) are not part of the page's weight and are not fetched."""
    sizes: dict[str, int] = {}
    for ref in REFERENCE.findall(html.decode()):
        url = ref.replace("&amp;", "&")
        if url in sizes:
            continue
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code)
        sizes[url] = len(_body(answer))
    return len(html) + sum(sizes.values()), sizes


def _phone_page(ctx: Bench, brand: Any, asset_ids: list[int]) -> tuple[bytes, Client, Any]:
    """A post carrying these images waiting for the client approver (level 0: the agency
    lead signs off first), and the page they see after opening an emailed sign-in link."""
    from approvals.models import ApprovalStep
    from approvals.services import apply_preset, decide_step
    from assets.services import Attachment, set_draft_assets
    from content import services as content_services
    from content.models import Draft
    from outbox.models import OutboxEvent
    from outbox.services import dispatch_event
    from tenants import services
    from tenants.models import User
    from tenants.roles import Role
    from tenants.sign_in_links import issue_sign_in_link

    approver = User.objects.create_user(
        username="bench-approver", email="approver@bench.test", password=None
    )
    services.add_member(brand=brand, user=approver, role=Role.CLIENT_APPROVER)
    # Nobody approves their own work: a copywriter writes the post, the admin signs off first.
    writer = User.objects.create_user(username="bench-writer", password=None)
    services.add_member(brand=brand, user=writer, role=Role.COPYWRITER)

    def outbox() -> None:  # what the worker does with the announcements
        for pk in OutboxEvent.objects.filter(dispatched_at__isnull=True).values_list(
            "pk", flat=True
        ):
            dispatch_event(event_id=pk)

    with schema_context(brand.schema_name):
        apply_preset(level=0, actor_id=ctx.admin.pk, now=timezone.now())  # type: ignore[attr-defined]
        channel = content_services.create_channel(network="instagram", handle="assetsbench")
        draft = Draft.objects.create(
            kind=Draft.Kind.POST,
            channel=channel,
            text="Four photos from the summer shoot. #summer",
            risk_score=20,
            created_by=writer,
        )
        set_draft_assets(
            draft_id=draft.pk,
            attachments=[
                Attachment(asset_id=pk, alt_text=f"Photo {n} of the summer shoot")
                for n, pk in enumerate(asset_ids, 1)
            ],
            actor=writer,
        )
        content_services.mark_draft_ready(draft=draft)
        outbox()
        for step in ApprovalStep.objects.filter(status=ApprovalStep.Status.OPEN):
            decide_step(step_id=step.pk, actor=ctx.admin, decision="approve")
        outbox()
        step = ApprovalStep.objects.get(
            request__subject_id=draft.pk, status=ApprovalStep.Status.OPEN
        )
        link = issue_sign_in_link(
            user=approver,
            lifetime=timedelta(minutes=15),
            next_path=f"/brands/{brand.slug}/approve/steps/{step.pk}/",
        )
    phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Mobile")
    parts = urlsplit(link)
    answer = phone.get(f"{parts.path}?{parts.query}", follow=True)
    assert answer.status_code == 200, answer.content[:300]
    assert answer.redirect_chain, "the sign-in link did not lead to the page"
    return _body(answer), phone, draft


def run(ctx: Bench) -> list[Figure]:
    from assets.signing import read_ticket

    samples = 4 if ctx.smoke else 10
    tus_samples = 1 if ctx.smoke else 3
    width, height = (1600, 1100) if ctx.smoke else (5200, 3500)
    brand = ctx.new_brand("assets-bench")
    schema = brand.schema_name  # type: ignore[attr-defined]
    base = f"/brands/{brand.slug}/api/v1/"  # type: ignore[attr-defined]
    client = Client()
    client.force_login(ctx.admin)  # type: ignore[attr-defined]
    photos = [photo(width=width, height=height, seed=n) for n in range(samples)]
    sizes_mb = [len(p) / 1e6 for p in photos]
    log(f"assets: {samples} photos {width}x{height}, {min(sizes_mb):.1f}-{max(sizes_mb):.1f} MB")

    with _scratch_storage():
        # One untimed small upload first: the process's first request pays for imports and
        # URL resolving that no later upload does.
        _run_worker_job(schema, _upload(client, base, photo(width=400, height=300, seed=0), "w"))
        upload_s, job_s, total_s, asset_ids = [], [], [], []
        capped_at = time.monotonic() + CAP_S
        for n, data in enumerate(photos):
            if time.monotonic() > capped_at and len(total_s) >= 2:
                break
            started = time.perf_counter()
            asset_id = _upload(client, base, data, f"Summer shoot {n}")
            uploaded = time.perf_counter()
            _run_worker_job(schema, asset_id)
            done = time.perf_counter()
            upload_s.append(uploaded - started)
            job_s.append(done - uploaded)
            total_s.append(done - started)
            asset_ids.append(asset_id)
        log(f"assets: upload+renditions max {max(total_s):.2f}s over {len(total_s)}")

        html, phone, _draft = _phone_page(ctx, brand, asset_ids[:4])
        weight, refs = page_weight(phone, html)
        renditions = [
            read_ticket(token=url.rstrip("/").rsplit("/", 1)[-1])
            for url in refs
            if "/files/" in url
        ]
        kinds = sorted({t.rendition for t in renditions})
        images_bytes = sum(size for url, size in refs.items() if "/files/" in url)
        other_bytes = weight - len(html) - images_bytes
        log(f"assets: phone page {weight / 1024:.1f} KB ({len(renditions)} images, {kinds})")

        tus_s, tus_job_s = [], []
        for n in range(tus_samples):
            data = photos[n % len(photos)]
            started = time.perf_counter()
            asset_id = _tus_upload(client, base, data, f"Resumable {n}")
            uploaded = time.perf_counter()
            _run_worker_job(schema, asset_id)
            done = time.perf_counter()
            tus_s.append(done - started)
            tus_job_s.append(done - uploaded)

    size_text = f"{width}x{height} JPEG, {median(sizes_mb):.1f} MB"
    return [
        Figure(
            group=GROUP,
            name=f"Upload a {median(sizes_mb):.0f} MB photo and make its renditions, max",
            value=max(total_s),
            unit="s",
            target=TARGET_S,
            note=f"n={len(total_s)}, p50 {median(total_s):.2f} s; upload p50"
            f" {median(upload_s):.2f} s, renditions p50 {median(job_s):.2f} s",
            details=[
                f"{size_text} (photo-like: gradients under film grain, quality 92), each one"
                " different. Timed from the multipart POST to the brand's assets endpoint"
                " (in-process, session of an agency admin) until the thumbnail and the phone"
                " rendition are stored and the asset is ready (after one untimed small upload that"
                " pays for the process's first request): the request (the type read from"
                " the bytes, every pixel decoded and re-encoded to strip metadata, the original"
                " stored) then the worker's `make_asset_renditions` called in the brand's"
                " schema as the worker calls it (the broker's hop is not timed). The request"
                " is bound by the full decode and re-encode of the photo; renditions decode"
                " the JPEG at a reduced scale (Pillow's draft mode) and cost far less.",
            ],
        ),
        Figure(
            group=GROUP,
            name="Phone page for a draft with 4 images, with everything it references",
            value=weight / 1024,
            unit="KB",
            target=PAGE_BUDGET_KB,
            note=f"HTML {len(html) / 1024:.1f} KB, 4 images {images_bytes / 1024:.1f} KB,"
            f" CSS/JS {other_bytes / 1024:.1f} KB; images are `{'/'.join(kinds)}`",
            details=[
                f"A post on Instagram carrying four of the uploaded photos ({size_text}), waiting"
                " for the client approver; they open an emailed sign-in link (the product's"
                " one-time link) that leads to the step's page. Weight = the page's HTML plus"
                " every `<img>`, `<link>` and `<script>` it references, each fetched with the"
                " approver's session (signed file URLs need none). The images are the phone"
                " renditions (720 px wide, JPEG quality 72), never the originals, so the figure"
                " is bound by those four files and does not grow with the uploads' size.",
            ],
        ),
        Figure(
            group=GROUP,
            name=f"Resumable (tus) upload of {median(sizes_mb):.0f} MB in 1 MB pieces, with"
            " renditions, max",
            value=max(tus_s),
            unit="s",
            note=f"n={len(tus_s)}, renditions {median(tus_job_s):.2f} s of it",
            details=[
                f"The same photos sent over tus 1.0.0 (`POST` with Upload-Length, then"
                f" {-(-len(photos[0]) // PIECE_BYTES)} `PATCH` piece(s) of 1 MB), in-process; the"
                " piece that completes the file hands it to the same upload service (decode,"
                " re-encode, store), then the worker's rendition job. Each piece is written to"
                " the upload's file under its row lock; the last piece costs as much as a"
                " whole multipart upload.",
            ],
        ),
    ]
