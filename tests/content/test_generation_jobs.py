"""Generation jobs through the real ``openai`` client against the fake OpenAI-compatible server:
each provider outcome ends in the right job state, and a failed job keeps its inputs."""

from __future__ import annotations

import dataclasses
import json
import threading

import pytest
from dramatiq.middleware import TimeLimitExceeded
from dramatiq.threading import raise_thread_exception

from content import announcements, services
from content.models import Draft
from content.services import jobs
from content.tasks import run_generation_job
from tests.conftest import announced
from tests.content.conftest import run
from tests.content.fake_ai import Answer, completion, drafts, error

pytestmark = pytest.mark.django_db

GOOD = "Our autumn blend is back at the café. Come taste it this week. #AlpineCoffee"
GOOD_2 = "Autumn in a cup: the blend you asked for returns to the café this week. #AlpineCoffee"


@pytest.fixture
def brief(x_channel, voice):  # type: ignore[no-untyped-def]
    return services.create_brief(
        title="Autumn blend",
        key_message="Our autumn blend is back",
        call_to_action="Come taste it this week",
        channels=[x_channel],
    )


def test_success_delivers_checked_attributed_drafts(fake_ai, brief) -> None:
    fake_ai.script(drafts(GOOD, GOOD_2, risk_score=10, risk_reasons=["mild"]))
    job = jobs.request_post_drafts(brief=brief, variants=2)
    assert job.status == "queued"

    job = run(job)

    assert job.status == "succeeded"
    assert (job.provider, job.model, job.tokens_in, job.tokens_out) == (
        "openai",
        "test-model",
        120,
        40,
    )
    assert job.cost_estimate > 0
    delivered = list(Draft.objects.filter(job=job).order_by("variant"))
    assert [d.text for d in delivered] == [GOOD, GOOD_2]
    for draft in delivered:
        assert draft.status == "ready"
        assert draft.provider == "openai"
        assert draft.model == "test-model"
        assert draft.prompt_version == "v2"
        assert draft.voice_version == 1
        assert draft.guardrail_violations == []
        assert draft.flags == []
        assert draft.risk_score is not None
        assert draft.brief_id == brief.pk
    sent = fake_ai.requests[0]["body"]
    assert sent["model"] == "test-model"
    assert sent["response_format"]["type"] == "json_schema"
    assert fake_ai.requests[0]["path"] == "/v1/chat/completions"


def test_delivered_drafts_announce_draft_ready(fake_ai, brief) -> None:
    fake_ai.script(drafts(GOOD))
    job = run(jobs.request_post_drafts(brief=brief))
    assert [e["draft_id"] for e in announced(announcements.DRAFT_READY)] == list(
        Draft.objects.filter(job=job).order_by("pk").values_list("pk", flat=True)
    )


def test_malformed_json_fails_at_once_and_keeps_the_inputs(fake_ai, brief) -> None:
    fake_ai.script(completion('{"variants": [{"text": "unterminated'))
    job = run(jobs.request_post_drafts(brief=brief, variants=2, instructions="Mention maple"))

    assert job.status == "failed"
    assert job.failure_code == "malformed_output"
    assert "not the requested JSON" in job.failure_reason
    assert job.attempts == 1
    assert job.inputs == {
        "brief_id": brief.pk,
        "channel_id": brief.channels.get().pk,
        "variants": 2,
        "instructions": "Mention maple",
    }
    assert not Draft.objects.filter(job=job).exists()


def test_an_unusable_answer_still_counts_its_tokens_against_the_budget(fake_ai, brief) -> None:
    """The provider bills the tokens of an answer we cannot use; the brand's usage must too."""
    fake_ai.script(completion("not json at all", prompt_tokens=900, completion_tokens=300))
    job = run(jobs.request_post_drafts(brief=brief))
    assert (job.status, job.failure_code) == ("failed", "malformed_output")
    assert (job.tokens_in, job.tokens_out) == (900, 300)
    assert job.cost_estimate > 0


def test_a_job_the_worker_stops_for_running_too_long_is_failed_not_left_running(
    fake_ai, brief
) -> None:
    """dramatiq's time limit interrupts the worker thread (a BaseException, not an Exception);
    the job must end failed with a reason and stay retryable, never stuck in "running"."""
    fake_ai.script(dataclasses.replace(drafts(GOOD), delay=0.4))
    job = jobs.request_post_drafts(brief=brief)
    timer = threading.Timer(
        0.1, raise_thread_exception, args=(threading.get_ident(), TimeLimitExceeded)
    )
    timer.start()
    with pytest.raises(TimeLimitExceeded):
        run_generation_job.fn(job.pk)
    timer.join()
    job.refresh_from_db()
    assert (job.status, job.failure_code) == ("failed", "timed_out")
    assert "retry it" in job.failure_reason
    assert jobs.retry_job(job=job).status == "queued"


def test_a_brand_allowing_slower_calls_gets_a_longer_worker_time_limit(brief) -> None:
    default = jobs.run_time_limit_seconds()
    services.update_assistant_settings(timeout_seconds=300)
    assert (
        jobs._brand_time_limit_seconds()
        == jobs.run_time_limit_seconds(timeout_seconds=300)
        > default
    )
    # Room for every call the job may make at that timeout.
    assert jobs._brand_time_limit_seconds() > 300 * (jobs.MAX_VARIANTS + 1)


def test_json_of_the_wrong_shape_is_malformed_too(fake_ai, brief) -> None:
    fake_ai.script(completion(json.dumps({"drafts": ["hello"]})))
    job = run(jobs.request_post_drafts(brief=brief))
    assert (job.status, job.failure_code) == ("failed", "malformed_output")


def test_refusal_fails_with_the_models_words(fake_ai, brief) -> None:
    fake_ai.script(completion(None, refusal="I can't help with that request."))
    job = run(jobs.request_post_drafts(brief=brief))

    assert job.status == "failed"
    assert job.failure_code == "refused"
    assert "I can't help with that request." in job.failure_reason
    assert "Rephrase" in job.failure_reason
    [failure] = announced(announcements.DRAFT_FAILED)
    assert (failure["job_id"], failure["code"]) == (job.pk, "refused")


def test_rate_limit_then_success_is_retried_by_the_worker(fake_ai, brief) -> None:
    fake_ai.script(error(429, "Rate limit reached"), drafts(GOOD))
    job = jobs.request_post_drafts(brief=brief)

    with pytest.raises(jobs.RetryLater):
        run_generation_job.fn(job.pk)
    job.refresh_from_db()
    assert job.status == "queued"
    assert job.failure_code == "provider_rate_limited"
    assert "429" in job.failure_reason

    job = run(job)
    assert job.status == "succeeded"
    assert job.attempts == 2
    assert job.failure_reason == ""
    assert Draft.objects.filter(job=job, status="ready").count() == 1


def test_the_actor_retries_only_retryable_failures() -> None:
    retry_when = run_generation_job.options["retry_when"]
    assert retry_when(0, jobs.RetryLater("429"))
    assert not retry_when(0, ValueError("bug"))


def test_timeouts_fail_the_job_after_the_last_attempt(fake_ai, brief, settings) -> None:
    settings.AI_TIMEOUT_SECONDS = 0.2
    settings.AI_JOB_MAX_ATTEMPTS = 2
    fake_ai.script(Answer(delay=0.6, body={}), Answer(delay=0.6, body={}))
    job = jobs.request_post_drafts(brief=brief)

    with pytest.raises(jobs.RetryLater):
        run_generation_job.fn(job.pk)
    job = run(job)

    assert job.status == "failed"
    assert job.failure_code == "provider_timeout"
    assert "did not answer within 0.2 seconds" in job.failure_reason
    assert "Gave up after 2 attempts" in job.failure_reason


def test_server_errors_are_retried_then_fail(fake_ai, brief) -> None:
    fake_ai.script(error(500), error(502), error(503))
    job = jobs.request_post_drafts(brief=brief)
    for _ in range(2):
        with pytest.raises(jobs.RetryLater):
            run_generation_job.fn(job.pk)
    job = run(job)
    assert job.status == "failed"
    assert job.failure_code == "provider_server_error"
    assert job.attempts == 3
    assert len(fake_ai.requests) == 3


def test_bad_api_key_is_not_retried(fake_ai, brief) -> None:
    fake_ai.script(error(401, "Incorrect API key"))
    job = run(jobs.request_post_drafts(brief=brief))
    assert (job.status, job.failure_code, job.attempts) == ("failed", "provider_auth", 1)
    assert "API key" in job.failure_reason


def test_running_a_finished_job_again_does_nothing(fake_ai, brief) -> None:
    fake_ai.script(drafts(GOOD))
    job = run(jobs.request_post_drafts(brief=brief))
    run(job)
    assert Draft.objects.filter(job=job).count() == 1
    assert len(fake_ai.requests) == 1


def test_failed_job_can_be_retried_from_its_inputs(fake_ai, brief) -> None:
    fake_ai.script(error(400, "bad"), drafts(GOOD))
    job = run(jobs.request_post_drafts(brief=brief))
    assert job.status == "failed"
    job = run(jobs.retry_job(job=job))
    assert job.status == "succeeded"
    assert Draft.objects.get(job=job).text == GOOD


def test_brand_override_points_at_its_own_endpoint(fake_ai, brief, settings) -> None:
    settings.AI_BASE_URL = "http://127.0.0.1:9/v1"  # nothing listens there
    settings.AI_ALLOW_PRIVATE_URLS = True  # the fake server is on loopback
    services.update_assistant_settings(
        base_url=fake_ai.base_url, api_key="brand-key", model="brand-model"
    )
    fake_ai.script(drafts(GOOD))
    job = run(jobs.request_post_drafts(brief=brief))
    assert job.status == "succeeded"
    assert fake_ai.requests[0]["body"]["model"] == "brand-model"


def test_sdk_retries_a_rate_limit_itself_when_allowed_one_retry(fake_ai, brief, settings) -> None:
    settings.AI_SDK_MAX_RETRIES = 1
    fake_ai.script(error(429, "slow down", headers={"retry-after-ms": "10"}), drafts(GOOD))
    job = run(jobs.request_post_drafts(brief=brief))
    assert (job.status, job.attempts) == ("succeeded", 1)
    assert len(fake_ai.requests) == 2


def test_repeat_of_a_published_post_is_regenerated_then_flagged_with_that_post(
    fake_ai, brief
) -> None:
    published = Draft.objects.create(kind="post", text=GOOD, status="published")
    repeat = GOOD.replace("this week", "this week!")
    fake_ai.script(drafts(repeat), drafts(repeat))

    job = run(jobs.request_post_drafts(brief=brief))

    draft = Draft.objects.get(job=job)
    assert draft.attempts == 2
    assert draft.flags == ["repeats_recent_post"]
    assert draft.labels == ["regenerated"]
    assert draft.novelty["similar_draft_id"] == published.pk
    assert draft.novelty["similar_text"] == GOOD
    assert "Too similar" in fake_ai.messages(1)[1]["content"]


@pytest.mark.parametrize(
    "second_answer",
    [completion("not json", prompt_tokens=700, completion_tokens=70), error(503, "busy")],
    ids=["malformed", "server_error"],
)
def test_a_failed_rewrite_keeps_the_first_answer_flagged_and_counts_every_token(
    fake_ai, brief, second_answer
) -> None:
    """The first call's drafts were paid for and usable: a failing fix-up call must not throw
    them (or their cost) away, nor start the whole job again."""
    Draft.objects.create(kind="post", text=GOOD, status="published")
    first = drafts(GOOD, GOOD_2)  # 120 tokens in, 40 out; GOOD repeats the published post
    fake_ai.script(first, second_answer)
    job = run(jobs.request_post_drafts(brief=brief, variants=2))

    assert job.status == "succeeded"
    delivered = {d.text: d for d in Draft.objects.filter(job=job)}
    assert set(delivered) == {GOOD, GOOD_2}
    assert delivered[GOOD].flags == ["repeats_recent_post"]
    assert delivered[GOOD].labels == ["regeneration_failed"]
    assert delivered[GOOD_2].flags == []
    billed_second = (700, 70) if second_answer.status == 200 else (0, 0)
    assert (job.tokens_in, job.tokens_out) == (120 + billed_second[0], 40 + billed_second[1])
    assert len(fake_ai.requests) == 2


def test_repeat_fixed_on_the_second_try_is_delivered_clean(fake_ai, brief) -> None:
    Draft.objects.create(kind="post", text=GOOD, status="approved")
    fake_ai.script(drafts(GOOD), drafts(GOOD_2))
    job = run(jobs.request_post_drafts(brief=brief))
    draft = Draft.objects.get(job=job)
    assert draft.text == GOOD_2
    assert draft.flags == []
    assert draft.labels == ["regenerated"]
    assert draft.novelty["too_similar"] is False


def test_brand_novelty_threshold_is_used(fake_ai, brief) -> None:
    Draft.objects.create(kind="post", text=GOOD, status="approved")
    services.update_assistant_settings(novelty_threshold=100)
    almost = GOOD.replace("this week", "this weekend")
    fake_ai.script(drafts(almost))
    job = run(jobs.request_post_drafts(brief=brief))
    assert Draft.objects.get(job=job).flags == []


def test_offline_generator_steps_around_a_post_it_would_repeat(offline, brief) -> None:
    first = run(jobs.request_post_drafts(brief=brief))
    earlier = Draft.objects.get(job=first)
    for transition in ("approve", "publish"):
        services.transition_draft(draft_id=earlier.pk, transition=transition)

    second = run(jobs.request_post_drafts(brief=brief))

    draft = Draft.objects.get(job=second)
    assert draft.text != earlier.text
    # Posting the same key message again is a repeat however it is worded: the approver sees
    # which post it repeats.
    assert draft.flags == ["repeats_recent_post"]
    assert draft.novelty["similar_draft_id"] == earlier.pk
    assert draft.novelty["similar_status"] == "published"
    assert draft.labels == ["regenerated", "offline_generated"]
    assert (draft.provider, draft.model, draft.tokens_in, draft.cost_estimate) == (
        "offline",
        "offline-v1",
        0,
        0,
    )


def test_reply_to_an_angry_comment_carries_the_risk_and_the_models_view(fake_ai, voice) -> None:
    channel = services.create_channel(network="instagram", handle="alpinecoffee")
    item = services.ingest_inbox_item(
        channel=channel,
        author_handle="grumpy",
        text="Worst latte ever and the staff were rude. I want a refund!!!",
    )
    fake_ai.script(
        drafts(
            "We're sorry, @grumpy. Please DM us your order number so we can make it right.",
            risk_score=45,
            risk_reasons=["refund request"],
        )
    )
    job = run(jobs.request_replies(inbox_item=item))
    draft = Draft.objects.get(job=job)
    assert {r["code"] for r in draft.risk_reasons} == {"negative_comment", "model_assessment"}
    # Brandroom's 20 for the angry comment; the model's higher 45 raises it to 45.
    assert draft.risk_score == 45
    assert draft.kind == "reply" and draft.inbox_item_id == item.pk


def test_content_filter_stop_is_a_refusal(fake_ai, brief) -> None:
    fake_ai.script(completion(None, finish_reason="content_filter"))
    job = run(jobs.request_post_drafts(brief=brief))
    assert (job.status, job.failure_code) == ("failed", "refused")
    assert "content filter" in job.failure_reason


def test_unreachable_endpoint_is_retried(fake_ai, brief, settings) -> None:
    settings.AI_BASE_URL = "http://127.0.0.1:9/v1"  # nothing listens on the discard port
    job = jobs.request_post_drafts(brief=brief)
    with pytest.raises(jobs.RetryLater):
        run_generation_job.fn(job.pk)
    job.refresh_from_db()
    assert (job.status, job.failure_code) == ("queued", "provider_unreachable")


def test_regeneration_loses_to_a_hand_edit_made_meanwhile(fake_ai, brief) -> None:
    draft = services.write_draft(kind="post", text=GOOD, channel=brief.channels.get())
    job = jobs.request_regeneration(draft=draft, instructions="Warmer")
    edit = services.revise_draft(draft_id=draft.pk, text=GOOD_2)
    fake_ai.script(drafts("A warmer take on autumn. #AlpineCoffee"))

    job = run(job)

    assert (job.status, job.failure_code) == ("failed", "draft_already_revised")
    assert job.tokens_in == 120  # the call was paid for, so it counts against the budget
    assert list(Draft.objects.filter(parent=draft)) == [edit]


def test_job_whose_brief_was_deleted_fails_with_a_reason(fake_ai, brief) -> None:
    job = jobs.request_post_drafts(brief=brief, instructions="Mention maple")
    services.delete_brief(brief=brief)
    job = run(job)
    assert (job.status, job.failure_code) == ("failed", "inputs_gone")
    assert job.inputs["instructions"] == "Mention maple"
    assert fake_ai.requests == []


def test_offline_only_brand_never_calls_the_platform_endpoint(fake_ai, brief) -> None:
    services.update_assistant_settings(offline_only=True)
    job = run(jobs.request_post_drafts(brief=brief))
    assert (job.status, job.provider) == ("succeeded", "offline")
    assert fake_ai.requests == []
