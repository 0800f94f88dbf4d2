"""Novelty ("broken record"): near-duplicates of recent approved or published posts are caught,
fresh copy is not, and the brand's threshold decides."""

from __future__ import annotations

import pytest

from content.assistant import novelty
from content.assistant.context import RecentPost, recent_posts
from content.models import Draft

RECENT = (
    RecentPost(draft_id=11, text="Our autumn blend is back! Come taste it at the café this week."),
    RecentPost(draft_id=12, text="Meet Luca, our head roaster, every Saturday morning at 10."),
    RecentPost(draft_id=13, text="New opening hours: we now open at 6:30 on weekdays."),
)


@pytest.mark.parametrize(
    "text",
    [
        "Our autumn blend is back! Come taste it at the café this week.",  # the same post
        "our autumn blend is BACK - come taste it at the cafe this week #AlpineCoffee",
        "Come taste it at the café this week: our autumn blend is back!",  # reordered
        "Our autumn blend is back! Come and taste it at the café this week. https://x.co/a",
    ],
)
def test_near_duplicates_of_a_recent_post_are_too_similar(text: str) -> None:
    result = novelty.closest_recent(text, RECENT, threshold=85)
    assert result.too_similar
    assert result.draft_id == 11
    assert result.as_dict()["similar_text"] == RECENT[0].text


@pytest.mark.parametrize(
    "text",
    [
        "Pumpkin spice who? Our maple oat latte is the new autumn favourite.",
        "We are hiring baristas for the winter season: apply in store.",
    ],
)
def test_fresh_copy_is_not_flagged(text: str) -> None:
    assert not novelty.closest_recent(text, RECENT, threshold=85).too_similar


def test_threshold_per_brand_decides() -> None:
    text = "Our autumn blend returns! Taste it at the café this weekend."
    result = novelty.closest_recent(text, RECENT, threshold=85)
    assert not result.too_similar
    assert novelty.closest_recent(text, RECENT, threshold=60).too_similar


def test_nothing_to_compare_with_is_novel() -> None:
    result = novelty.closest_recent("Anything at all", (), threshold=85)
    assert result.draft_id is None and not result.too_similar


@pytest.mark.django_db
def test_said_and_waiting_posts_count_as_recent_not_rejected_ones_nor_replies(in_a) -> None:
    published = Draft.objects.create(kind="post", text="Published one", status="published")
    approved = Draft.objects.create(kind="post", text="Approved one", status="approved")
    Draft.objects.create(kind="post", text="Rejected one", status="rejected")
    ready = Draft.objects.create(kind="post", text="Ready one", status="ready")
    in_review = Draft.objects.create(kind="post", text="In review", status="in_review")
    reply = Draft.objects.create(kind="reply", text="Approved reply", status="approved")
    assert {p.draft_id for p in recent_posts()} == {
        published.pk,
        approved.pk,
        ready.pk,
        in_review.pk,
    }
    assert {p.draft_id for p in recent_posts(kind="reply")} == {reply.pk}


# The pair: a reworded repeat scored 79.8 against 85 with the old measure and passed.
EARLIER = (
    "The autumn blend is back: small-batch roasted, with notes of caramel and toasted hazelnut."
)
REWORDED = (
    "Back by popular demand: our autumn blend, roasted in small batches. Expect caramel and "
    "hazelnut notes."
)


def test_a_reworded_repeat_of_a_recent_post_is_caught() -> None:
    from rapidfuzz import fuzz

    # The character-level measure alone lets it through...
    assert fuzz.token_sort_ratio(novelty.normalise(REWORDED), novelty.normalise(EARLIER)) < 85
    # ... the content words give it away.
    result = novelty.closest_recent(REWORDED, (RecentPost(draft_id=7, text=EARLIER),))
    assert result.too_similar, result.score
    assert result.as_dict()["similar_draft_id"] == 7


def test_an_alternative_for_the_same_brief_only_counts_when_near_identical() -> None:
    waiting = (RecentPost(draft_id=7, text=EARLIER, status="ready", alternative=True),)
    assert not novelty.closest_recent(REWORDED, waiting).too_similar
    assert novelty.closest_recent(EARLIER + " ", waiting).too_similar


@pytest.mark.parametrize(
    "text",
    [
        "Our autumn blend pairs beautifully with pumpkin pie: try both this weekend.",
        "Meet the farmers behind our autumn blend at the roastery open day on Saturday.",
    ],
)
def test_another_message_about_the_same_product_is_not_a_repeat(text: str) -> None:
    assert not novelty.closest_recent(text, (RecentPost(draft_id=7, text=EARLIER),)).too_similar


@pytest.mark.django_db
def test_a_draft_repeating_one_waiting_in_review_is_flagged_with_it(fake_ai, x_channel, voice):
    from content import services
    from content.services import jobs
    from content.tasks import run_generation_job
    from tests.content.fake_ai import drafts

    first = services.create_brief(title="A", key_message="Autumn blend", channels=[x_channel])
    other = services.create_brief(title="B", key_message="Maple latte", channels=[x_channel])
    fake_ai.script(drafts(EARLIER), drafts(REWORDED), drafts(REWORDED))
    run_generation_job.fn(jobs.request_post_drafts(brief=first).pk)
    waiting = Draft.objects.get(brief=first)
    assert waiting.status == "ready"
    job = jobs.request_post_drafts(brief=other)
    run_generation_job.fn(job.pk)
    draft = Draft.objects.get(job=job)
    assert "repeats_recent_post" in draft.flags
    assert draft.novelty["similar_draft_id"] == waiting.pk
    assert draft.novelty["similar_status"] == "ready"


@pytest.mark.django_db
def test_recent_replies_are_compared_too(fake_ai, x_channel, voice):
    from django.utils import timezone

    from content import services
    from content.services import jobs
    from content.tasks import run_generation_job
    from tests.content.fake_ai import drafts

    canned = "Thanks for reaching out! Our team will look into your order and get back to you."
    ids = []
    for handle in ("ann", "ben"):
        item = services.ingest_inbox_item(
            channel=x_channel, author_handle=handle, text="Where is my order?",
            received_at=timezone.now(),
        )  # fmt: skip
        fake_ai.script(drafts(canned), drafts(canned))
        job = jobs.request_replies(inbox_item=item)
        run_generation_job.fn(job.pk)
        ids.append(Draft.objects.get(job=job))
    assert "repeats_recent_post" not in ids[0].flags
    assert "repeats_recent_post" in ids[1].flags
    assert ids[1].novelty["similar_draft_id"] == ids[0].pk


SAME_MEANING = "Small batches, big flavour: caramel, hazelnut and the return of the autumn blend."


@pytest.mark.django_db
@pytest.mark.parametrize("embeddings", [True, False])
def test_with_an_embeddings_model_a_repeat_in_other_words_is_caught(
    fake_ai, x_channel, voice, settings, embeddings: bool
):
    from content import services
    from content.services import jobs
    from content.tasks import run_generation_job
    from tests.content.fake_ai import drafts

    settings.AI_EMBEDDING_MODEL = "test-embeddings" if embeddings else ""
    assert novelty.similarity(SAME_MEANING, EARLIER) < 85  # the words alone do not tell
    fake_ai.meanings = [{EARLIER, SAME_MEANING}]
    published = Draft.objects.create(kind="post", text=EARLIER, status="published")
    brief = services.create_brief(title="B", key_message="Autumn", channels=[x_channel])
    fake_ai.script(drafts(SAME_MEANING), drafts(SAME_MEANING))
    job = jobs.request_post_drafts(brief=brief)
    run_generation_job.fn(job.pk)
    draft = Draft.objects.get(job=job)
    job.refresh_from_db()
    embedding_calls = [r for r in fake_ai.requests if r["path"].endswith("/embeddings")]
    if embeddings:
        assert "repeats_recent_post" in draft.flags
        assert draft.novelty["similar_draft_id"] == published.pk
        assert draft.novelty["score"] == 100.0
        assert embedding_calls and embedding_calls[0]["body"]["model"] == "test-embeddings"
        assert job.tokens_in > 2 * 120  # the embeddings' tokens count too
    else:
        assert "repeats_recent_post" not in draft.flags
        assert embedding_calls == []


@pytest.mark.django_db
def test_a_draft_delivered_as_first_written_pays_for_one_embeddings_comparison(
    fake_ai, x_channel, voice, settings
):
    from content import services
    from content.services import jobs
    from content.tasks import run_generation_job
    from tests.content.fake_ai import drafts

    settings.AI_EMBEDDING_MODEL = "test-embeddings"
    Draft.objects.create(kind="post", text=EARLIER, status="published")
    brief = services.create_brief(title="B", key_message="Autumn", channels=[x_channel])
    fresh = "Meet the team behind our new roastery: three people, one very old machine."
    fake_ai.script(drafts(fresh))
    job = jobs.request_post_drafts(brief=brief)
    run_generation_job.fn(job.pk)
    draft = Draft.objects.get(job=job)
    assert draft.attempts == 1 and "repeats_recent_post" not in draft.flags
    embedding_calls = [r for r in fake_ai.requests if r["path"].endswith("/embeddings")]
    assert len(embedding_calls) == 1
