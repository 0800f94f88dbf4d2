"""The offline generator: deterministic drafts composed from the voice, audience and brief, used
when no AI endpoint is configured (the way Django's console email backend stands in for SMTP).

Every draft it makes is labelled ``offline_generated``. It never repeats a comment's text, so a
hostile comment has nothing to steer. Its wording varies with the voice's tone, the audience and
the brief; a regeneration never returns the text it replaces, and the team's requested changes
("shorter", "no hashtags", "mention ...", "without ...") are honoured. Internal fields of a brief
(its goal) are never published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from content.assistant.context import GenerationContext

MODEL = "offline-v1"

# The brief's goal is internal (what the team wants to achieve): no template uses it.
POST_TEMPLATES = (
    "{message}{cta}",
    "{hook}{message}{cta}",
    "{campaign}{message}{cta}",
    "{opener} {message}{cta}",
    "{audience}{message}{cta}",
    "{hook}{campaign}{message}{cta}",
    "In case you missed it: {message}{cta}",
    "{opener} {audience}{message}{cta}",
)
# Openers by the voice's tone words; the first tone the brand lists that we know wins.
OPENERS = {
    "playful": ("Guess what?", "Psst!", "Plot twist:"),
    "warm": ("Good news, friends:", "A little something for you:", "From us to you:"),
    "bold": ("Big news:", "It's here:", "No waiting:"),
    "friendly": ("Hey there!", "Good news:", "Say hello:"),
    "formal": ("We are pleased to share:", "Announcement:", "Please note:"),
    "professional": ("Update:", "Announcement:", "For your calendar:"),
}
DEFAULT_OPENERS = ("Good news:", "Heads up:", "Fresh from us:")
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


def _disclosures(ctx: GenerationContext) -> list[str]:
    return [
        d.get("text", "")
        for d in ctx.voice.required_disclosures
        if d.get("when", "always") == "always" or (ctx.brief is not None and ctx.brief.is_paid)
    ]


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


@dataclass(frozen=True)
class ChangeRequest:
    """What the brand team asked for in a regeneration, as the offline generator reads it."""

    shorter: bool = False
    no_hashtags: bool = False
    mention: tuple[str, ...] = ()
    without: tuple[str, ...] = ()
    tone: str = ""


def change_request(instructions: str) -> ChangeRequest:
    said = " ".join(instructions.split())
    low = said.lower()
    mention = tuple(
        m.group(1).strip(" .!,;")
        for m in re.finditer(r"(?i)\b(?:mention|add|include)\s+(.+?)(?:[.;!]|$|\band\b)", said)
        if m.group(1).strip(" .!,;")
    )
    without = tuple(
        m.group(1).strip(" .!,;\"'")
        for m in re.finditer(r"(?i)\b(?:without|remove|drop|don't say|do not say)\s+(?:the\s+)?"
                             r"[\"']?(.+?)[\"']?(?:[.;!]|$|\band\b)", said)
    )  # fmt: skip
    tone = next((t for t in OPENERS if re.search(rf"\b{t}\w*", low)), "")
    return ChangeRequest(
        shorter=bool(re.search(r"\b(?:short|shorter|brief|concise|less text|trim)\b", low)),
        no_hashtags=bool(re.search(r"\bno (?:hash)?tags?\b|\bwithout (?:hash)?tags?\b", low)),
        mention=tuple(m for m in mention if "hashtag" not in m.lower()),
        without=tuple(w for w in without if w and "hashtag" not in w.lower()),
        tone=tone,
    )


def _opener(ctx: GenerationContext, request: ChangeRequest, variant: int) -> str:
    tones = [request.tone] if request.tone else [t.lower() for t in ctx.voice.tone]
    choices = next((OPENERS[t] for t in tones if t in OPENERS), DEFAULT_OPENERS)
    return choices[(variant // len(POST_TEMPLATES)) % len(choices)]


def compose_post(ctx: GenerationContext, *, variant: int) -> str:
    brief = ctx.brief
    request = change_request(ctx.instructions)
    message = _sentence(brief.key_message if brief else "")
    hook = ""
    if ctx.audience is not None and ctx.audience.pains:
        hook = _sentence(f"Tired of {ctx.audience.pains[0].rstrip('.').lower()}?") + " "
    audience = ""
    if ctx.audience is not None:
        loves = ctx.audience.motivations[0].rstrip(".").lower() if ctx.audience.motivations else ""
        audience = f"For everyone who loves {loves}: " if loves else f"{ctx.audience.name}: "
    campaign = f"{brief.campaign}: " if brief and brief.campaign else ""
    cta = f" {_sentence(brief.call_to_action)}" if brief and brief.call_to_action else ""
    extra = " ".join(_sentence(m[:1].upper() + m[1:]) for m in request.mention)
    template = POST_TEMPLATES[variant % len(POST_TEMPLATES)]
    if request.shorter:
        template = "{message}"
        hook = audience = campaign = ""
    body = template.format(
        message=message,
        hook=hook,
        campaign=campaign,
        cta=cta,
        audience=audience,
        opener=_opener(ctx, request, variant),
    )
    if extra:
        body = f"{body} {extra}"
    body = _remove_phrases(" ".join(body.split()), ctx.voice.banned_phrases + request.without)
    if not ctx.channel.links_allowed or not ctx.voice.allowed_domains:
        body = re.sub(r"https?://\S+|www\.\S+", "", body).strip()
    tags = [] if request.no_hashtags else _tags(ctx)
    if request.no_hashtags:  # disclosures stay, brand hashtags go
        tags = [t for t in _tags(ctx) if not t.startswith("#") or t in _disclosures(ctx)]
    return _fit(body, " ".join(tags), ctx.channel.max_length)


SAFE_HANDLE = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,48}[A-Za-z0-9_])?")


def compose_reply(ctx: GenerationContext, *, variant: int) -> str:
    author = ctx.comment.author_handle.lstrip("@") if ctx.comment else ""
    template = REPLY_TEMPLATES[variant % len(REPLY_TEMPLATES)]
    if SAFE_HANDLE.fullmatch(author):
        body = template.format(author=author)
    else:
        # A "handle" that is not one is someone's text; it goes nowhere near the reply.
        body = template.replace("@{author}", "there").replace("Hi there,", "Hi,")
    request = change_request(ctx.instructions)
    extra = " ".join(_sentence(m[:1].upper() + m[1:]) for m in request.mention)
    if extra:
        body = f"{body} {extra}"
    body = _remove_phrases(body, ctx.voice.banned_phrases + request.without)
    disclosures = " ".join(
        d.get("text", "") for d in ctx.voice.required_disclosures if d.get("when") == "always"
    )
    return _fit(body, disclosures, ctx.channel.max_length)
