"""Paging through a list returns every row exactly once, whatever it is sorted by: values that
repeat, values that are empty, forwards and backwards (brandroom.pagination)."""

from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from content import services
from content.models import Brief, Draft
from tenants.roles import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def briefs(world) -> list[int]:
    """Eleven briefs: three share one deadline, two share another, six have none."""
    soon = timezone.now() + timedelta(days=3)
    later = soon + timedelta(days=4)
    deadlines = [soon, later, None, soon, None, None, later, soon, None, None, None]
    with schema_context(world.a.brand.schema_name):
        return [
            services.create_brief(title=f"Brief {i}", key_message="m", deadline=deadline).pk
            for i, deadline in enumerate(deadlines)
        ]


def _walk(client, url: str, key: str) -> list[list[int]]:  # type: ignore[no-untyped-def]
    """Follow ``key`` links ("next" or "previous") to the end; the ids of each page visited."""
    pages: list[list[int]] = []
    while url and len(pages) < 50:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([item["id"] for item in body["results"]])
        url = body[key]
    return pages


@pytest.mark.parametrize("ordering", ["deadline", "-deadline", "created_at", "-created_at"])
def test_every_brief_comes_exactly_once_whatever_the_sort(world, briefs, ordering) -> None:
    client = client_for(world.a.person(Role.COPYWRITER))
    base = f"/brands/{world.a.brand.slug}/api/v1/briefs/"
    whole = [
        b["id"] for b in client.get(f"{base}?ordering={ordering}&page_size=100").json()["results"]
    ]
    assert sorted(whole) == sorted(briefs)

    forward = _walk(client, f"{base}?ordering={ordering}&page_size=2", "next")
    assert [i for page in forward for i in page] == whole

    # From the last page back to the first by the "previous" links: the same rows in the
    # same order, none twice.
    last = client.get(f"{base}?ordering={ordering}&page_size=2").json()
    while last["next"]:
        last = client.get(last["next"]).json()
    backward = _walk(client, last["previous"], "previous")
    pages = [*reversed(backward), [item["id"] for item in last["results"]]]
    assert [i for page in pages for i in page] == whole


def test_empty_deadlines_sort_last_and_ties_keep_one_order(world, briefs) -> None:
    client = client_for(world.a.person(Role.COPYWRITER))
    body = client.get(
        f"/brands/{world.a.brand.slug}/api/v1/briefs/?ordering=deadline&page_size=100"
    )
    rows = body.json()["results"]
    with schema_context(world.a.brand.schema_name):
        expected = list(
            Brief.objects.order_by("deadline", "pk").values_list("pk", flat=True)
        )  # PostgreSQL puts NULLs last in ascending order, as the API does
    assert [r["id"] for r in rows] == expected
    assert all(r["deadline"] is None for r in rows[-6:])


@pytest.mark.parametrize("position", ['["not a date", 1]', "p", '["2026-01-01T00:00:00Z"]'])
def test_a_tampered_cursor_is_a_404_not_a_crash(world, briefs, position) -> None:
    cursor = base64.b64encode(f"p={quote(position)}".encode()).decode()
    response = client_for(world.a.person(Role.COPYWRITER)).get(
        f"/brands/{world.a.brand.slug}/api/v1/briefs/?ordering=deadline&cursor={quote(cursor)}"
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == "Invalid cursor"


def test_drafts_written_in_the_same_instant_each_come_once_newest_id_first(world) -> None:
    """The drafts list pages newest first by (created_at, id): drafts stored with one
    timestamp (a bulk import) come in descending id order, each exactly once, both ways."""
    instant = timezone.now() - timedelta(hours=1)
    with schema_context(world.a.brand.schema_name):
        newer = Draft.objects.create(kind="post", text="after the import").pk
        imported = [Draft.objects.create(kind="post", text=f"Import {i}").pk for i in range(7)]
        Draft.objects.filter(pk__in=imported).update(created_at=instant)
        older = Draft.objects.create(kind="post", text="before the import").pk
        Draft.objects.filter(pk=older).update(created_at=instant - timedelta(minutes=5))
    expected = [newer, *sorted(imported, reverse=True), older]
    client = client_for(world.a.person(Role.COPYWRITER))
    base = f"/brands/{world.a.brand.slug}/api/v1/drafts/"

    for query in ("?page_size=2", "?ordering=-created_at&page_size=2"):
        forward = _walk(client, f"{base}{query}", "next")
        assert [i for page in forward for i in page] == expected
        assert all(len(page) == 2 for page in forward[:-1])

        last = client.get(f"{base}{query}").json()
        while last["next"]:
            last = client.get(last["next"]).json()
        backward = _walk(client, last["previous"], "previous")
        pages = [*reversed(backward), [item["id"] for item in last["results"]]]
        assert [i for page in pages for i in page] == expected

    # Oldest first walks the same ties the other way round.
    ascending = _walk(client, f"{base}?ordering=created_at&page_size=3", "next")
    assert [i for page in ascending for i in page] == expected[::-1]
