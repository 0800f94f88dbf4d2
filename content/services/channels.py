"""A brand's accounts on the networks (channels) and the rules each one imposes."""

from __future__ import annotations

from django.db import IntegrityError, transaction

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
        handle = _handle(str(changes["handle"]))
        _check_handle_free(network=channel.network, handle=handle, other_than=channel)
        changes["handle"] = handle
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
