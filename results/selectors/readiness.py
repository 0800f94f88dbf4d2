"""How ready a brand is to be always on: a 0-100 score per criterion from live data, each with
its evidence and the one change that would raise it most.

Four of the seven criteria are computed so far (autonomy, crisis readiness, audience
understanding, paid support); the others are listed with no score rather than a made-up one,
and the overall score is the mean of the computed ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
NOT_YET = (
    ("people_and_hours", "People and hours"),
    ("mobility", "Mobility"),
    ("content_production", "Content production"),
)
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


def brand_readiness(*, now: datetime, tz: ZoneInfo) -> Readiness:
    """The current brand's readiness: the computed criteria, the rest listed unscored."""
    since = now - timedelta(days=WINDOW_DAYS)
    computed = [
        _autonomy(since),
        _crisis_readiness(),
        _audience_understanding(since),
        _paid_support(now, tz),
    ]
    pending = [Criterion(key, name, None, ["Not computed yet."], "") for key, name in NOT_YET]
    scores = [c.score for c in computed if c.score is not None]
    overall = round(sum(scores) / len(scores)) if scores else None
    return Readiness(overall=overall, criteria=[*computed, *pending])
