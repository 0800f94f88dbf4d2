"""What one generation is about, as plain frozen data: the voice, channel rules, audience, the
brief or the comment being answered, and recent posts to avoid. Checks and prompts work on this,
so they are pure functions that tests can feed directly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from content.assistant.learnings import brand_learnings
from content.models import (
    AudienceProfile,
    BrandVoice,
    Brief,
    Channel,
    Draft,
    GenerationJob,
    InboxItem,
)
from content.networks import DEFAULT_RULES, Network
from content.selectors import current_voice


@dataclass(frozen=True)
class VoiceSpec:
    version: int | None = None
    tone: tuple[str, ...] = ()
    personality: str = ""
    dos: tuple[str, ...] = ()
    donts: tuple[str, ...] = ()
    banned_phrases: tuple[str, ...] = ()
    required_disclosures: tuple[dict[str, str], ...] = ()
    emoji_policy: str = "sparing"
    max_hashtags: int | None = None
    hashtags: tuple[str, ...] = ()
    reading_level: str = ""
    locale: str = "en"
    good_examples: tuple[str, ...] = ()
    bad_examples: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    allowed_handles: tuple[str, ...] = ()
    sensitive_topics: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()

    @property
    def language(self) -> str:
        return self.locale.split("-")[0].split("_")[0].lower() or "en"


@dataclass(frozen=True)
class ChannelSpec:
    network: str = Network.X.value
    handle: str = ""
    max_length: int = 280
    max_hashtags: int = 2
    links_allowed: bool = True


@dataclass(frozen=True)
class AudienceSpec:
    name: str
    description: str = ""
    motivations: tuple[str, ...] = ()
    pains: tuple[str, ...] = ()


@dataclass(frozen=True)
class BriefSpec:
    title: str = ""
    goal: str = ""
    key_message: str = ""
    call_to_action: str = ""
    campaign: str = ""
    is_paid: bool = False


@dataclass(frozen=True)
class CommentSpec:
    """Text written by the public: data to answer, never instructions to follow."""

    author_handle: str
    text: str
    in_reply_to_text: str = ""
    thread: tuple[dict[str, str], ...] = ()
    # Attempts in the text or thread to instruct the assistant ({"code", "detail"} each).
    injection_signals: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class RecentPost:
    """Something the brand said or is about to say, that a new draft must not repeat."""

    draft_id: int | None
    text: str
    status: str = ""
    # An alternative for the same brief or comment still waiting (another variant, an earlier
    # job's draft): only a near-identical text counts as a repeat, not a rewording.
    alternative: bool = False


@dataclass(frozen=True)
class GenerationContext:
    kind: str  # "post" or "reply"
    brand_name: str = ""
    voice: VoiceSpec = field(default_factory=VoiceSpec)
    channel: ChannelSpec = field(default_factory=ChannelSpec)
    audience: AudienceSpec | None = None
    brief: BriefSpec | None = None
    comment: CommentSpec | None = None
    recent_posts: tuple[RecentPost, ...] = ()
    # From brand staff asking for another try; trusted like the brief.
    instructions: str = ""
    previous_text: str = ""
    # Every earlier version's text (a regeneration should not bring one back).
    earlier_versions: tuple[str, ...] = ()
    # What the brand's reviews learned (content.assistant.learnings): background, quoted as data.
    learnings: tuple[str, ...] = ()

    @property
    def own_handles(self) -> frozenset[str]:
        """Handles the brand may always mention: its allow-list, its channel, the commenter."""
        handles = {h.lstrip("@").lower() for h in self.voice.allowed_handles}
        if self.channel.handle:
            handles.add(self.channel.handle.lstrip("@").lower())
        if self.comment is not None:
            handles.add(self.comment.author_handle.lstrip("@").lower())
        return frozenset(handles)


RECENT_POSTS_CONSIDERED = 200
# Replies are many and short: the latest ones are what a reader of the thread would notice.
RECENT_REPLIES_CONSIDERED = 30
# Said (approved, published) or about to be said (checked and waiting, or in review).
REPEAT_STATUSES = (
    Draft.Status.PUBLISHED,
    Draft.Status.APPROVED,
    Draft.Status.IN_REVIEW,
    Draft.Status.READY,
)


def _strings(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in (values or []) if str(v).strip())


def voice_spec(voice: BrandVoice | None) -> VoiceSpec:
    if voice is None:
        return VoiceSpec()
    return VoiceSpec(
        version=voice.version,
        tone=_strings(voice.tone),
        personality=voice.personality,
        dos=_strings(voice.dos),
        donts=_strings(voice.donts),
        banned_phrases=_strings(voice.banned_phrases),
        required_disclosures=tuple(dict(d) for d in voice.required_disclosures or []),
        emoji_policy=voice.emoji_policy,
        max_hashtags=voice.max_hashtags,
        hashtags=_strings(voice.hashtags),
        reading_level=voice.reading_level,
        locale=voice.locale,
        good_examples=_strings(voice.good_examples),
        bad_examples=_strings(voice.bad_examples),
        allowed_domains=_strings(voice.allowed_domains),
        allowed_handles=_strings(voice.allowed_handles),
        sensitive_topics=_strings(voice.sensitive_topics),
        competitors=_strings(voice.competitors),
    )


def channel_spec(channel: Channel | None) -> ChannelSpec:
    if channel is None:
        rules = DEFAULT_RULES[Network.X]
        return ChannelSpec(
            max_length=rules.max_length,
            max_hashtags=rules.max_hashtags,
            links_allowed=rules.links_allowed,
        )
    return ChannelSpec(
        network=channel.network,
        handle=channel.handle,
        max_length=channel.max_length,
        max_hashtags=channel.max_hashtags,
        links_allowed=channel.links_allowed,
    )


def audience_spec(audience: AudienceProfile | None) -> AudienceSpec | None:
    if audience is None:
        return None
    return AudienceSpec(
        name=audience.name,
        description=audience.description,
        motivations=_strings(audience.motivations),
        pains=_strings(audience.pains),
    )


def brief_spec(brief: Brief | None) -> BriefSpec | None:
    if brief is None:
        return None
    return BriefSpec(
        title=brief.title,
        goal=brief.goal,
        key_message=brief.key_message,
        call_to_action=brief.call_to_action,
        campaign=brief.campaign,
        is_paid=brief.is_paid,
    )


def comment_spec(item: InboxItem | None) -> CommentSpec | None:
    if item is None:
        return None
    thread = tuple(
        {"author": str(m.get("author", "")), "text": str(m.get("text", ""))}
        for m in (item.thread or [])
        if isinstance(m, dict)
    )
    return CommentSpec(
        author_handle=item.author_handle,
        text=item.text,
        in_reply_to_text=item.in_reply_to_text,
        thread=thread,
        # Found when the item arrived (content.services.inbox).
        injection_signals=tuple(
            {"code": str(s.get("code", "")), "detail": str(s.get("detail", ""))}
            for s in item.injection_signals or []
            if isinstance(s, dict)
        ),
    )


def recent_posts(
    *,
    kind: str = Draft.Kind.POST,
    exclude: list[int] | None = None,
    brief_id: int | None = None,
    inbox_item_id: int | None = None,
) -> tuple[RecentPost, ...]:
    """The brand's latest posts (or replies) that were published or approved, or wait in review
    as checked drafts: a new one must not repeat them. ``exclude`` names the draft's own
    versions (a new version of a draft is meant to resemble it)."""
    limit = RECENT_POSTS_CONSIDERED if kind == Draft.Kind.POST else RECENT_REPLIES_CONSIDERED
    rows = (
        Draft.objects.filter(kind=kind, status__in=REPEAT_STATUSES)
        .exclude(pk__in=exclude or [])
        .order_by("-created_at")
        .values_list("pk", "text", "status", "brief_id", "inbox_item_id")[:limit]
    )
    pending = {Draft.Status.READY, Draft.Status.IN_REVIEW}
    return tuple(
        RecentPost(
            draft_id=pk,
            text=text,
            status=status,
            alternative=status in pending
            and (
                (brief_id is not None and brief == brief_id)
                or (inbox_item_id is not None and item == inbox_item_id)
            ),
        )
        for pk, text, status, brief, item in rows
    )


def _versions_of(draft: Draft | None) -> list[Draft]:
    """A draft and every earlier version of it, newest first."""
    versions: list[Draft] = []
    while draft is not None and draft not in versions and len(versions) < 50:
        versions.append(draft)
        draft = draft.parent
    return versions


def brand_name() -> str:
    from django.db import connection

    return str(getattr(getattr(connection, "tenant", None), "name", "") or "")


def context_for_job(job: GenerationJob) -> GenerationContext:
    """Everything the assistant needs for a job, read from the brand's current set-up."""
    source = job.source_draft
    brief = job.brief or (source.brief if source else None)
    item = job.inbox_item or (source.inbox_item if source else None)
    audience = (brief.audience if brief else None) or (source.audience if source else None)
    versions = _versions_of(source)
    return GenerationContext(
        kind=job.kind,
        brand_name=brand_name(),
        voice=voice_spec(current_voice()),
        channel=channel_spec(job.channel),
        audience=audience_spec(audience),
        brief=brief_spec(brief),
        comment=comment_spec(item),
        recent_posts=recent_posts(
            kind=job.kind,
            exclude=[v.pk for v in versions],
            brief_id=brief.pk if brief else None,
            inbox_item_id=item.pk if item else None,
        ),
        instructions=str(job.inputs.get("instructions", "")),
        previous_text=source.text if source else "",
        earlier_versions=tuple(v.text for v in versions),
        learnings=brand_learnings(),
    )


def context_for_draft(draft: Draft) -> GenerationContext:
    """The context a hand-written or hand-edited draft is checked against."""
    return GenerationContext(
        kind=draft.kind,
        brand_name=brand_name(),
        voice=voice_spec(current_voice()),
        channel=channel_spec(draft.channel),
        audience=audience_spec(draft.audience),
        brief=brief_spec(draft.brief),
        comment=comment_spec(draft.inbox_item),
        recent_posts=recent_posts(
            kind=draft.kind,
            exclude=[v.pk for v in _versions_of(draft)],
            brief_id=draft.brief_id,
            inbox_item_id=draft.inbox_item_id,
        ),
    )
