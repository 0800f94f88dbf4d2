"""Issue 14.1: a brand's own AI endpoint. Its base_url must come with the brand's own key (the
platform's key never goes to a server a brand chose), must pass the same public-address rule as
webhooks, and failures never echo what the endpoint answered."""

from __future__ import annotations

import pytest

from content import services
from content.models import AssistantSettings
from content.services import jobs
from tenants.roles import Role
from tests.conftest import client_for
from tests.content.conftest import run
from tests.content.fake_ai import Answer, drafts, error

pytestmark = pytest.mark.django_db

SECRET_BODY = "root:x:0:0:root:/root:/bin/bash internal-admin-token-4711"


def settings_url(world) -> str:  # type: ignore[no-untyped-def]
    return f"/brands/{world.a.brand.slug}/api/v1/assistant/settings/"


@pytest.fixture
def lead(world):  # type: ignore[no-untyped-def]
    return client_for(world.a.person(Role.ACCOUNT_LEAD))


def stored(world) -> AssistantSettings:  # type: ignore[no-untyped-def]
    from django_tenants.utils import schema_context

    with schema_context(world.a.brand.schema_name):
        return AssistantSettings.objects.get_or_create(singleton=True)[0]


def test_base_url_without_the_brands_own_key_is_refused(world, lead) -> None:
    response = lead.patch(settings_url(world), {"base_url": "https://93.184.216.34/v1"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "api_key"
    assert stored(world).base_url == ""


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:8000/v1", "loopback"),
        ("http://localhost/v1", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.1.2.3/v1", "private"),
        ("http://[::ffff:192.168.0.1]/v1", "private"),
        ("http://no-such-host.invalid/v1", "could not be resolved"),
    ],
)
def test_base_url_on_a_non_public_address_is_refused(world, lead, url: str, why: str) -> None:
    response = lead.patch(settings_url(world), {"base_url": url, "api_key": "sk-brand"})
    assert response.status_code == 400
    error_body = response.json()["errors"][0]
    assert error_body["attr"] == "base_url"
    assert why in error_body["detail"]
    row = stored(world)
    assert (row.base_url, row.api_key) == ("", "")


def test_public_base_url_with_the_brands_key_is_accepted(world, lead) -> None:
    response = lead.patch(
        settings_url(world), {"base_url": "https://93.184.216.34/v1", "api_key": "sk-brand"}
    )
    assert response.status_code == 200
    assert stored(world).base_url == "https://93.184.216.34/v1"


def test_the_platform_key_never_goes_to_a_brands_server(fake_ai, brief, settings) -> None:
    settings.AI_API_KEY = "sk-platform-secret"
    settings.AI_ALLOW_PRIVATE_URLS = True  # development: the brand's server is on loopback
    services.update_assistant_settings(base_url=fake_ai.base_url, api_key="sk-brand")
    fake_ai.script(drafts("Our autumn blend is back, roasted in small batches."))
    job = run(jobs.request_post_drafts(brief=brief))
    assert job.status == "succeeded"
    sent = [r["headers"].get("authorization") for r in fake_ai.requests]
    assert sent == ["Bearer sk-brand"]


def test_a_stored_base_url_without_a_key_fails_without_calling_it(fake_ai, brief, settings) -> None:
    settings.AI_API_KEY = "sk-platform-secret"
    # A row saved before the rule existed: the URL is the brand's, the key would be ours.
    AssistantSettings.objects.update_or_create(
        singleton=True, defaults={"base_url": fake_ai.base_url, "api_key": ""}
    )
    job = run(jobs.request_post_drafts(brief=brief))
    assert (job.status, job.failure_code) == ("failed", "provider_config")
    assert "api_key" in job.failure_reason
    assert fake_ai.requests == []


def test_an_endpoint_that_became_private_is_not_called(fake_ai, brief, settings) -> None:
    settings.AI_ALLOW_PRIVATE_URLS = True
    services.update_assistant_settings(base_url=fake_ai.base_url, api_key="sk-brand")
    settings.AI_ALLOW_PRIVATE_URLS = False  # e.g. DNS now answers with an internal address
    job = run(jobs.request_post_drafts(brief=brief))
    assert (job.status, job.failure_code) == ("failed", "provider_config")
    assert "loopback" in job.failure_reason
    assert fake_ai.requests == []


@pytest.mark.parametrize(
    "answer",
    [
        error(400, SECRET_BODY),
        error(422, SECRET_BODY),
        Answer(status=418, body=SECRET_BODY),
    ],
)
def test_failure_reasons_never_echo_what_the_endpoint_answered(
    fake_ai, brief, settings, answer: Answer
) -> None:
    settings.AI_ALLOW_PRIVATE_URLS = True
    services.update_assistant_settings(base_url=fake_ai.base_url, api_key="sk-brand")
    fake_ai.script(answer)
    job = run(jobs.request_post_drafts(brief=brief))
    assert job.status == "failed"
    assert "internal-admin-token" not in job.failure_reason
    assert "root:x" not in job.failure_reason
    assert f"HTTP {answer.status}" in job.failure_reason
