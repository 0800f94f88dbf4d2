"""What the published schema promises, for answers the contract run only meets in some states
(a draft already in review, a brief with several channels): generated clients rely on these."""

from __future__ import annotations

import json
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

BRAND = "/brands/{brand_slug}/api/v1"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def test_deleting_a_draft_documents_the_conflict_it_can_meet(schema) -> None:
    responses = schema["paths"][f"{BRAND}/drafts/{{id}}/"]["delete"]["responses"]
    assert "409" in responses


def test_a_drafts_versions_are_documented_as_the_plain_list_they_are(schema) -> None:
    ok = schema["paths"][f"{BRAND}/drafts/{{id}}/versions/"]["get"]["responses"]["200"]
    body = _resolve(schema, ok["content"]["application/json"]["schema"])
    assert body["type"] == "array"


def test_a_business_rule_refusing_an_input_field_is_a_documented_400(schema) -> None:
    """Asking for drafts without naming a channel, on a brief with several, is a 400 with
    code ``invalid`` on ``channel``: the schema must allow that code for that field."""
    operation = schema["paths"][f"{BRAND}/briefs/{{id}}/generate/"]["post"]
    error = _resolve(schema, operation["responses"]["400"]["content"]["application/json"]["schema"])
    validation = _resolve(schema, error["oneOf"][0])
    items = _resolve(schema, validation["properties"]["errors"]["items"])
    channel = next(
        _resolve(schema, option)
        for option in items["oneOf"]
        if _resolve(schema, option)["properties"]["attr"].get("enum") == ["channel"]
    )
    assert "invalid" in channel["properties"]["code"]["enum"]
