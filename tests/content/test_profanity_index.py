"""The output check's profanity word index answers exactly as better-profanity's own word list
does, for the listed words, their leetspeak spellings, near misses and random strings."""

from __future__ import annotations

import random

from better_profanity import Profanity

from content.assistant import safety

LIBRARY = Profanity()
ALPHABET = "abcdefghijklmnopqrstuvwxyz*@$0123457'\" "


def _candidates() -> set[str]:
    rnd = random.Random(20)
    found: set[str] = set()
    for entry in LIBRARY.CENSOR_WORDSET:
        word = str(entry)
        found |= {word, word[:-1], word + "s", word.upper()}
        for _ in range(4):
            found.add("".join(rnd.choice(LIBRARY.CHARS_MAPPING.get(c, (c,))) for c in word))
    found |= {"".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(1, 8))) for _ in range(2000)}
    return found


def test_the_index_matches_the_librarys_word_list_for_every_spelling() -> None:
    index = safety._profanity.CENSOR_WORDSET
    candidates = _candidates()
    differ = [c for c in candidates if (c in LIBRARY.CENSOR_WORDSET) != (c in index)]
    assert differ == []
    # Leetspeak spellings and near misses were both among them.
    assert sum(c in index for c in candidates) > len(LIBRARY.CENSOR_WORDSET)
    assert sum(c not in index for c in candidates) > 1000


def test_disguised_profanity_is_still_found_and_clean_text_passes() -> None:
    assert safety._profane_word("sh1tty service")
    assert safety._profane_word("what the f u c k")
    assert safety._profane_word("fuuuucking great")
    assert not safety._profane_word("Our autumn blend is back at the café this week.")
