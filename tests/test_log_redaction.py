"""Magic sign-in link tokens never reach a log (issue 14, item 8).

Before: gunicorn's access log wrote ``GET /approve/link/<token>/`` and Django's request log
``Not Found: /approve/link/<token>/``; anyone who could read the logs could sign in.
"""

from __future__ import annotations

import http.client
import logging
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.integrations.test_schema_contract import HOST, _free_port, _wait_until_up
from tests.tenants.test_worker_context import ROOT, _worker_env


@pytest.mark.django_db
def test_django_request_log_writes_the_link_path_without_its_token(world, caplog) -> None:
    token = secrets.token_urlsafe(32)
    with caplog.at_level(logging.INFO):
        response = Client().get(f"/approve/link/{token}/")
    assert response.status_code == 404
    assert token not in caplog.text
    assert "/approve/link/[redacted]/" in caplog.text


def test_gunicorn_access_log_writes_the_link_path_without_its_token(world, tmp_path: Path) -> None:
    """The product's web process, configured by platform/gunicorn.conf.py, on a free port."""
    token = secrets.token_urlsafe(32)
    port = _free_port()
    access, output = tmp_path / "access.log", tmp_path / "output.log"
    with output.open("wb") as out:
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
                "--workers",
                "1",
                "--access-logfile",
                str(access),
            ],
            cwd=ROOT,
            env=_worker_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(port, server, output)
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        conn.request("GET", f"/approve/link/{token}/?next=/approve/")
        assert conn.getresponse().status == 404
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
    logged = access.read_text() + output.read_text()
    assert "/approve/link/[redacted]/" in access.read_text()
    assert token not in logged
