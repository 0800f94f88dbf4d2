"""Issue 13: budgets that hold (a job reserves its maximum cost when accepted, settles on
finish) and jobs that never stay stuck (a job whose message is gone is sent again, a
redelivered message takes its job back, and such a job can be retried)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from content import services
from content.assistant import usage
from content.errors import BudgetExceeded
from content.models import Draft, GenerationJob
from content.services import jobs
from content.tasks import run_generation_job
from tenants.roles import Role
from tests.conftest import client_for
from tests.content.fake_ai import drafts

pytestmark = pytest.mark.django_db

GOOD = "Our autumn blend is back, roasted in small batches. Come taste it."


def one_job() -> Decimal:
    return usage.reservation_for(variants=1, judge=False, offline=False)


def test_each_accepted_job_holds_its_maximum_cost_until_it_finishes(fake_ai, brief) -> None:
    services.update_assistant_settings(monthly_budget=(one_job() * 2).quantize(Decimal("0.01")))
    first = jobs.request_post_drafts(brief=brief)
    jobs.request_post_drafts(brief=brief)
    # Two jobs hold the whole budget: a third is refused before anything is spent.
    with pytest.raises(BudgetExceeded):
        jobs.request_post_drafts(brief=brief)
    assert GenerationJob.objects.count() == 2

    # The first finishes and costs far less than it held: room for another.
    fake_ai.script(drafts(GOOD))
    run_generation_job.fn(first.pk)
    first.refresh_from_db()
    assert first.status == "succeeded"
    assert Decimal(0) < first.cost_estimate < first.cost_reserved
    month = usage.month_usage(brand_settings=jobs.assistant_settings(), now=timezone.now())
    assert month.held == one_job()
    assert month.cost == one_job() + first.cost_estimate
    jobs.request_post_drafts(brief=brief)


def test_drafts_for_every_channel_are_all_accepted_or_none(fake_ai, brief) -> None:
    brief.channels.add(services.create_channel(network="linkedin", handle="alpine-coffee"))
    services.update_assistant_settings(
        monthly_budget=(one_job() * Decimal("1.5")).quantize(Decimal("0.01"))
    )
    # Room for one channel's job, not both: neither is started.
    with pytest.raises(BudgetExceeded):
        jobs.request_post_drafts_for_channels(brief=brief)
    assert not GenerationJob.objects.exists()
    services.update_assistant_settings(monthly_budget=(one_job() * 2).quantize(Decimal("0.01")))
    both = jobs.request_post_drafts_for_channels(brief=brief)
    assert [job.channel_id for job in both] == sorted(c.pk for c in brief.channels.all())


def test_usage_shows_what_running_jobs_hold(world, fake_ai, brief) -> None:
    jobs.request_post_drafts(brief=brief, variants=3)
    body = client_for(world.a.person(Role.ACCOUNT_LEAD)).get(
        f"/brands/{world.a.brand.slug}/api/v1/assistant/usage/"
    )
    held = Decimal(body.json()["held"])
    assert held == usage.reservation_for(variants=3, judge=False, offline=False)
    assert Decimal(body.json()["cost"]) == held


def test_offline_jobs_hold_nothing(offline, brief) -> None:
    services.update_assistant_settings(monthly_budget=Decimal("0.01"))
    job = jobs.request_post_drafts(brief=brief)
    assert job.cost_reserved == 0


def lose_message(job: GenerationJob, *, minutes: int = 30) -> None:
    GenerationJob.objects.filter(pk=job.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_a_queued_job_whose_message_is_gone_is_sent_again(
    fake_ai, brief, django_capture_on_commit_callbacks
) -> None:
    job = jobs.request_post_drafts(brief=brief)
    fresh = jobs.request_post_drafts(brief=brief)
    lose_message(job)
    with django_capture_on_commit_callbacks() as sent:
        assert jobs.requeue_stuck_jobs() == [job.pk]
    assert len(sent) == 1
    assert jobs.requeue_stuck_jobs() == []  # sent just now: not stuck any more
    fake_ai.script(drafts(GOOD))
    run_generation_job.fn(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded"
    fresh.refresh_from_db()
    assert fresh.status == "queued"


def test_a_running_job_whose_worker_died_is_sent_again(fake_ai, brief) -> None:
    job = jobs.request_post_drafts(brief=brief)
    long_ago = timezone.now() - timedelta(hours=3)
    GenerationJob.objects.filter(pk=job.pk).update(
        status="running", started_at=long_ago, claimed_by="dead-worker-message", attempts=1
    )
    assert jobs.requeue_stuck_jobs() == [job.pk]
    job.refresh_from_db()
    assert job.status == "queued"


def test_a_redelivered_message_takes_its_job_back_at_once(fake_ai, brief) -> None:
    """kill -9 mid-run: the broker redelivers the same message; it must not find the job
    "claimed" and be acknowledged with the job left running for good."""
    job = jobs.request_post_drafts(brief=brief)
    GenerationJob.objects.filter(pk=job.pk).update(
        status="running", started_at=timezone.now(), claimed_by="message-1", attempts=1
    )
    assert jobs.run_job(job_id=job.pk, message_id="another-message") is None
    fake_ai.script(drafts(GOOD))
    done = jobs.run_job(job_id=job.pk, message_id="message-1")
    assert done is not None and done.status == "succeeded"
    assert Draft.objects.filter(job=job).count() == 1


def test_retry_sends_a_stuck_job_again_but_refuses_a_healthy_one(world, fake_ai, brief) -> None:
    stuck = jobs.request_post_drafts(brief=brief)
    healthy = jobs.request_post_drafts(brief=brief)
    lose_message(stuck)
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    base = f"/brands/{world.a.brand.slug}/api/v1/jobs"
    retried = lead.post(f"{base}/{stuck.pk}/retry/")
    assert retried.status_code == 202
    assert retried.json()["status"] == "queued"
    refused = lead.post(f"{base}/{healthy.pk}/retry/")
    assert refused.status_code == 409
    assert "not stuck" in refused.json()["errors"][0]["detail"]
