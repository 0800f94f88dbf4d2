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

import functools
import math
import re
import unicodedata
from collections.abc import Callable
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


# The brand's recent posts (up to 200) are compared with every variant, every candidate wording
# of the offline generator and every check of a draft: their normal forms are worked out once
# per process, not on each comparison (~9 ms of a 200-post comparison was this).
@functools.lru_cache(maxsize=2048)
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


@functools.lru_cache(maxsize=2048)
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


# Embeds texts (one vector each), or None when no embeddings model is configured or it failed.
Embedder = Callable[[list[str]], list[list[float]] | None]
SEMANTIC_CANDIDATES = 20  # the lexically closest earlier texts whose meaning is compared


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def closest_recent(
    text: str,
    recent: tuple[RecentPost, ...],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    embed: Embedder | None = None,
) -> NoveltyResult:
    """The earlier text most similar to ``text`` and how similar it is. With ``embed``, the
    closest texts are also compared by meaning (cosine of their embeddings, as 0-100) when the
    words alone do not make a repeat; alternatives for the same brief never are."""
    scored: list[tuple[float, RecentPost]] = []
    for post in recent:
        if post.alternative:
            score = float(fuzz.token_sort_ratio(normalise(text), normalise(post.text)))
        else:
            score = similarity(text, post.text)
        scored.append((score, post))
    scored.sort(key=lambda sp: sp[0], reverse=True)
    if embed is not None and scored and scored[0][0] < threshold:
        candidates = [p for _s, p in scored if not p.alternative][:SEMANTIC_CANDIDATES]
        vectors = embed([text, *(p.text for p in candidates)]) if candidates else None
        if vectors is not None and len(vectors) == len(candidates) + 1:
            by_meaning = {
                id(p): 100 * max(0.0, _cosine(vectors[0], v))
                for p, v in zip(candidates, vectors[1:], strict=True)
            }
            scored = [(max(s, by_meaning.get(id(p), 0.0)), p) for s, p in scored]
            scored.sort(key=lambda sp: sp[0], reverse=True)
    if not scored or scored[0][0] <= 0:
        return NoveltyResult(score=0.0, draft_id=None, text="", threshold=threshold)
    score, post = scored[0]
    return NoveltyResult(
        score=score, draft_id=post.draft_id, text=post.text, threshold=threshold, status=post.status
    )
