"""Plan items: place a post on the plan, move it, change it along its status table, remove it.

An item lives on a day (with a brand-local time or not) or in a week (dated on its Monday)
inside the months the plan covers. Once its last day is in a past month, the month is closed
and the item no longer changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from content import selectors as content
from content.services import briefs as brief_services
from content.services import jobs
from listening.extensions import PlanItemRefused, PlanItemRequest
from planning import horizon
from planning.errors import MonthClosed, NotFound, PlanningError, TransitionRefused
from planning.models import (
    ITEM_DELIVERED,
    ITEM_IN_PROGRESS,
    ITEM_TRANSITIONS,
    Campaign,
    ItemStatus,
    Pillar,
    PlanItem,
)
from planning.services import distribution
from planning.services.campaigns import UNCHANGED, Unchanged
from planning.services.distribution import PlannedAction
from tenants.models import Brand, User
from tenants.selectors import role_on_brand


@dataclass(frozen=True)
class Placement:
    """Where and when an item goes: what ``_check_placement`` validates as one."""

    planned_on: date
    whole_week: bool
    publish_time: time | None
    channel_id: int
    pillar_id: int
    campaign_id: int | None
    owner_id: int | None


def _today(brand: Brand, now: datetime | None) -> date:
    return horizon.local_today(now=now or timezone.now(), tz_name=brand.timezone)


def _check_placement(*, brand: Brand, today: date, placement: Placement) -> Placement:
    """The placement with a week item moved to its Monday, or a 400 naming the field at
    fault."""
    day, whole_week = placement.planned_on, placement.whole_week
    if whole_week:
        if placement.publish_time is not None:
            raise PlanningError(
                "An item planned for a whole week has no publish time; plan it on a day to "
                "give it one.",
                field="publish_time",
            )
        day = horizon.week_start(day)
    first, end = horizon.covered(today)
    if horizon.last_day(planned_on=day, whole_week=whole_week) < first or day >= end:
        raise PlanningError(
            f"The plan covers {first} to {end - timedelta(days=1)}; plan the item inside "
            "those months.",
            field="planned_on",
        )
    if not content.channels().filter(pk=placement.channel_id).exists():
        raise PlanningError(f"The brand has no channel {placement.channel_id}.", field="channel")
    if not Pillar.objects.filter(pk=placement.pillar_id).exists():
        raise PlanningError(f"There is no pillar {placement.pillar_id}.", field="pillar")
    if placement.campaign_id is not None:
        campaign = Campaign.objects.filter(pk=placement.campaign_id).first()
        if campaign is None:
            raise PlanningError(f"There is no campaign {placement.campaign_id}.", field="campaign")
        last = horizon.last_day(planned_on=day, whole_week=whole_week)
        if last < campaign.starts_on or day > campaign.ends_on:
            raise PlanningError(
                f"'{campaign.name}' runs {campaign.starts_on} to {campaign.ends_on}; "
                f"the item's {'week' if whole_week else 'day'} {day} is outside it.",
                field="campaign",
            )
    if placement.owner_id is not None:
        owner = User.objects.filter(pk=placement.owner_id).first()
        if owner is None or role_on_brand(user=owner, brand=brand) is None:
            raise PlanningError(
                f"User {placement.owner_id} is not a member of this brand.", field="owner"
            )
    return Placement(**{**placement.__dict__, "planned_on": day})


def _check_audience(audience_id: int | None) -> None:
    if audience_id is not None and not content.audiences().filter(pk=audience_id).exists():
        raise PlanningError(f"The brand has no audience {audience_id}.", field="audience")


def _check_open(*, item: PlanItem, today: date) -> None:
    first, _end = horizon.covered(today)
    if horizon.last_day(planned_on=item.planned_on, whole_week=item.whole_week) < first:
        raise MonthClosed(
            f"The item was planned for {item.planned_on:%B %Y}, which is closed; it no longer "
            "changes."
        )


def create_item(
    *,
    brand: Brand,
    title: str,
    planned_on: date,
    channel_id: int,
    pillar_id: int,
    whole_week: bool = False,
    publish_time: time | None = None,
    campaign_id: int | None = None,
    owner_id: int | None = None,
    audience_id: int | None = None,
    distribution_actions: Sequence[PlannedAction] = (),
    notes: str = "",
    created_by_id: int | None = None,
    now: datetime | None = None,
) -> PlanItem:
    """Put an item on the plan, as planned, with its distribution actions in order."""
    if not title.strip():
        raise PlanningError("Give the item a title.", field="title")
    placement = _check_placement(
        brand=brand,
        today=_today(brand, now),
        placement=Placement(
            planned_on=planned_on,
            whole_week=whole_week,
            publish_time=publish_time,
            channel_id=channel_id,
            pillar_id=pillar_id,
            campaign_id=campaign_id,
            owner_id=owner_id,
        ),
    )
    _check_audience(audience_id)
    actions = distribution.check_actions(
        brand=brand, item_channel_id=placement.channel_id, actions=distribution_actions
    )
    with transaction.atomic():
        item = PlanItem.objects.create(
            title=title.strip(),
            notes=notes,
            audience_id=audience_id,
            created_by_id=created_by_id,
            **placement.__dict__,
        )
        distribution.replace_actions(brand=brand, item=item, actions=actions)
    return item


def add_triggered_item(*, request: PlanItemRequest) -> int:
    """A listening trigger's item (see ``listening.extensions``): the item's id, or
    PlanItemRefused saying why planning said no (the day is outside the plan, ...)."""
    try:
        with transaction.atomic():
            item = create_item(
                brand=request.brand,
                title=request.title,
                planned_on=request.planned_on,
                channel_id=request.channel_id,
                pillar_id=request.pillar_id,
                notes=request.notes,
                created_by_id=request.created_by_id,
                now=request.now,
            )
    except PlanningError as refused:
        raise PlanItemRefused(refused.message) from None
    return item.pk


def update_item(
    *,
    brand: Brand,
    item_id: int,
    title: str | None = None,
    notes: str | None = None,
    planned_on: date | None = None,
    whole_week: bool | None = None,
    publish_time: time | None | Unchanged = UNCHANGED,
    channel_id: int | None = None,
    pillar_id: int | None = None,
    campaign_id: int | None | Unchanged = UNCHANGED,
    owner_id: int | None | Unchanged = UNCHANGED,
    audience_id: int | None | Unchanged = UNCHANGED,
    distribution_actions: Sequence[PlannedAction] | None = None,
    now: datetime | None = None,
) -> PlanItem:
    """Move or change an item that is not in a closed month (its status changes through
    ``move_item``). ``distribution_actions``, when given, replace the item's."""
    today = _today(brand, now)
    with transaction.atomic():
        item = PlanItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None:
            raise NotFound(f"There is no plan item {item_id}.")
        _check_open(item=item, today=today)
        if title is not None and not title.strip():
            raise PlanningError("Give the item a title.", field="title")
        placement = _check_placement(
            brand=brand,
            today=today,
            placement=Placement(
                planned_on=planned_on or item.planned_on,
                whole_week=item.whole_week if whole_week is None else whole_week,
                publish_time=(
                    item.publish_time if isinstance(publish_time, Unchanged) else publish_time
                ),
                channel_id=channel_id or item.channel_id,
                pillar_id=pillar_id or item.pillar_id,
                campaign_id=(
                    item.campaign_id if isinstance(campaign_id, Unchanged) else campaign_id
                ),
                owner_id=item.owner_id if isinstance(owner_id, Unchanged) else owner_id,
            ),
        )
        if not isinstance(audience_id, Unchanged):
            _check_audience(audience_id)
            item.audience_id = audience_id
        if distribution_actions is not None:
            actions = distribution.check_actions(
                brand=brand, item_channel_id=placement.channel_id, actions=distribution_actions
            )
            distribution.replace_actions(brand=brand, item=item, actions=actions)
        elif placement.channel_id != item.channel_id:
            # Moving the item onto the channel one of its cross-posts goes to.
            clash = item.distribution.filter(channel_id=placement.channel_id).exists()
            if clash:
                raise PlanningError(
                    "The item cross-posts to that channel already; change its distribution too.",
                    field="channel",
                )
        for field, value in placement.__dict__.items():
            setattr(item, field, value)
        if title is not None:
            item.title = title.strip()
        if notes is not None:
            item.notes = notes
        item.save()
        return item


def move_item(*, brand: Brand, item_id: int, status: str, now: datetime | None = None) -> PlanItem:
    """Move an item along the status table (``planning.models.ITEM_TRANSITIONS``); two people
    moving it at once are served one after the other, the second against the first's
    result."""
    with transaction.atomic():
        item = PlanItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None:
            raise NotFound(f"There is no plan item {item_id}.")
        _check_open(item=item, today=_today(brand, now))
        if status not in ITEM_TRANSITIONS[item.status]:
            allowed = ", ".join(sorted(ITEM_TRANSITIONS[item.status])) or "nothing (final)"
            raise TransitionRefused(
                f"A {item.status} item cannot become {status}; it can become {allowed}.",
                field="status",
            )
        item.status = status
        item.save(update_fields=["status", "updated_at"])
        return item


def delete_item(*, brand: Brand, item_id: int, now: datetime | None = None) -> None:
    """Take an item off the plan; a published one stays (it is what the month delivered)."""
    with transaction.atomic():
        item = PlanItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None:
            raise NotFound(f"There is no plan item {item_id}.")
        _check_open(item=item, today=_today(brand, now))
        if item.status in ITEM_DELIVERED:
            raise TransitionRefused(
                "A published item stays on the plan; it is what the month delivered.",
                field="status",
            )
        item.delete()


# Statuses an item with a brief leaves by itself as its brief's drafts move on (published,
# reviewed and dropped are people's or the review's word and stay).
FOLLOWS_BRIEF = (ItemStatus.PLANNED, *ITEM_IN_PROGRESS)


def status_from_drafts(*, drafts: Iterable[tuple[str, bool]]) -> str:
    """The status an item with a brief has, from its brief's drafts as (status, has a publish
    time): the furthest any draft got. Pure, so the reaction and the reconciler agree."""
    seen = list(drafts)
    statuses = {status for status, _timed in seen}
    if "published" in statuses:
        return ItemStatus.PUBLISHED
    if any(status == "approved" and timed for status, timed in seen):
        return ItemStatus.SCHEDULED
    if "approved" in statuses:
        return ItemStatus.APPROVED
    if "in_review" in statuses:
        return ItemStatus.IN_REVIEW
    return ItemStatus.DRAFTED if seen else ItemStatus.BRIEFED


def _drafts_by_brief(brief_ids: list[int]) -> dict[int, list[tuple[str, bool]]]:
    rows = (
        content.drafts()
        .filter(brief_id__in=brief_ids, kind="post")
        .values_list("brief_id", "status", "publish_at")
    )
    by_brief: dict[int, list[tuple[str, bool]]] = {brief_id: [] for brief_id in brief_ids}
    for brief_id, status, publish_at in rows:
        by_brief[brief_id].append((status, publish_at is not None))
    return by_brief


def follow_briefs(*, brief_ids: Iterable[int] | None = None) -> int:
    """Bring the items of ``brief_ids`` (every item with a brief when None) in step with their
    briefs' drafts: planned/briefed → drafted → in review → approved → scheduled → published.
    Each item is locked while it moves (SKIP LOCKED: another run is moving it), so a
    repeated or late call changes nothing. Returns how many items moved."""
    moved = 0
    # No savepoint of its own inside an outer transaction (an outbox reaction): nothing here
    # catches a database error, which rolls the caller back as well.
    with transaction.atomic(savepoint=False):
        items = PlanItem.objects.select_for_update(skip_locked=True).filter(
            brief_id__isnull=False, status__in=FOLLOWS_BRIEF
        )
        if brief_ids is not None:
            items = items.filter(brief_id__in=list(brief_ids))
        rows = list(items.values_list("pk", "brief_id", "status"))
        drafts = _drafts_by_brief(sorted({brief_id for _pk, brief_id, _s in rows}))
        now = timezone.now()
        for pk, brief_id, status in rows:
            target = status_from_drafts(drafts=drafts[brief_id])
            if target != status:
                PlanItem.objects.filter(pk=pk).update(status=target, updated_at=now)
                moved += 1
    return moved


def follow_publication(*, brief_id: int) -> int:
    """A draft of ``brief_id`` moved (published among others): its items follow. Kept for
    callers of the first version; ``follow_briefs`` is the general form."""
    return follow_briefs(brief_ids=[brief_id])


@dataclass(frozen=True)
class StartedItem:
    """A started item and the drafts job asked for with it (None when none was asked)."""

    item: PlanItem
    job_id: int | None


def start_item(
    *,
    brand: Brand,
    item_id: int,
    created_by: User | None,
    request_drafts: bool = False,
    now: datetime | None = None,
) -> StartedItem:
    """Start a planned item: write its brief, prefilled from the item (title, notes as the key
    message, channel, pillar, campaign and its goal, the publish time as deadline) and move the
    item to briefed. With ``request_drafts`` a post-drafts job for the item's channel is queued
    through content's generation path (its budget applies: a refusal starts nothing). Starting
    an item that is not planned is a 409."""
    with transaction.atomic():
        item = (
            PlanItem.objects.select_for_update(of=("self",))
            .select_related("campaign", "channel")
            .filter(pk=item_id)
            .first()
        )
        if item is None:
            raise NotFound(f"There is no plan item {item_id}.")
        _check_open(item=item, today=_today(brand, now))
        if item.status != ItemStatus.PLANNED:
            raise TransitionRefused(
                f"Only a planned item can be started; this one is {item.status}"
                + (f" with brief {item.brief_id}." if item.brief_id else "."),
                field="status",
            )
        deadline = (
            datetime.combine(item.planned_on, item.publish_time, tzinfo=ZoneInfo(brand.timezone))
            if item.publish_time is not None
            else None
        )
        campaign = item.campaign
        item.brief = brief_services.create_brief(
            channels=[item.channel],
            title=item.title,
            key_message=item.notes or item.title,
            goal=campaign.goal if campaign is not None else "",
            campaign=campaign.name if campaign is not None else "",
            pillar_id=item.pillar_id,
            audience_id=item.audience_id,
            deadline=deadline,
            created_by=created_by,
        )
        item.status = ItemStatus.BRIEFED
        item.save(update_fields=["brief", "status", "updated_at"])
        job = (
            jobs.request_post_drafts(
                brief=item.brief, channel=item.channel, created_by=created_by, now=now
            )
            if request_drafts
            else None
        )
        return StartedItem(item=item, job_id=job.pk if job is not None else None)
