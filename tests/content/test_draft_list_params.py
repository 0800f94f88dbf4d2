"""The drafts list's written-out shape (content.api.serializers.listed_draft) against
DraftSerializer's for what tests/content/test_draft_list_shape.py does not ask: repeated and
empty filter values, unknown parameters, orderings naming fields it does not allow, the
browsable and JSON formats, an API key with the read scope, a client approver, an ordering by
an unsortable field, and a cursor from another ordering. Same status, same bytes."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tenants.roles import Role
from tests.conftest import client_for
from tests.content.test_draft_list_shape import _both, _url, drafts  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

ODD: list[Any] = [
    "status=ready&status=approved",
    "status=approved&status=ready",
    "status=",
    "kind=&status=",
    "channel=",
    "channel=abc",
    "channel=-1",
    "channel=99999999999999999999",
    "parent=1.5",
    "risk_min=",
    "risk_min=NaN",
    "risk_min=1e400",
    "risk_max=-Infinity",
    "flag=",
    "flag=%00",
    "due_before=",
    "due_before=2026-13-01T00:00:00Z",
    "updated_after=2026-07-01",
    "no_such_filter=1",
    "STATUS=ready",
    "ordering=-risk_score,id",
    "ordering=id",
    "ordering=text",
    "ordering=channel__handle",
    "ordering=",
    "ordering=risk_score&ordering=-created_at",
    "page_size=1",
    "page_size=-5",
    "page_size=abc",
    "page_size=100000",
    "format=json",
    "format=xml",
    "status=ready&format=json&page_size=2&ordering=publish_at",
]


@pytest.mark.parametrize("query", ODD)
def test_odd_queries_answer_as_the_serializer_did(world, drafts, query) -> None:  # noqa: F811
    viewer = client_for(world.a.person(Role.CLIENT_APPROVER))

    fast, generic = _both(viewer, f"{_url(world)}?{query}")

    assert fast.status_code == generic.status_code, (fast.content, generic.content)
    assert fast.status_code < 500
    assert fast.content == generic.content


def test_a_cursor_made_for_one_ordering_used_with_another_answers_as_before(
    world,
    drafts,  # noqa: F811
) -> None:
    viewer = client_for(world.a.person(Role.ACCOUNT_LEAD))
    link = viewer.get(_url(world), {"ordering": "risk_score", "page_size": 2}).json()["next"]
    cursor = link.split("cursor=")[1].split("&")[0]

    for ordering in ["publish_at", "-created_at", "updated_at"]:
        fast, generic = _both(viewer, f"{_url(world)}?cursor={cursor}&ordering={ordering}")
        assert fast.status_code == generic.status_code
        assert fast.content == generic.content


def test_an_api_key_with_the_read_scope_lists_the_same_and_another_brands_key_is_refused(
    world,
    drafts,  # noqa: F811
) -> None:
    admin = client_for(world.admin)
    made = admin.post(
        f"/api/v1/brands/{world.a.brand.slug}/api-keys/", {"name": "r", "scopes": ["read"]}
    ).json()
    reader = APIClient(HTTP_AUTHORIZATION=f"Api-Key {made['secret']}")

    fast, generic = _both(reader, _url(world), {"status": "approved"})
    assert fast.status_code == 200
    assert fast.content == generic.content
    assert reader.get(_url(world, "b")).status_code in {403, 404}


def test_the_browsable_list_matches_for_a_bad_filter_too(world, drafts) -> None:  # noqa: F811
    viewer = client_for(world.a.person(Role.CLIENT_VIEWER))
    for query in ["status=nope", "format=api&risk_min=lots", "format=api"]:
        fast, generic = _both(viewer, f"{_url(world)}?{query}")
        assert fast.status_code == generic.status_code, query
