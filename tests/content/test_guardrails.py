"""Guardrails on real-looking drafts: each rule catches its case and leaves good copy alone."""

from __future__ import annotations

import pytest

from content.assistant import guardrails
from content.assistant.context import (
    BriefSpec,
    ChannelSpec,
    CommentSpec,
    GenerationContext,
    VoiceSpec,
)

VOICE = VoiceSpec(
    version=3,
    banned_phrases=("cheap", "best coffee in the world"),
    required_disclosures=({"text": "#ad", "when": "paid"},),
    allowed_domains=("alpinecoffee.ch",),
    allowed_handles=("alpineroasters",),
    locale="en-GB",
)
X = ChannelSpec(network="x", handle="alpinecoffee", max_length=280, max_hashtags=2)
INSTAGRAM = ChannelSpec(network="instagram", handle="alpinecoffee", max_length=2200,
                        max_hashtags=30, links_allowed=False)  # fmt: skip


def ctx(**kwargs) -> GenerationContext:  # type: ignore[no-untyped-def]
    base = {"kind": "post", "voice": VOICE, "channel": X, "brief": BriefSpec(key_message="x")}
    base.update(kwargs)
    return GenerationContext(**base)


def codes(text: str, context: GenerationContext | None = None) -> list[str]:
    return [v.code for v in guardrails.check(text, context or ctx())]


def test_good_post_passes() -> None:
    text = (
        "Our autumn blend is back at the café: maple, hazelnut and a little spice. "
        "Come and taste it this week at alpinecoffee.ch/autumn #AlpineCoffee"
    )
    assert codes(text) == []


def test_post_over_the_channel_length_is_too_long() -> None:
    text = "We roast every bean by hand in the mountains. " * 8
    violations = guardrails.check(text, ctx())
    assert [v.code for v in violations] == ["too_long"]
    assert "x allows 280" in violations[0].detail


def test_too_many_hashtags_for_x() -> None:
    assert codes("Fresh beans for the weekend #coffee #autumn #latte") == ["too_many_hashtags"]


def test_voice_hashtag_limit_is_stricter_than_the_network() -> None:
    voice = VoiceSpec(max_hashtags=0)
    assert codes("Fresh beans for the weekend #coffee", ctx(voice=voice)) == ["too_many_hashtags"]


@pytest.mark.parametrize(
    "text",
    [
        "Grab a cheap flat white before work.",
        "Honestly the BEST COFFEE IN THE WORLD is waiting for you.",
        "Cheap! Cheerful! Caffeinated!",
    ],
)
def test_banned_phrases_are_caught_whatever_the_case(text: str) -> None:
    assert "banned_phrase" in codes(text)


@pytest.mark.parametrize(
    ("banned", "text"),
    [
        # Decomposed accents, as phones and macOS paste them, against a composed banned phrase.
        ("crème brûlée", "Our cre\u0300me bru\u0302le\u0301e latte is back."),
        # And the other way round.
        ("cre\u0300me bru\u0302le\u0301e", "Our crème brûlée latte is back."),
        ("cheap", "Ｃｈｅａｐ beans, great taste."),  # full-width letters
        ("strasse", "Meet us on Straße 5."),  # case folding: ß is ss
        ("cheap", "So ch\u200beap it hurts."),  # a zero-width space inside the word
    ],
)
def test_banned_phrases_are_caught_however_the_characters_are_encoded(
    banned: str, text: str
) -> None:
    voice = VoiceSpec(banned_phrases=(banned,))
    assert codes(text, ctx(voice=voice)) == ["banned_phrase"]


def test_banned_word_inside_another_word_is_fine() -> None:
    assert "banned_phrase" not in codes("Say cheeps to the birds on our terrace.")


def test_paid_post_without_the_disclosure_is_caught() -> None:
    paid = ctx(brief=BriefSpec(key_message="x", is_paid=True))
    assert codes("Our autumn blend is back for a limited time, come and taste it.", paid) == [
        "missing_disclosure"
    ]
    assert codes("Our autumn blend is back for a limited time, come and taste it. #ad", paid) == []


@pytest.mark.parametrize(
    "text",
    [
        "New oat latte at the café. #adventure awaits",
        "Fresh kicks and coffee #adidas",
    ],
)
def test_a_disclosure_inside_a_longer_tag_or_word_does_not_count(text: str) -> None:
    paid = ctx(brief=BriefSpec(key_message="x", is_paid=True))
    assert "missing_disclosure" in codes(text, paid)


def test_disclosure_only_needed_on_paid_posts() -> None:
    assert codes("Our autumn blend is back for a limited time, come and taste it.") == []


@pytest.mark.parametrize(
    "text",
    [
        "Win a year of coffee at https://free-coffee.example.net/win",
        "Details on www.bitly-like.io/xyz and in store.",
        "Order now on coffeedeals.shop today!",
        # Any top-level domain, not only a list of common ones.
        "Free beans at freebeans.top, hurry.",
        "Refunds: evil.top/refund",
        "Our hours are at northwind.coffee/hours.",
    ],
)
def test_links_outside_the_allow_list_are_caught(text: str) -> None:
    assert "link_not_allowed" in codes(text)


def test_subdomain_of_an_allowed_domain_is_fine() -> None:
    assert codes("Order online at https://shop.alpinecoffee.ch/autumn and pick up today.") == []


def test_instagram_posts_may_carry_no_links_at_all() -> None:
    violations = guardrails.check(
        "Our blend is back: alpinecoffee.ch/autumn", ctx(channel=INSTAGRAM)
    )
    assert [v.code for v in violations] == ["link_not_allowed"]
    assert "may not carry links" in violations[0].detail


def test_handles_outside_the_allow_list_are_caught() -> None:
    violations = guardrails.check("Thanks to @alpineroasters and @randomguy99 for this!", ctx())
    assert [v.code for v in violations] == ["handle_not_allowed"]
    assert "@randomguy99" in violations[0].detail


def test_reply_may_mention_the_commenter_and_the_brand_itself() -> None:
    reply = ctx(kind="reply", comment=CommentSpec(author_handle="jane_doe", text="Love it"))
    assert codes("Thanks @jane_doe! Follow @alpinecoffee for more.", reply) == []


def test_email_address_is_not_a_handle() -> None:
    assert "handle_not_allowed" not in codes("Write to hello@alpinecoffee.ch with questions.")


def test_emoji_are_caught_when_the_voice_uses_none() -> None:
    voice = VoiceSpec(emoji_policy="none")
    assert codes("Autumn is here \u2615\U0001f342", ctx(voice=voice)) == ["emoji_not_allowed"]
    assert codes("Autumn is here \u2615\U0001f342", ctx(voice=VoiceSpec())) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Unsere Herbstmischung ist wieder da und wir freuen uns auf euren Besuch im Café.", "de"),
        ("Notre mélange d'automne est de retour et nous avons hâte de vous voir au café.", "fr"),
        ("Nuestra mezcla de otoño está de vuelta y nos encanta verte en el café con amigos.", "es"),
    ],
)
def test_draft_in_another_language_is_caught(text: str, language: str) -> None:
    violations = guardrails.check(text, ctx())
    assert [v.code for v in violations] == ["wrong_language"]
    assert f"'{language}'" in violations[0].detail


def test_german_brand_writes_german() -> None:
    german = VoiceSpec(locale="de-CH")
    text = "Unsere Herbstmischung ist wieder da und wir freuen uns auf euren Besuch im Café."
    assert codes(text, ctx(voice=german)) == []
    assert "wrong_language" in codes(
        "Our autumn blend is back and we are looking forward to your visit at the café.",
        ctx(voice=german),
    )


def test_short_text_is_no_evidence_of_language() -> None:
    assert guardrails.guess_language("Merci!") is None
