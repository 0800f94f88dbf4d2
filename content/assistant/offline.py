"""The offline generator: deterministic drafts composed from the voice, audience and brief, used
when no AI endpoint is configured (the way Django's console email backend stands in for SMTP).

Every draft it makes is labelled ``offline_generated``. It never repeats a comment's text, so a
hostile comment has nothing to steer.
"""

from __future__ import annotations

import re
import time

from content.assistant.context import GenerationContext
from content.assistant.novelty import closest_recent
from content.assistant.providers import GeneratedVariant, JudgeVerdict, ProviderResult

MODEL = "offline-v1"

POST_TEMPLATES = (
    "{message}{cta}",
    "{hook}{message}{cta}",
    "{campaign}{message}{cta}",
    "{message} {goal}{cta}",
    "Good news: {message}{cta}",
    "{hook}{campaign}{message}{cta}",
    "In case you missed it: {message}{cta}",
)
REPLY_TEMPLATES = (
    "Hi @{author}, thanks for reaching out. We're on it and will get back to you shortly.",
    "Thanks for your message, @{author}. We hear you; please send us a DM so we can help.",
    "@{author} thank you for taking the time to write to us. Our team is looking into this.",
    "Hello @{author}, we appreciate you getting in touch. We'll follow up with you directly.",
    "Thanks @{author}! Your feedback matters to us and we're here to help.",
)


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text


def _remove_phrases(text: str, phrases: tuple[str, ...]) -> str:
    for phrase in phrases:
        text = re.sub(rf"(?i)\b{re.escape(phrase)}\b", "", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def _tags(ctx: GenerationContext) -> list[str]:
    limit = ctx.channel.max_hashtags
    if ctx.voice.max_hashtags is not None:
        limit = min(limit, ctx.voice.max_hashtags)
    tags = [f"#{t.lstrip('#')}" for t in ctx.voice.hashtags][:limit]
    disclosures = [
        d.get("text", "")
        for d in ctx.voice.required_disclosures
        if d.get("when", "always") == "always" or (ctx.brief is not None and ctx.brief.is_paid)
    ]
    # Disclosures are never dropped; brand hashtags make room for them.
    hashtag_disclosures = [d for d in disclosures if d.startswith("#")]
    tags = tags[: max(0, limit - len(hashtag_disclosures))]
    return disclosures + [t for t in tags if t not in disclosures]


def _fit(body: str, suffix: str, max_length: int) -> str:
    text = f"{body} {suffix}".strip()
    if len(text) <= max_length:
        return text
    room = max_length - len(suffix) - 2
    return (body[: max(0, room)].rstrip() + "\u2026 " + suffix).strip()[:max_length]


def compose_post(ctx: GenerationContext, *, variant: int) -> str:
    brief = ctx.brief
    message = _sentence(brief.key_message if brief else "")
    hook = ""
    if ctx.audience is not None and ctx.audience.pains:
        hook = _sentence(f"Tired of {ctx.audience.pains[0].rstrip('.').lower()}?") + " "
    campaign = f"{brief.campaign}: " if brief and brief.campaign else ""
    goal = _sentence(brief.goal) if brief and brief.goal else ""
    cta = f" {_sentence(brief.call_to_action)}" if brief and brief.call_to_action else ""
    template = POST_TEMPLATES[variant % len(POST_TEMPLATES)]
    body = template.format(message=message, hook=hook, campaign=campaign, goal=goal, cta=cta)
    body = _remove_phrases(" ".join(body.split()), ctx.voice.banned_phrases)
    if not ctx.channel.links_allowed or not ctx.voice.allowed_domains:
        body = re.sub(r"https?://\S+|www\.\S+", "", body).strip()
    return _fit(body, " ".join(_tags(ctx)), ctx.channel.max_length)


SAFE_HANDLE = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,48}[A-Za-z0-9_])?")


def compose_reply(ctx: GenerationContext, *, variant: int) -> str:
    author = ctx.comment.author_handle.lstrip("@") if ctx.comment else ""
    template = REPLY_TEMPLATES[variant % len(REPLY_TEMPLATES)]
    if SAFE_HANDLE.fullmatch(author):
        body = template.format(author=author)
    else:
        # A "handle" that is not one is someone's text; it goes nowhere near the reply.
        body = template.replace("@{author}", "there").replace("Hi there,", "Hi,")
    body = _remove_phrases(body, ctx.voice.banned_phrases)
    disclosures = " ".join(
        d.get("text", "") for d in ctx.voice.required_disclosures if d.get("when") == "always"
    )
    return _fit(body, disclosures, ctx.channel.max_length)


class OfflineProvider:
    name = "offline"
    model = MODEL

    def judge(self, text: str, ctx: GenerationContext) -> JudgeVerdict | None:
        """No model to ask: the deterministic checks are all there is."""
        return None

    def generate(
        self, ctx: GenerationContext, *, variants: int, feedback: list[str]
    ) -> ProviderResult:
        started = time.monotonic()
        # A second attempt (with feedback) takes the next templates along, for a new wording.
        offset = variants if feedback else 0
        compose = compose_reply if ctx.kind == "reply" else compose_post
        texts: list[str] = []
        index = offset
        # Templates whose optional parts are empty can coincide, and a wording may repeat a
        # recent post: skip to the next wording.
        while len(texts) < variants and index < offset + variants + len(POST_TEMPLATES):
            text = compose(ctx, variant=index)
            repeats = closest_recent(text, ctx.recent_posts).too_similar
            if text not in texts and not repeats:
                texts.append(text)
            index += 1
        while len(texts) < variants:
            texts.append(compose(ctx, variant=offset + len(texts)))
        return ProviderResult(
            variants=[GeneratedVariant(text=t) for t in texts],
            provider=self.name,
            model=self.model,
            latency_ms=int((time.monotonic() - started) * 1000),
        )
