"""Deterministic guardrails on every draft: channel limits, banned words, disclosures, links and
handles outside the brand's allow-list, language, and leaked instructions.

Each rule returns violations a person can read; ``check`` runs them all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from content.assistant import prompts
from content.assistant.context import GenerationContext

# Any name.tld with a 2-24 letter top-level domain counts as a link: there are over a
# thousand TLDs (.top, .coffee, ...), and a false alarm costs a look, a missed link a post.
URL_RE = re.compile(
    r"(?i)\b(?:https?://[^\s<>\"']+|www\.[^\s<>\"']+|"
    r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}\b(?![.@-]?\w)"
    r"(?:/[^\s<>\"']*)?)"
)
HANDLE_RE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,48}[A-Za-z0-9_])?)")
HASHTAG_RE = re.compile(r"(?<![\w#])#(\w+)")
LEAK_WINDOW = 6  # words in a row from the instructions that count as leaking them


def fold(text: str) -> str:
    """Text as phrase checks compare it: NFKC-normalised and case-folded, so "crème" typed
    decomposed (as phones paste it), full-width "ＣＨＥＡＰ" and "CHEAP" all match "cheap"."""
    # Invisible format characters (zero-width space, joiners, soft hyphen) are dropped so
    # "ch\u200beap" cannot hide "cheap".
    kept = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFKC", kept).casefold()


def has_phrase(folded_text: str, phrase: str) -> bool:
    """Whether ``phrase`` occurs in already folded text as a whole word or words."""
    return re.search(rf"(?<!\w){re.escape(fold(phrase))}(?!\w)", folded_text) is not None


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the and is are to of for with you your we our this that it in on be "
        "have will not at from as by an can"
    ),
    "de": _words(
        "der die das und ist sind zu mit für sie ihr wir unser nicht ein eine "
        "auf von den dem im es auch wieder uns euch euren noch schon"
    ),
    "fr": _words(
        "le la les et est sont pour avec vous votre nous notre ce cette pas un "
        "une des du dans sur au aux de retour avons êtes très"
    ),
    "es": _words(
        "el la los las y es son para con usted tu nosotros nuestro este esta no "
        "un una del en por al que nos mi su se lo muy pero más está estamos"
    ),
    "it": _words(
        "il lo la gli le e sono per con voi vostro noi nostro questo questa non "
        "un una del della nel che di"
    ),
    "nl": _words("de het een en is zijn voor met jij jouw wij onze dit dat niet op van in ook"),
}


@dataclass(frozen=True)
class Violation:
    code: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _emojis(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) == "So" and ord(ch) > 0x2000]


def links_in(text: str) -> list[str]:
    return URL_RE.findall(text)


def _domain(link: str) -> str:
    url = link if "://" in link else f"http://{link}"
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _domain_allowed(domain: str, allowed: tuple[str, ...]) -> bool:
    for entry in allowed:
        entry = entry.lower().strip().removeprefix("www.")
        if entry and (domain == entry or domain.endswith("." + entry)):
            return True
    return False


def guess_language(text: str) -> str | None:
    """The language most of the text's common words belong to, or None when unsure."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    scores = {lang: sum(w in stops for w in words) for lang, stops in STOPWORDS.items()}
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, best_score = ranked[0]
    runner_up = ranked[1][1]
    # Short texts and close calls are not evidence of the wrong language.
    if best_score < 3 or best_score < 1.5 * runner_up:
        return None
    return best


def _normal_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


_INSTRUCTION_WORDS = _normal_words(prompts.INSTRUCTIONS)
_INSTRUCTION_WINDOWS = frozenset(
    " ".join(_INSTRUCTION_WORDS[i : i + LEAK_WINDOW])
    for i in range(len(_INSTRUCTION_WORDS) - LEAK_WINDOW + 1)
)


_LABEL_RE = re.compile(
    r"(?<![\w'])("
    + "|".join(re.escape(label) for label in sorted(prompts.RULE_LABELS, key=len, reverse=True))
    + r")\s*:",
    re.IGNORECASE,
)
_TELLTALE = frozenset(label.casefold() for label in prompts.TELLTALE_RULE_LABELS)


def _quotes_brand_rules(text: str) -> bool:
    """Two rules-block labels ("Personality: ... Do: ...") or one no post would use."""
    labels = {m.group(1).casefold() for m in _LABEL_RE.finditer(text)}
    return len(labels) >= 2 or bool(labels & _TELLTALE)


def leaks_instructions(text: str) -> bool:
    """True when the text quotes the fixed instructions, the brand's rules block or the data
    fence markers."""
    if "COMMENT_DATA" in text.upper() or _quotes_brand_rules(text):
        return True
    words = _normal_words(text)
    return any(
        " ".join(words[i : i + LEAK_WINDOW]) in _INSTRUCTION_WINDOWS
        for i in range(len(words) - LEAK_WINDOW + 1)
    )


def check(text: str, ctx: GenerationContext) -> list[Violation]:
    """Every guardrail violation in ``text`` for this brand, channel and request."""
    found: list[Violation] = []
    voice, channel = ctx.voice, ctx.channel

    if len(text) > channel.max_length:
        found.append(
            Violation(
                "too_long",
                f"{len(text)} characters; {channel.network} allows {channel.max_length}.",
            )
        )
    hashtags = HASHTAG_RE.findall(text)
    limit = channel.max_hashtags
    if voice.max_hashtags is not None:
        limit = min(limit, voice.max_hashtags)
    if len(hashtags) > limit:
        found.append(
            Violation("too_many_hashtags", f"{len(hashtags)} hashtags; the limit is {limit}.")
        )
    lowered = fold(text)
    for phrase in voice.banned_phrases:
        if has_phrase(lowered, phrase):
            found.append(
                Violation("banned_phrase", f"Uses the banned phrase \u201c{phrase}\u201d.")
            )
    for disclosure in voice.required_disclosures:
        needed = disclosure.get("text", "")
        applies = disclosure.get("when", "always") == "always" or (
            ctx.brief is not None and ctx.brief.is_paid
        )
        # As its own word or tag: "#adventure" does not contain the disclosure "#ad".
        if applies and needed and not has_phrase(lowered, needed):
            found.append(
                Violation(
                    "missing_disclosure", f"Must include the disclosure \u201c{needed}\u201d."
                )
            )
    for link in links_in(text):
        domain = _domain(link)
        if not channel.links_allowed:
            found.append(
                Violation(
                    "link_not_allowed", f"{channel.network} posts may not carry links ({link})."
                )
            )
        elif not _domain_allowed(domain, voice.allowed_domains):
            found.append(
                Violation("link_not_allowed", f"The link {link} is not on the brand's allow-list.")
            )
    allowed_handles = ctx.own_handles
    for handle in HANDLE_RE.findall(text):
        if handle.lower() not in allowed_handles:
            found.append(
                Violation("handle_not_allowed", f"@{handle} is not on the brand's allow-list.")
            )
    if voice.emoji_policy == "none" and _emojis(text):
        found.append(Violation("emoji_not_allowed", "The brand voice uses no emoji."))
    language = guess_language(text)
    if language is not None and language != voice.language:
        found.append(
            Violation(
                "wrong_language",
                f"Written in '{language}'; the brand writes in '{voice.language}'.",
            )
        )
    if leaks_instructions(text):
        found.append(Violation("leaked_instructions", "Repeats the assistant's own instructions."))
    return found
