"""Triggers: define them, and fire them when their signals cross the threshold.

A firing writes a brief through content's services for the trigger's audience, with its
deadline at the audience's next active hour, and optionally asks for drafts (content's job,
which checks the AI budget and sends what it writes through the approval rules). A trigger never
publishes or approves anything itself.

The cool-down holds under races: a firing first claims the trigger with a conditional UPDATE
of ``last_fired_at``; two evaluations at once both ask, the row lock makes the second wait for
the first to commit, and its condition no longer holds then, so only one fires.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from approvals.selectors.rota import on_duty_ids
from content import selectors as content
from content import services as content_services
from content.errors import ContentError
from content.services import jobs
from listening import active_hours, announcements, extensions
from listening.errors import ListeningError, TriggerLoop
from listening.models import (
    OWN_SOURCE,
    TIME_BASED,
    Trigger,
    TriggerAction,
    TriggerCondition,
    TriggerFiring,
    TriggerOccasion,
)
from listening.selectors import conditions, segments
from listening.selectors import triggers as trigger_selectors
from listening.services import alerts, crisis
from listening.services.due_index import sync_next_check
from media.errors import MediaError
from media.models import Boost
from media.services import boosts
from outbox.services import record_event
from tenants.audit import services as audit
from tenants.audit.models import AuditAction
from tenants.models import Brand, User

# Time to write drafts and sign them off before the audience's active hour.
LEAD_TIME = timedelta(hours=1)

TRIGGER_FIELDS = (
    "name",
    "enabled",
    "condition",
    "min_z_score",
    "absence_days",
    "calendar_event",
    "lead_days",
    "kpi",
    "kpi_off_by_percent",
    "action",
    "severity",
    "boost_budget",
    "boost_days",
    "plan_pillar",
    "kind",
    "source",
    "topic",
    "keyword",
    "negative_only",
    "threshold",
    "window_minutes",
    "cooldown_minutes",
    "audience",
    "channel",
    "brief_title",
    "key_message",
    "goal",
    "call_to_action",
    "request_drafts",
    "wait_for_active_hours",
)
# The fields that hold another app's id (listening reads none of their tables).
FOREIGN_IDS = {
    "plan_pillar": "plan_pillar_id",
    "calendar_event": "calendar_event_id",
    "kpi": "kpi_id",
}
AUDITED = tuple(
    FOREIGN_IDS.get(name, name) for name in TRIGGER_FIELDS if name not in ("audience", "channel")
)
# KPI metrics an action itself pushes up: an "at most" KPI on one of them would be driven
# further off track by the trigger's own firing (drafts cost AI money and can be rejected as
# repetitive; a boost waits for sign-off).
RAISED_BY_ACTION = {
    TriggerAction.BRIEF: frozenset({"ai_cost_per_post", "novelty_rejections"}),
    TriggerAction.BOOST: frozenset({"median_signoff_minutes_boost"}),
}
DEFAULT_KPI_OFF_BY_PERCENT = 10.0


def build_trigger(*, values: dict[str, Any], base: Trigger | None = None) -> Trigger:
    """An unsaved trigger from ``values`` over ``base`` (for saving or a dry run), with the
    rules a definition must keep checked: no loop through Brandroom's own output, an audience
    and channel the brand has, a channel when it asks for drafts, a cool-down no shorter than
    its window."""
    trigger = Trigger() if base is None else base
    for name, value in values.items():
        if name == "audience":
            trigger.audience = _audience(value)
        elif name == "channel":
            trigger.channel = _channel(value)
        elif name in FOREIGN_IDS:
            setattr(trigger, FOREIGN_IDS[name], value)
        else:
            setattr(trigger, name, value)
    if trigger.source.lower() == OWN_SOURCE:
        raise TriggerLoop(
            "A trigger may not listen to the signals Brandroom makes from its own output: "
            "its briefs would feed its own condition and it would fire itself.",
            field="source",
        )
    _check_condition(trigger)
    _check_action(trigger)
    if trigger.condition not in TIME_BASED and trigger.cooldown_minutes < trigger.window_minutes:
        raise ListeningError(
            "The cool-down must be at least as long as the window, or the same signals fire "
            "the trigger again.",
            field="cooldown_minutes",
        )
    return trigger


def _check_condition(trigger: Trigger) -> None:
    if trigger.condition == TriggerCondition.BASELINE and trigger.min_z_score is None:
        raise ListeningError(
            "Say how unusual the window must be: a z-score from 1 to 20.", field="min_z_score"
        )
    if trigger.condition == TriggerCondition.ABSENCE:
        if trigger.absence_days is None:
            raise ListeningError(
                "Say after how many days without a post (1-90) it fires.", field="absence_days"
            )
        if trigger.channel is None:
            raise ListeningError("Name the channel to watch for posts.", field="channel")
    if trigger.condition == TriggerCondition.CALENDAR_EVENT:
        _check_calendar(trigger)
    if trigger.condition == TriggerCondition.KPI_OFF_TRACK:
        _check_kpi(trigger)


def _check_calendar(trigger: Trigger) -> None:
    if not extensions.calendar_available():
        raise ListeningError("This installation has no plan calendar to watch.", field="condition")
    if trigger.lead_days is None:
        raise ListeningError(
            "Say how many days before an event starts (0-90) it fires.", field="lead_days"
        )
    if trigger.calendar_event_id is not None and not extensions.calendar_event_exists(
        trigger.calendar_event_id
    ):
        raise ListeningError(
            f"The brand's plan has no event or campaign {trigger.calendar_event_id}.",
            field="calendar_event",
        )
    # No loop to refuse: a plan item a trigger adds is never filed under a campaign, and no
    # action creates calendar events, so no action can feed this condition.


def _check_kpi(trigger: Trigger) -> None:
    if not extensions.kpis_available():
        raise ListeningError("This installation has no KPIs to watch.", field="condition")
    if trigger.kpi_id is None:
        raise ListeningError("Name the KPI to watch.", field="kpi")
    if trigger.kpi_off_by_percent is None:
        trigger.kpi_off_by_percent = DEFAULT_KPI_OFF_BY_PERCENT
    reading = extensions.read_kpi(kpi_id=trigger.kpi_id, now=timezone.now())
    if reading is None:
        raise ListeningError(f"The brand has no KPI {trigger.kpi_id}.", field="kpi")
    raised = RAISED_BY_ACTION.get(TriggerAction(trigger.action), frozenset())
    if reading.direction == "at_most" and reading.metric in raised:
        raise TriggerLoop(
            f"The KPI '{reading.name}' ({reading.metric}, at most) rises with what a "
            f"{trigger.action} action does: the trigger would feed its own condition.",
            field="kpi",
        )


def _check_action(trigger: Trigger) -> None:
    if trigger.action == TriggerAction.BRIEF:
        for name in ("brief_title", "key_message"):
            if not getattr(trigger, name).strip():
                raise ListeningError("A brief needs its title and key message.", field=name)
    if trigger.request_drafts and trigger.action != TriggerAction.BRIEF:
        raise ListeningError("Only a trigger that writes a brief asks for drafts.", field="action")
    if trigger.request_drafts and trigger.channel is None:
        raise ListeningError("Name the channel the drafts are for.", field="channel")
    if trigger.action == TriggerAction.CRISIS and trigger.severity is None:
        raise ListeningError("Suggest a crisis severity from 1 to 5.", field="severity")
    if trigger.action == TriggerAction.BOOST:
        if trigger.boost_budget is None:
            raise ListeningError("Say how much the boost may spend.", field="boost_budget")
        if trigger.boost_days is None:
            raise ListeningError("Say how many days the boost runs (1-30).", field="boost_days")
        if trigger.channel is None:
            raise ListeningError("Name the channel whose latest post to boost.", field="channel")
    if trigger.action == TriggerAction.PLAN_ITEM:
        _check_plan_item(trigger)


def _check_plan_item(trigger: Trigger) -> None:
    if not extensions.plan_items_available():
        raise ListeningError("This installation has no plan to add items to.", field="action")
    if trigger.plan_pillar_id is None:
        raise ListeningError("Name the pillar the plan item goes under.", field="plan_pillar")
    if not extensions.pillar_exists(trigger.plan_pillar_id):
        raise ListeningError(
            f"The brand has no pillar {trigger.plan_pillar_id}.", field="plan_pillar"
        )
    if trigger.channel is None:
        raise ListeningError("Name the channel the plan item is for.", field="channel")


def _schedule(trigger: Trigger, now: datetime) -> None:
    """A time-based trigger that is enabled is judged at the next cycle (then at the time its
    condition could next hold); any other has no check time."""
    if trigger.enabled and trigger.condition in TIME_BASED:
        trigger.next_check_at = now
    else:
        trigger.next_check_at = None


def _audience(audience_id: int | None) -> Any:
    if audience_id is None:
        return None
    found = content.audiences().filter(pk=audience_id).first()
    if found is None:
        raise ListeningError(f"The brand has no audience {audience_id}.", field="audience")
    return found


def _channel(channel_id: int | None) -> Any:
    if channel_id is None:
        return None
    found = content.channels().filter(pk=channel_id).first()
    if found is None:
        raise ListeningError(f"The brand has no channel {channel_id}.", field="channel")
    return found


def _save(trigger: Trigger) -> None:
    try:
        with transaction.atomic():
            trigger.save()
    except IntegrityError:
        raise ListeningError(
            f"The brand already has a trigger called '{trigger.name}'.",
            field="name",
            status_code=409,
            code="duplicate",
        ) from None


def create_trigger(*, values: dict[str, Any], created_by: User | None) -> Trigger:
    """Define a trigger (disabled unless ``enabled`` says otherwise: dry-run it first)."""
    trigger = build_trigger(values=values)
    trigger.created_by = created_by
    _schedule(trigger, timezone.now())
    with transaction.atomic():
        _save(trigger)
        sync_next_check()
        audit.record(
            action=AuditAction.TRIGGER_CREATED,
            subject=trigger,
            after=audit.fields_of(row=trigger, names=AUDITED),
        )
    return trigger


def update_trigger(*, trigger_id: int, values: dict[str, Any]) -> Trigger:
    """Change a trigger (enable or disable it, change its condition or its brief)."""
    with transaction.atomic():
        trigger = Trigger.objects.select_for_update().filter(pk=trigger_id).first()
        if trigger is None:
            raise ListeningError(
                f"There is no trigger {trigger_id}.", status_code=404, code="not_found"
            )
        before = audit.fields_of(row=trigger, names=AUDITED)
        build_trigger(values=values, base=trigger)
        _schedule(trigger, timezone.now())
        _save(trigger)
        sync_next_check()
        audit.record(
            action=AuditAction.TRIGGER_CHANGED,
            subject=trigger,
            before=before,
            after=audit.fields_of(row=trigger, names=AUDITED),
        )
    return trigger


def delete_trigger(*, trigger_id: int) -> None:
    """Remove a trigger and its firings (the briefs it wrote stay)."""
    with transaction.atomic():
        trigger = trigger_selectors.get_trigger(trigger_id=trigger_id)
        audit.record(
            action=AuditAction.TRIGGER_DELETED,
            subject=trigger,
            before=audit.fields_of(row=trigger, names=AUDITED),
        )
        trigger.delete()
        sync_next_check()
        # Its open alerts went with its firings: take them out of the cockpit.
        alerts.sync_alert_attention()


def evaluate_triggers(
    *,
    brand: Brand,
    now: datetime | None = None,
    kinds: list[str] | None = None,
    topics: list[str] | None = None,
) -> list[TriggerFiring]:
    """Judge the brand's enabled triggers that are out of their cool-down (only those that
    signals of ``kinds`` and lower-cased ``topics`` could match, when given) and fire those
    whose window holds at least ``threshold`` matching signals. Safe to run twice or at once:
    the cool-down claim lets one firing through."""
    now = now or timezone.now()
    fired = []
    candidates = (
        Trigger.objects.filter(enabled=True)
        .exclude(condition__in=TIME_BASED)
        .filter(Q(last_fired_at__isnull=True) | Q(last_fired_at__lt=now))
    )
    if kinds is not None:
        candidates = candidates.filter(Q(kind="") | Q(kind__in=kinds))
    if topics is not None:
        candidates = candidates.annotate(topic_key=Lower("topic")).filter(
            Q(topic="") | Q(topic_key__in=topics)
        )
    for trigger in candidates.select_related("audience", "channel").order_by("pk"):
        if trigger.last_fired_at and now - trigger.last_fired_at < timedelta(
            minutes=trigger.cooldown_minutes
        ):
            continue
        judgement = conditions.judge(trigger=trigger, now=now)
        if not judgement.holds:
            continue
        firing = _fire(trigger=trigger, judgement=judgement, brand=brand, now=now)
        if firing is not None:
            fired.append(firing)
    return fired


def check_time_based(*, brand: Brand, now: datetime | None = None) -> list[TriggerFiring]:
    """Judge the brand's enabled time-based triggers whose ``next_check_at`` has come (one
    indexed query), fire those whose condition holds, and set when each is next due. Safe to
    run twice or at once: the cool-down claim lets one firing through."""
    now = now or timezone.now()
    fired = []
    due = (
        Trigger.objects.filter(enabled=True, condition__in=TIME_BASED, next_check_at__lte=now)
        .select_related("audience", "channel")
        .order_by("next_check_at", "pk")
    )
    for trigger in due:
        cooled = trigger.last_fired_at is None or now - trigger.last_fired_at >= timedelta(
            minutes=trigger.cooldown_minutes
        )
        # An absence trigger whose channel was removed has nothing left to watch.
        watchable = trigger.condition != TriggerCondition.ABSENCE or trigger.channel is not None
        if cooled and watchable:
            judgement = conditions.judge(trigger=trigger, now=now)
            if judgement.holds:
                firing = _fire(trigger=trigger, judgement=judgement, brand=brand, now=now)
                if firing is not None:
                    fired.append(firing)
                    trigger.last_fired_at = now
        next_check = conditions.next_check(trigger=trigger, now=now)
        Trigger.objects.filter(pk=trigger.pk, enabled=True).update(next_check_at=next_check)
    return fired


def _claim(trigger: Trigger, now: datetime) -> bool:
    """Take the trigger for a firing at ``now`` if it is still enabled and out of its
    cool-down; False when another evaluation fired it first."""
    cooled = now - timedelta(minutes=trigger.cooldown_minutes)
    return (
        Trigger.objects.filter(pk=trigger.pk, enabled=True)
        .filter(Q(last_fired_at__isnull=True) | Q(last_fired_at__lte=cooled))
        .update(last_fired_at=now)
        == 1
    )


def _fire(
    *, trigger: Trigger, judgement: conditions.Judgement, brand: Brand, now: datetime
) -> TriggerFiring | None:
    with transaction.atomic():
        if not _claim(trigger, now):
            return None
        firing = TriggerFiring(
            trigger=trigger,
            fired_at=now,
            matched=judgement.matched,
            inputs={**_inputs(trigger, judgement.matched, now), **judgement.evidence},
        )
        on_duty: list[int] = []
        if trigger.action == TriggerAction.ALERT:
            on_duty = _alert(trigger=trigger, firing=firing, now=now)
        elif trigger.action == TriggerAction.CRISIS:
            _suggest_crisis(trigger=trigger, firing=firing, brand=brand, now=now)
        elif trigger.action == TriggerAction.BOOST:
            _propose_boost(trigger=trigger, firing=firing, brand=brand, now=now)
        elif trigger.action == TriggerAction.PLAN_ITEM:
            _add_plan_item(trigger=trigger, firing=firing, brand=brand, now=now)
        else:
            _write_brief(trigger=trigger, firing=firing, brand=brand, now=now)
        firing.save()
        if judgement.occasion is not None:
            # Unique per (trigger, occasion): the trigger never fires twice for one event or
            # KPI period, whatever its cool-down.
            TriggerOccasion.objects.create(trigger=trigger, key=judgement.occasion, firing=firing)
        alert = (
            alerts.raise_alert(
                firing=firing,
                title=f"Trigger '{trigger.name}': {_reason(trigger, firing)}",
                on_duty_ids=on_duty,
                now=now,
            )
            if trigger.action == TriggerAction.ALERT
            else None
        )
        audit.record(
            action=AuditAction.TRIGGER_FIRED,
            subject=trigger,
            after={
                "firing": firing.pk,
                "condition": trigger.condition,
                "action": trigger.action,
                "matched": judgement.matched,
                "outcome": firing.outcome,
                "brief": firing.brief_id,
                "warning": firing.warning_id,
                "boost": firing.boost_id,
                "plan_item": firing.plan_item_id,
                "target_at": firing.target_at,
            },
            detail=firing.detail,
            brand=brand,
        )
        record_event(
            name=announcements.TRIGGER_FIRED,
            payload={
                "trigger_id": trigger.pk,
                "name": trigger.name,
                "firing_id": firing.pk,
                "fired_at": now,
                "condition": trigger.condition,
                "action": trigger.action,
                "matched": judgement.matched,
                "inputs": firing.inputs,
                "outcome": firing.outcome,
                "brief_id": firing.brief_id,
                "job_id": firing.job_id,
                "warning_id": firing.warning_id,
                "boost_id": firing.boost_id,
                "plan_item_id": firing.plan_item_id,
                "alert_id": alert.pk if alert is not None else None,
                "target_at": firing.target_at,
            },
        )
    return firing


def _target_at(trigger: Trigger, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The audience's next active hour (less the lead time), when the trigger waits for it."""
    if trigger.wait_for_active_hours and trigger.audience is not None:
        ranges = segments.active_ranges(profile=trigger.audience, tz=tz, now=now)
        return active_hours.next_active_start(ranges, tz=tz, now=now, lead=LEAD_TIME)
    return None


def _write_brief(*, trigger: Trigger, firing: TriggerFiring, brand: Brand, now: datetime) -> None:
    tz = ZoneInfo(brand.timezone)
    target_at = _target_at(trigger, tz, now)
    brief = content_services.create_brief(
        title=trigger.brief_title,
        key_message=trigger.key_message,
        goal=_goal(trigger, firing),
        call_to_action=trigger.call_to_action,
        audience=trigger.audience,
        deadline=target_at,
        channels=[trigger.channel] if trigger.channel is not None else None,
    )
    firing.target_at = target_at
    firing.brief = brief
    firing.outcome = TriggerFiring.Outcome.BRIEF_CREATED
    if trigger.request_drafts:
        try:
            firing.job = jobs.request_post_drafts(
                brief=brief, channel=trigger.channel, variants=1, now=now
            )
            firing.outcome = TriggerFiring.Outcome.DRAFTS_REQUESTED
        except ContentError as refused:
            # The brief stands; the budget or the channel said no to drafts, and the
            # firing says why.
            firing.outcome = TriggerFiring.Outcome.DRAFTS_REFUSED
            firing.detail = refused.message


def _add_plan_item(*, trigger: Trigger, firing: TriggerFiring, brand: Brand, now: datetime) -> None:
    """Put an item on the brand's plan for a strategist to start, on the day of the audience's
    next active hour (when the trigger waits for it) or the brand's day of firing. Nothing else
    is made: the item goes through the normal start, brief, drafts and approval flow."""
    if trigger.channel is None or trigger.plan_pillar_id is None:
        # The channel was removed since the trigger was defined.
        firing.outcome = TriggerFiring.Outcome.PLAN_ITEM_REFUSED
        firing.detail = "The trigger names no channel for the plan item."
        return
    tz = ZoneInfo(brand.timezone)
    target_at = _target_at(trigger, tz, now)
    firing.target_at = target_at
    try:
        firing.plan_item_id = extensions.write_plan_item(
            extensions.PlanItemRequest(
                brand=brand,
                title=(trigger.brief_title.strip() or trigger.name)[:200],
                planned_on=(target_at or now).astimezone(tz).date(),
                channel_id=trigger.channel.pk,
                pillar_id=trigger.plan_pillar_id,
                notes=_why(trigger, firing),
                created_by_id=trigger.created_by_id,
                now=now,
            )
        )
    except extensions.PlanItemRefused as refused:
        firing.outcome = TriggerFiring.Outcome.PLAN_ITEM_REFUSED
        firing.detail = refused.message
        return
    firing.outcome = TriggerFiring.Outcome.PLAN_ITEM_ADDED


def _alert(*, trigger: Trigger, firing: TriggerFiring, now: datetime) -> list[int]:
    """Email the person on duty why the trigger fired; the addresses go into the firing.
    Returns who was on duty (their cockpit shows the alert; the leads' when nobody was)."""
    sent = crisis.email_on_duty(
        subject=f"Trigger '{trigger.name}' fired",
        body=f"{_why(trigger, firing)}\n\n{trigger.goal}".strip(),
        now=now,
    )
    firing.outcome = TriggerFiring.Outcome.ALERT_SENT
    firing.detail = f"Emailed {', '.join(sent) or 'nobody'}."
    return on_duty_ids(now=now)


def _suggest_crisis(
    *, trigger: Trigger, firing: TriggerFiring, brand: Brand, now: datetime
) -> None:
    assert trigger.severity is not None
    warning = crisis.suggest_crisis_level(
        brand=brand,
        severity=trigger.severity,
        evidence={"trigger_id": trigger.pk, "trigger": trigger.name, **firing.inputs},
        reason=_why(trigger, firing),
        now=now,
    )
    if warning is None:
        firing.outcome = TriggerFiring.Outcome.CRISIS_ALREADY_KNOWN
        firing.detail = "The brand is in crisis already or an open warning is as severe."
    else:
        firing.outcome = TriggerFiring.Outcome.CRISIS_SUGGESTED
        firing.warning = warning


def _propose_boost(*, trigger: Trigger, firing: TriggerFiring, brand: Brand, now: datetime) -> None:
    """Propose a boost of the channel's latest published post through media's service: the
    month's budget is reserved or the proposal refused, and the spend goes to the brand's
    approval rules like any other proposal. Nothing is spent until it is approved."""
    assert trigger.channel is not None and trigger.boost_budget is not None
    assert trigger.boost_days is not None
    post = (
        content.drafts()
        .filter(channel_id=trigger.channel.pk, published_at__isnull=False)
        .order_by("-published_at", "-pk")
        .first()
    )
    if post is None:
        firing.outcome = TriggerFiring.Outcome.BOOST_REFUSED
        firing.detail = f"No published post on {trigger.channel.handle} to boost."
        return
    try:
        boost = boosts.propose_boost(
            brand=brand,
            actor_id=trigger.created_by_id,
            network=trigger.channel.network,
            objective=Boost.Objective.ENGAGEMENT,
            budget_total=trigger.boost_budget,
            starts_at=now,
            ends_at=now + timedelta(days=trigger.boost_days),
            draft_id=post.pk,
            audience_id=trigger.audience_id,
            now=now,
        )
    except MediaError as refused:
        firing.outcome = TriggerFiring.Outcome.BOOST_REFUSED
        firing.detail = refused.message
        return
    firing.outcome = TriggerFiring.Outcome.BOOST_PROPOSED
    firing.boost_id = boost.pk
    firing.detail = f"Boost {boost.pk} is {boost.status}."


def _why(trigger: Trigger, firing: TriggerFiring) -> str:
    """Why the trigger fired, in its own words and the brand's own data only: the signals'
    text is the public's and never becomes an instruction to the assistant (or reaches an
    email)."""
    return f"Written by the trigger '{trigger.name}': {_reason(trigger, firing)}"


def _reason(trigger: Trigger, firing: TriggerFiring) -> str:
    """What the condition saw, in a sentence. A calendar trigger names the plan's event, a KPI
    trigger the KPI (the brand's own names, not the public's words)."""
    matched, inputs = firing.matched, firing.inputs
    if trigger.condition == TriggerCondition.ABSENCE:
        channel = trigger.channel.handle if trigger.channel is not None else "the channel"
        return f"no post on {channel} for {matched} days (limit {trigger.absence_days})."
    if trigger.condition == TriggerCondition.CALENDAR_EVENT:
        when = f"starts in {matched} days" if matched else "starts today or is running"
        return (
            f"the {inputs.get('event_kind', 'event')} "
            f"'{inputs.get('event', '?')}' ({inputs.get('starts_on')} to "
            f"{inputs.get('ends_on')}) {when} (lead time {trigger.lead_days} days)."
        )
    if trigger.condition == TriggerCondition.KPI_OFF_TRACK:
        off = inputs.get("off_by_percent")
        how_far = f"{off}% past its target" if off is not None else "past its zero target"
        return (
            f"the KPI '{inputs.get('kpi', '?')}' is "
            f"heading {how_far} this {inputs.get('period', 'period')} (value "
            f"{inputs.get('value')}, target {inputs.get('direction', '').replace('_', ' ')} "
            f"{inputs.get('target')}; limit {trigger.kpi_off_by_percent:g}%)."
        )
    about = f" about '{trigger.topic}'" if trigger.topic else ""
    what = trigger.kind.replace("_", " ") if trigger.kind else "signal"
    rule = (
        f"at least {trigger.min_z_score} standard deviations above the last 28 days"
        if trigger.condition == TriggerCondition.BASELINE
        else f"threshold {trigger.threshold}"
    )
    return f"{matched} {what} signals{about} in the last {trigger.window_minutes} minutes ({rule})."


def _goal(trigger: Trigger, firing: TriggerFiring) -> str:
    """The trigger's goal plus why it fired."""
    why = _why(trigger, firing)
    return f"{trigger.goal}\n\n{why}" if trigger.goal else why


def _inputs(trigger: Trigger, matched: int, now: datetime) -> dict[str, Any]:
    if trigger.condition in (TriggerCondition.CALENDAR_EVENT, TriggerCondition.KPI_OFF_TRACK):
        # No signals are counted: the condition's own evidence says what it saw.
        return {"condition": trigger.condition, "matched": matched, "judged_at": now.isoformat()}
    return {
        "kind": trigger.kind,
        "source": trigger.source,
        "topic": trigger.topic,
        "keyword": trigger.keyword,
        "negative_only": trigger.negative_only,
        "threshold": trigger.threshold,
        "window_minutes": trigger.window_minutes,
        "window_start": (now - timedelta(minutes=trigger.window_minutes)).isoformat(),
        "window_end": now.isoformat(),
        "matched": matched,
        "condition": trigger.condition,
    }


def calendar_changed() -> None:
    """The plan's calendar changed (an event added, moved or removed): judge the brand's
    calendar triggers at the next cycle, whatever their next check said. Called by planning in
    the transaction that changed it."""
    woken = Trigger.objects.filter(enabled=True, condition=TriggerCondition.CALENDAR_EVENT).update(
        next_check_at=timezone.now()
    )
    if woken:
        sync_next_check()
