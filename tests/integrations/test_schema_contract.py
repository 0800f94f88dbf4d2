"""Contract run against the running service: gunicorn serves the product (the same server and
settings file as ``./platform/run``) and schemathesis sends every operation of the schema it
publishes at ``/api/schema/`` a fixed, small budget of cases over HTTP with a scoped API key.
No 5xx; every response's status, content type, headers and body conform to the schema.

Schemathesis needs the operations when pytest collects the tests, before the service is up (and
its lazy ``from_fixture`` loader does not run under pytest 9), so the cases are generated from
the schema built in-process by the same code, and the first test proves the running service
publishes exactly that schema.

The service works in a brand of its own with committed data (it reads over its own
connections), dropped afterwards with everything the cases wrote. CI selects it with
``-m schemathesis`` or leaves it out with ``-m "not schemathesis"``.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import schemathesis
from django.db import connection
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
from tenants.models import Brand
from tenants.roles import Scope
from tests.conftest import committed_brands
from tests.tenants.test_worker_context import ROOT, _worker_env

pytestmark = pytest.mark.schemathesis

# A resumable upload's pieces (tus) are raw bytes under tus's own media type.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

HOST = "127.0.0.1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# A fixed budget: a fixed seed, the schema's examples and a few fuzzed cases per operation
# (valid and invalid data both); the exhaustive "coverage" phase would take minutes.
CONFIG = SchemathesisConfig.from_dict(
    {"seed": 20261123, "phases": {"coverage": {"enabled": False}}}
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait_until_up(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/api/v1/health/")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def service(world, django_db_blocker, tmp_path_factory) -> Iterator[tuple[str, Brand, str]]:
    """(base URL, brand, API key secret): gunicorn on a free port over the test database."""
    with committed_brands(world, django_db_blocker, ("contract-run", "Contract Run")) as (brand,):
        with django_db_blocker.unblock():
            _key, secret = tenant_services.create_api_key(
                brand=brand, name="contract-run", scopes=list(Scope.values)
            )
        try:
            with _gunicorn(tmp_path_factory.mktemp("contract") / "gunicorn.log") as base_url:
                yield base_url, brand, secret
        finally:
            # The run's fuzzed password sign-ins were committed as failures from this address;
            # they must not lock the tests that come after out of signing in.
            with django_db_blocker.unblock(), connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM public.tenants_throttlecounter WHERE key LIKE 'sign_in:%%'"
                )


@contextmanager
def _gunicorn(log: Path) -> Iterator[str]:
    """The product's web process (platform/gunicorn.conf.py) on a free local port."""
    port = _free_port()
    env = {
        **_worker_env(),
        # The budget must not be eaten by the throttles this run is not about.
        "THROTTLE_RATE_BRAND": "100000/min",
        "THROTTLE_RATE_API_KEY": "100000/min",
        "SIGN_IN_FAILURES_PER_ACCOUNT": "100000",
        "SIGN_IN_FAILURES_PER_ADDRESS": "100000",
        "WEB_WORKERS": "2",
        "WEB_THREADS": "2",
    }
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "brandroom.wsgi:application",
                "--config",
                str(ROOT / "platform" / "gunicorn.conf.py"),
                "--bind",
                f"{HOST}:{port}",
                "--access-logfile",
                "/dev/null",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(port, server, log)
        yield f"http://{HOST}:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def _schema_document() -> dict:
    """The schema as /api/schema/ serves it, built without a request or the database."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(_schema_document(), config=CONFIG)


def test_the_running_service_publishes_the_schema_under_test(service) -> None:
    base_url, _brand, _secret = service
    served = requests.get(f"{base_url}/api/schema/", params={"format": "json"}, timeout=30)
    assert served.status_code == 200
    assert served.json() == _schema_document()


# gunicorn's limit_request_line default (bytes of "GET <path?query> HTTP/1.1").
GUNICORN_REQUEST_LINE_LIMIT = 4094


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema(case, service) -> None:
    base_url, brand, secret = service
    if "brand_slug" in (case.path_parameters or {}):
        # Random slugs only ever meet the router's 404; aim at the brand the key belongs to.
        case.path_parameters["brand_slug"] = brand.slug
    response = case.call(
        base_url=base_url, headers={"Authorization": f"Api-Key {secret}"}, timeout=30
    )
    if response.status_code == 414 and len(response.request.url) > GUNICORN_REQUEST_LINE_LIMIT:
        # gunicorn refuses a request line over its limit before the application sees it (a
        # fuzzed query string dozens of repeated parameters long); that is the server's
        # documented limit (platform/gunicorn.conf.py), not an answer of the API.
        return
    case.validate_response(response, checks=CHECKS)
