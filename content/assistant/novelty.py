"""Novelty ("broken record"): how close a draft comes to what the brand already said or is about
to say: its recent approved or published posts and replies, drafts waiting in review, and the
other variants of the same job.

Two lexical measures, the higher one counts: rapidfuzz's token-sort ratio over normalised text
(reordered words, case, links and hashtags do not hide a repeat), and the overlap of content
words after stop words are dropped and words reduced to a stem, which catches a rewording of
the same message ("Back by popular demand: our autumn blend, roasted in small batches" after
"The autumn blend is back: small-batch roasted").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

from content.assistant.context import RecentPost
from content.assistant.guardrails import STOPWORDS

DEFAULT_THRESHOLD = 85
# Fewer content words than this and overlap says nothing ("Come say hello!").
MIN_CONTENT_WORDS = 4
EXTRA_STOPWORDS = frozenset(
    [
        "a",
        "by",
        "its",
        "it's",
        "was",
        "were",
        "has",
        "had",
        "been",
        "being",
        "do",
        "does",
        "did",
        "so",
        "too",
        "very",
        "just",
        "all",
        "any",
        "some",
        "more",
        "most",
        "here",
        "there",
        "what",
        "when",
        "where",
        "who",
        "how",
        "which",
        "into",
        "out",
        "up",
        "down",
        "off",
        "over",
        "under",
        "again",
        "then",
        "than",
        "about",
        "after",
        "before",
        "now",
        "new",
        "get",
        "got",
    ]
)
_STOP = frozenset().union(*STOPWORDS.values()) | EXTRA_STOPWORDS


@dataclass(frozen=True)
class NoveltyResult:
    score: float  # 0-100 similarity to the closest earlier text (100 = the same text)
    draft_id: int | None
    text: str
    threshold: int
    # What the closest text is: "published", "approved", "in_review", "ready" (a draft), or
    # "variant" (another variant of the same job).
    status: str = ""

    @property
    def too_similar(self) -> bool:
        return bool(self.text) and self.score >= self.threshold

    def as_dict(self) -> dict[str, object]:
        return {
            "score": round(self.score, 1),
            "threshold": self.threshold,
            "similar_draft_id": self.draft_id,
            "similar_text": self.text,
            "similar_status": self.status,
            "too_similar": self.too_similar,
        }


def normalise(text: str) -> str:
    text = re.sub(r"https?://\S+|www\.\S+", " ", text.lower())
    text = re.sub(r"[#@]\w+", " ", text)
    return " ".join(re.findall(r"\w+", text))


def _stem(word: str) -> str:
    if len(word) <= 4:
        return word
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("ing") and len(word) > 6:
        return word[:-3]
    if word.endswith("ed") and len(word) > 5:
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_words(text: str) -> frozenset[str]:
    """The text's meaningful words, accents dropped and reduced to a stem."""
    plain = unicodedata.normalize("NFKD", normalise(text))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return frozenset(_stem(w) for w in plain.split() if w not in _STOP and not w.isdigit())


def similarity(text: str, other: str) -> float:
    """0-100: how much ``text`` says what ``other`` said (the higher of the two measures)."""
    ratio = float(fuzz.token_sort_ratio(normalise(text), normalise(other)))
    mine, theirs = content_words(text), content_words(other)
    if min(len(mine), len(theirs)) < MIN_CONTENT_WORDS:
        return ratio
    shared = len(mine & theirs)
    containment = shared / min(len(mine), len(theirs))
    jaccard = shared / len(mine | theirs)
    return max(ratio, 100 * (0.85 * containment + 0.15 * jaccard))


def closest_recent(
    text: str, recent: tuple[RecentPost, ...], *, threshold: int = DEFAULT_THRESHOLD
) -> NoveltyResult:
    """The earlier text most similar to ``text`` and how similar it is."""
    best: NoveltyResult = NoveltyResult(score=0.0, draft_id=None, text="", threshold=threshold)
    for post in recent:
        if post.alternative:
            score = float(fuzz.token_sort_ratio(normalise(text), normalise(post.text)))
        else:
            score = similarity(text, post.text)
        if score > best.score:
            best = NoveltyResult(
                score=score,
                draft_id=post.draft_id,
                text=post.text,
                threshold=threshold,
                status=post.status,
            )
    return best
