"""A model's answer made plain before anyone sees it: markup, entities, control and invisible
characters gone, whitespace collapsed, cut at a word boundary. Shared by every feature that
shows model-written text outside a draft (alt-text suggestions, plan proposals)."""

from __future__ import annotations

import html
import re
import unicodedata

_TAG = re.compile(r"<[^>]{0,200}>")
_MARKDOWN = re.compile(r"[*_`~#>|\[\]]+")
_HIDDEN = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u2060\ufeff")


def plain_text(text: str, *, limit: int) -> str:
    """``text`` as plain text of at most ``limit`` characters (an ellipsis marks a cut)."""
    text = html.unescape(_TAG.sub(" ", html.unescape(text)))
    text = "".join(
        " " if unicodedata.category(ch).startswith("C") or ch in _HIDDEN else ch for ch in text
    )
    text = _MARKDOWN.sub(" ", text)
    text = " ".join(text.split()).strip(" \"'\u201c\u201d")
    if len(text) > limit:
        cut = text[: limit - 1]
        text = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:-") + "\u2026"
    return text
