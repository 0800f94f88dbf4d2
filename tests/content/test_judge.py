"""Issue 13: the optional judge, a second and independent model call per draft. It sees only
the draft, the brand's rules and the comment (quoted as data), may only raise the risk, and its
tokens count in the job's cost and budget reservation."""

from __future__ import annotations

import pytest
from django.utils import timezone

from content import services
from content.assistant import prompts, usage
from content.models import Draft
from content.services import jobs
from tests.content.conftest import run
from tests.content.fake_ai import drafts, error, verdict

pytestmark = pytest.mark.django_db

GOOD = "Our autumn blend is back, roasted in small batches. Come taste it."


@pytest.fixture
def brief(x_channel, voice):  # type: ignore[no-untyped-def]
    return services.create_brief(
        title="Autumn blend",
        goal="Internal: lift Q4 bag sales by 12%",
        key_message="Our autumn blend is back",
        channels=[x_channel],
    )


def test_judges_objection_flags_the_draft_for_a_person_and_costs_its_tokens(fake_ai, brief) -> None:
    services.update_assistant_settings(judge_enabled=True)
    fake_ai.script(drafts(GOOD), verdict(False, 80, ["hints at a price war"]))
    job = run(jobs.request_post_drafts(brief=brief))
    draft = Draft.objects.get(job=job)
    assert "judge_objection" in draft.flags
    assert draft.needs_person and "judge objected" in draft.needs_person_reason
    assert draft.risk_score >= 80
    assert "hints at a price war" in str(draft.risk_reasons)
    assert (job.tokens_in, job.tokens_out) == (120 + 80, 40 + 20)
    assert job.cost_reserved == usage.reservation_for(variants=1, judge=True, offline=False)
    assert job.cost_reserved > usage.reservation_for(variants=1, judge=False, offline=False)


def test_judge_sees_only_the_draft_the_rules_and_the_comment_as_data(
    fake_ai, x_channel, voice
) -> None:
    services.update_assistant_settings(judge_enabled=True)
    item = services.ingest_inbox_item(
        channel=x_channel, author_handle="jo", text="Is the autumn blend back?",
        received_at=timezone.now(),
    )  # fmt: skip
    reply = "Hi @jo, it is! Come and taste it this week."
    fake_ai.script(drafts(reply), verdict(True))
    job = run(jobs.request_replies(inbox_item=item, instructions="Mention the café hours"))
    assert job.status == "succeeded"
    system, user = fake_ai.messages(1)
    assert system["content"] == prompts.JUDGE_INSTRUCTIONS
    assert prompts.INSTRUCTIONS.splitlines()[0] not in user["content"]
    assert "Mention the café hours" not in user["content"]  # the writer's brief stays out
    fenced = user["content"].split(prompts.DRAFT_OPEN, 1)[1].split(prompts.DRAFT_CLOSE)[0]
    assert reply in fenced
    assert user["content"].count(prompts.COMMENT_OPEN) == 1
    draft = Draft.objects.get(job=job)
    assert "judge_objection" not in draft.flags


def test_a_judge_that_fails_leaves_a_label_not_a_lost_draft(fake_ai, brief) -> None:
    services.update_assistant_settings(judge_enabled=True)
    fake_ai.script(drafts(GOOD), error(500, "judge down"))
    job = run(jobs.request_post_drafts(brief=brief))
    draft = Draft.objects.get(job=job)
    assert job.status == "succeeded"
    assert "judge_failed" in draft.labels
    assert draft.text == GOOD


def test_without_the_judge_one_call_is_made(fake_ai, brief) -> None:
    fake_ai.script(drafts(GOOD))
    job = run(jobs.request_post_drafts(brief=brief))
    assert job.status == "succeeded"
    assert len(fake_ai.requests) == 1
