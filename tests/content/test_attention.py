"""Failed AI jobs in the attention cockpit: they wait for the brand's writers (and whoever asked)
until retried, and only in their own brand."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from content.services import jobs
from tenants.roles import Role
from tests.conftest import client_for
from tests.content.conftest import run
from tests.content.fake_ai import drafts, error

pytestmark = pytest.mark.django_db
GOOD = "Our autumn blend is back at the café. Come taste it this week. #AlpineCoffee"


def waiting(user) -> list[tuple[str, str, int]]:
    body = client_for(user).get("/api/v1/attention/", {"kind": "ai_job_failed"}).json()
    return [(r["kind"], r["brand"], r["source_id"]) for r in body["results"]]


def test_a_failed_job_waits_for_the_writers_until_it_is_retried(world, fake_ai, brief) -> None:
    fake_ai.script(error(400, "bad"), drafts(GOOD))
    job = run(jobs.request_post_drafts(brief=brief))
    assert job.status == "failed"
    expected = [("ai_job_failed", "alpine-coffee", job.pk)]
    assert waiting(world.a.person(Role.COPYWRITER)) == expected
    assert waiting(world.a.person(Role.COMMUNITY_MANAGER)) == expected
    assert waiting(world.a.person(Role.CLIENT_VIEWER)) == []
    assert waiting(world.b.person(Role.COPYWRITER)) == []
    with schema_context(world.a.brand.schema_name):  # the API calls went back to public
        job = run(jobs.retry_job(job=job))
    assert job.status == "succeeded"
    assert waiting(world.a.person(Role.COPYWRITER)) == []
