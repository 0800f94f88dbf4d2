"""Assistant plan proposals: ask for the items a range of days still needs, then accept each
(it becomes a plan item through ``items.create_item``, with an audit entry) or reject it.

The offline planner (``planning.proposer``) picks the slots: day, channel, pillar, campaign,
time; an audience whose preferred channels include the slot's network is suggested for it.
It is arithmetic over a few queries, so a request is answered synchronously (a 201 with the
proposals, no job to poll). When the brand's assistant uses the openai provider, one model call
then words the slots (``planning.proposal_wording``) while the person waits: it is reserved
from the brand's monthly AI budget like a draft (402 and nothing stored when the budget cannot
hold it) and recorded as a ``ProposalRequest`` with its tokens and cost. Every text, the
planner's or the model's, is screened with the drafts' guardrails and injection checks; a
model answer that fails them, or a provider that is down, leaves the offline wording with a
label saying why."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from content import selectors as content
from content.assistant import guardrails, injection, usage
from content.assistant.context import VoiceSpec, voice_spec
from content.assistant.providers import OpenAIProvider, ProviderError, resolve_config
from content.models import AssistantSettings, AudienceProfile
from content.services.generation import assistant_settings
from planning import horizon, proposal_wording, proposer
from planning.errors import Conflict, NotFound, PlanningError
from planning.models import (
    Cadence,
    Campaign,
    ItemStatus,
    Pillar,
    PlanItem,
    PlanProposal,
    ProposalRequest,
)
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


def register_spend() -> None:
    """Proposals a model words are paid from the brand's AI budget (from PlanningConfig.ready)."""
    usage.register_spend_source(
        usage.SpendSource(model=ProposalRequest, open_statuses=(ProposalRequest.Status.RUNNING,))
    )


def _audiences_by_network() -> tuple[dict[str, list[AudienceProfile]], list[AudienceProfile]]:
    every = list(content.audiences().order_by("name", "id"))
    by_network: dict[str, list[AudienceProfile]] = {}
    for audience in every:
        for network in audience.preferred_channels or []:
            if isinstance(network, str):
                by_network.setdefault(network, []).append(audience)
    return by_network, every


@dataclass
class _Slot:
    made: proposer.Proposed
    audience: AudienceProfile | None
    title: str
    rationale: str
    flags: list[dict[str, str]]
    labels: list[str]


def _slots(made: list[proposer.Proposed], voice: VoiceSpec, offline: bool) -> list[_Slot]:
    """The planner's slots with the offline wording, screened, and an audience for each: in
    turn, one of those whose preferred channels include the slot's network."""
    networks = dict(content.channels().values_list("pk", "network"))
    by_network, _every = _audiences_by_network()
    turns: Counter[str] = Counter()
    slots = []
    for one in made:
        network = networks.get(one.channel_id, "")
        fits = by_network.get(network, [])
        audience = fits[turns[network] % len(fits)] if fits else None
        turns[network] += 1
        rationale = one.rationale
        if audience is not None:
            rationale += f" For {audience.name}, who prefer {network}."
        title, rationale = one.title[:MAX_TITLE], rationale[:MAX_RATIONALE]
        slots.append(
            _Slot(
                made=one,
                audience=audience,
                title=title,
                rationale=rationale,
                flags=screen(text=f"{title}\n{rationale}", voice=voice),
                labels=["offline_generated"] if offline else [],
            )
        )
    return slots


def _slot_facts(
    slots: list[_Slot], data: proposer.ProposerInput
) -> list[proposal_wording.SlotFacts]:
    channels = {c.id: c for c in data.channels}
    networks = dict(content.channels().values_list("pk", "network"))
    pillars = dict(Pillar.objects.values_list("pk", "description"))
    names = {p.id: p.name for p in data.pillars}
    events = {e.id: e for e in data.events}
    facts = []
    for n, slot in enumerate(slots):
        one = slot.made
        event = events.get(one.campaign_id) if one.campaign_id is not None else None
        facts.append(
            proposal_wording.SlotFacts(
                slot=n,
                planned_on=str(one.planned_on),
                channel=channels[one.channel_id].name,
                network=networks.get(one.channel_id, ""),
                pillar=names.get(one.pillar_id, ""),
                pillar_description=pillars.get(one.pillar_id, ""),
                campaign=event.name if event else "",
                campaign_kind=event.kind if event else "",
                campaign_goal=event.goal if event else "",
                audience=slot.audience.name if slot.audience else "",
                planner_notes=slot.rationale,
            )
        )
    return facts


def _start_request(
    *, now: datetime, created_by_id: int | None, provider: OpenAIProvider, slots: int
) -> ProposalRequest:
    """Reserve one call at the caps from the budget (402 when it cannot hold it), under the
    settings row lock that serialises every budget check."""
    with transaction.atomic():
        brand_settings = AssistantSettings.objects.select_for_update().get(singleton=True)
        # A request whose process died while it waited keeps nothing running: what it
        # reserved counts as spent, since the model may have answered and billed it.
        stale = now - timedelta(seconds=max(60.0, provider.config.timeout * 4))
        ProposalRequest.objects.filter(
            status=ProposalRequest.Status.RUNNING, created_at__lt=stale
        ).update(
            status=ProposalRequest.Status.ABANDONED,
            cost_estimate=F("cost_reserved"),
            finished_at=now,
        )
        reserve = usage.max_cost_of_call()
        usage.ensure_budget_left(brand_settings=brand_settings, now=now, reserve=reserve)
        return ProposalRequest.objects.create(
            provider=provider.name,
            model=provider.model,
            slots=slots,
            cost_reserved=reserve,
            created_by_id=created_by_id,
        )


def _to_send(slots: list[_Slot], data: proposer.ProposerInput) -> list[_Slot]:
    """The first ``MAX_MODEL_SLOTS`` slots a model may word; the rest keep the offline wording
    (labelled). A slot whose offline text is already flagged, or whose campaign, pillar or
    audience tries to instruct the assistant, is never sent."""
    sendable = [
        slot for slot in slots if not slot.flags and not injection.detect(*_slot_inputs(slot, data))
    ]
    sent = sendable[: proposal_wording.MAX_MODEL_SLOTS]
    for slot in slots:
        if slot not in sent:
            slot.labels.append("offline_wording")
    return sent


def _word_with_model(
    *,
    sent: list[_Slot],
    data: proposer.ProposerInput,
    voice: VoiceSpec,
    provider: OpenAIProvider,
    request: ProposalRequest,
) -> None:
    """Ask the model for the slots' wording and use each answer that passes the checks; the
    offline wording stays (labelled) wherever one does not."""
    _every_by_network, every = _audiences_by_network()
    audiences = [
        proposal_wording.AudienceFacts(
            name=a.name,
            description=a.description,
            motivations=tuple(str(m) for m in a.motivations or []),
            pains=tuple(str(p) for p in a.pains or []),
        )
        for a in every
        if any(slot.audience is not None and slot.audience.pk == a.pk for slot in sent)
    ]
    facts = _slot_facts(sent, data)
    try:
        answer, model, tokens_in, tokens_out, _ms = provider.ask(
            proposal_wording.messages(voice=voice, audiences=audiences, slots=facts),
            proposal_wording.response_format(),
            proposal_wording.parse,
        )
    except ProviderError as exc:
        # Proposals are made while the person waits: the offline wording is a whole answer,
        # so a provider that is down gives that, labelled, rather than an error.
        request.tokens_in, request.tokens_out = exc.tokens_in, exc.tokens_out
        request.failure_code = exc.code
        for slot in sent:
            slot.labels.append("provider_unavailable")
        return
    request.model = model
    request.tokens_in, request.tokens_out = tokens_in, tokens_out
    for n, slot in enumerate(sent):
        wording = answer.get(n)
        if wording is None:
            slot.labels.append("offline_wording")
            continue
        title = proposal_wording.clean(wording.title, limit=proposal_wording.MODEL_TITLE_CHARS)
        rationale = proposal_wording.clean(
            wording.rationale, limit=proposal_wording.MODEL_RATIONALE_CHARS
        )
        found = screen(text=f"{title}\n{rationale}", voice=voice)
        if not title or not rationale:
            found.append(
                {"code": "empty_output", "detail": "The model's wording was empty once cleaned."}
            )
        if found:
            # The offline wording stands; the flags say what the model wrote, so the
            # proposal is accepted only with a title a person wrote.
            slot.flags = found
            slot.labels.append("replaced_unsafe_output")
            continue
        slot.title, slot.rationale = title, rationale


def _slot_inputs(slot: _Slot, data: proposer.ProposerInput) -> list[str]:
    """The words people wrote that reach the model for a slot (what a hostile campaign or
    pillar would hide instructions in)."""
    texts = [p.name for p in data.pillars if p.id == slot.made.pillar_id]
    texts += [e.name + " " + e.goal for e in data.events if e.id == slot.made.campaign_id]
    if slot.audience is not None:
        texts += [slot.audience.name, slot.audience.description]
        texts += [
            str(t) for t in [*(slot.audience.motivations or []), *(slot.audience.pains or [])]
        ]
    return texts


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
    channels and pillars, stored as proposals; none of them is on the plan yet. The offline
    planner picks the slots; with the openai provider a model words them (paid from the
    brand's AI budget: 402 when it cannot hold the call, and nothing is stored)."""
    now = now or timezone.now()
    today = _today(brand, now)
    _check_range(start=start, end=end, today=today)
    brand_settings = assistant_settings()
    config = resolve_config(brand_settings)
    if config.offline:
        # The offline planner is the drafts' offline provider's peer: no cost, but a brand
        # whose budget is spent is refused like a drafts request.
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
    slots = _slots(proposer.propose(data), voice, config.offline)
    request: ProposalRequest | None = None
    provider_name, model_name = "offline", proposer.MODEL
    if not config.offline:
        sent = _to_send(slots, data)
        if sent:
            provider = OpenAIProvider(config)
            request = _start_request(
                now=now, created_by_id=created_by_id, provider=provider, slots=len(sent)
            )
            _word_with_model(sent=sent, data=data, voice=voice, provider=provider, request=request)
            provider_name, model_name = provider.name, request.model
        else:
            usage.ensure_budget_left(brand_settings=brand_settings, now=now)
    rows = [
        PlanProposal(
            range_start=start,
            range_end=end,
            title=slot.title,
            planned_on=slot.made.planned_on,
            publish_time=slot.made.publish_time,
            channel_id=slot.made.channel_id,
            pillar_id=slot.made.pillar_id,
            campaign_id=slot.made.campaign_id,
            audience=slot.audience,
            rationale=slot.rationale,
            flags=slot.flags,
            labels=slot.labels,
            provider=provider_name if _worded_by_model(slot) else "offline",
            model=(model_name if _worded_by_model(slot) else proposer.MODEL),
            created_by_id=created_by_id,
        )
        for slot in slots
    ]
    with transaction.atomic():
        if request is not None:
            request.status = ProposalRequest.Status.DONE
            request.cost_estimate = usage.cost_for(
                tokens_in=request.tokens_in, tokens_out=request.tokens_out
            )
            request.finished_at = timezone.now()
            request.save()
        return PlanProposal.objects.bulk_create(rows)


def _worded_by_model(slot: _Slot) -> bool:
    # Every other way a slot comes out carries a label saying the offline wording stands.
    return not slot.labels


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
    audience_id: int | None | Unchanged = UNCHANGED,
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
            audience_id=(
                proposal.audience_id if isinstance(audience_id, Unchanged) else audience_id
            ),
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
                    names=(
                        "title",
                        "planned_on",
                        "publish_time",
                        "channel_id",
                        "pillar_id",
                        "audience_id",
                    ),
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
