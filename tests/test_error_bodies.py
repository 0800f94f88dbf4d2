"""Bad input and bad days answer with the documented JSON error body, never a 500 or HTML.

Found by fuzzing a running instance (issue 14, item 12): deeply nested JSON, NUL characters,
bodies over the upload limit, Django's debug pages in development, a database outage.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from media.models import Boost
from tenants.roles import Role
from tests.conftest import client_for
from tests.media.conftest import boosts_url, proposal, set_budgets


def assert_error_body(response, status: int, code: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"type", "errors"}
    assert {"code", "detail", "attr"} <= set(body["errors"][0])
    if code is not None:
        assert body["errors"][0]["code"] == code
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [950, 5000])
def test_json_nested_hundreds_of_levels_deep_is_a_400_on_brand_and_platform_routes(
    world, depth
) -> None:
    deep = "[" * depth + "]" * depth
    specialist = client_for(world.a.person(Role.MEDIA_SPECIALIST))
    brand_route = specialist.post(boosts_url(world.a), deep, content_type="application/json")
    assert_error_body(brand_route, 400, "parse_error")
    platform_route = APIClient().post("/api/v1/auth/token/", deep, content_type="application/json")
    assert_error_body(platform_route, 400, "parse_error")


@pytest.mark.django_db
def test_nul_character_in_boost_targeting_is_a_400_naming_the_field_and_saves_nothing(
    world,
) -> None:
    set_budgets(world.a, "5000.00")
    body = proposal(targeting={"countries": ["CH"], "interests": "coffee\u0000beans"})
    response = client_for(world.a.person(Role.MEDIA_SPECIALIST)).post(
        boosts_url(world.a), json.dumps(body), content_type="application/json"
    )
    errors = assert_error_body(response, 400, "parse_error")["errors"]
    assert "targeting.interests" in errors[0]["detail"]
    with schema_context(world.a.brand.schema_name):
        assert not Boost.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["value", "key"])
def test_a_lone_surrogate_in_boost_targeting_is_a_400_naming_the_field_and_saves_nothing(
    world, where
) -> None:
    # JSON's "\ud800" parses to a Python string that is not Unicode text: jsonb refused the
    # insert with a 500. Written by hand, since json.dumps would escape it the same way.
    set_budgets(world.a, "5000.00")
    body = json.dumps(proposal(targeting={"countries": ["CH"], "interests": "coffee"}))
    raw = body.replace(
        '"coffee"', '"co\\ud800ffee"' if where == "value" else '"coffee", "x\\udfff": 1'
    )
    response = client_for(world.a.person(Role.MEDIA_SPECIALIST)).post(
        boosts_url(world.a), raw, content_type="application/json"
    )
    errors = assert_error_body(response, 400, "parse_error")["errors"]
    assert "targeting." in errors[0]["detail"]
    assert "surrogate" in errors[0]["detail"]
    with schema_context(world.a.brand.schema_name):
        assert not Boost.objects.exists()


@pytest.mark.django_db
def test_a_nul_character_in_a_brand_path_is_an_ordinary_404(world) -> None:
    response = client_for(world.admin).get("/brands/alpine%00coffee/api/v1/drafts/")
    assert_error_body(response, 404, "not_found")


@pytest.mark.django_db
@pytest.mark.parametrize("month", ["0000-01", "0001-01", "9999-12"])
def test_a_month_outside_the_calendar_is_a_400_naming_month(world, month) -> None:
    response = client_for(world.admin).put(
        "/brands/alpine-coffee/api/v1/media-budgets/",
        {"month": month, "currency": "EUR", "amount": "100.00"},
        format="json",
    )
    assert assert_error_body(response, 400)["errors"][0]["attr"] == "month"


@pytest.mark.django_db
@pytest.mark.parametrize("idempotency_key", [None, "big-body-1"])
def test_a_body_over_the_upload_limit_is_a_413_json_error(world, settings, idempotency_key) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = json.dumps(proposal(audience_ref="x" * 20_000))
    headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}
    response = client_for(world.a.person(Role.MEDIA_SPECIALIST)).post(
        boosts_url(world.a), big, content_type="application/json", **headers
    )
    assert_error_body(response, 413, "request_too_large")


@pytest.mark.django_db
def test_a_query_string_with_more_parameters_than_django_reads_is_a_400_naming_the_limit(
    world, settings
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    query = "&".join(f"status=draft{n}" for n in range(6))

    response = client_for(world.a.person(Role.COPYWRITER)).get(
        f"/brands/alpine-coffee/api/v1/drafts/?{query}"
    )

    error = assert_error_body(response, 400, "too_many_fields")["errors"][0]
    assert error["attr"] == "non_field_errors"
    assert "The query string has more than 5 parameters" in error["detail"]


@pytest.mark.django_db
def test_a_urlencoded_form_with_more_fields_than_django_reads_is_a_400_naming_the_limit(
    world, settings
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    form = "&".join(f"f{n}=x" for n in range(6))

    response = APIClient().post(
        "/api/v1/auth/token/", form, content_type="application/x-www-form-urlencoded"
    )

    body = assert_error_body(response, 400, "too_many_fields")
    assert body["type"] == "client_error"
    assert body["errors"][0]["attr"] == "non_field_errors"
    assert "The form has more than 5 fields" in body["errors"][0]["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/brands/alpine-coffee/api/v1/nope/"])
def test_unknown_api_paths_answer_json_even_in_debug_mode(world, settings, path) -> None:
    settings.DEBUG = True
    assert_error_body(APIClient().get(path), 404, "not_found")


@pytest.fixture
def database_down(django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The database stops answering: connections go to a local port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with django_db_blocker.unblock():
        connection.close()
        # The pool keeps connections made with the old address: start a new one on each side.
        connection.close_pool()
        saved = dict(connection.settings_dict)
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port))
        try:
            yield
        finally:
            connection.close()
            connection.close_pool()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me/",  # a DRF view: the token lookup is the first query
        "/brands/alpine-coffee/api/v1/drafts/",  # the brand routing middleware's query
    ],
)
def test_a_database_outage_answers_503_with_retry_after(database_down, settings, debug, path):
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    response = client.get(path, HTTP_AUTHORIZATION="Token 0123456789abcdef.a-secret")
    assert_error_body(response, 503, "database_unavailable")
    assert int(response["Retry-After"]) > 0
