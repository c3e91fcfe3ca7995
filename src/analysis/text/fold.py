"""Folding text for comparison: the one rule for when two pieces of text are the same.

A quote is compared with its source, a name with the same name in another edition and a
candidate phrase with the finders' patterns in one form: every character as
``analysis.text.normalize.normalize_text`` writes it (NFKC; CJK-radical code points such as
``⻘`` → ``青``; wave dashes → ``~``; hyphen variants → ``-``; zero-width characters
dropped) and with all whitespace removed, because PDF extraction puts spaces and line
breaks inside words. Folding works per character cluster (a base character and its
combining marks), so every folded character can be traced back to its place in the
original text (``analysis.text.sources.quote_spans``).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterator

from analysis.text.normalize import normalize_text

QUOTATION_BRACKETS = "「」『』"


def clusters(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each base character with its combining marks.

    NFKC is applied per cluster rather than per code point because a combining mark
    (U+3099 in "か\\u3099") composes with the character before it; folding them together
    gives the same result as folding the whole text, while keeping each folded character
    traceable to its origin.
    """
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not unicodedata.combining(text[i]):
            yield start, i
            start = i


@functools.lru_cache(maxsize=16384)
def fold_cluster(cluster: str) -> str:
    """One character cluster in comparison form ("" for whitespace)."""
    return "".join(normalize_text(cluster).split())


def fold(text: str) -> str:
    """Text in comparison form: normalised character by character, no whitespace."""
    return "".join(fold_cluster(text[start:end]) for start, end in clusters(text))


def fold_name(text: object) -> str:
    """A name in comparison form, without quotation brackets (「すみかふぇ」 = すみかふぇ);
    anything that is not text folds to ``""``."""
    if not isinstance(text, str):
        return ""
    return "".join(ch for ch in fold(text) if ch not in QUOTATION_BRACKETS)


def fold_key(text: str) -> str:
    """The loosest form, for matching names by similarity (a drafted programme with last
    edition's): normalised with extraction spaces joined and bold doubling undone,
    lower case, letters and digits only (punctuation such as ・ and 「」 dropped)."""
    folded = normalize_text(text, join_split_words=True).lower()
    return "".join(ch for ch in folded if ch.isalnum())
