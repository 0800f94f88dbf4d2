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
def test_only_approved_and_published_posts_not_replies_count_as_recent(in_a) -> None:
    published = Draft.objects.create(kind="post", text="Published one", status="published")
    approved = Draft.objects.create(kind="post", text="Approved one", status="approved")
    Draft.objects.create(kind="post", text="Rejected one", status="rejected")
    Draft.objects.create(kind="post", text="Ready one", status="ready")
    Draft.objects.create(kind="reply", text="Approved reply", status="approved")
    assert {p.draft_id for p in recent_posts()} == {published.pk, approved.pk}
