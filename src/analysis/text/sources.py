"""Split the raw source texts into municipality sections and locate quotes in them.

The guidebook appendices print one numbered section per municipality ("11 武蔵野市の取組").
Every fact recorded from a guidebook carries a verbatim quote, and that quote must be
found inside the section of the municipality it is attributed to. This module provides
the two building blocks for that check:

* :func:`split_sections` finds the section headings and their character spans;
* :func:`quote_spans` finds a quote in a text after NFKC normalisation and removal of
  all whitespace (PDF extraction inserts spaces and line breaks inside words, and some
  flyer text uses Kangxi-radical code points such as ``⽀`` for ``支``), and maps the
  match back to offsets in the *original* text, so spans can be shown and re-checked.

All offsets are Python ``str`` indices (code points) into the text exactly as read from
the file; nothing here edits the source text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from analysis.text.fold import clusters, fold, fold_cluster

__all__ = [
    "Section",
    "SectionOrderError",
    "parse_heading",
    "quote_in_section",
    "quote_spans",
    "section_of",
    "split_sections",
]


@dataclass(frozen=True)
class Section:
    """One municipality's section of a source document.

    ``start``/``end`` index the original text (``end`` exclusive), so
    ``text[section.start:section.end]`` is the section, heading line included.
    ``heading`` is the heading line verbatim (without its line break), so
    ``text[section.start:].startswith(section.heading)`` holds; it is ``""`` for a
    whole-file section, which has no heading.
    """

    municipality_name: str
    number: int | None
    start: int
    end: int
    heading: str

    def contains(self, start: int, end: int) -> bool:
        """Whether the span ``[start, end)`` lies entirely inside this section."""
        return self.start <= start and end <= self.end


class SectionOrderError(ValueError):
    """Section numbers in a document do not strictly increase.

    That means a non-heading line was taken for a heading (or a heading was
    garbled), so the spans would be wrong; better to stop than to mis-attribute.
    """


# A heading, after NFKC (full-width digits -> ASCII, U+3000 -> space, Kangxi radicals ->
# ordinary kanji) and after the number has been split off, is nothing but a municipality
# name and one of the suffixes the guidebooks use. Whitespace is removed from that part
# first because extraction puts stray spaces inside words. The name is letters only
# (``[^\W\d_]`` admits kanji, kana, 々 and ヶ as in 青ヶ島村, but no punctuation), which
# with the full-line match rules out prose such as "区の取組や「…」について".
_NAME = r"(?P<name>[^\W\d_]{1,9}?[区市町村])"
_SUFFIX = r"(?P<suffix>(?:の|への|での|における)(?:取組み?|取り組み|実践))"
_NAME_AND_SUFFIX_RE = re.compile(_NAME + _SUFFIX)
# The number must be followed by whitespace ("11 武蔵野市の取組"); the whole stripped
# line is number + whitespace + rest.
_NUMBERED_LINE_RE = re.compile(r"(?P<number>\d{1,3})\s+(?P<rest>\S.*)")


def _remove_whitespace(s: str) -> str:
    """Drop every whitespace character (``str.isspace``), wherever it occurs."""
    return "".join(ch for ch in s if not ch.isspace())


def parse_heading(line: str) -> tuple[int, str] | None:
    """Return ``(number, municipality_name)`` if ``line`` is a section heading, else None.

    A heading is a line consisting only of optional whitespace, a section number
    (full- or half-width digits), whitespace, a name ending in 区/市/町/村 and a suffix
    such as の取組 / への取組 / の実践. The name is returned NFKC-normalised with any
    stray whitespace removed; it is not checked against a list of municipalities.
    """
    normalized = unicodedata.normalize("NFKC", line).strip()
    numbered = _NUMBERED_LINE_RE.fullmatch(normalized)
    if numbered is None:
        return None
    heading = _NAME_AND_SUFFIX_RE.fullmatch(_remove_whitespace(numbered["rest"]))
    if heading is None:
        return None
    return int(numbered["number"]), heading["name"]


def _lines_with_offsets(text: str) -> Iterable[tuple[int, str]]:
    """Yield ``(offset, line)`` for each line, without its ``\\n`` / ``\\r\\n`` ending.

    Splits on ``\\n`` only (not ``str.splitlines``) so that form feeds and other
    separators from PDF extraction stay inside a line, where they count as whitespace.
    """
    offset = 0
    for raw_line in text.split("\n"):
        yield offset, raw_line.removesuffix("\r")
        offset += len(raw_line) + 1


def split_sections(text: str, *, whole_file_municipality: str | None = None) -> list[Section]:
    """Split a source document into its municipality sections, in document order.

    Each section runs from the start of its heading line (see :func:`parse_heading`)
    to the start of the next heading line, or to the end of the text. Text before the
    first heading (the document title and header) belongs to no section.

    Everything between two headings is attributed to the earlier one, whatever it is.
    In particular the blank consultation intake form (相談申込・受付票) printed between
    the 練馬区 and 足立区 sections of the FY2024 appendix falls inside 練馬区's span;
    that is accepted, since the form contains no facts to quote.

    If the text has no headings (the support-network visit record, which is about one
    municipality throughout), one section with ``number=None`` and ``heading=""``
    spanning the whole text is returned when ``whole_file_municipality`` is given
    (stored NFKC-normalised); otherwise the result is empty. When headings are found,
    ``whole_file_municipality`` is ignored.

    Raises:
        SectionOrderError: if the section numbers do not strictly increase.
    """
    headings: list[tuple[int, int, str, str]] = []  # (offset, number, name, heading line)
    for offset, line in _lines_with_offsets(text):
        parsed = parse_heading(line)
        if parsed is not None:
            number, name = parsed
            headings.append((offset, number, name, line))

    if not headings:
        if whole_file_municipality is None:
            return []
        name = unicodedata.normalize("NFKC", whole_file_municipality)
        return [Section(name, None, 0, len(text), "")]

    numbers = [number for _, number, _, _ in headings]
    if any(later <= earlier for earlier, later in zip(numbers, numbers[1:], strict=False)):
        raise SectionOrderError(f"section numbers do not strictly increase: {numbers}")

    ends = [offset for offset, _, _, _ in headings[1:]] + [len(text)]
    return [
        Section(name, number, offset, end, line)
        for (offset, number, name, line), end in zip(headings, ends, strict=True)
    ]


def section_of(sections: Sequence[Section], offset: int) -> Section | None:
    """Return the section whose span ``[start, end)`` contains ``offset``, or None."""
    return next((s for s in sections if s.start <= offset < s.end), None)


@lru_cache(maxsize=32)
def _folded_index(text: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """Return the folded form of ``text`` and, per folded character, its origin.

    ``starts[j]`` / ``ends[j]`` are the original offsets of the cluster that produced
    folded character ``j``. Folding may change length in both directions (one Kangxi
    radical -> one kanji, "㈱" -> "(株)", "か\\u3099" -> "が"), hence the explicit map
    instead of offset arithmetic. Cached because the same source text is searched for
    many quotes.
    """
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for start, end in clusters(text):
        for ch in fold_cluster(text[start:end]):
            chars.append(ch)
            starts.append(start)
            ends.append(end)
    return "".join(chars), tuple(starts), tuple(ends)


def quote_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Return the original-text spans of every occurrence of ``quote`` in ``text``.

    Both are compared folded (``analysis.text.fold``), so the quote may span line
    breaks and extraction spaces. Each span starts at the first matched character and
    ends after the last one (whitespace around the match is not included). Overlapping
    occurrences are all reported. An empty (or all-whitespace) quote matches nothing.
    """
    needle = fold(quote)
    if not needle:
        return []
    haystack, starts, ends = _folded_index(text)
    spans: list[tuple[int, int]] = []
    j = haystack.find(needle)
    while j != -1:
        spans.append((starts[j], ends[j + len(needle) - 1]))
        j = haystack.find(needle, j + 1)
    return spans


def quote_in_section(
    text: str, quote: str, municipality_name: str, sections: Sequence[Section]
) -> bool:
    """Whether ``quote`` occurs wholly inside a section of ``municipality_name``.

    Every occurrence is tried, because a stock phrase can appear in several
    municipalities' sections and only one of them need be the attributed one.
    ``sections`` should come from :func:`split_sections` on the same ``text``.
    """
    name = unicodedata.normalize("NFKC", municipality_name)
    own = [s for s in sections if s.municipality_name == name]
    return any(s.contains(start, end) for start, end in quote_spans(text, quote) for s in own)
