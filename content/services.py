"""Changes to a brand's content set-up. Runs inside the brand's schema."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from content.errors import ContentError
from content.models import Channel, Draft
from content.networks import DEFAULT_RULES
from content.signals import draft_ready


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
    try:
        return Channel.objects.create(
            network=network,
            handle=handle.lstrip("@"),
            name=name,
            max_length=rules.max_length if max_length is None else max_length,
            max_hashtags=rules.max_hashtags if max_hashtags is None else max_hashtags,
            links_allowed=rules.links_allowed if links_allowed is None else links_allowed,
        )
    except IntegrityError:
        raise ContentError(
            f"The brand already has the {network} account @{handle.lstrip('@')}.",
            field="handle",
            status_code=409,
            code="duplicate",
        ) from None


def update_channel(*, channel: Channel, **changes: object) -> Channel:
    """Change a channel's name or rules."""
    for field, value in changes.items():
        setattr(channel, field, value)
    if changes:
        channel.save(update_fields=list(changes))
    return channel


def delete_channel(*, channel: Channel) -> None:
    """Remove a channel."""
    channel.delete()


def mark_draft_ready(*, draft: Draft) -> Draft:
    """Offer a checked and scored draft for review; listeners hear ``draft_ready`` on commit."""
    draft.status = Draft.Status.READY
    draft.save(update_fields=["status", "updated_at"])
    transaction.on_commit(lambda: draft_ready.send(sender=Draft, draft_id=draft.pk))
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
