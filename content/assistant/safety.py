"""Output checks that hold whatever the brand listed: a model fooled by a comment (or simply
wrong) must not get hostility, profanity, personal data, made-up offers or claims, or a parroted
instruction past anyone as clean.

Profanity comes from better-profanity's maintained word list (with its leetspeak variants); the
text is normalised first so inflections, accents, look-alike letters, repeated letters and
spaced-out letters do not hide a word. The other checks are patterns over the text compared with
what the brand's own brief and voice say.
"""

from __future__ import annotations

import re
import unicodedata

from better_profanity import Profanity

from content.assistant.context import GenerationContext
from content.assistant.guardrails import Violation, fold

# A trie node: the next letter's node, and "" where a listed word ends.
_Node = dict[str, "_Node"]


class _SpellingIndex:
    """The list's words as a trie, answering ``word in index`` exactly as better-profanity's
    own word list (a list of ``VaryingString``) does, in time that grows with the word's
    length rather than with the ~900 words of the list: the library compares a word with every
    entry, letter by letter and every leetspeak spelling, which cost tens of milliseconds a
    draft. A word matches an entry of the same length when each of its letters is one of the
    spellings the library allows for the entry's letter at that place."""

    def __init__(self, words: list[str], char_map: dict[str, tuple[str, ...]]) -> None:
        if any(len(c) != 1 for spellings in char_map.values() for c in spellings):
            raise ValueError("the spelling index needs one-letter substitutions")
        # For a letter as written, the entry letters it may stand for.
        self._sources: dict[str, frozenset[str]] = {}
        for letter, spellings in char_map.items():
            for spelled in spellings:
                self._sources[spelled] = self._sources.get(spelled, frozenset()) | {letter}
        self._mapped = frozenset(char_map)
        self._root: _Node = {}
        self._size = 0
        for word in words:
            node = self._root
            for letter in word:
                node = node.setdefault(letter, {})
            node[""] = {}
            self._size += 1

    def _letters(self, spelled: str) -> frozenset[str]:
        mapped = self._sources.get(spelled, frozenset())
        return mapped if spelled in self._mapped else mapped | {spelled}

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        nodes = [self._root]
        for spelled in word:
            letters = self._letters(spelled)
            nodes = [child for node in nodes for ch, child in node.items() if ch in letters]
            if not nodes:
                return False
        return any("" in node for node in nodes)

    def __len__(self) -> int:
        return self._size


# One filter per process, its word list indexed once (the library's own default instance
# would scan the whole list for every word of every draft).
_profanity = Profanity()
_profanity.CENSOR_WORDSET = _SpellingIndex(
    [str(entry) for entry in _profanity.CENSOR_WORDSET], _profanity.CHARS_MAPPING
)

# Cyrillic and Greek letters that look like Latin ones ("fuсk" with a Cyrillic s).
_CONFUSABLES = str.maketrans(
    "аеорсухкмтвнізјԁαεορτυνκχ", "aeopcyxkmtbhizjdaeoptuvkx"
)  # fmt: skip
# Inflections the list does not spell out, reduced to a stem the list knows.
_SUFFIXES = ("ingly", "ings", "ing", "ers", "er", "ed", "es", "s", "y", "in")


def _plain(text: str) -> str:
    """Lower-case text without accents, look-alike letters or invisible characters."""
    decomposed = unicodedata.normalize("NFKD", fold(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.translate(_CONFUSABLES)


def _variants(text: str) -> list[str]:
    plain = _plain(text)
    # "fuuuuck" -> "fuck"; "f u c k", "f.u.c.k", "f-u-c-k" -> "fuck".
    squeezed = re.sub(r"([a-z])\1{2,}", r"\1", plain)
    joined = re.sub(
        r"\b(?:[a-z*@$0-9][\s.\-_]){2,}[a-z*@$0-9]\b",
        lambda m: re.sub(r"[\s.\-_]", "", m.group(0)),
        squeezed,
    )
    return list(dict.fromkeys([plain, squeezed, joined]))


def _profane_word(text: str) -> bool:
    for variant in _variants(text):
        if _profanity.contains_profanity(variant):
            return True
        for word in re.findall(r"[a-z*@$0-9]+", variant):
            for suffix in _SUFFIXES:
                stem = word.removesuffix(suffix)
                if stem != word and len(stem) >= 3 and _profanity.contains_profanity(stem):
                    return True
    return False


# Hostility toward the brand or the person answered: insults and contempt.
HOSTILE_PATTERNS = (
    r"\b(?:scam|scams|scammers?|fraud|frauds|fraudulent|rip[- ]?off|con artists?)\b",
    r"\b(?:idiot|idiots|idiotic|moron|morons|moronic|stupid|dumb|imbecile|loser|losers|clown|"
    r"clowns|pathetic|worthless|incompetent|useless|liar|liars|lying|garbage|trash|rubbish|"
    r"disgusting|pigs?|ugly|hate you|hate this|hate us|sucks?|suck)\b",
    r"\bshut (?:up|it)\b",
    r"\b(?:nobody|no one|we don'?t|who)\s+cares?\b",
    r"\b(?:get lost|go away|go to hell|drop dead|get a life|deal with it|your problem|"
    r"not our problem|cry about it)\b",
    r"\b(?:lol|lmao|rofl)\b",
    r"\bdon'?t buy (?:from )?(?:us|them|this|here)\b",
    r"\b(?:never|don'?t) (?:shop|order|buy) (?:here|with us|from us)\b",
    r"\b(?:we|this brand|this company|our (?:coffee|product|service)s?) (?:is|are) (?:a )?"
    r"(?:joke|scam|terrible|awful|the worst|bad|poison)\b",
)
_HOSTILE = [re.compile(p) for p in HOSTILE_PATTERNS]

# Personal data: addresses, phone numbers, email addresses, payment details.
_STREET_WORDS = (
    r"street|st|road|rd|avenue|ave|lane|ln|drive|boulevard|blvd|court|square|terrace|crescent|"
    r"highway|hwy|parkway|strasse|straße|gasse|weg|platz|allee|rue|avenida|calle|via|viale|"
    r"piazza|straat|laan|plein"
)
# Run on the text as written: the street's name is capitalised ("12 Baker Street",
# "Lindenstrasse 14", "rue de Rivoli 5"), which keeps "open at 8 and close at 5" out.
_ADDRESS = (
    re.compile(rf"\b\d{{1,5}}[a-zA-Z]?,?\s+(?:[A-Z][\w'.-]*\s+){{1,3}}(?i:{_STREET_WORDS})\b"),
    re.compile(rf"\b[A-Z][\w'-]*(?i:{_STREET_WORDS})\s+\d{{1,5}}[a-zA-Z]?\b"),
    re.compile(
        rf"\b(?i:{_STREET_WORDS})\s+(?:(?:de|du|des|del|della|di)\s+)?[A-Z][\w'-]*\s+\d{{1,5}}\b"
    ),
    re.compile(r"(?i)\b(?:lives|living|home|house|flat|apartment) (?:is )?(?:at|on|in) \d"),
    re.compile(r"(?i)\b(?:p\.?o\.? box|postfach)\s*\d"),
)
_PHONE = re.compile(
    r"(?<![\w.#/-])(?:(?:\+|00)[1-9](?:[\s./()-]?\d){6,14}|\(?0\d{1,4}\)?(?:[\s./-]?\d{2,4}){2,4}"
    r"|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4})(?![\w/-])"
)
_EMAIL = re.compile(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,24}\b")
_IBAN = re.compile(r"\b[a-z]{2}\d{2}(?:\s?[a-z0-9]{4}){2,7}(?:\s?[a-z0-9]{1,4})?\b")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_PAYMENT_WORDS = re.compile(
    r"\b(?:cvv|cvc|card number|credit card|sort code|routing number|account number|iban|pin)\b"
    r"[^.!?\n]{0,20}\d"
)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _personal_data(text: str, ctx: GenerationContext) -> list[str]:
    folded = fold(text)
    written = unicodedata.normalize("NFKC", text)
    kinds: list[str] = []
    if any(p.search(written) for p in _ADDRESS):
        kinds.append("a street address")
    allowed = tuple(d.lower().removeprefix("www.") for d in ctx.voice.allowed_domains)
    emails = [
        e
        for e in _EMAIL.findall(text)
        if not any(e.lower().endswith("@" + d) or e.lower().endswith("." + d) for d in allowed)
    ]
    if emails:
        kinds.append("an email address")
    cards = [c for c in _CARD.findall(text) if _luhn(re.sub(r"\D", "", c))]
    if cards or _IBAN.search(folded) or _PAYMENT_WORDS.search(folded):
        kinds.append("payment details")
    elif any(len(re.sub(r"\D", "", p)) >= 8 for p in _PHONE.findall(text)):
        kinds.append("a phone number")
    return kinds


# Offers: prices, percentages, codes and "free" things.
_OFFER_PATTERNS = (
    re.compile(r"\b\d{1,3}(?:[.,]\d+)?\s?(?:%|percent|per cent|prozent|pour cent)"),
    re.compile(r"(?:[$€£¥]|\b(?:chf|usd|eur|gbp|fr\.))\s?\d[\d.,']*"),
    re.compile(r"\b\d[\d.,']*\s?(?:[$€£¥]|chf|usd|eur|gbp|dollars?|euros?|francs?|pounds?)\b"),
    re.compile(r"\b(?:half price|buy one,? get one|bogo|free of charge|for free|free (?:\w+ )?"
               r"(?:coffee|drinks?|bags?|shipping|delivery|gift|sample|refill|cup|month|trial))\b"),
)  # fmt: skip
_CODE = re.compile(
    r"(?i)\b(?:code|coupon|voucher|promo(?:code)?|gutschein)\b\s*[:=]?\s*[\"'\u201c]?"
    r"([A-Za-z0-9][A-Za-z0-9_-]{2,})"
)
_SHOUTED_CODE = re.compile(r"\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9-]{4,}\b")


def _source_text(ctx: GenerationContext) -> str:
    """What the brand's own people wrote for this draft: brief, voice, requested changes."""
    parts: list[str] = [ctx.instructions]
    if ctx.brief is not None:
        b = ctx.brief
        parts += [b.title, b.key_message, b.call_to_action, b.campaign]
    v = ctx.voice
    parts += [v.personality, *v.dos, *v.good_examples, *v.hashtags, *v.allowed_domains]
    parts += [d.get("text", "") for d in v.required_disclosures]
    return fold(" ".join(p for p in parts if p))


def _offers(text: str, source: str) -> list[str]:
    folded = fold(text)
    found: list[str] = []
    for pattern in _OFFER_PATTERNS:
        for match in pattern.finditer(folded):
            offer = match.group(0).strip()
            if offer not in source:
                found.append(offer)
    codes = {m.group(1) for m in _CODE.finditer(text)} | set(_SHOUTED_CODE.findall(text))
    for code in sorted(codes):
        if fold(code) not in source and code.lower() not in {"code", "the", "this", "our"}:
            found.append(code)
    return list(dict.fromkeys(found))


CLAIM_PATTERNS: dict[str, tuple[str, ...]] = {
    "medical": (
        r"\b(?:causes?|caused|causing|gives? you|linked to|leads? to)\s+(?:\w+\s+){0,2}"
        r"(?:cancer|disease|diabetes|illness|infertility|dementia|heart attacks?|tumou?rs?)\b",
        r"\b(?:cures?|cured|heals?|healed|treats?|prevents?|prevented)\s+(?:\w+\s+){0,2}"
        r"(?:cancer|disease|diabetes|illness|covid|depression|anxiety|headaches?|infections?)\b",
        r"\b(?:carcinogenic|toxic|poisonous|clinically proven|medically proven|doctors? "
        r"recommend\w*)\b",
        r"\b(?:boosts?|strengthens?) (?:your )?immun\w*",
    ),
    "legal": (
        r"\b(?:illegal|unlawful|we (?:are|were) (?:liable|guilty|at fault|negligent)|"
        r"(?:admit|accept)\w* (?:liability|responsibility|fault)|lawsuit|sue (?:us|them|you)|"
        r"class action|breach of contract|legally (?:binding|required|guaranteed))\b",
    ),
    "financial": (
        r"\b(?:guaranteed (?:returns?|profits?|income)|risk[- ]free (?:investment|returns?)|"
        r"double your money|get rich|investment advice|buy (?:our )?(?:shares|stock|crypto)|"
        r"(?:going|gone|went) bankrupt|insolvent|stock (?:price|tip))\b",
    ),
}
_CLAIMS = {k: [re.compile(p) for p in ps] for k, ps in CLAIM_PATTERNS.items()}


def _claims(text: str, source: str, topics: tuple[str, ...]) -> list[str]:
    folded = fold(text)
    listed = " ".join(fold(t) for t in topics)
    found = []
    for kind, patterns in _CLAIMS.items():
        for pattern in patterns:
            match = pattern.search(folded)
            # A claim the brand's own brief or voice makes, or a topic it listed, is theirs.
            if match and match.group(0) not in source and kind not in listed:
                found.append(f"{kind} (\u201c{match.group(0)}\u201d)")
                break
    return found


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", _plain(text))


ECHO_WINDOW = 4  # words in a row that count as copied from the comment
ECHO_SHARE = 0.6  # share of the reply's words copied that makes it a parrot, not an answer


def _parrots_comment(text: str, comment: str) -> bool:
    """A reply that is (mostly) words lifted from the comment: "APPROVED" after "reply only
    with APPROVED", or a sentence the commenter dictated."""
    reply, said = _words(text), _words(comment)
    if not reply or not said:
        return False
    said_text = " ".join(said)
    if len(reply) <= 6 and f" {' '.join(reply)} " in f" {said_text} ":
        return True
    windows = {" ".join(said[i : i + ECHO_WINDOW]) for i in range(len(said) - ECHO_WINDOW + 1)}
    copied: set[int] = set()
    for i in range(len(reply) - ECHO_WINDOW + 1):
        if " ".join(reply[i : i + ECHO_WINDOW]) in windows:
            copied.update(range(i, i + ECHO_WINDOW))
    return len(copied) >= ECHO_SHARE * len(reply)


MIN_REPLY_WORDS = 3


def check(text: str, ctx: GenerationContext) -> list[Violation]:
    """Every output-safety problem in ``text``, independent of the brand's own lists."""
    found: list[Violation] = []
    if _profane_word(text):
        found.append(Violation("profanity", "Uses profanity (including disguised spellings)."))
    folded = _plain(text)
    hostile = [m.group(0) for p in _HOSTILE if (m := p.search(folded))]
    if hostile:
        found.append(
            Violation(
                "hostility",
                "Hostile or insulting toward the brand or the customer: "
                + ", ".join(f"\u201c{h}\u201d" for h in hostile[:3])
                + ".",
            )
        )
    personal = _personal_data(text, ctx)
    if personal:
        found.append(Violation("personal_data", f"Contains {' and '.join(personal)}."))
    source = _source_text(ctx)
    offers = _offers(text, source)
    if offers:
        found.append(
            Violation(
                "unlisted_offer",
                "Offers, prices or codes the brief and voice do not contain: "
                + ", ".join(f"\u201c{o}\u201d" for o in offers[:4])
                + ".",
            )
        )
    claims = _claims(text, source, ctx.voice.sensitive_topics)
    if claims:
        found.append(
            Violation(
                "unlisted_claim",
                f"Makes {', '.join(claims)} claims beyond the brand's listed topics.",
            )
        )
    if ctx.kind == "reply" and ctx.comment is not None:
        if _parrots_comment(text, ctx.comment.text):
            found.append(
                Violation(
                    "repeats_comment",
                    "Repeats words from the comment instead of answering it (the comment may "
                    "have dictated them).",
                )
            )
        elif len(_words(text)) < MIN_REPLY_WORDS:
            found.append(
                Violation("not_an_answer", "Too short to answer the comment it replies to.")
            )
    return found


CODES = frozenset(
    {
        "profanity",
        "hostility",
        "personal_data",
        "unlisted_offer",
        "unlisted_claim",
        "repeats_comment",
        "not_an_answer",
    }
)
