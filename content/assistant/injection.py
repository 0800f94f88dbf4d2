"""Prompt-injection attempts in what the public writes: comments, their threads and the post
they answer. The prompt keeps such text fenced as data; this finds the attempts themselves, so an
inbox item that tried can be marked and its reply never goes out without a person.

A signal is evidence of an attempt, not proof: a false alarm costs a person a look at one reply,
a missed one can publish whatever the commenter dictated.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from typing import Any

from content.assistant.guardrails import Violation, fold

# The standard library's own regex parser (Python 3.11), read to find what a match must hold.
_sre: Any = importlib.import_module("re._constants")
_sre_parse: Any = importlib.import_module("re._parser")

# Each pattern runs on folded text (NFKC, case-folded, invisible characters dropped), so
# full-width letters and zero-width spaces hide nothing.
_ASSISTANT = (
    r"(?:assistant|ai|bot|chat ?gpt|gpt|model|llm|copywriter|social media (?:team|manager))"
)
_RULES = r"(?:instructions?|rules|prompts?|directions|guidelines|orders|programming|context)"
SIGNALS: dict[str, tuple[str, tuple[str, ...]]] = {
    "instructions_to_assistant": (
        "Gives the assistant instructions",
        (
            rf"\b(?:ignore|disregard|forget|override|bypass|skip)\b[^.!?\n]{{0,40}}\b{_RULES}\b",
            r"\b(?:ignore|disregard|forget)\s+(?:all|everything|the above|what)\b",
            r"\byou are now\b",
            r"\bfrom now on\b",
            r"\b(?:act|behave|respond) as (?:if|an?|the)\b",
            r"\bpretend (?:to be|you are|that)\b",
            rf"\bnew {_RULES}\b",
            r"\bnew policy\b",
            rf"\b(?:dear|hey|hi|attention|note to( the)?)\s+{_ASSISTANT}\b",
            r"\bas an ai\b",
            r"\b(?:jailbreak|dan mode|developer mode)\b",
            r"\bdecode (?:this|it|the following)\b",
            # German, French, Spanish, Italian, Dutch: "ignore the instructions".
            r"\bignorier\w*\b[^.!?\n]{0,40}\banweisung\w*",
            r"\bvergiss\b[^.!?\n]{0,40}\b(?:anweisung|regeln)\w*",
            r"\bignor\w*\b[^.!?\n]{0,40}\b(?:instructions|consignes|instrucciones|istruzioni|instructies)\b",
            r"\boubliez?\b[^.!?\n]{0,40}\b(?:instructions|consignes)\b",
        ),
    ),
    "role_marker": (
        "Contains role or system markers",
        (
            r"(?:^|[\n\"'`{,])\s*(?:system|assistant|developer|user)\s*:",
            r"[\"']role[\"']\s*:",
            r"<\|?(?:im_start|im_end|system|endoftext)\|?>",
            r"\[/?inst\]",
            r"<</?sys>>",
            r"</?\s*(?:system|comment|instructions?|prompt|data|user|assistant)\s*>",
            r"#{2,}\s*(?:system|instructions?|new task)",
            r"<<<\s*/?\s*(?:end_)?(?:comment|learnings)_data\s*>>>",
            r"\bsystem (?:prompt|message|override)\s*:",
        ),
    ),
    "dictates_the_reply": (
        "Dictates what the reply must say",
        (
            r"\b(?:reply|respond|answer)\b[^.!?\n]{0,20}\b(?:only|just|exactly|solely)\b"
            r"[^.!?\n]{0,10}\bwith\b",
            r"\b(?:reply|respond|answer)\s+with\s*[:\"'\u201c\u2018]",
            r"\b(?:reply|respond|answer|say|write)\b[^.!?\n]{0,20}\b(?:single|one|exact)\s+words?\b",
            r"\b(?:and|with) nothing else\b",
            r"\b(?:reply|respond|answer|write|say|post|tweet)(?:\s+(?:back|with|only|just|"
            r"exactly|this|the following))+\s*[:\"'\u201c\u2018]",
            r"\b(?:reply|respond|answer|say|write|post|type|output|print|tweet)"
            r"(?:\s+(?:exactly|only|just|this|back|verbatim|the following))*\s*:\s*\S",
            r"\b(?:only|simply)\s+(?:say|write|reply|respond|post|type)\b",
            r"\b(?:your|the)\s+(?:reply|answer|response|next post)\s+(?:must|should|has to|will)"
            r"\s+(?:be|say|read|contain|include|start|mention)\b",
            r"\b(?:start|begin|end)\s+(?:your|the)\s+(?:reply|answer|response)\s+with\b",
            r"\bin (?:your|the|every|each|all) "
            r"(?:reply|replies|answer|answers|response|post|posts)\b"
            r"[^.!?\n]{0,30}\b(?:say|write|include|mention|add|put|tell)\b",
            r"(?:^|[.!?:]\s+)(?:please\s+|now\s+)?(?:say|write|post|tweet|announce|admit|confirm)"
            r"\s+(?:that|the words|[\"'\u201c\u2018])",
            r"\bantworte\w*\b[^.!?\n]{0,40}\bmit\b",
            r"\br[ée]pond(?:s|ez)\b[^.!?\n]{0,20}\b(?:avec|par)\b",
        ),
    ),
    "asks_for_the_prompt": (
        "Asks for the assistant's prompt or rules",
        (
            r"\b(?:system|initial|original|hidden|secret|full)\s+(?:prompt|instructions|message)\b",
            rf"\b(?:reveal|repeat|print|show|share|tell me|list|output|recite|leak|dump)\b"
            rf"[^.!?\n]{{0,30}}\b(?:your|the|these|those|all)\s+{_RULES}\b",
            rf"\bwhat (?:are|were) your {_RULES}\b",
            r"\b(?:word for word|verbatim)\b",
            r"\brepeat (?:everything|the text|all text|the words) above\b",
            r"\b(?:admin|api)\s*(?:password|key|token)\b",
        ),
    ),
    "asks_to_include": (
        "Asks for a link, handle or code to be included",
        (
            r"\b(?:include|add|insert|put|paste|append|attach|mention|post|share|drop)\b"
            r"[^.!?\n]{0,30}\b(?:link|url|website|handle|account|code|coupon|voucher|promo|"
            r"phone number|address|password)s?\b[^.!?\n]{0,30}\b(?:in|into|on)\s+"
            r"(?:your|the|every|each|all|this)\s+(?:reply|replies|answer|response|post|posts|"
            r"comment|tweet|message)\b",
            r"\b(?:in|into|to)\s+(?:every|each|all)\s+(?:of\s+your\s+)?"
            r"(?:reply|replies|answer|answers|response|responses|post|posts)\b",
            r"\b(?:always|must)\s+(?:include|add|mention|link|post|share)\b",
            r"\b(?:share|post|give out|announce|publish)\b[^.!?\n]{0,30}\b(?:code|coupon|"
            r"voucher|discount)\b",
            r"\b(?:tell|give|offer)\s+(?:everyone|them|people|all|customers)\b[^.!?\n]{0,40}"
            r"\b(?:code|discount|%|percent|free)\b",
        ),
    ),
    "impersonates_the_brand": (
        "Claims to speak for the brand or the platform",
        (
            r"\b(?:message|note|update|order|instruction)s? from (?:the |your )?(?:brand|"
            r"company|ceo|management|admin|administrator|moderator|developer|owner|"
            r"[\w ]{0,30}\b(?:team|staff|hq|headquarters))\b",
            r"\bthis is (?:the|your) (?:brand|admin|administrator|developer|owner|ceo|"
            r"moderator|social (?:media )?team)\b",
            r"\b(?:authori[sz]ed|approved) by (?:the )?(?:brand|admin|management|ceo)\b",
        ),
    ),
}


def _needles(items: Any) -> frozenset[str] | None:
    """Strings of which every match of the parsed pattern ``items`` contains at least one
    (None when the pattern promises none). Only what a match cannot do without is used: a run
    of literal characters, a group, every branch of an alternation, a repeat of at least one."""
    found: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in [*items, (None, None)]:
        if op is _sre.LITERAL:
            run.append(chr(av))
            continue
        if run:
            found.append(frozenset(["".join(run)]))
            run = []
        inner: frozenset[str] | None = None
        if op is _sre.SUBPATTERN:
            inner = _needles(av[3])
        elif op is _sre.BRANCH:
            branches = [_needles(branch) for branch in av[1]]
            if all(branch is not None for branch in branches):
                inner = frozenset().union(*(b for b in branches if b is not None))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            inner = _needles(av[2])
        if inner:
            found.append(inner)
    # The set whose shortest string is longest says the most with the fewest look-ups.
    return max(found, key=lambda c: (min(map(len, c)), -len(c))) if found else None


def _gated(pattern: str) -> tuple[re.Pattern[str], frozenset[str] | None]:
    """The compiled pattern and the needles a text must hold for it to be searched at all: one
    scan for all needles skips most regex searches on ordinary text (1,000 signals a batch)."""
    compiled = re.compile(pattern, re.MULTILINE)
    return compiled, _needles(_sre_parse.parse(pattern, compiled.flags))


_COMPILED = {
    code: (label, [_gated(p) for p in patterns]) for code, (label, patterns) in SIGNALS.items()
}
_NEEDLES = sorted(
    {n for _label, gated in _COMPILED.values() for _p, needles in gated for n in needles or ()},
    key=len,
    reverse=True,
)
# One scan finds the needles a text holds: at each position the longest needle starting there
# (alternatives are tried longest first); any other needle starting there is a prefix of it.
_NEEDLE_SCAN = re.compile("(?=(" + "|".join(map(re.escape, _NEEDLES)) + "))")
_PREFIXES = {n: frozenset(m for m in _NEEDLES if n.startswith(m)) for n in _NEEDLES}


def _needles_in(folded: str) -> set[str]:
    present: set[str] = set()
    for match in _NEEDLE_SCAN.finditer(folded):
        present |= _PREFIXES[match.group(1)]
    return present


# A long run of base64 is a payload for the model to decode, not something a customer types.
_ENCODED = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/])")
# Bidirectional overrides reorder what a person sees; zero-width characters inside words split
# keywords so naive filters miss them. Neither has a place in an ordinary comment.
_HIDING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u2060\ufeff")


def _hidden_characters(text: str) -> bool:
    return any(c in _HIDING for c in text) or any(
        unicodedata.category(c) == "Cf" and c not in "\u200c\u200d" for c in text
    )


def _encoded_payload(text: str) -> bool:
    for match in _ENCODED.finditer(text):
        token = match.group(0)
        # Real base64 of words mixes cases and digits; a long word or a hashtag does not.
        if (
            any(c.isdigit() or c in "+/=" for c in token)
            and any(c.isupper() for c in token)
            and any(c.islower() for c in token)
        ):
            return True
    return False


def detect(*texts: str) -> list[Violation]:
    """Every kind of injection attempt found in ``texts`` (a comment, its thread, the post it
    answers), one signal per kind with the words that gave it away."""
    found: dict[str, Violation] = {}
    for text in texts:
        if not text:
            continue
        # ASCII text folds to its lower case and holds no invisible or direction-changing
        # characters (all lie outside ASCII): the same answer without the Unicode passes,
        # which signals (1,000 a batch, mostly plain) feel.
        plain = text.isascii()
        folded = text.lower() if plain else fold(text)
        present = _needles_in(folded)
        for code, (label, patterns) in _COMPILED.items():
            if code in found:
                continue
            for pattern, needles in patterns:
                if needles is not None and needles.isdisjoint(present):
                    continue
                match = pattern.search(folded)
                if match is not None:
                    snippet = " ".join(match.group(0).split())[:60]
                    found[code] = Violation(code, f"{label}: \u201c{snippet}\u201d.")
                    break
        if not plain and "hidden_characters" not in found and _hidden_characters(text):
            found["hidden_characters"] = Violation(
                "hidden_characters",
                "Hides text with invisible or direction-changing characters.",
            )
        if "encoded_payload" not in found and _encoded_payload(text):
            found["encoded_payload"] = Violation(
                "encoded_payload", "Carries an encoded payload (base64) for the model to decode."
            )
    return list(found.values())


def describe(signals: list[dict[str, str]] | list[Violation]) -> str:
    """One line naming the signals, for reasons shown to approvers."""
    codes = [s.code if isinstance(s, Violation) else str(s.get("code", "")) for s in signals]
    return ", ".join(c.replace("_", " ") for c in codes if c)
