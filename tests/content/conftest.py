"""Content fixtures: brand A's schema, a channel and voice, and the fake AI server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_context

from content import services
from tests.content.fake_ai import FakeAI


@pytest.fixture(scope="session")
def ai_server() -> Iterator[FakeAI]:
    server = FakeAI().start()
    yield server
    server.stop()


@pytest.fixture
def fake_ai(ai_server: FakeAI, settings) -> Iterator[FakeAI]:  # type: ignore[no-untyped-def]
    """Points the platform AI settings at the fake server; SDK retries off for exact scripts."""
    ai_server.reset()
    settings.AI_BASE_URL = ai_server.base_url
    settings.AI_API_KEY = "test-key"
    settings.AI_MODEL = "test-model"
    settings.AI_SDK_MAX_RETRIES = 0
    settings.AI_TIMEOUT_SECONDS = 0.5
    settings.AI_JOB_MAX_ATTEMPTS = 3
    yield ai_server
    ai_server.reset()


@pytest.fixture
def offline(settings):  # type: ignore[no-untyped-def]
    settings.AI_BASE_URL = ""
    settings.AI_API_KEY = ""
    return settings


@pytest.fixture
def in_a(world) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Run the test body in brand A's schema."""
    with schema_context(world.a.brand.schema_name):
        yield


@pytest.fixture
def x_channel(in_a):  # type: ignore[no-untyped-def]
    return services.create_channel(network="x", handle="alpinecoffee")


@pytest.fixture
def voice(in_a):  # type: ignore[no-untyped-def]
    return services.create_voice_version(
        tone=["warm", "playful"],
        personality="A mountain café that knows its beans.",
        banned_phrases=["cheap", "best coffee in the world"],
        required_disclosures=[{"text": "#ad", "when": "paid"}],
        hashtags=["AlpineCoffee"],
        locale="en",
        allowed_domains=["alpinecoffee.ch"],
        allowed_handles=["alpinecoffee", "alpineroasters"],
        sensitive_topics=["climate"],
        competitors=["Peak Beans"],
    )
