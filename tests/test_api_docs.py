"""/api/docs/ is quick to open: the schema is tagged by resource, generated once per process
and sent compressed (issue 15: it took 7.5 s and 4.5 MB, with 104 brand operations under one
"brands" tag)."""

from __future__ import annotations

import gzip
import json
from collections import Counter

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from brandroom.http import schema as schema_module

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_schema():  # type: ignore[no-untyped-def]
    schema_module.forget_schemas()
    yield
    schema_module.forget_schemas()


def test_operations_are_tagged_by_resource_not_all_under_brands(world) -> None:
    document = SchemaGenerator().get_schema(request=None, public=True)
    tags: Counter[str] = Counter()
    for path, operations in document["paths"].items():
        for operation in operations.values():
            [tag] = operation["tags"]
            tags[tag] += 1
            if path.startswith("/brands/"):
                # /brands/{brand_slug}/api/v1/<tag>/..., and the brand root itself: "brand"
                assert tag == (path.split("/")[5] or "brand"), path
            else:
                assert tag == "platform", path
    assert "brands" not in tags
    for resource in ("drafts", "briefs", "approvals", "boosts", "webhooks", "results"):
        assert tags[resource] > 0, resource
    # No tag holds most of the API any more.
    assert max(tags.values()) < sum(tags.values()) / 3


def test_the_schema_is_generated_once_per_process_and_sent_compressed(
    world, fresh_schema, monkeypatch
) -> None:
    generated = []
    original = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        generated.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    client = APIClient()
    first = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_ENCODING="gzip")
    second = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_ENCODING="gzip")
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(generated) == 1
    assert first["Content-Encoding"] == "gzip"
    body = gzip.decompress(first.content)
    assert body == gzip.decompress(second.content)
    assert json.loads(body)["openapi"].startswith("3.")
    assert len(first.content) < len(body) / 4
    # A client that does not take gzip still gets it plain.
    plain = client.get("/api/schema/", {"format": "json"})
    assert "Content-Encoding" not in plain
    assert json.loads(plain.content) == json.loads(body)


def test_the_docs_page_loads_the_schema(world) -> None:
    page = APIClient().get("/api/docs/")
    assert page.status_code == 200
    assert b"/api/schema/" in page.content
