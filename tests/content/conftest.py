"""Content fixtures: brand A's schema, a channel, voice and brief, and the fake AI server; and
``run``, which runs a generation job in the test's process as the worker would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_context

from content import services
from content.models import GenerationJob
from content.tasks import run_generation_job
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


@pytest.fixture
def brief(x_channel, voice):  # type: ignore[no-untyped-def]
    """A brief for the X channel; modules that need other fields override it."""
    return services.create_brief(
        title="Autumn blend", key_message="Our autumn blend is back", channels=[x_channel]
    )


def run(job: GenerationJob) -> GenerationJob:
    """Run a queued generation job here, as the worker's actor would, and reload it."""
    run_generation_job.fn(job.pk)
    job.refresh_from_db()
    return job
