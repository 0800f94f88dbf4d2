"""Changes to a brand's content set-up. Runs inside the brand's schema."""

from __future__ import annotations

from django.db import IntegrityError

from content.errors import ContentError
from content.models import Channel
from content.networks import DEFAULT_RULES


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
