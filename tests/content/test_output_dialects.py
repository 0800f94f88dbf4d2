"""Issue 13: real OpenAI-compatible servers. Structured output is asked for in the dialect the
brand chose or the server accepts (OpenAI json_schema, llama.cpp's json_object with a schema,
plain text with the JSON parsed and checked); a server refusing the shape is told once, not
retried four times as a server error; a 200 that is not a chat completion is malformed output."""

from __future__ import annotations

import json

import pytest

from content import services
from content.assistant import providers
from content.models import Draft
from content.services import jobs
from tests.content.conftest import run
from tests.content.fake_ai import Answer, completion, drafts

pytestmark = pytest.mark.django_db

GOOD = "Our autumn blend is back, roasted in small batches. Come taste it."


@pytest.fixture(autouse=True)
def forget_detected_dialects():  # type: ignore[no-untyped-def]
    providers._detected.clear()
    yield
    providers._detected.clear()


def shapes(fake_ai) -> list[str]:  # type: ignore[no-untyped-def]
    return [(r["body"].get("response_format") or {}).get("type", "none") for r in fake_ai.requests]


def test_llama_cpp_server_gets_json_object_with_the_schema_after_refusing_json_schema(
    fake_ai, brief
) -> None:
    fake_ai.dialect = "llama.cpp"
    fake_ai.script(drafts(GOOD))
    job = run(jobs.request_post_drafts(brief=brief))
    assert (job.status, job.attempts) == ("succeeded", 1)
    assert Draft.objects.get(job=job).text == GOOD
    assert shapes(fake_ai) == ["json_schema", "json_object"]
    sent = fake_ai.requests[1]["body"]
    assert sent["response_format"]["schema"]["required"] == ["variants"]
    assert '"variants"' in sent["messages"][-1]["content"]  # the schema is spelled out too

    # The next job asks in the shape the server accepts straight away.
    fake_ai.script(drafts("Maple oat latte season starts today in every café."))
    assert run(jobs.request_post_drafts(brief=brief)).status == "succeeded"
    assert shapes(fake_ai)[2:] == ["json_object"]


def test_a_brand_that_chose_json_schema_is_told_what_to_change_without_retries(
    fake_ai, brief
) -> None:
    fake_ai.dialect = "llama.cpp"
    services.update_assistant_settings(structured_output="json_schema")
    job = run(jobs.request_post_drafts(brief=brief))
    assert (job.status, job.failure_code, job.attempts) == (
        "failed",
        "unsupported_output_format",
        1,
    )
    assert "json_object or text" in job.failure_reason
    assert "validation error" not in job.failure_reason  # the server's words stay out
    assert shapes(fake_ai) == ["json_schema"]


def test_plain_text_dialect_parses_and_checks_the_json_in_the_answer(fake_ai, brief) -> None:
    services.update_assistant_settings(structured_output="text")
    payload = json.dumps({"variants": [{"text": GOOD, "risk_score": 5, "risk_reasons": []}]})
    fake_ai.script(completion(f"Here you go:\n```json\n{payload}\n```\nEnjoy!"))
    job = run(jobs.request_post_drafts(brief=brief))
    assert job.status == "succeeded"
    assert Draft.objects.get(job=job).text == GOOD
    assert shapes(fake_ai) == ["none"]


def test_plain_text_without_the_json_is_malformed_output(fake_ai, brief) -> None:
    services.update_assistant_settings(structured_output="text")
    fake_ai.script(completion("Sure! Our autumn blend is back."))
    job = run(jobs.request_post_drafts(brief=brief))
    assert (job.status, job.failure_code) == ("failed", "malformed_output")


@pytest.mark.parametrize(
    "body",
    ["", "<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>", "null", "{}"],
)
def test_a_200_that_is_not_a_chat_completion_is_malformed_output(fake_ai, brief, body) -> None:
    fake_ai.script(Answer(status=200, body=body))
    job = run(jobs.request_post_drafts(brief=brief))
    assert (job.status, job.failure_code) == ("failed", "malformed_output")
    assert "platform team" not in job.failure_reason


def test_output_tokens_are_capped_on_every_call(fake_ai, brief, settings) -> None:
    settings.AI_MAX_OUTPUT_TOKENS = 321
    fake_ai.script(drafts(GOOD))
    run(jobs.request_post_drafts(brief=brief))
    assert fake_ai.requests[0]["body"]["max_tokens"] == 321


def test_an_absurdly_long_draft_is_refused_before_it_is_stored(fake_ai, brief) -> None:
    fake_ai.script(drafts("coffee " * 5000))
    job = run(jobs.request_post_drafts(brief=brief))
    assert (job.status, job.failure_code) == ("failed", "output_too_long")
    assert not Draft.objects.filter(job=job).exists()


def test_a_prompt_over_the_cap_is_refused_before_the_call(fake_ai, brief, settings) -> None:
    settings.AI_MAX_PROMPT_TOKENS = 500
    job = run(jobs.request_post_drafts(brief=brief))
    assert (job.status, job.failure_code) == ("failed", "prompt_too_large")
    assert fake_ai.requests == []
