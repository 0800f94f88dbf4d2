"""Risk score 0-100 with reasons, computed by Brandroom from deterministic rules.

Each rule that fires adds points: the brand's own lists, crisis language, claims, the comment
being answered (angry, alarming, or trying to instruct the assistant) and the output-safety
checks. The model's self-assessment (and the judge's) may only raise the score up to its own
estimate, never lower it: a fooled model says "harmless". The approvals app reads the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from content.assistant.context import GenerationContext
from content.assistant.guardrails import Violation, fold, has_phrase

CRISIS_KEYWORDS = (
    "recall", "lawsuit", "sued", "injury", "injured", "death", "died", "outage", "data breach",
    "breach", "hacked", "boycott", "scandal", "fire", "explosion", "contaminated", "poisoning",
    "layoffs", "strike", "apology", "apologise", "apologize", "hospital", "hospitalised",
    "hospitalized", "allergic reaction", "lawyer", "attorney", "legal action",
)  # fmt: skip
CLAIMS: dict[str, tuple[str, ...]] = {
    "price": (
        r"\d+\s?% off", r"[$€£]\s?\d", r"\bfree\b", r"\bcheapest\b", r"\blowest price\b",
        r"\bprice match\b", r"\bdiscount\b",
    ),
    "health": (
        r"\bcures?\b", r"\bheals?\b", r"\bimmun\w*", r"\bclinically\b", r"\bdetox\b",
        r"\bweight loss\b", r"\bprevents? (?:disease|cancer|illness)", r"\bdoctors? recommend",
    ),
    "finance": (
        r"\bguaranteed returns?\b", r"\binvest\w*\b", r"\bget rich\b", r"\brisk[- ]free\b",
        r"\bprofit\w*\b", r"\bcrypto\w*\b",
    ),
    "legal": (
        r"\blegal(?:ly)?\b", r"\bcomplian\w*\b", r"\bcertified\b", r"\bapproved by\b",
        r"\bguarantee\w*\b", r"\bwarrant\w*\b",
    ),
}  # fmt: skip
NEGATIVE_WORDS = (
    "angry", "terrible", "awful", "worst", "disgusting", "scam", "never again", "refund",
    "furious", "useless", "broken", "hate", "disappointed", "rude", "unacceptable", "ripoff",
    "rip-off", "complaint", "lawyer", "sue",
)  # fmt: skip

POINTS = {
    "sensitive_topic": 25,
    "crisis_keyword": 35,
    "crisis_comment": 50,
    "claim": 15,
    "negative_comment": 20,
    "competitor": 15,
    "injection_attempt": 70,
    # Output-safety findings (content.assistant.safety): each alone is high risk or close to it.
    "profanity": 80,
    "hostility": 70,
    "personal_data": 80,
    "unlisted_offer": 60,
    "unlisted_claim": 60,
    "repeats_comment": 70,
    "not_an_answer": 40,
    "judge_objection": 70,
}


@dataclass(frozen=True)
class RiskResult:
    score: int
    reasons: list[dict[str, object]] = field(default_factory=list)


def comment_is_negative(text: str) -> bool:
    """An angry or negative comment: negative words, shouting or a pile of exclamation marks."""
    lowered = fold(text)
    hits = sum(has_phrase(lowered, w) for w in NEGATIVE_WORDS)
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.7
    return hits >= 1 or shouting or "!!!" in text


def score(
    text: str,
    ctx: GenerationContext,
    *,
    model_score: int | None = None,
    model_reasons: list[str] | None = None,
    findings: list[Violation] | None = None,
) -> RiskResult:
    """The draft's risk score with one reason per rule that fired. ``findings`` are the
    output-safety (and judge) findings on the text; the model's own score only raises."""
    lowered = fold(text)
    reasons: list[dict[str, object]] = []

    def add(code: str, detail: str, points: int) -> None:
        reasons.append({"code": code, "detail": detail, "points": points})

    for topic in ctx.voice.sensitive_topics:
        if has_phrase(lowered, topic):
            add("sensitive_topic", f"Mentions the sensitive topic \u201c{topic}\u201d.", 25)
    crisis = [w for w in CRISIS_KEYWORDS if has_phrase(lowered, w)]
    if crisis:
        add("crisis_keyword", f"Uses crisis language: {', '.join(crisis)}.", 35)
    for kind, patterns in CLAIMS.items():
        if any(re.search(p, lowered) for p in patterns):
            add(f"{kind}_claim", f"Makes a {kind} claim.", POINTS["claim"])
    if ctx.comment is not None and comment_is_negative(ctx.comment.text):
        add("negative_comment", "Replies to an angry or negative comment.", 20)
    if ctx.comment is not None:
        # Whatever the reply says, answering someone who speaks of poisoning, hospital or a
        # lawyer is a crisis-grade reply: it needs the people who sign those off.
        said = fold(ctx.comment.text)
        alarming = [w for w in CRISIS_KEYWORDS if has_phrase(said, w)]
        if alarming:
            add(
                "crisis_comment",
                f"Replies to a comment with crisis language: {', '.join(alarming)}.",
                POINTS["crisis_comment"],
            )
    for competitor in ctx.voice.competitors:
        if has_phrase(lowered, competitor):
            add("competitor", f"Mentions the competitor \u201c{competitor}\u201d.", 15)
    if ctx.comment is not None and ctx.comment.injection_signals:
        what = "; ".join(s.get("detail", "") for s in ctx.comment.injection_signals)
        add(
            "injection_attempt",
            f"The comment tries to instruct the assistant. {what}",
            POINTS["injection_attempt"],
        )
    for finding in findings or []:
        add(finding.code, finding.detail, POINTS.get(finding.code, 50))
    total = min(100, sum(int(r["points"]) for r in reasons))  # type: ignore[call-overload]
    if model_score and model_score > total:
        detail = "; ".join(model_reasons or []) or "no reasons given."
        add(
            "model_assessment",
            f"The model's own assessment ({model_score}/100) is higher: {detail}",
            model_score - total,
        )
        total = model_score
    return RiskResult(score=min(100, total), reasons=reasons)
