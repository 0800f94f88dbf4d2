"""Assistant plan proposals: ask for the items a range of days still needs, then accept each
(it becomes a plan item through ``items.create_item``, with an audit entry) or reject it.

Proposals are made synchronously by the offline planner (``planning.proposer``): it is
arithmetic over a few queries and answers in milliseconds, so a 201 with the proposals beats a
202 and a job to poll. The brand's AI budget still applies as it does to drafts (an offline
request costs nothing but is refused once the month's budget is spent), and the generated
text is screened with the drafts' guardrails and injection checks before anyone sees it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from content import selectors as content
from content.assistant import guardrails, injection, usage
from content.assistant.context import VoiceSpec, voice_spec
from content.services.generation import assistant_settings
from planning import horizon, proposer
from planning.errors import Conflict, NotFound, PlanningError
from planning.models import Cadence, Campaign, ItemStatus, Pillar, PlanItem, PlanProposal
from planning.services import items as item_services
from planning.services.campaigns import UNCHANGED, Unchanged
from results.selectors.results import breakdown, post_results
from tenants.audit import services as audit
from tenants.audit.models import AuditAction
from tenants.models import Brand

# A request covers at most a quarter: longer ranges are better proposed as they come closer.
MAX_RANGE_DAYS = 92
# What "performed best" looks back over.
PERFORMANCE_DAYS = 90
MAX_TITLE = 200
MAX_RATIONALE = 2000


def _today(brand: Brand, now: datetime | None) -> date:
    return horizon.local_today(now=now or timezone.now(), tz_name=brand.timezone)


def _check_range(*, start: date, end: date, today: date) -> None:
    if start < today:
        raise PlanningError(f"Propose from today ({today}) on, not {start}.", field="start")
    if end < start:
        raise PlanningError(f"The range ends ({end}) before it starts ({start}).", field="end")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise PlanningError(
            f"Ask for at most {MAX_RANGE_DAYS} days at a time; {start} to {end} is "
            f"{(end - start).days + 1}.",
            field="end",
        )
    _first, covered_end = horizon.covered(today)
    if end >= covered_end:
        raise PlanningError(
            f"The plan covers up to {covered_end - timedelta(days=1)}; end the range there.",
            field="end",
        )


def _own_handles(voice: VoiceSpec) -> frozenset[str]:
    """Handles plan text may name, as drafts may: the voice's allow-list and the brand's
    channels."""
    handles = {h.lstrip("@").lower() for h in voice.allowed_handles}
    handles |= {h.lstrip("@").lower() for h in content.channels().values_list("handle", flat=True)}
    return frozenset(handles)


def screen(*, text: str, voice: VoiceSpec) -> list[dict[str, str]]:
    """What the drafts' checks find in generated plan text: injection attempts, banned
    phrases, leaked instructions, links (a plan title carries none) and handles off the
    brand's allow-list."""
    found = [v.as_dict() for v in injection.detect(text)]
    folded = guardrails.fold(text)
    found += [
        {"code": "banned_phrase", "detail": f"Uses the banned phrase \u201c{phrase}\u201d."}
        for phrase in voice.banned_phrases
        if guardrails.has_phrase(folded, phrase)
    ]
    if guardrails.leaks_instructions(text):
        found.append(
            {"code": "leaked_instructions", "detail": "Repeats the assistant's instructions."}
        )
    for link in guardrails.links_in(text):
        found.append({"code": "link_not_allowed", "detail": f"Carries the link {link}."})
    allowed = _own_handles(voice)
    for handle in guardrails.HANDLE_RE.findall(text):
        if handle.lower() not in allowed:
            found.append(
                {"code": "handle_not_allowed", "detail": f"@{handle} is not on the allow-list."}
            )
    return found


def _best_hours(*, today: date, tz: ZoneInfo) -> dict[int, int]:
    """Per channel, the brand-local hour most of its five best recent posts went out."""
    posts = post_results(start=today - timedelta(days=PERFORMANCE_DAYS), end=today, tz=tz)
    hours: dict[int, Counter[int]] = {}
    for row in posts:
        draft = row.draft
        if draft.channel_id is None or draft.published_at is None:
            continue
        seen = hours.setdefault(draft.channel_id, Counter())
        if sum(seen.values()) < 5:
            seen[draft.published_at.astimezone(tz).hour] += 1
    return {channel: seen.most_common(1)[0][0] for channel, seen in hours.items() if seen}


def _pillar_ranks(*, today: date) -> dict[int, int]:
    """Pillars by engagement rate over the last days (0 = best), those with results only."""
    rows = breakdown(by="pillar", start=today - timedelta(days=PERFORMANCE_DAYS), end=today)
    ranked = [
        int(r["pillar_id"])
        for r in rows
        if r["pillar_id"] is not None and r["engagement_rate"] is not None
    ]
    return {pillar_id: rank for rank, pillar_id in enumerate(ranked)}


@dataclass(frozen=True)
class Filters:
    channel_ids: list[int] | None = None
    pillar_ids: list[int] | None = None


def _inputs(
    *, brand: Brand, start: date, end: date, filters: Filters, today: date
) -> proposer.ProposerInput:
    cadences = Cadence.objects.select_related("channel").filter(posts_per_week__gt=0)
    if filters.channel_ids is not None:
        known = set(
            content.channels().filter(pk__in=filters.channel_ids).values_list("pk", flat=True)
        )
        missing = sorted(set(filters.channel_ids) - known)
        if missing:
            raise PlanningError(f"The brand has no channel {missing[0]}.", field="channels")
        cadences = cadences.filter(channel_id__in=filters.channel_ids)
    pillars = Pillar.objects.all()
    if filters.pillar_ids is not None:
        known = set(Pillar.objects.filter(pk__in=filters.pillar_ids).values_list("pk", flat=True))
        missing = sorted(set(filters.pillar_ids) - known)
        if missing:
            raise PlanningError(f"There is no pillar {missing[0]}.", field="pillars")
        pillars = pillars.filter(pk__in=filters.pillar_ids)
    channels = list(cadences.order_by("channel_id"))
    if not channels:
        raise PlanningError(
            "No channel chosen has a cadence (posts a week above 0); set one under cadence/.",
            field="channels",
        )
    pillar_rows = list(pillars.order_by("name", "id"))
    if not pillar_rows:
        raise PlanningError("The plan has no pillar to propose items for.", field="pillars")
    tz = ZoneInfo(brand.timezone)
    hours = _best_hours(today=today, tz=tz)
    ranks = _pillar_ranks(today=today)
    planned = (
        PlanItem.objects.filter(planned_on__gte=start, planned_on__lte=end, whole_week=False)
        .exclude(status=ItemStatus.DROPPED)
        .values_list("planned_on", "channel_id", "pillar_id")
    )
    voice = voice_spec(content.current_voice())
    return proposer.ProposerInput(
        start=start,
        end=end,
        channels=[
            proposer.ChannelInput(
                id=c.channel_id,
                name=str(c.channel),
                posts_per_week=c.posts_per_week,
                best_hour=hours.get(c.channel_id),
            )
            for c in channels
        ],
        pillars=[
            proposer.PillarInput(
                id=p.pk, name=p.name, target_share=p.target_share, performance_rank=ranks.get(p.pk)
            )
            for p in pillar_rows
        ],
        events=[
            proposer.EventInput(
                id=e.pk,
                name=e.name,
                kind=e.kind,
                starts_on=e.starts_on,
                ends_on=e.ends_on,
                goal=e.goal,
                pillar_id=e.pillar_id,
            )
            for e in Campaign.objects.filter(starts_on__lte=end, ends_on__gte=start)
        ],
        planned=[
            proposer.PlannedInput(planned_on=day, channel_id=channel_id, pillar_id=pillar_id)
            for day, channel_id, pillar_id in planned
        ],
        tone=voice.tone[0] if voice.tone else "",
        performance_note=(
            ""
            if hours or ranks
            else f"No published results in the last {PERFORMANCE_DAYS} days to learn from yet."
        ),
    )


def propose_items(
    *,
    brand: Brand,
    start: date,
    end: date,
    channel_ids: list[int] | None = None,
    pillar_ids: list[int] | None = None,
    created_by_id: int | None = None,
    now: datetime | None = None,
) -> list[PlanProposal]:
    """Propose the items ``start``..``end`` (both included) still needs on the chosen
    channels and pillars, stored as proposals; none of them is on the plan yet."""
    now = now or timezone.now()
    today = _today(brand, now)
    _check_range(start=start, end=end, today=today)
    brand_settings = assistant_settings()
    # The offline planner is the drafts' offline provider's peer: no cost, but a brand whose
    # budget is spent is refused like a drafts request.
    usage.ensure_budget_left(
        brand_settings=brand_settings,
        now=now,
        reserve=usage.reservation_for(variants=1, judge=False, offline=True),
    )
    data = _inputs(
        brand=brand,
        start=start,
        end=end,
        filters=Filters(channel_ids=channel_ids, pillar_ids=pillar_ids),
        today=today,
    )
    voice = voice_spec(content.current_voice())
    rows = []
    for made in proposer.propose(data):
        title, rationale = made.title[:MAX_TITLE], made.rationale[:MAX_RATIONALE]
        rows.append(
            PlanProposal(
                range_start=start,
                range_end=end,
                title=title,
                planned_on=made.planned_on,
                publish_time=made.publish_time,
                channel_id=made.channel_id,
                pillar_id=made.pillar_id,
                campaign_id=made.campaign_id,
                rationale=rationale,
                flags=screen(text=f"{title}\n{rationale}", voice=voice),
                provider="offline",
                model=proposer.MODEL,
                created_by_id=created_by_id,
            )
        )
    with transaction.atomic():
        return PlanProposal.objects.bulk_create(rows)


def accept_proposal(
    *,
    brand: Brand,
    proposal_id: int,
    actor_id: int | None,
    title: str | None = None,
    planned_on: date | None = None,
    publish_time: time | None | Unchanged = UNCHANGED,
    channel_id: int | None = None,
    pillar_id: int | None = None,
    campaign_id: int | None | Unchanged = UNCHANGED,
    owner_id: int | None = None,
    now: datetime | None = None,
) -> PlanProposal:
    """Put a proposal on the plan, with a person's edits, through ``items.create_item`` (its
    rules apply: a refusal names the field and leaves the proposal proposed). A proposal
    already decided is a 409; a flagged one needs a title of the person's own."""
    with transaction.atomic():
        # The row lock makes a second acceptance at the same moment wait, then see the first's
        # decision: exactly one plan item, whoever clicks second gets a 409.
        proposal = PlanProposal.objects.select_for_update().filter(pk=proposal_id).first()
        if proposal is None:
            raise NotFound(f"There is no proposal {proposal_id}.")
        _check_undecided(proposal)
        if title is not None:
            problems = screen(text=title, voice=voice_spec(content.current_voice()))
            if problems:
                raise PlanningError(
                    "The title does not pass the brand's checks: "
                    + "; ".join(p["detail"] for p in problems),
                    field="title",
                )
        elif proposal.flags:
            raise PlanningError(
                "The assistant's text was flagged ("
                + injection.describe(proposal.flags)
                + "); accept it with a title of your own.",
                field="title",
            )
        item = item_services.create_item(
            brand=brand,
            title=title if title is not None else proposal.title,
            planned_on=planned_on or proposal.planned_on,
            publish_time=(
                proposal.publish_time if isinstance(publish_time, Unchanged) else publish_time
            ),
            channel_id=channel_id or proposal.channel_id,
            pillar_id=pillar_id or proposal.pillar_id,
            campaign_id=(
                proposal.campaign_id if isinstance(campaign_id, Unchanged) else campaign_id
            ),
            owner_id=owner_id,
            # A flagged rationale would reach the drafting prompt as the brief's key message.
            notes="" if proposal.flags else proposal.rationale,
            created_by_id=actor_id,
            now=now,
        )
        proposal.status = PlanProposal.Status.ACCEPTED
        proposal.plan_item = item
        proposal.decided_by_id = actor_id
        proposal.decided_at = now or timezone.now()
        proposal.save(update_fields=["status", "plan_item", "decided_by", "decided_at"])
        audit.record(
            action=AuditAction.PLAN_PROPOSAL_ACCEPTED,
            subject=proposal,
            after={
                "plan_item": item.pk,
                **audit.fields_of(
                    row=item,
                    names=("title", "planned_on", "publish_time", "channel_id", "pillar_id"),
                ),
            },
        )
        return proposal


def _check_undecided(proposal: PlanProposal) -> None:
    if proposal.status != PlanProposal.Status.PROPOSED:
        raise Conflict(
            f"Proposal {proposal.pk} was already {proposal.status}"
            + (f" (plan item {proposal.plan_item_id})." if proposal.plan_item_id else "."),
            field="status",
        )


def reject_proposal(
    *, proposal_id: int, actor_id: int | None, reason: str = "", now: datetime | None = None
) -> PlanProposal:
    """Turn a proposal down, with the reason if one is given; a decided one is a 409."""
    with transaction.atomic():
        proposal = PlanProposal.objects.select_for_update().filter(pk=proposal_id).first()
        if proposal is None:
            raise NotFound(f"There is no proposal {proposal_id}.")
        _check_undecided(proposal)
        proposal.status = PlanProposal.Status.REJECTED
        proposal.decision_reason = reason.strip()
        proposal.decided_by_id = actor_id
        proposal.decided_at = now or timezone.now()
        proposal.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
        audit.record(
            action=AuditAction.PLAN_PROPOSAL_REJECTED,
            subject=proposal,
            detail=proposal.decision_reason[:500],
        )
        return proposal
