"""Short source references for the reading flow: a source and its section, never a row id.

The raw texts carry no reliable page numbers (the FY2024 appendix has three page-number
lines in all), so a fact is cited by the source's short title and the section it stands
in: 「附属資料 令和6年度版・11 武蔵野市の取組」, 「訪問記録（令和6年12月3日）」. Row ids stay in
the id appendix of the combined report and in ``tables/*.csv`` (``evidence``).

- a guidebook appendix: 「附属資料」 and its edition, then the heading of the
  municipality's section as the text prints it (whitespace collapsed). When several
  guidebook sources of one edition cover the municipality (武蔵野市: the appendix pages and
  the fuller flyer text), the part of the title after the edition tells them apart:
  「附属資料 令和6年度版（武蔵野市の頁）・11 武蔵野市の取組」;
- any other source (a visit record, a steward's submission): its kind and its date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.core.labels import label, labels
from analysis.core.paths import DATA_DIR, raw_dir

GUIDEBOOK = "guidebook_appendix"
# The part of a guidebook title after its edition: 「…（令和6年度版）武蔵野市の頁」 → 武蔵野市の頁
_AFTER_EDITION = re.compile(r"版[）)]\s*(?P<rest>.+)$")
_ISO_DATE = re.compile(r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?")
# Japanese eras by their first day (the project's sources are from 令和; 平成 for older
# documents a steward may cite).
_ERAS = (("令和", (2019, 5, 1)), ("平成", (1989, 1, 8)))


def date_text(iso: str, lang: str = "ja") -> str:
    """An ISO date (``2024-12-03``, ``2024-12``, ``2024``) in words: 令和6年12月3日 /
    3 December 2024. An interval (``2024-11/2025-03``) gives its start. Anything else is
    returned as it is."""
    found = _ISO_DATE.match(iso.split("/")[0].strip()) if iso else None
    if found is None:
        return iso
    year = int(found["year"])
    month = int(found["month"]) if found["month"] else None
    day = int(found["day"]) if found["day"] else None
    if lang == "en":
        months = ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December")
        parts = [str(day) if day else "", months[month - 1] if month else "", str(year)]
        return " ".join(p for p in parts if p)
    era, era_year = _era(year, month or 12, day or 31)
    text = f"{era}{'元' if era_year == 1 else era_year}年" if era else f"{year}年"
    return text + (f"{month}月" if month else "") + (f"{day}日" if day else "")


def _era(year: int, month: int, day: int) -> tuple[str, int]:
    for era, start in _ERAS:
        if (year, month, day) >= start:
            return era, year - start[0] + 1
    return "", year


def section_headings(sources: pd.DataFrame, data_dir: Path | str = DATA_DIR,
                     source_ids: Iterable[str] | None = None) -> dict[tuple[str, str], str]:
    """(source_id, municipality name) → the section heading as printed (whitespace
    collapsed), for the guidebook sources (``source_ids``: only these). A source that
    cannot be read or split gives no headings: its references then name the source only."""
    from analysis.dataset.source_readers import read_source_text
    from analysis.text.sources import SectionOrderError, split_sections

    wanted = None if source_ids is None else set(source_ids)
    headings: dict[tuple[str, str], str] = {}
    for row in sources.loc[sources["kind"] == GUIDEBOOK].itertuples():
        if wanted is not None and row.source_id not in wanted:
            continue
        path = raw_dir(Path(data_dir or DATA_DIR)) / row.file
        try:
            sections = split_sections(read_source_text(path))
        except (OSError, SectionOrderError):
            continue
        for section in sections:
            headings.setdefault((row.source_id, section.municipality_name),
                                " ".join(section.heading.split()))
    return headings


@dataclass(frozen=True)
class Reference:
    """A short reference: the source's short title (「附属資料 令和6年度版」), the part that
    tells it from other sources of its edition ("" for the main text; 武蔵野市の頁 for the
    flyers) and the section heading ("" when the source has none)."""

    title: str
    part: str = ""
    section: str = ""


def _base_title(source: Mapping[str, str], lang: str) -> str:
    kind = source["kind"]
    short = label("source_short", kind, lang) if kind in labels("source_short") else (
        labels("source_kind", lang).get(kind, kind))
    if kind == GUIDEBOOK:
        edition = labels("edition", lang).get(source["edition"], source["edition"])
        return label("template", "source_short_edition", lang).format(source=short,
                                                                    edition=edition)
    return label("template", "source_short_dated", lang).format(
        source=short, date=date_text(source["date"], lang))


def source_reference(source: Mapping[str, str], lang: str = "ja", *,
                     distinguish: bool = False, section: str = "") -> Reference:
    """The reference of one source: 附属資料 令和6年度版 (with ``distinguish``, and the
    part after the edition in its title: 武蔵野市の頁), 訪問記録（令和6年12月3日）…"""
    part = ""
    if distinguish and source["kind"] == GUIDEBOOK:
        rest = _AFTER_EDITION.search(source["title"])
        part = rest["rest"] if rest else ""
    return Reference(_base_title(source, lang), part, section)


def references_text(references: Iterable[Reference], lang: str = "ja") -> str:
    """References in one line, those of one source title and section together:
    「附属資料 令和6年度版（本文・武蔵野市の頁）・11 武蔵野市の取組、訪問記録（令和6年12月3日）」.
    A part-less source beside a part of the same title is the main text (本文)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for reference in references:
        parts = groups.setdefault((reference.title, reference.section), [])
        if reference.part not in parts:
            parts.append(reference.part)
    main = label("source_short", "main_text", lang)
    texts = []
    for (title, section), parts in groups.items():
        named = [p or main for p in parts] if len(parts) > 1 else [p for p in parts if p]
        if named:
            title = label("template", "source_short_part", lang).format(
                source=title, part=label("template", "list_separator", lang).join(named))
        texts.append(label("template", "source_section", lang).format(
            source=title, section=section) if section else title)
    return label("profile", "separator", lang).join(texts)


def source_references(sources: pd.DataFrame, municipality: str, used: Iterable[str],
                      headings: Mapping[tuple[str, str], str],
                      lang: str = "ja") -> dict[str, Reference]:
    """source_id → reference for the sources ``used`` by one municipality's facts
    (``municipality`` is its Japanese name, as the sections name it). Guidebook sources
    are told apart by their part only when several of one edition are used."""
    used = list(dict.fromkeys(used))
    table = sources.set_index("source_id")
    per_edition: dict[str, int] = {}
    for source_id in used:
        if source_id in table.index and table.at[source_id, "kind"] == GUIDEBOOK:
            edition = table.at[source_id, "edition"]
            per_edition[edition] = per_edition.get(edition, 0) + 1
    references = {}
    for source_id in used:
        if source_id not in table.index:
            references[source_id] = Reference(source_id)
            continue
        row = {k: "" if pd.isna(v) else str(v)
               for k, v in {"source_id": source_id, **table.loc[source_id].to_dict()}.items()}
        references[source_id] = source_reference(
            row, lang, distinguish=per_edition.get(row["edition"], 0) > 1,
            section=headings.get((source_id, municipality), ""))
    return references
