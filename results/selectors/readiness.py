"""How ready a brand is to be always on: a 0-100 score per criterion from live data, each with
its evidence and the one change that would raise it most.

All seven always-on criteria are computed: people and hours, autonomy, crisis readiness,
mobility, content production, audience understanding and paid support; the overall score is
their mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from approvals import selectors as approvals
from content import selectors as content
from media import selectors as media
from results.selectors import results
from tenants.roles import LEADS, Role

# The window the figures look back over.
WINDOW_DAYS = 30
# The share of requests a brand running always-on clears with no sign-off (low-risk work).
AUTONOMY_TARGET = 0.5
PROFILE_FIELDS = ("description", "motivations", "pains", "preferred_channels", "active_hours")
# The skills an always-on brand team needs among its members, by the role that brings each.
SKILLS = (
    (Role.ACCOUNT_LEAD, "account lead"),
    (Role.STRATEGIST, "strategist"),
    (Role.COPYWRITER, "copywriter"),
    (Role.COMMUNITY_MANAGER, "community manager"),
    (Role.MEDIA_SPECIALIST, "media specialist"),
)
# The rota is judged over this many days ahead, an hour at a time.
COVER_DAYS = 14
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Office hours (brand-local, Monday to Friday): a decision outside them is out of hours.
OFFICE_HOURS = (9, 18)
# The share of decisions an always-on brand makes from the phone.
PHONE_TARGET = 0.5
# Roles whose members decide on the client's side and should have the phone view.
CLIENT_DECIDERS = (Role.CLIENT_APPROVER, Role.CLIENT_LEGAL, Role.CLIENT_PR)
# From brief to approved draft, median: within two working days is always-on speed.
LEAD_TIME_TARGET_HOURS = 48.0
# Stakeholder groups a request passes through, median: more than this slows everything.
CHAIN_TARGET = 2
# Of the brand's best posts (by engagement rate, last 90 days), the share worth boosting.
TOP_POSTS = 10
BOOSTED_TARGET = 0.3
OFF_PACE_HOURS = 48


@dataclass(frozen=True)
class Criterion:
    key: str
    name: str
    score: int | None
    evidence: list[str] = field(default_factory=list)
    next_step: str = ""


@dataclass(frozen=True)
class Readiness:
    overall: int | None
    criteria: list[Criterion]


def _points(parts: list[tuple[float, float, str]]) -> tuple[int, str]:
    """Score from (points earned, points possible, what would earn the rest) parts; the step
    is the part that lost the most points."""
    score = round(sum(earned for earned, _most, _step in parts))
    lost = max(parts, key=lambda p: p[1] - p[0])
    return min(100, score), (lost[2] if lost[1] - lost[0] > 0.5 else "")


def _autonomy(since: datetime) -> Criterion:
    figures = approvals.approval_figures(since=since)
    shares = approvals.signoff_shares(since=since)
    in_time = figures["share_within_deadline"]
    total = shares["cleared"] + shares["signed"]
    cleared = shares["cleared"] / total if total else 0.0
    evidence = [
        f"{total} requests in {WINDOW_DAYS} days, {shares['cleared']} cleared with no sign-off "
        f"({cleared:.0%}; target {AUTONOMY_TARGET:.0%}).",
        "Steps decided within their deadline: "
        + ("none decided yet." if in_time is None else f"{in_time:.0%}."),
    ]
    if figures["median_minutes_to_decision"] is not None:
        evidence.append(f"Median time to decision: {figures['median_minutes_to_decision']} min.")
    score, step = _points(
        [
            (
                60 * (in_time or 0.0),
                60,
                "Decide steps within their deadline: add people to the rota or lengthen "
                "deadlines that are always missed.",
            ),
            (
                40 * min(1.0, cleared / AUTONOMY_TARGET),
                40,
                "Let low-risk work through without sign-off: raise the autonomy level "
                "(approvals/policy/preset/).",
            ),
        ]
    )
    return Criterion("autonomy", "Autonomy", score, evidence, step)


def _crisis_readiness() -> Criterion:
    managers = approvals.staffed_roles(roles=[*sorted(LEADS), Role.COMMUNITY_MANAGER])
    pr = bool(approvals.staffed_roles(roles=[Role.CLIENT_PR]))
    legal = bool(approvals.staffed_roles(roles=[Role.CLIENT_LEGAL]))
    open_incidents = list(approvals.incidents().filter(status="open"))
    unowned = [i for i in open_incidents if i.owner_id is None]
    evidence = [
        "People who may run an incident: " + (", ".join(managers) or "none") + ".",
        f"Client PR on the brand: {'yes' if pr else 'no'}; client Legal: "
        f"{'yes' if legal else 'no'}.",
        f"Open incidents: {len(open_incidents)}, without an owner: {len(unowned)}.",
    ]
    score, step = _points(
        [
            (25 if managers else 0, 25, "Add an account lead or community manager."),
            (25 if pr else 0, 25, "Add the client's PR contact as a member (client_pr)."),
            (25 if legal else 0, 25, "Add the client's Legal contact (client_legal)."),
            (0 if unowned else 25, 25, "Give every open incident an owner."),
        ]
    )
    return Criterion("crisis_readiness", "Crisis readiness", score, evidence, step)


def _audience_understanding(since: datetime) -> Criterion:
    profiles = list(content.audiences())
    complete = (
        sum(sum(bool(getattr(p, f)) for f in PROFILE_FIELDS) for p in profiles)
        / (len(PROFILE_FIELDS) * len(profiles))
        if profiles
        else 0.0
    )
    items = content.inbox_items().filter(received_at__gte=since)
    received = items.count()
    negative = items.filter(sentiment="negative").count()
    calm = 1 - negative / received if received else 1.0
    evidence = [
        f"{len(profiles)} audience profiles, {complete:.0%} of their fields filled in.",
        f"{received} inbox items in {WINDOW_DAYS} days, {negative} negative.",
    ]
    score, step = _points(
        [
            (
                60 * complete,
                60,
                "Complete the audience profiles: motivations, pains, channels, active hours.",
            ),
            (40 * calm, 40, "Work through the negative inbox items and what caused them."),
        ]
    )
    return Criterion("audience_understanding", "Audience understanding", score, evidence, step)


def _paid_support(now: datetime, tz: ZoneInfo) -> Criterion:
    today = now.astimezone(tz).date()
    top = [
        row.draft_id
        for row in results.post_results(
            start=today - timedelta(days=89), end=today + timedelta(days=1), tz=tz, limit=TOP_POSTS
        )
    ]
    boosted = set(media.boosts().filter(draft_id__in=top).values_list("draft_id", flat=True))
    running = list(media.boosts().filter(status="active").values_list("pk", flat=True))
    off_pace = set(
        media.alerts()
        .filter(
            boost_id__in=running,
            kind__in=["overspend", "under_delivery"],
            created_at__gte=now - timedelta(hours=OFF_PACE_HOURS),
        )
        .values_list("boost_id", flat=True)
    )
    share = len(boosted) / len(top) if top else 0.0
    on_pace = 1 - len(off_pace) / len(running) if running else 1.0
    evidence = [
        f"{len(boosted)} of the {len(top)} best posts of 90 days boosted ({share:.0%}; target "
        f"{BOOSTED_TARGET:.0%}).",
        f"{len(running)} boosts running, {len(off_pace)} off pace in {OFF_PACE_HOURS} hours.",
    ]
    score, step = _points(
        [
            (
                50 * min(1.0, share / BOOSTED_TARGET),
                50,
                "Boost the best-performing posts (see results/posts/).",
            ),
            (50 * on_pace, 50, "Bring the off-pace boosts back on schedule (boost-alerts/)."),
        ]
    )
    return Criterion("paid_support", "Paid support", score, evidence, step)


def _active_hours() -> set[int]:
    """The brand-local hours (0-23) any of its audiences is active; every hour when no profile
    says (an always-on brand is then judged round the clock)."""
    hours: set[int] = set()
    for profile in content.audiences():
        for text in profile.active_hours or []:
            try:
                start_text, end_text = str(text).split("-")
                start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
            except ValueError:
                continue  # free text from before ranges were checked: no hours to count
            last = end.hour if end.minute == 0 else end.hour + 1
            span = (last - start.hour) % 24 or 24
            hours.update((start.hour + offset) % 24 for offset in range(span))
    return hours or set(range(24))


def _people_and_hours(now: datetime, tz: ZoneInfo) -> Criterion:
    windows = list(approvals.coverage_windows())
    active = _active_hours()
    start = now.astimezone(tz).replace(minute=30, second=0, microsecond=0) + timedelta(hours=1)
    needed = 0
    uncovered: dict[int, int] = {}
    for offset in range(COVER_DAYS * 24):
        local = (start + timedelta(hours=offset)).astimezone(tz)
        if local.hour not in active:
            continue
        needed += 1
        if not any(
            approvals.covers(weekdays=w.weekdays, starts=w.starts, ends=w.ends, local=local)
            for w in windows
        ):
            uncovered[local.weekday()] = uncovered.get(local.weekday(), 0) + 1
    cover = 1 - sum(uncovered.values()) / needed if needed else 1.0
    present = set(approvals.staffed_roles(roles=[role for role, _ in SKILLS]))
    missing = [name for role, name in SKILLS if role not in present]
    evidence = [
        f"Duty rota cover of the audiences' active hours ({len(active)} a day) over the next "
        f"{COVER_DAYS} days: {cover:.0%} ({len(windows)} rota windows).",
        "Skills on the brand: "
        + (", ".join(name for role, name in SKILLS if role in present) or "none")
        + ("; missing: " + ", ".join(missing) if missing else "")
        + ".",
    ]
    if uncovered:
        worst = max(sorted(uncovered), key=lambda day: uncovered[day])
        rota_step = (
            f"Put someone on the duty rota on {WEEKDAYS[worst]}s: {uncovered[worst] // 2} "
            "active hours a week are uncovered that day (approvals/rota/windows/)."
        )
    else:
        rota_step = ""
    score, step = _points(
        [
            (60 * cover, 60, rota_step),
            (
                40 * (len(SKILLS) - len(missing)) / len(SKILLS),
                40,
                f"Add a {missing[0]} to the brand." if missing else "",
            ),
        ]
    )
    return Criterion("people_and_hours", "People and hours", score, evidence, step)


def _out_of_hours(moment: datetime, tz: ZoneInfo) -> bool:
    local = moment.astimezone(tz)
    return local.weekday() >= 5 or not OFFICE_HOURS[0] <= local.hour < OFFICE_HOURS[1]


def _mobility(since: datetime, tz: ZoneInfo) -> Criterion:
    decisions = approvals.decisions_made(since=since)
    on_phone = [d for d in decisions if d[1] == "phone"]
    phone_share = len(on_phone) / len(decisions) if decisions else 0.0
    client_ids = set(approvals.member_ids_with_roles(roles=list(CLIENT_DECIDERS)))
    used_phone = {actor for actor, _via, _at in on_phone if actor in client_ids}
    clients_share = len(used_phone) / len(client_ids) if client_ids else 0.0
    late = [
        status
        for opened, status in approvals.steps_opened(since=since)
        if _out_of_hours(opened, tz)
    ]
    late_decided = sum(status in ("approved", "rejected", "changes_requested") for status in late)
    late_expired = sum(status == "expired" for status in late)
    late_share = (
        late_decided / (late_decided + late_expired) if late_decided + late_expired else 1.0
    )
    evidence = [
        f"{len(decisions)} decisions in {WINDOW_DAYS} days, {len(on_phone)} from the phone "
        f"({phone_share:.0%}; target {PHONE_TARGET:.0%}).",
        f"Client approvers who have decided from the phone: {len(used_phone)} of "
        f"{len(client_ids)}.",
        f"Steps opened out of office hours: {len(late)}; decided {late_decided}, expired "
        f"{late_expired}.",
    ]
    score, step = _points(
        [
            (
                40 * min(1.0, phone_share / PHONE_TARGET),
                40,
                "Send approvers the phone view's sign-in link so they decide on the go.",
            ),
            (
                30 * clients_share,
                30,
                "Get every client approver to sign in to the phone view once (/approve/).",
            ),
            (
                30 * late_share,
                30,
                "Cover the evenings and weekends: steps opened then expire undecided.",
            ),
        ]
    )
    return Criterion("mobility", "Mobility", score, evidence, step)


def _median(values: list[float]) -> float | None:
    return median(values) if values else None


def _content_production(since: datetime) -> Criterion:
    approved = approvals.approved_at(subject_kind="post", since=since)
    briefed = content.drafts().filter(pk__in=list(approved), brief__isnull=False)
    lead_hours = [
        (approved[draft_id] - brief_created).total_seconds() / 3600
        for draft_id, brief_created in briefed.values_list("pk", "brief__created_at")
    ]
    median_hours = _median(lead_hours)
    chains = approvals.chain_lengths(since=since)
    median_chain = _median([float(n) for n in chains])
    lead = "none yet" if median_hours is None else f"{median_hours:.1f} h"
    stakeholders = "none yet" if median_chain is None else f"{median_chain:g}"
    evidence = [
        f"{len(lead_hours)} posts from a brief approved in {WINDOW_DAYS} days; median brief "
        f"to approval: {lead} (target {LEAD_TIME_TARGET_HOURS:.0f} h).",
        f"{len(chains)} requests sent to people; stakeholder groups per chain, median: "
        f"{stakeholders} (target {CHAIN_TARGET}).",
    ]
    speed = (
        0.0
        if median_hours is None
        else min(1.0, LEAD_TIME_TARGET_HOURS / max(median_hours, LEAD_TIME_TARGET_HOURS))
    )
    lean = 1.0 if median_chain is None else min(1.0, CHAIN_TARGET / max(median_chain, 1.0))
    score, step = _points(
        [
            (
                60 * speed,
                60,
                "Get posts from brief to approval faster: brief earlier, request drafts from "
                "the brief (briefs/<id>/generate-all/) and decide within the deadlines.",
            ),
            (
                40 * lean,
                40,
                "Fewer stakeholder groups per chain: let lower-risk work need one sign-off "
                "(approvals/policy/rules/).",
            ),
        ]
    )
    return Criterion("content_production", "Content production", score, evidence, step)


def brand_readiness(*, now: datetime, tz: ZoneInfo) -> Readiness:
    """The current brand's readiness: the computed criteria, the rest listed unscored."""
    since = now - timedelta(days=WINDOW_DAYS)
    criteria = [
        _people_and_hours(now, tz),
        _autonomy(since),
        _crisis_readiness(),
        _mobility(since, tz),
        _content_production(since),
        _audience_understanding(since),
        _paid_support(now, tz),
    ]
    scores = [c.score for c in criteria if c.score is not None]
    overall = round(sum(scores) / len(scores)) if scores else None
    return Readiness(overall=overall, criteria=criteria)
