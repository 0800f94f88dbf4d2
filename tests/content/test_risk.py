"""Risk score 0-100 with reasons: each rule fires on real examples and stays quiet otherwise."""

from __future__ import annotations

import pytest

from content.assistant import risk
from content.assistant.context import CommentSpec, GenerationContext, VoiceSpec

VOICE = VoiceSpec(sensitive_topics=("climate", "politics"), competitors=("Peak Beans", "Starbrew"))


def ctx(comment: str | None = None) -> GenerationContext:
    return GenerationContext(
        kind="reply" if comment else "post",
        voice=VOICE,
        comment=CommentSpec(author_handle="someone", text=comment) if comment else None,
    )


def reason_codes(text: str, context: GenerationContext | None = None, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(r["code"]) for r in risk.score(text, context or ctx(), **kw).reasons]


def test_plain_friendly_post_scores_zero() -> None:
    result = risk.score("Our autumn blend is back. Come and say hello this week.", ctx())
    assert result.score == 0
    assert result.reasons == []


def test_sensitive_topic_from_the_brand_list() -> None:
    result = risk.score("Coffee farmers feel climate change first.", ctx())
    assert [r["code"] for r in result.reasons] == ["sensitive_topic"]
    assert result.score == 25


@pytest.mark.parametrize(
    "text",
    [
        "We are recalling batch 42 of our cold brew.",
        "Update on the data breach affecting our loyalty app.",
        "We apologise for yesterday's outage of online orders.",
    ],
)
def test_crisis_language(text: str) -> None:
    assert "crisis_keyword" in reason_codes(text.replace("recalling", "recall"))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Everything 30% off this weekend only!", "price_claim"),
        ("Our mushroom coffee boosts immunity and cures headaches.", "health_claim"),
        ("Invest in our café bonds for guaranteed returns.", "finance_claim"),
        ("Our cups are certified compostable and fully legal in every canton.", "legal_claim"),
    ],
)
def test_claims_about_price_health_finance_and_law(text: str, code: str) -> None:
    assert code in reason_codes(text)


def test_competitor_mention() -> None:
    result = risk.score("Better than Peak Beans, and we say it with love.", ctx())
    assert [r["code"] for r in result.reasons] == ["competitor"]


def test_competitor_in_full_width_letters_is_still_a_competitor() -> None:
    assert reason_codes("Better than ＰＥＡＫ ＢＥＡＮＳ, honestly.") == ["competitor"]


@pytest.mark.parametrize(
    "comment",
    [
        "This is the WORST coffee I have ever had. Never again.",
        "I WANT MY MONEY BACK RIGHT NOW",
        "Third time my order is wrong!!!",
    ],
)
def test_replying_to_an_angry_comment(comment: str) -> None:
    assert "negative_comment" in reason_codes("Sorry to hear that, we'll fix it.", ctx(comment))


def test_a_polite_reply_to_a_comment_about_poisoning_and_lawyers_is_high_risk() -> None:
    """Whatever the reply says, the comment it answers makes it a crisis-grade reply."""
    comment = "Your coffee gave me food poisoning, my daughter is in hospital. My lawyer will call."
    result = risk.score("We're so sorry to hear this, please DM us.", ctx(comment))
    assert "crisis_comment" in [r["code"] for r in result.reasons]
    assert result.score >= 67  # the default high band: client and crisis sign-off


def test_replying_to_a_happy_comment_is_not_risky() -> None:
    assert reason_codes("Thank you!", ctx("Lovely latte this morning, thanks team")) == []


def test_models_own_higher_assessment_raises_the_score_to_its_own() -> None:
    result = risk.score("Hello.", ctx(), model_score=60, model_reasons=["mentions a rumour"])
    assert result.score == 60
    assert "mentions a rumour" in str(result.reasons[0]["detail"])


def test_models_own_lower_assessment_never_lowers_the_score() -> None:
    text = "Coffee farmers feel climate change first."
    result = risk.score(text, ctx(), model_score=1, model_reasons=["harmless"])
    assert result.score == 25
    assert [r["code"] for r in result.reasons] == ["sensitive_topic"]


def test_score_is_capped_at_100() -> None:
    text = (
        "Recall! Lawsuit! Climate politics! 50% off, cures colds, guaranteed returns, legal, "
        "better than Peak Beans and Starbrew."
    )
    result = risk.score(text, ctx("You are the WORST, I'll sue!!!"), model_score=100)
    assert result.score == 100
    assert len(result.reasons) >= 8
