"""An item's distribution actions: how it reaches people beyond being made (an organic post, a
planned boost with its amount, a newsletter, a cross-post to another channel, briefing the
customer service team). They are given as a whole list and replace what the item had."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from content import selectors as content
from planning.errors import PlanningError
from planning.models import DistributionAction, DistributionKind, PlanItem
from tenants.models import Brand

MAX_ACTIONS = 10


@dataclass(frozen=True)
class PlannedAction:
    """One action as asked for, before it is checked."""

    kind: str
    amount: Decimal | None = None
    channel_id: int | None = None
    note: str = ""


def check_actions(
    *, brand: Brand, item_channel_id: int, actions: Sequence[PlannedAction]
) -> list[PlannedAction]:
    """The actions if they make sense together, or a 400 naming the action and field at fault
    (``distribution.<n>.<field>``)."""
    if len(actions) > MAX_ACTIONS:
        raise PlanningError(
            f"An item has at most {MAX_ACTIONS} distribution actions.", field="distribution"
        )
    cross_channels = {a.channel_id for a in actions if a.kind == DistributionKind.CROSS_POST}
    known = set(content.channels().filter(pk__in=cross_channels).values_list("pk", flat=True))
    seen: set[tuple[str, int | None]] = set()
    for index, action in enumerate(actions):
        at = f"distribution.{index}"
        if action.kind not in DistributionKind.values:
            choices = ", ".join(DistributionKind.values)
            raise PlanningError(f"Choose the kind from {choices}.", field=f"{at}.kind")
        if action.kind == DistributionKind.BOOST:
            if action.amount is None or action.amount <= 0:
                raise PlanningError(
                    f"A planned boost needs an amount above zero, in {brand.currency}.",
                    field=f"{at}.amount",
                )
        elif action.amount is not None:
            raise PlanningError("Only a planned boost has an amount.", field=f"{at}.amount")
        if action.kind == DistributionKind.CROSS_POST:
            if action.channel_id is None:
                raise PlanningError("Name the channel to cross-post to.", field=f"{at}.channel")
            if action.channel_id not in known:
                raise PlanningError(
                    f"The brand has no channel {action.channel_id}.", field=f"{at}.channel"
                )
            if action.channel_id == item_channel_id:
                raise PlanningError(
                    "A cross-post goes to another channel than the item's own.",
                    field=f"{at}.channel",
                )
        elif action.channel_id is not None:
            raise PlanningError("Only a cross-post names a channel.", field=f"{at}.channel")
        key = (action.kind, action.channel_id)
        if key in seen:
            raise PlanningError("The item has this action already.", field=f"{at}.kind")
        seen.add(key)
    return list(actions)


def replace_actions(*, brand: Brand, item: PlanItem, actions: Sequence[PlannedAction]) -> None:
    """Put ``actions`` (checked) in place of the item's, in order. Call inside the item's
    transaction, with the item locked."""
    item.distribution.all().delete()
    DistributionAction.objects.bulk_create(
        [
            DistributionAction(
                item=item,
                position=position,
                kind=action.kind,
                amount=action.amount,
                currency=brand.currency if action.kind == DistributionKind.BOOST else "",
                channel_id=action.channel_id,
                note=action.note,
            )
            for position, action in enumerate(actions)
        ]
    )
