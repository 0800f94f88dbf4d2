"""Changes to a brand's content: set-up (channels, voice, audiences), briefs, the inbox and
hand-written drafts. Runs inside the brand's schema. Generation jobs live in
``content.assistant.jobs``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from content.errors import ContentError
from content.models import (
    AssistantSettings,
    AudienceProfile,
    BrandVoice,
    Brief,
    Channel,
    Draft,
    InboxItem,
)
from content.networks import DEFAULT_RULES
from content.signals import draft_published, draft_ready


def create_channel(
    *,
    network: str,
    handle: str,
    name: str = "",
    max_length: int | None = None,
    max_hashtags: int | None = None,
    links_allowed: bool | None = None,
) -> Channel:
    """Add an account on a network; rules not given default to the network's own."""
    rules = DEFAULT_RULES[network]
    handle = _handle(handle)
    _check_handle_free(network=network, handle=handle)
    try:
        return Channel.objects.create(
            network=network,
            handle=handle,
            name=name,
            max_length=rules.max_length if max_length is None else max_length,
            max_hashtags=rules.max_hashtags if max_hashtags is None else max_hashtags,
            links_allowed=rules.links_allowed if links_allowed is None else links_allowed,
        )
    except IntegrityError:
        raise _duplicate_handle(network, handle) from None


def update_channel(*, channel: Channel, **changes: object) -> Channel:
    """Change a channel's handle, name or rules."""
    if "handle" in changes:
        changes["handle"] = _handle(str(changes["handle"]))
        _check_handle_free(network=channel.network, handle=changes["handle"], other_than=channel)
    for field, value in changes.items():
        setattr(channel, field, value)
    if changes:
        try:
            with transaction.atomic():
                channel.save(update_fields=list(changes))
        except IntegrityError:
            raise _duplicate_handle(channel.network, channel.handle) from None
    return channel


def _handle(handle: str) -> str:
    """A handle as the network shows it after the @ (stored without it)."""
    return handle.strip().lstrip("@")


def _check_handle_free(*, network: str, handle: str, other_than: Channel | None = None) -> None:
    # Networks treat handles case-insensitively: @AlpineCoffee is @alpinecoffee.
    taken = Channel.objects.filter(network=network, handle__iexact=handle)
    if other_than is not None:
        taken = taken.exclude(pk=other_than.pk)
    if taken.exists():
        raise _duplicate_handle(network, handle)


def _duplicate_handle(network: str, handle: str) -> ContentError:
    return ContentError(
        f"The brand already has the {network} account @{handle}.",
        field="handle",
        status_code=409,
        code="duplicate",
    )


def delete_channel(*, channel: Channel) -> None:
    """Remove a channel."""
    channel.delete()


def mark_draft_ready(*, draft: Draft) -> Draft:
    """Offer a checked and scored draft for review; listeners hear ``draft_ready`` on commit."""
    draft.status = Draft.Status.READY
    draft.save(update_fields=["status", "updated_at"])
    schema = connection.schema_name
    transaction.on_commit(
        lambda: draft_ready.send(sender=Draft, draft_id=draft.pk, schema_name=schema)
    )
    return draft


def set_draft_status(*, draft_id: int, status: str, expected: list[str] | None = None) -> Draft:
    """Move a draft to ``status`` (used by approvals for review outcomes and publishing).

    With ``expected``, the change only happens from one of those statuses; a draft that has
    moved on meanwhile raises ContentError (409) instead of being overwritten.
    """
    if status not in Draft.Status.values:
        raise ContentError(f"Unknown draft status '{status}'.", field="status")
    rows = Draft.objects.filter(pk=draft_id)
    if expected is not None:
        rows = rows.filter(status__in=expected)
    if not rows.update(status=status, updated_at=timezone.now()):
        raise ContentError(
            f"Draft {draft_id} is no longer in a state that allows '{status}'.",
            status_code=409,
            code="conflict",
        )
    return Draft.objects.get(pk=draft_id)


def mark_draft_published(
    *, draft_id: int, external_id: str, url: str = "", published_at: datetime | None = None
) -> tuple[Draft, bool]:
    """Record that an approved draft went out on the network (the integrator's callback);
    returns the draft and whether this call changed it. Repeating it with the same external id
    changes nothing; any other draft that is not approved (e.g. held in review by a crisis) is a
    409. Listeners hear ``draft_published`` on commit."""
    with transaction.atomic():
        draft = Draft.objects.select_for_update().filter(pk=draft_id).first()
        if draft is None:
            raise ContentError(
                f"Draft {draft_id} does not exist.", status_code=404, code="not_found"
            )
        if draft.status == Draft.Status.PUBLISHED and draft.external_id == external_id:
            return draft, False
        if draft.status != Draft.Status.APPROVED:
            raise ContentError(
                f"Only approved drafts can be marked published; this one is {draft.status}.",
                status_code=409,
                code="conflict",
            )
        set_draft_status(draft_id=draft.pk, status=Draft.Status.PUBLISHED, expected=["approved"])
        Draft.objects.filter(pk=draft.pk).update(
            external_id=external_id,
            external_url=url,
            published_at=published_at or timezone.now(),
        )
        schema = connection.schema_name
        transaction.on_commit(
            lambda: draft_published.send(sender=Draft, draft_id=draft_id, schema_name=schema)
        )
    return Draft.objects.get(pk=draft_id), True


VOICE_FIELDS = (
    "tone",
    "personality",
    "dos",
    "donts",
    "banned_phrases",
    "required_disclosures",
    "emoji_policy",
    "max_hashtags",
    "hashtags",
    "reading_level",
    "locale",
    "good_examples",
    "bad_examples",
    "allowed_domains",
    "allowed_handles",
    "sensitive_topics",
    "competitors",
)


def create_voice_version(*, created_by: Any = None, **fields: Any) -> BrandVoice:
    """Record a new version of the brand voice; fields not given carry over from the current one.

    Versions are immutable so drafts can name the one they were written with.
    """
    unknown = set(fields) - set(VOICE_FIELDS)
    if unknown:
        raise ContentError(f"Unknown voice fields: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        # Serialise concurrent edits on the settings row so versions stay gapless and unique.
        AssistantSettings.objects.get_or_create(singleton=True)
        AssistantSettings.objects.select_for_update().get(singleton=True)
        current = BrandVoice.objects.order_by("-version").first()
        carried = {f: getattr(current, f) for f in VOICE_FIELDS} if current else {}
        if current is None:
            # A brand's first voice writes in the brand's own language unless told otherwise.
            brand_locale = getattr(getattr(connection, "tenant", None), "locale", None)
            if brand_locale:
                carried["locale"] = brand_locale
        carried.update(fields)
        latest = BrandVoice.objects.aggregate(v=Max("version"))["v"] or 0
        return BrandVoice.objects.create(version=latest + 1, created_by=created_by, **carried)


def create_audience(**fields: Any) -> AudienceProfile:
    """Add an audience profile (names are unique per brand)."""
    try:
        with transaction.atomic():
            return AudienceProfile.objects.create(**fields)
    except IntegrityError:
        raise ContentError(
            f"The brand already has an audience called '{fields.get('name')}'.",
            field="name",
            status_code=409,
            code="duplicate",
        ) from None


def update_audience(*, audience: AudienceProfile, **changes: Any) -> AudienceProfile:
    """Change an audience profile."""
    for field, value in changes.items():
        setattr(audience, field, value)
    try:
        with transaction.atomic():
            audience.save()
    except IntegrityError:
        raise ContentError(
            f"The brand already has an audience called '{audience.name}'.",
            field="name",
            status_code=409,
            code="duplicate",
        ) from None
    return audience


def delete_audience(*, audience: AudienceProfile) -> None:
    """Remove an audience profile (briefs and drafts keep their text, lose the link)."""
    audience.delete()


def create_brief(*, channels: list[Channel] | None = None, **fields: Any) -> Brief:
    """Write a brief for the assistant (or a person) to draft posts from."""
    with transaction.atomic():
        brief = Brief.objects.create(**fields)
        if channels:
            brief.channels.set(channels)
    return brief


def update_brief(*, brief: Brief, channels: list[Channel] | None = None, **changes: Any) -> Brief:
    """Change a brief; drafts already written keep the text they have."""
    with transaction.atomic():
        for field, value in changes.items():
            setattr(brief, field, value)
        brief.save()
        if channels is not None:
            brief.channels.set(channels)
    return brief


def delete_brief(*, brief: Brief) -> None:
    """Remove a brief."""
    brief.delete()


def ingest_inbox_item(*, received_at: datetime | None = None, **fields: Any) -> InboxItem:
    """Store an incoming comment, mention or message; an ``external_id`` seen before is a 409."""
    if "author_handle" in fields:
        fields["author_handle"] = str(fields["author_handle"]).lstrip("@")
    try:
        with transaction.atomic():
            return InboxItem.objects.create(received_at=received_at or timezone.now(), **fields)
    except IntegrityError:
        raise ContentError(
            f"Inbox item '{fields.get('external_id')}' was already received.",
            field="external_id",
            status_code=409,
            code="duplicate",
        ) from None


def delete_inbox_item(*, item: InboxItem) -> None:
    """Remove an inbox item."""
    item.delete()


def _check_and_offer(draft: Draft) -> Draft:
    from content.assistant import jobs, pipeline
    from content.assistant.context import context_for_draft

    ctx = context_for_draft(draft)
    threshold = jobs.assistant_settings().novelty_threshold
    violations, similar, scored, flags = pipeline.check_text(draft.text, ctx, threshold=threshold)
    draft.voice_version = ctx.voice.version
    draft.guardrail_violations = [v.as_dict() for v in violations]
    draft.novelty = similar.as_dict()
    draft.risk_score = scored.score
    draft.risk_reasons = scored.reasons
    draft.flags = flags
    draft.save(
        update_fields=[
            "voice_version",
            "guardrail_violations",
            "novelty",
            "risk_score",
            "risk_reasons",
            "flags",
            "updated_at",
        ]
    )
    return mark_draft_ready(draft=draft)


def write_draft(
    *,
    kind: str,
    text: str,
    channel: Channel | None = None,
    brief: Brief | None = None,
    inbox_item: InboxItem | None = None,
    created_by: Any = None,
) -> Draft:
    """A draft written by hand: checked and scored like generated ones, then offered for review."""
    with transaction.atomic():
        draft = Draft.objects.create(
            kind=kind,
            text=text,
            channel=channel or (inbox_item.channel if inbox_item else None),
            brief=brief,
            audience=brief.audience if brief else None,
            inbox_item=inbox_item,
            provider="human",
            created_by=created_by,
        )
        return _check_and_offer(draft)


def revise_draft(*, draft_id: int, text: str, created_by: Any = None) -> Draft:
    """Edit a draft by hand: the edit is a new version (the old one stays as history), checked
    again and offered for review. Only the newest version of an unpublished draft can change."""
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(pk=draft_id)
        if draft.status == Draft.Status.PUBLISHED:
            raise ContentError(
                f"Draft {draft.pk} is published; write a new post instead.",
                status_code=409,
                code="conflict",
            )
        try:
            with transaction.atomic():
                revision = Draft.objects.create(
                    kind=draft.kind,
                    text=text,
                    channel=draft.channel,
                    version=draft.version + 1,
                    parent=draft,
                    brief=draft.brief,
                    audience=draft.audience,
                    inbox_item=draft.inbox_item,
                    provider="human",
                    created_by=created_by,
                )
        except IntegrityError:
            raise ContentError(
                f"Draft {draft.pk} already has a newer version; edit that one.",
                status_code=409,
                code="conflict",
            ) from None
        return _check_and_offer(revision)


DELETABLE = (Draft.Status.DRAFT, Draft.Status.READY, Draft.Status.REJECTED)


def delete_draft(*, draft_id: int) -> None:
    """Remove a draft nobody is reviewing and nothing was published from."""
    deleted, _ = Draft.objects.filter(pk=draft_id, status__in=DELETABLE).delete()
    if not deleted:
        raise ContentError(
            f"Draft {draft_id} is in review, approved or published and cannot be deleted.",
            status_code=409,
            code="conflict",
        )


def update_assistant_settings(**changes: Any) -> AssistantSettings:
    """Change the brand's AI endpoint overrides, monthly budget or novelty threshold."""
    with transaction.atomic():
        AssistantSettings.objects.get_or_create(singleton=True)
        row = AssistantSettings.objects.select_for_update().get(singleton=True)
        for field, value in changes.items():
            setattr(row, field, value)
        row.save()
    return row
