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


def _validation_codes(schema: dict[str, Any], operation: dict[str, Any]) -> dict[str, set[str]]:
    """The codes the operation's documented 400 allows, by ``attr``."""
    error = _resolve(schema, operation["responses"]["400"]["content"]["application/json"]["schema"])
    [validation] = [
        _resolve(schema, option)
        for option in error["oneOf"]
        if _resolve(schema, option)["properties"]["errors"]
        and "validation_error"
        in _resolve(schema, _resolve(schema, option)["properties"]["type"]).get("enum", [])
    ]
    items = _resolve(schema, validation["properties"]["errors"]["items"])
    found: dict[str, set[str]] = {}
    for option in items["oneOf"]:
        component = _resolve(schema, option)["properties"]
        for attr in component["attr"].get("enum", []):
            found.setdefault(attr, set()).update(component["code"]["enum"])
    return found


def test_a_resumable_uploads_last_piece_documents_the_files_it_refuses(schema) -> None:
    """The last piece makes the asset with the multipart upload's checks: a file they refuse is
    a 400 naming ``file`` with the same codes, and a malformed ``Upload-Offset`` a 400 naming
    it; the schema must allow them, as it does for the multipart upload."""
    operation = schema["paths"][f"{BRAND}/assets/uploads/{{token}}/"]["patch"]
    codes = _validation_codes(schema, operation)
    multipart = _validation_codes(schema, schema["paths"][f"{BRAND}/assets/"]["post"])

    refusals = {"unsupported_file", "image_too_large", "video_too_large"}
    assert refusals <= codes["file"]
    assert refusals <= multipart["file"]
    assert "invalid" in codes["Upload-Offset"]


def test_opening_a_resumable_upload_documents_the_headers_it_refuses(schema) -> None:
    """A tus POST's input is its headers: a bad ``Upload-Length`` or ``Upload-Metadata`` (or a
    tag in it) is a 400 naming it."""
    operation = schema["paths"][f"{BRAND}/assets/uploads/"]["post"]
    codes = _validation_codes(schema, operation)

    for header in ("Upload-Length", "Upload-Metadata", "tags"):
        assert "invalid" in codes[header], header
