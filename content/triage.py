"""An inbox item's priority: risk, sentiment and the author's reach, in points. Pure.

Points add up to a score (0-100) whose band orders the work queue: an angry customer with a
large following who mentions a recall comes before a thank-you from a small account.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from content.assistant.guardrails import fold, has_phrase
from content.assistant.risk import CRISIS_KEYWORDS, comment_is_negative

# The points each finding adds.
POINTS = {
    "crisis_language": 40,
    "injection_attempt": 20,
    "negative": 25,
    "neutral": 5,
    "reach_100k": 30,
    "reach_10k": 20,
    "reach_1k": 10,
}
# Lowest score of each band, highest band first.
BANDS = (("urgent", 60), ("high", 35), ("normal", 15), ("low", 0))


@dataclass(frozen=True)
class Triage:
    sentiment: str
    score: int
    priority: str
    reasons: list[dict[str, object]] = field(default_factory=list)


def band(score: int) -> str:
    """The priority band a score falls in."""
    return next(name for name, lowest in BANDS if score >= lowest)


def triage(
    *,
    text: str,
    injection_signals: list[dict[str, object]],
    sentiment: str | None,
    author_followers: int | None,
) -> Triage:
    """Score an arriving item. ``sentiment`` as the network or a listening tool judged it;
    when absent, negative for angry words, shouting or a pile of exclamation marks, else
    neutral."""
    reasons: list[dict[str, object]] = []

    def add(code: str, detail: str) -> None:
        reasons.append({"code": code, "detail": detail, "points": POINTS[code]})

    alarming = [w for w in CRISIS_KEYWORDS if has_phrase(fold(text), w)]
    if alarming:
        add("crisis_language", f"Speaks of {', '.join(alarming)}.")
    if injection_signals:
        add("injection_attempt", "Tries to instruct the assistant.")
    judged = sentiment or ("negative" if comment_is_negative(text) else "neutral")
    if judged == "negative":
        add("negative", "Negative or angry.")
    elif judged == "neutral":
        add("neutral", "Neutral.")
    followers = author_followers or 0
    for threshold, code in ((100_000, "reach_100k"), (10_000, "reach_10k"), (1_000, "reach_1k")):
        if followers >= threshold:
            add(code, f"The author has {followers:,} followers.")
            break
    score = min(100, sum(int(str(r["points"])) for r in reasons))
    return Triage(sentiment=judged, score=score, priority=band(score), reasons=reasons)
