"""Contract run: schemathesis drives the app in-process (WSGI) from its own OpenAPI schema with
an authenticated API key, for a fixed and small budget of cases. No 5xx; every response's
status, content type, headers and body conform to the schema.

CI can select it alone with ``-m schemathesis`` (or leave it out with ``-m "not schemathesis"``).
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tenants import services as tenant_services
from tenants.roles import Scope

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _published_schema() -> dict:
    """The schema exactly as /api/schema/ serves it, built without a request or the database
    (schemathesis collects tests at import time, before any fixture can open the database)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


# A fixed budget: a fixed seed, the schema's examples and a few fuzzed cases per operation
# (valid and invalid data both); the exhaustive "coverage" phase would take minutes.
CONFIG = SchemathesisConfig.from_dict(
    {"seed": 20261123, "phases": {"coverage": {"enabled": False}}}
)
published = schemathesis.openapi.from_dict(_published_schema(), config=CONFIG)
# In-process: every case goes through Django's WSGI handler, middleware and all.
published.app = get_wsgi_application()
schema = (
    # The health probe checks the broker, whose pooled connection would outlive the test and
    # keep the test database from being dropped; it is infrastructure, not the contract.
    published.exclude(path="/api/v1/health/")
)


@pytest.fixture(autouse=True)
def _contract_run_settings(settings):  # noqa: F811 (pytest-django's settings fixture)
    # The budget must not be eaten by the throttles this run is not about.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"brand": "100000/min", "api_key": "100000/min"},
    }
    # As Django's test client does: a request ending must not close the connection that holds
    # the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def integrator_key(world) -> str:
    _key, secret = tenant_services.create_api_key(
        brand=world.a.brand, name="contract-run", scopes=list(Scope.values)
    )
    return secret


@pytest.mark.schemathesis
@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema(case, world, integrator_key) -> None:
    if "brand_slug" in (case.path_parameters or {}):
        # Random slugs only ever meet the router's 404; aim at a brand the key belongs to.
        case.path_parameters["brand_slug"] = world.a.brand.slug
    response = case.call(headers={"Authorization": f"Api-Key {integrator_key}"})
    case.validate_response(response, checks=CHECKS)
