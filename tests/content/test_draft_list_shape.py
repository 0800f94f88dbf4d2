"""The drafts list writes each draft out by hand for speed (content.api.serializers.listed_draft
over plain rows); what an integrator receives must stay exactly what DraftSerializer, which the
detail and write answers and the API schema use, gives: byte for byte, in every status, with
and without what a draft may point at, whatever its text, in any brand's zone, through every
filter, ordering and page."""

from __future__ import annotations

import json
import zoneinfo
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework import mixins
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer

from assets.models import Asset, DraftAsset
from content import selectors, services
from content.api import serializers as s
from content.api.views import DraftViewSet
from content.models import Draft, GenerationJob, InboxItem
from tenants.roles import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# Everything PostgreSQL's text can hold that a renderer might trip on (NUL it refuses).
HOSTILE = (
    '<script>alert("x")</script> &amp; <b>bold</b> \\ backslash \'single\' "double" '
    "😀 👩‍👩‍👧 עברית العربية \u200b\u200f zero-width \u2028 line \u2029 para \x7f \x01 tab\t"
    " new\nline </textarea>{{ template }} %s ${x}"
)


def _url(world, brand: str = "a") -> str:  # type: ignore[no-untyped-def]
    return f"/brands/{getattr(world, brand).brand.slug}/api/v1/drafts/"


def _at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def drafts(world) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Brand A's drafts: one in every status, one with every field set, one with every field
    that may be empty left empty, hostile text, images, and brand B's own."""
    copywriter = world.a.person(Role.COPYWRITER)
    with schema_context(world.b.brand.schema_name):
        Draft.objects.create(kind="post", text="Bayside's own", status="ready")
    with schema_context(world.a.brand.schema_name):
        channel = services.create_channel(network="x", handle="alpinecoffee")
        linkedin = services.create_channel(network="linkedin", handle="alpine-coffee")
        audience = services.create_audience(name="Commuters", pains=["slow queues"])
        brief = services.create_brief(title="Autumn", key_message="Back", channels=[channel])
        job = GenerationJob.objects.create(kind="post", brief=brief)
        item = InboxItem.objects.create(
            channel=channel, author_handle="dana", text="Is it back?", received_at=timezone.now()
        )
        made: dict[str, Any] = {"channel": channel, "linkedin": linkedin, "audience": audience}
        made["brief"], made["job"], made["item"] = brief, job, item
        for number, status in enumerate(Draft.Status.values):
            made[status] = Draft.objects.create(
                kind="post",
                text=f"A {status} draft",
                status=status,
                channel=channel if number % 2 else linkedin,
                risk_score=number * 9,
                publish_at=_at(2026, 7, 1, 9, 30) if number % 3 else None,
                created_by=copywriter,
            )
        made["full"] = Draft.objects.create(
            kind="reply",
            text=HOSTILE,
            status="approved",
            channel=channel,
            version=2,
            parent=made["approved"],
            job=job,
            variant=3,
            brief=brief,
            audience=audience,
            inbox_item=item,
            provider="offline",
            model="gpt-<b>",
            prompt_version="p7",
            voice_version=4,
            tokens_in=1234,
            tokens_out=56,
            cost_estimate=Decimal("0.0123"),
            latency_ms=870,
            attempts=2,
            guardrail_violations=[
                {"code": "banned_phrase", "detail": HOSTILE, "extra": "not shown"},
                {"code": "link", "detail": "https://evil.example/?a=1&b=<2>"},
            ],
            novelty={
                "score": 91.5,
                "threshold": 85,
                "similar_draft_id": 1,
                "similar_text": HOSTILE,
                "too_similar": True,
            },
            risk_score=0,
            risk_reasons=[
                {"code": "price_claim", "detail": "€ 5 😀", "points": 20},
                {"code": "float", "detail": "", "points": 7.0},
            ],
            flags=["high_risk", "judge_objection"],
            labels=["offline_generated", "regenerated"],
            needs_person=True,
            needs_person_reason="The comment tried to instruct the assistant: <ignore all>",
            created_by=copywriter,
            created_by_key_id=9_000_000_000,
            external_id="ext-1",
            external_url="https://x.example/post/1?utm=a&b=c",
            published_at=_at(2026, 1, 15, 23, 59, 59),  # no microseconds
            publish_at=datetime(2026, 7, 1, 6, 0, 0, 100000, tzinfo=UTC),  # trailing zeros
            approved_late=True,
        )
        made["empty"] = Draft.objects.create(
            kind="post",
            text="",
            status="draft",
            channel=None,
            risk_score=None,
            voice_version=None,
            cost_estimate=Decimal("123.456789"),
            novelty={},
            guardrail_violations=[],
            risk_reasons=[],
            flags=[],
            labels=[],
            created_by=None,
        )
        made["pictured"] = Draft.objects.create(
            kind="post", text="With two photos", status="in_review", channel=channel
        )
        for position in range(2):
            asset = Asset.objects.create(
                name=f"photo {position}",
                content_type="image/jpeg",
                size_bytes=10,
                width=1,
                height=1,
                original=f"assets/{position}.jpg",
            )
            DraftAsset.objects.create(
                draft=made["pictured"], asset=asset, position=position, alt_text="Latte art"
            )
        # Times a second apart, some equal (the cursor steps over ties by id), some in winter.
        for n, draft in enumerate(Draft.objects.order_by("pk")):
            created = _at(2026, 1 if n % 2 else 7, 1, 8, 0, n // 3, 123 * n)
            Draft.objects.filter(pk=draft.pk).update(
                created_at=created, updated_at=created + timedelta(hours=n)
            )
    return made


def _serializers_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """The list as DRF's generic view writes it: model instances through DraftSerializer."""
    monkeypatch.setattr(DraftViewSet, "list", mixins.ListModelMixin.list)
    monkeypatch.setattr(DraftViewSet, "get_queryset", lambda view: selectors.drafts())
    monkeypatch.setattr(DraftViewSet, "filter_queryset", GenericAPIView.filter_queryset)


def _both(client, path: str, params: dict[str, Any] | None = None) -> tuple[Any, Any]:  # type: ignore[no-untyped-def]
    fast = client.get(path, params)
    with pytest.MonkeyPatch.context() as patch:
        _serializers_list(patch)
        generic = client.get(path, params)
    return fast, generic


QUERIES: list[dict[str, Any]] = [
    {},
    *({"status": status} for status in [*Draft.Status.values, "scheduled"]),
    {"kind": "reply"},
    {"risk_min": "20", "risk_max": "60"},
    {"flag": "high_risk"},
    {"due_before": "2026-07-01T09:00:00Z", "status": "scheduled"},
    {"due_after": "2026-07-01T08:00:00+02:00"},
    {"updated_after": "2026-01-01T09:00:00Z", "ordering": "updated_at"},
    {"ordering": "risk_score"},
    {"ordering": "-risk_score"},
    {"ordering": "publish_at"},
    {"ordering": "-publish_at"},
    {"ordering": "created_at"},
    {"ordering": "-updated_at"},
    {"page_size": "200"},
    {"page_size": "0"},
    {"status": "no-such-status"},
    {"risk_min": "lots"},
    {"updated_after": "yesterday"},
    {"cursor": "garbage"},
]


def _name(params: dict[str, Any]) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items()) or "none"


@pytest.mark.parametrize("params", QUERIES, ids=_name)
def test_the_list_is_byte_for_byte_what_the_serializer_gives_for_every_filter(
    world, drafts, params
) -> None:
    viewer = client_for(world.a.person(Role.CLIENT_VIEWER))

    fast, generic = _both(viewer, _url(world), params)

    assert fast.status_code == generic.status_code
    assert fast.content == generic.content
    if fast.status_code == 200:
        assert fast.json()["results"] or params.get("status") in {"failed", "published"}


def test_relation_filters_give_the_same_bytes(world, drafts) -> None:
    viewer = client_for(world.a.person(Role.ACCOUNT_LEAD))
    for params in [
        {"channel": drafts["channel"].pk},
        {"audience": drafts["audience"].pk},
        {"brief": drafts["brief"].pk},
        {"job": drafts["job"].pk},
        {"inbox_item": drafts["item"].pk},
        {"parent": drafts["approved"].pk},
        {"channel": 999_999},
    ]:
        fast, generic = _both(viewer, _url(world), params)
        assert fast.status_code == generic.status_code, params
        assert fast.content == generic.content, params
    only = viewer.get(_url(world), {"parent": drafts["approved"].pk}).json()["results"]
    assert [d["id"] for d in only] == [drafts["full"].pk]


@pytest.mark.parametrize("ordering", ["-created_at", "risk_score", "-publish_at", "updated_at"])
def test_walking_the_pages_both_ways_gives_the_same_pages_and_cursors(
    world, drafts, ordering
) -> None:
    viewer = client_for(world.a.person(Role.COPYWRITER))
    seen: list[int] = []
    link: str | None = f"{_url(world)}?ordering={ordering}&page_size=3"
    pages = []
    while link:
        fast, generic = _both(viewer, link)
        assert fast.status_code == 200
        assert fast.content == generic.content
        pages.append(fast.json())
        seen += [d["id"] for d in fast.json()["results"]]
        link = fast.json()["next"]
    with schema_context(world.a.brand.schema_name):
        assert sorted(seen) == sorted(Draft.objects.values_list("pk", flat=True))
    back: str | None = pages[-1]["previous"]
    while back:
        fast, generic = _both(viewer, back)
        assert fast.content == generic.content
        back = fast.json()["previous"]


def test_each_listed_draft_is_its_detail_answer(world, drafts) -> None:
    """In brand A's zone (Zurich, summer and winter offsets), every field, in the serializer's
    order and with its JSON type (true is not 1, "0.012300" is not 0.0123)."""
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    listed = lead.get(_url(world), {"page_size": "200"}).json()["results"]
    assert len(listed) == len(Draft.Status.values) + 3
    for draft in listed:
        detail = lead.get(f"{_url(world)}{draft['id']}/").json()
        assert json.dumps(draft) == json.dumps(detail)
        assert list(draft) == s.DraftSerializer.Meta.fields
    full = next(d for d in listed if d["id"] == drafts["full"].pk)
    assert full["text"] == HOSTILE
    assert full["cost_estimate"] == "0.012300"
    assert full["risk_score"] == 0 and full["scheduled"] is True
    assert full["guardrail_violations"][0] == {"code": "banned_phrase", "detail": HOSTILE}
    assert full["published_at"] == "2026-01-16T00:59:59+01:00"
    assert full["publish_at"] == "2026-07-01T08:00:00.100000+02:00"
    empty = next(d for d in listed if d["id"] == drafts["empty"].pk)
    assert empty["novelty"] is None and empty["channel"] is None and empty["created_by"] is None
    assert empty["cost_estimate"] == "123.456789"


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham"])
def test_the_written_out_shape_renders_as_the_serializer_in_any_zone(world, drafts, zone) -> None:
    render = JSONRenderer().render
    with schema_context(world.a.brand.schema_name), timezone.override(zoneinfo.ZoneInfo(zone)):
        rows = {row["pk"]: row for row in selectors.draft_rows()}
        instances = list(selectors.drafts())
        assert set(rows) == {d.pk for d in instances}
        for draft in instances:
            fast = s.listed_draft(rows[draft.pk], zone=timezone.get_current_timezone())
            assert render(fast) == render(s.DraftSerializer(draft).data)


def test_the_list_sends_no_more_statements_than_the_serializer_did(world, drafts) -> None:
    viewer = client_for(world.a.person(Role.CLIENT_VIEWER))
    counts = []
    for generic in (False, True):
        with pytest.MonkeyPatch.context() as patch:
            if generic:
                _serializers_list(patch)
            viewer.get(_url(world))  # warm
            with CaptureQueriesContext(connection) as statements:
                assert viewer.get(_url(world), {"status": "ready"}).status_code == 200
        counts.append(len(statements))
    fast, generic_count = counts
    assert fast <= generic_count


def test_another_brands_drafts_never_show_and_an_outsider_is_refused(world, drafts) -> None:
    own = client_for(world.b.person(Role.COPYWRITER)).get(_url(world, "b")).json()["results"]
    assert [d["text"] for d in own] == ["Bayside's own"]
    outsider = client_for(world.b.person(Role.COPYWRITER))
    refused = outsider.get(_url(world))
    assert refused.status_code in {403, 404}
    assert "results" not in refused.json()


def test_the_browsable_list_still_renders_with_its_filter_form(world, drafts) -> None:
    viewer = client_for(world.a.person(Role.CLIENT_VIEWER))

    page = viewer.get(_url(world), {"status": "approved"}, HTTP_ACCEPT="text/html")

    assert page.status_code == 200
    assert "&lt;script&gt;alert" in page.content.decode()
    assert "<script>alert" not in page.content.decode()
