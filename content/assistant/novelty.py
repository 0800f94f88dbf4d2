"""Novelty ("broken record"): how close a draft comes to the brand's recent approved or
published posts, with rapidfuzz's token-sort ratio over normalised text (so reordered words,
case, links and hashtags do not hide a repeat)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from content.assistant.context import RecentPost

DEFAULT_THRESHOLD = 85


@dataclass(frozen=True)
class NoveltyResult:
    score: float  # 0-100 similarity to the closest recent post (100 = the same text)
    draft_id: int | None
    text: str
    threshold: int

    @property
    def too_similar(self) -> bool:
        return self.draft_id is not None and self.score >= self.threshold

    def as_dict(self) -> dict[str, object]:
        return {
            "score": round(self.score, 1),
            "threshold": self.threshold,
            "similar_draft_id": self.draft_id,
            "similar_text": self.text,
            "too_similar": self.too_similar,
        }


def normalise(text: str) -> str:
    text = re.sub(r"https?://\S+|www\.\S+", " ", text.lower())
    text = re.sub(r"[#@]\w+", " ", text)
    return " ".join(re.findall(r"\w+", text))


def closest_recent(
    text: str, recent: tuple[RecentPost, ...], *, threshold: int = DEFAULT_THRESHOLD
) -> NoveltyResult:
    """The recent post most similar to ``text`` and how similar it is."""
    if not recent:
        return NoveltyResult(score=0.0, draft_id=None, text="", threshold=threshold)
    match = process.extractOne(
        normalise(text),
        [normalise(p.text) for p in recent],
        scorer=fuzz.token_sort_ratio,
    )
    if match is None:
        return NoveltyResult(score=0.0, draft_id=None, text="", threshold=threshold)
    _choice, score, index = match
    post = recent[index]
    return NoveltyResult(
        score=float(score), draft_id=post.draft_id, text=post.text, threshold=threshold
    )
