"""Campaigns and calendar events (launches, holidays, peak periods) over ranges of days."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from listening.services.triggers import calendar_changed
from planning.errors import Conflict, NotFound, PlanningError
from planning.models import Campaign, Pillar


class Unchanged:
    """Marks an optional argument the caller leaves as it is (None clears it)."""


UNCHANGED = Unchanged()


def _check(*, name: str, starts_on: date, ends_on: date, pillar_id: int | None) -> str:
    name = name.strip()
    if not name:
        raise PlanningError("Name the campaign.", field="name")
    if ends_on < starts_on:
        raise PlanningError(
            f"The campaign ends ({ends_on}) before it starts ({starts_on}).", field="ends_on"
        )
    if pillar_id is not None and not Pillar.objects.filter(pk=pillar_id).exists():
        raise PlanningError(f"There is no pillar {pillar_id}.", field="pillar")
    return name


def _inside(campaign: Campaign) -> Q:
    """Plan items inside the campaign's dates: a day in them, or a week that overlaps them."""
    days = Q(whole_week=False, planned_on__gte=campaign.starts_on, planned_on__lte=campaign.ends_on)
    weeks = Q(
        whole_week=True,
        planned_on__gte=campaign.starts_on - timedelta(days=6),
        planned_on__lte=campaign.ends_on,
    )
    return days | weeks


def _taken(name: str) -> Conflict:
    return Conflict(f"There is already a campaign called '{name}'.", field="name")


def create_campaign(
    *,
    name: str,
    kind: str,
    starts_on: date,
    ends_on: date,
    goal: str = "",
    pillar_id: int | None = None,
) -> Campaign:
    """Add a campaign or calendar event."""
    name = _check(name=name, starts_on=starts_on, ends_on=ends_on, pillar_id=pillar_id)
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(
                name=name,
                kind=kind,
                starts_on=starts_on,
                ends_on=ends_on,
                goal=goal,
                pillar_id=pillar_id,
            )
            # Listening's calendar triggers look at the calendar again at their next cycle.
            calendar_changed()
            return campaign
    except IntegrityError:
        raise _taken(name) from None


def update_campaign(
    *,
    campaign_id: int,
    name: str | None = None,
    kind: str | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    goal: str | None = None,
    pillar_id: int | None | Unchanged = UNCHANGED,
) -> Campaign:
    """Change a campaign; its plan items must still fall inside its new dates."""
    try:
        with transaction.atomic():
            campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
            if campaign is None:
                raise NotFound(f"There is no campaign {campaign_id}.")
            new_pillar = campaign.pillar_id if isinstance(pillar_id, Unchanged) else pillar_id
            campaign.name = _check(
                name=name if name is not None else campaign.name,
                starts_on=starts_on or campaign.starts_on,
                ends_on=ends_on or campaign.ends_on,
                pillar_id=new_pillar,
            )
            campaign.starts_on = starts_on or campaign.starts_on
            campaign.ends_on = ends_on or campaign.ends_on
            campaign.pillar_id = new_pillar
            if kind is not None:
                campaign.kind = kind
            if goal is not None:
                campaign.goal = goal
            outside = campaign.items.exclude(_inside(campaign)).count()
            if outside:
                raise PlanningError(
                    f"{outside} plan items of the campaign fall outside "
                    f"{campaign.starts_on} to {campaign.ends_on}; move them first.",
                    field="starts_on" if starts_on else "ends_on",
                )
            campaign.save()
            calendar_changed()
            return campaign
    except IntegrityError:
        raise _taken(name or "") from None


def delete_campaign(*, campaign_id: int) -> None:
    """Remove a campaign no plan item belongs to."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
        if campaign is None:
            raise NotFound(f"There is no campaign {campaign_id}.")
        items = campaign.items.count()
        if items:
            raise Conflict(
                f"{items} plan items belong to '{campaign.name}'; take them out of it first."
            )
        campaign.delete()
        calendar_changed()
