"""Issue 13: the offline generator varies its wording from the voice, audience and brief,
never returns the text a regeneration replaces, honours requested changes and never publishes
a brief's internal goal."""

from __future__ import annotations

import pytest

from content import services
from content.models import Draft, GenerationJob
from content.services import jobs
from content.tasks import run_generation_job

pytestmark = pytest.mark.django_db

GOAL = "Internal: lift Q4 bag sales by 12% before the board meeting"


@pytest.fixture
def brief(offline, x_channel, voice):  # type: ignore[no-untyped-def]
    audience = services.create_audience(
        name="Commuters", motivations=["a good cup on the way"], pains=["slow queues at 8am"]
    )
    return services.create_brief(
        title="Autumn blend",
        goal=GOAL,
        key_message="Our autumn blend is back",
        call_to_action="Come taste it this week",
        audience=audience,
        channels=[x_channel],
    )


def run(job: GenerationJob) -> list[Draft]:
    run_generation_job.fn(job.pk)
    return list(Draft.objects.filter(job=job).order_by("variant"))


def test_variants_differ_follow_the_voice_and_never_publish_the_internal_goal(brief) -> None:
    texts = [d.text for d in run(jobs.request_post_drafts(brief=brief, variants=5))]
    assert len(set(texts)) == 5
    for text in texts:
        assert "board meeting" not in text and "12%" not in text and "Internal" not in text
    # The voice is warm and playful: its openers appear, not a generic one.
    assert any(t.startswith(("Guess what?", "Psst!", "Plot twist:")) for t in texts) or any(
        "Good news, friends:" in t for t in texts
    )
    assert any("For everyone who loves a good cup on the way" in t for t in texts)


def test_regeneration_never_returns_the_text_it_replaces(brief) -> None:
    draft = run(jobs.request_post_drafts(brief=brief))[0]
    seen = {draft.text}
    for _ in range(3):
        (draft,) = run(jobs.request_regeneration(draft=draft))
        assert draft.text not in seen
        seen.add(draft.text)


def test_requested_changes_are_honoured(brief) -> None:
    draft = run(jobs.request_post_drafts(brief=brief))[0]
    (revised,) = run(
        jobs.request_regeneration(
            draft=draft,
            instructions="Shorter please, no hashtags, and mention the café opens at 7",
        )
    )
    assert "#AlpineCoffee" in draft.text
    assert "#" not in revised.text
    assert "The café opens at 7." in revised.text
    assert "Tired of" not in revised.text
    assert len(revised.text) < len(draft.text)
