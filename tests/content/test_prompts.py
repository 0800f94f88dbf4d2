"""Prompts are built in one place from the voice, audience, channel rules, the brief and the
brand's recent posts; feedback from failed checks goes into the second attempt."""

from __future__ import annotations

from content.assistant import prompts
from content.assistant.context import (
    AudienceSpec,
    BriefSpec,
    ChannelSpec,
    GenerationContext,
    RecentPost,
    VoiceSpec,
)

CTX = GenerationContext(
    kind="post",
    brand_name="Alpine Coffee",
    voice=VoiceSpec(
        version=4,
        tone=("warm", "playful"),
        banned_phrases=("cheap",),
        required_disclosures=({"text": "#ad", "when": "paid"},),
        hashtags=("AlpineCoffee",),
        locale="de-CH",
        allowed_domains=("alpinecoffee.ch",),
    ),
    channel=ChannelSpec(network="threads", handle="alpinecoffee", max_length=500, max_hashtags=1),
    audience=AudienceSpec(name="Commuters", pains=("slow queues",)),
    brief=BriefSpec(
        title="Autumn", key_message="Autumn blend is back", call_to_action="Visit", is_paid=True
    ),
    recent_posts=(RecentPost(draft_id=1, text="Meet our head roaster Luca"),),
)


def test_system_message_carries_voice_channel_and_audience_rules() -> None:
    system = prompts.build_messages(CTX, variants=2)[0]["content"]
    for expected in [
        "Alpine Coffee",
        "warm; playful",
        "Never use these words or phrases: cheap",
        "Language/locale: de-CH",
        "threads @alpinecoffee; at most 500 characters and 1 hashtags",
        "Allowed link domains: alpinecoffee.ch",
        "Must include these disclosures: #ad",
        "Audience: Commuters",
        "slow queues",
    ]:
        assert expected in system


def test_task_carries_the_brief_and_the_posts_to_avoid() -> None:
    task = prompts.build_messages(CTX, variants=2)[1]["content"]
    assert "Write 2 different post variant(s)" in task
    assert "Key message: Autumn blend is back" in task
    assert "Paid content: yes" in task
    assert "do not repeat them: Meet our head roaster Luca" in task


def test_second_attempt_carries_the_violations() -> None:
    task = prompts.build_messages(CTX, variants=1, feedback=["Uses the banned phrase cheap."])
    assert "broke these rules" in task[1]["content"]
    assert "- Uses the banned phrase cheap." in task[1]["content"]


def test_structured_output_schema_is_strict_json_schema() -> None:
    fmt = prompts.response_format(3)
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["strict"] is True
    item = fmt["json_schema"]["schema"]["properties"]["variants"]["items"]
    assert item["required"] == ["text", "risk_score", "risk_reasons"]
    assert prompts.PROMPT_VERSION == "v2"


def test_risk_reasons_sent_as_one_string_stay_one_reason() -> None:
    from content.assistant.providers import parse_variants

    [variant] = parse_variants(
        '{"variants": [{"text": "Hello", "risk_score": 40, "risk_reasons": "legal review"}]}'
    )
    assert variant.risk_reasons == ["legal review"]
