"""Settings fail loudly: production refuses to start without a secret key or with debug on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _start(**env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**full, "DJANGO_SETTINGS_MODULE": "brandroom.settings"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = _start(BRANDROOM_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_refuses_to_start_with_debug_on() -> None:
    result = _start(BRANDROOM_ENV="production", SECRET_KEY="x" * 50, DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


def test_production_starts_with_a_secret_key_and_debug_off() -> None:
    result = _start(BRANDROOM_ENV="production", SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.com")
    assert result.returncode == 0, result.stderr


def test_unknown_broker_url_is_refused_naming_the_variable() -> None:
    result = _start(BRANDROOM_ENV="development", BROKER_URL="kafka://nope")
    assert result.returncode != 0
    assert "BROKER_URL must start with" in result.stderr


def _allows_private_webhooks(**env: str) -> str:
    probe = "from django.conf import settings; print(settings.WEBHOOKS_ALLOW_PRIVATE_URLS)"
    full = {k: v for k, v in os.environ.items() if k not in {"WEBHOOKS_ALLOW_PRIVATE_URLS"}}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {probe}"],
        cwd=ROOT,
        env={**full, **env, "DJANGO_SETTINGS_MODULE": "brandroom.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_local_webhook_receiver_is_allowed_in_development_only() -> None:
    assert _allows_private_webhooks(BRANDROOM_ENV="development") == "True"
    assert _allows_private_webhooks(BRANDROOM_ENV="test") == "False"
    assert (
        _allows_private_webhooks(
            BRANDROOM_ENV="production", SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.com"
        )
        == "False"
    )
    refused = _start(
        BRANDROOM_ENV="production",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="example.com",
        WEBHOOKS_ALLOW_PRIVATE_URLS="true",
    )
    assert "must be off in production" in refused.stderr
