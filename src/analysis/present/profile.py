"""One municipality's profile: who it is (population, area, estimated need), on what
evidence, and every fact the sources state about it, each with its quote and a short
source reference.

Decisions (issues 16 and 17):

- **Two parts.** The guidebook facts of the edition (the comparisons' evidence basis,
  ``analysis.dataset.scope``) come first, by kind; the supplementary facts (a visit record,
  a steward's submission) follow in a part of their own, never mixed in. A part drawn from
  an internal source is marked as such; a build for partners has none (the notebook drops
  internal sources with ``for_audience`` before anything is shown).
- **One thing, one entry.** Facts about one thing (``entity_key``; for channels, ages,
  members and counts, the thing and what is said about it) stated by several sources of
  the same part — 武蔵野市's appendix pages and its flyers — are one entry that lists every
  source. Values that differ between the sources are all shown (すみかふぇ／すみかふえ);
  quotes that are the same text after folding are shown once with all their sources.
- **Row ids out of the reading flow.** Beside each quote stands a short reference (source
  and section, ``analysis.present.references``); the row ids go to an appendix
  (``appendix_html``: at the end of the handout, gathered at the end of the combined
  report) and stay in ``tables/*.csv``.
- **Words, not keys.** Every header and value comes from ``labels.csv``; integers are
  written as integers; a column no entry fills is left out; a kind with no entry is
  named in one line ("記載なし: …"), not given an empty table.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.compare.context import municipality_context
from analysis.compare.menus import national_menu_coverage
from analysis.core.formats import format_number, is_missing
from analysis.core.labels import label, labels
from analysis.core.paths import DATA_DIR
from analysis.dataset.population import estimate_text
from analysis.dataset.scope import (
    edition_dataset,
    edition_source_ids,
    restrict,
    supplementary_source_ids,
)
from analysis.dataset.tables import Dataset
from analysis.present.references import (
    Reference,
    references_text,
    section_headings,
    source_references,
)
from analysis.text.fold import fold

JOIN = "／"  # between differing values of one thing stated by several sources
SECTIONS = ("services", "channels", "target_ages", "meetings", "network_bodies", "members",
            "milestones", "stated_counts", "collaborations")


@dataclass(frozen=True)
class Evidence:
    """A quote and the sources that state it (short references, in source order)."""

    quote: str
    references: tuple[Reference, ...]
    internal: bool = False


@dataclass(frozen=True)
class Fact:
    """One entry of a profile: its cells (in the section's column order), its evidence,
    and the row ids behind it (for the appendix only)."""

    label: str  # what the entry is about, as the appendix names it
    cells: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    row_ids: tuple[str, ...]
    part_of: bool = False  # a sub-committee shown under its body
    also_in_guidebook: bool = False  # a supplementary fact the guidebook states too
    keys: frozenset = frozenset()  # the merged items' keys (what "the same fact" is)


@dataclass(frozen=True)
class FactSection:
    name: str  # one of SECTIONS
    title: str
    columns: tuple[str, ...]  # headers
    names: tuple[bool, ...]  # per column: values are names or phrases of the sources
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class ProfilePart:
    basis: str  # guidebook | supplementary
    title: str
    lead: str
    internal: bool  # drawn (at least in part) from internal sources: marked as a whole
    sections: tuple[FactSection, ...]  # the kinds with entries
    not_stated: tuple[str, ...]  # titles of the kinds without any
    mark_each: bool = True  # mark each internal quote (a part not wholly internal)
    short_title: str = ""  # the part's name in the appendix


@dataclass(frozen=True)
class Profile:
    code: str
    name: str
    context: tuple[tuple[str, str], ...]  # (label, value) for the header table
    notes: tuple[str, ...]  # the estimate's caveat, the size band's note, the credit
    basis: str  # the evidence basis in one line
    menus: str  # the national menus, in one line ("" when none is documented)
    parts: tuple[ProfilePart, ...]


# ---------------------------------------------------------------- values as words ---------

def _text(value: object) -> str:
    return "" if is_missing(value) else str(value)


def _enum(value: object, group: str, lang: str) -> str:
    text = _text(value)
    return labels(group, lang).get(text, text) if text else ""


def _date(year: object, month: object, lang: str) -> str:
    if is_missing(year):
        return ""
    if is_missing(month):
        return label("template", "year_only", lang).format(year=int(year))
    return label("template", "year_month", lang).format(year=int(year), month=int(month))


def _ages(low: object, high: object, kind: str, approximate: object, lang: str) -> str:
    if is_missing(low) and is_missing(high):
        return "" if kind == "all_ages" else label("template", "age_all", lang)
    if is_missing(high):
        text = label("template", "age_open", lang).format(start=int(low))
    elif is_missing(low):
        text = label("profile", "age_upto", lang).format(end=int(high))
    else:
        text = label("template", "age_range", lang).format(start=int(low), end=int(high))
    if approximate is True:
        text = label("profile", "age_approximate", lang).format(ages=text)
    return text


def frequency_words(row: dict, lang: str = "ja") -> str:
    """How often a meeting is held, in words: 年12回 / 年1回程度 / 定期（回数の記載なし）/
    不定期・随時 / 頻度の記載なし, or 単発の催し for a single event (never a frequency)."""
    if row.get("occurrence") == "single_event":
        return label("occurrence", "single_event", lang)
    regular = _text(row.get("regular"))
    if regular == "true" and not is_missing(row.get("per_year")):
        key = "per_year_approx" if row.get("approximate") is True else "per_year"
        return label("profile", key, lang).format(n=format_number(row["per_year"]))
    status = {"true": "regular_unquantified", "false": "irregular"}.get(regular, "unstated")
    return label("frequency_status", status, lang)


def _operator(row: dict, lang: str) -> str:
    """委託（NPO法人…）, 直営, or the operator's name alone when its type is not stated."""
    kind, name = _text(row.get("operator_type")), _text(row.get("operator_name"))
    if kind in ("", "unknown"):
        return name
    kind_label = _enum(kind, "operator_type", lang)
    return label("profile", "operator_named", lang).format(
        kind=kind_label, name=name) if name else kind_label


# ---------------------------------------------------------------- merging -----------------

@dataclass(frozen=True)
class _Item:
    """One tidy row as a profile entry before merging."""

    key: tuple
    label: str
    cells: tuple[str, ...]
    row_id: str
    source_id: str
    quote: str
    part_of: bool = False


def distinct_values(values: Iterable[str]) -> str:
    """The different non-empty values (compared folded), in order, joined; a value that
    another repeats with a bracketed addition adds nothing (直営 beside
    直営（生活福祉課生活相談係）). Anything else that differs is shown: 3 beside 13 is a
    disagreement of the sources, never hidden."""
    seen: dict[str, str] = {}
    for value in values:
        if value:
            seen.setdefault(fold(value), value)
    kept = [value for key, value in seen.items()
            if not any(other.startswith(key + "(") for other in seen)]
    return JOIN.join(kept)


def merge_items(items: Sequence[_Item], references: dict[str, Reference],
                internal: set[str]) -> list[Fact]:
    """One entry per key, in order of first appearance: every source's values and quotes,
    each distinct quote once with all the sources stating it."""
    groups: dict[tuple, list[_Item]] = {}
    for item in items:
        groups.setdefault(item.key, []).append(item)
    facts = []
    for group in groups.values():
        quotes: dict[str, list[_Item]] = {}
        for item in group:
            quotes.setdefault(fold(item.quote), []).append(item)
        evidence = tuple(
            Evidence(same[0].quote,
                     tuple(dict.fromkeys(references.get(i.source_id, Reference(i.source_id))
                                         for i in same)),
                     any(i.source_id in internal for i in same))
            for same in quotes.values())
        cells = tuple(distinct_values(item.cells[n] for item in group)
                      for n in range(len(group[0].cells)))
        facts.append(Fact(distinct_values(i.label for i in group), cells, evidence,
                          tuple(sorted({i.row_id for i in group})), group[0].part_of,
                          keys=frozenset({group[0].key})))
    return facts


def _union(first: Sequence[Evidence], second: Sequence[Evidence]) -> tuple[Evidence, ...]:
    """Evidence of two entries made one: a quote (folded) once, with all its sources."""
    merged: dict[str, Evidence] = {}
    for evidence in (*first, *second):
        key = fold(evidence.quote)
        known = merged.get(key)
        merged[key] = evidence if known is None else Evidence(
            known.quote, tuple(dict.fromkeys((*known.references, *evidence.references))),
            known.internal or evidence.internal)
    return tuple(merged.values())


def join_channels(facts: Sequence[Fact], lang: str = "ja") -> list[Fact]:
    """The channels of one service for one purpose are one entry (電話、メール、訪問),
    with every quote that states one of them; the channel is the entry's last cell."""
    separator = label("profile", "separator", lang)  # channel labels hold 「・」
    joined: dict[tuple, Fact] = {}
    for fact in facts:
        key = fact.cells[:-1]
        first = joined.get(key)
        if first is None:
            joined[key] = fact
            continue
        joined[key] = dataclasses.replace(
            first, label=first.label + separator + fact.cells[-1],
            cells=(*first.cells[:-1], first.cells[-1] + separator + fact.cells[-1]),
            evidence=_union(first.evidence, fact.evidence),
            row_ids=tuple(sorted({*first.row_ids, *fact.row_ids})), keys=first.keys | fact.keys)
    return list(joined.values())


# ---------------------------------------------------------------- the sections ------------

@dataclass(frozen=True)
class _Column:
    key: str
    group: str  # label group of the header
    name: bool = False  # values are names or phrases of the sources


def _columns(*spec: tuple[str, str] | tuple[str, str, bool]) -> tuple[_Column, ...]:
    return tuple(_Column(*s) for s in spec)


SECTION_COLUMNS: dict[str, tuple[_Column, ...]] = {
    "services": _columns(("name", "column", True), ("category", "column"),
                         ("national_menu", "column"), ("operator", "column", True),
                         ("established", "column"), ("designation", "profile_column", True)),
    "channels": _columns(("service", "column", True), ("purpose", "profile_column"),
                         ("channel", "column")),
    "target_ages": _columns(("service", "column", True), ("ages", "column"),
                            ("age_kind", "profile_column"), ("age_text", "column", True)),
    "meetings": _columns(("name", "column", True), ("kind", "column"),
                         ("frequency", "profile_column"), ("frequency_text", "column", True),
                         ("service", "profile_column", True)),
    "network_bodies": _columns(("name", "column", True), ("kind", "column"),
                               ("parent_body", "profile_column", True),
                               ("established", "column"), ("member_count", "column")),
    "members": _columns(("body", "column", True), ("member_type", "column"),
                        ("member_text", "column", True)),
    "milestones": _columns(("title", "column", True), ("kind", "column"),
                           ("date", "column")),
    "stated_counts": _columns(("subject", "profile_column"),
                              ("counted", "profile_column", True),
                              ("count", "profile_column"), ("as_of", "profile_column"),
                              ("count_text", "profile_column", True)),
    "collaborations": _columns(("partner", "column", True), ("activity", "column", True)),
}


def _other_name(name: str, own: str) -> str:
    """A related thing's name, unless it is the entry's own (a programme's meeting)."""
    return "" if fold(name) == fold(own) else name


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records")


class _Facts:
    """The entries of one part (guidebook or supplementary) of one municipality."""

    def __init__(self, dataset: Dataset, code: str, source_ids: Sequence[str],
                 references: dict[str, Reference], internal: set[str], lang: str) -> None:
        self.data, self.code, self.lang = dataset, code, lang
        self.sources = set(source_ids)
        self.references, self.internal = references, internal
        self._made: dict[str, list[_Item]] = {}
        services = dataset.services
        self.service_key = dict(zip(services["service_id"], services["entity_key"],
                                    strict=True))
        self.service_name = dict(zip(services["service_id"], services["name"], strict=True))
        bodies = dataset.network_bodies
        self.body_key = dict(zip(bodies["body_id"], bodies["entity_key"], strict=True))
        self.body_name = dict(zip(bodies["body_id"], bodies["name"], strict=True))
        self.thing_name = {
            **dict(zip(dataset.milestones["entity_key"], dataset.milestones["title"],
                       strict=True)),
            **dict(zip(dataset.meetings["entity_key"], dataset.meetings["name"], strict=True)),
            **dict(zip(bodies["entity_key"], bodies["name"], strict=True)),
            **dict(zip(services["entity_key"], services["name"], strict=True))}

    def own(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[(frame["municipality_code"] == self.code)
                         & frame["source_id"].isin(self.sources)]

    def _item(self, key: tuple, name: str, cells: dict[str, str], row: dict, row_id: str,
              section: str, part_of: bool = False) -> _Item:
        columns = SECTION_COLUMNS[section]
        return _Item(key, name, tuple(cells.get(c.key, "") for c in columns), row_id,
                     row["source_id"], row["quote"], part_of)

    def services(self) -> list[_Item]:
        lang = self.lang
        return [self._item(
            (row["entity_key"],), row["name"],
            {"name": row["name"],
             "category": _enum(row["category"], "service_category", lang),
             "national_menu": _enum(row["national_menu"], "national_menu", lang),
             "operator": _operator(row, lang),
             "established": _date(row["established_year"], row["established_month"], lang),
             "designation": _text(row["designation"])},
            row, row["service_id"], "services") for row in _records(self.own(self.data.services))]

    def channels(self) -> list[_Item]:
        lang = self.lang
        purposes = list(labels("channel_purpose"))
        channels = list(labels("channel"))
        rows = _records(self.own(self.data.channels))
        order = {key: n for n, key in enumerate(dict.fromkeys(
            self.service_key.get(r["service_id"], r["service_id"]) for r in rows))}

        def sort_key(row: dict) -> tuple:
            entity = self.service_key.get(row["service_id"], row["service_id"])
            return (purposes.index(row["purpose"]) if row["purpose"] in purposes else 99,
                    order[entity],
                    channels.index(row["channel"]) if row["channel"] in channels else 99)

        items = []
        for row in sorted(rows, key=sort_key):
            entity = self.service_key.get(row["service_id"], row["service_id"])
            service = self.service_name.get(row["service_id"], "")
            channel = _enum(row["channel"], "channel", lang)
            items.append(self._item(
                (entity, row["purpose"], row["channel"]),
                label("profile", "fact_of", lang).format(thing=service, fact=channel),
                {"service": service, "purpose": _enum(row["purpose"], "channel_purpose", lang),
                 "channel": channel},
                row, row["service_id"], "channels"))
        return items

    def target_ages(self) -> list[_Item]:
        lang = self.lang
        items = []
        for row in _records(self.own(self.data.target_ages)):
            entity = self.service_key.get(row["service_id"], row["service_id"])
            service = self.service_name.get(row["service_id"], "")
            ages = _ages(row["age_min"], row["age_max"], row["age_kind"], row["approximate"],
                         lang)
            kind = _enum(row["age_kind"], "age_kind", lang)
            items.append(self._item(
                (entity, _text(row["age_min"]), _text(row["age_max"]), row["age_kind"]),
                label("profile", "fact_of", lang).format(thing=service, fact=ages or kind),
                {"service": service, "ages": ages, "age_kind": kind,
                 "age_text": row["age_text"]},
                row, row["service_id"], "target_ages"))
        return items

    def meetings(self) -> list[_Item]:
        lang = self.lang
        rows = _records(self.own(self.data.meetings))
        # recurring meetings first, single events after them (shown as events)
        rows.sort(key=lambda r: r["occurrence"] == "single_event")
        return [self._item(
            (row["entity_key"],), row["name"],
            {"name": row["name"], "kind": _enum(row["kind"], "meeting_kind", lang),
             "frequency": frequency_words(row, lang),
             "frequency_text": _text(row["frequency_text"]),
             "service": _other_name(self.service_name.get(_text(row["service_id"]), ""),
                                    row["name"])},
            row, row["meeting_id"], "meetings") for row in rows]

    def network_bodies(self) -> list[_Item]:
        """Bodies in source order, each followed by its parts (sub-committees)."""
        lang = self.lang
        rows = _records(self.own(self.data.network_bodies))
        keys = [row["entity_key"] for row in rows]
        parent_key = {row["entity_key"]: self.body_key.get(_text(row["parent_body_id"]), "")
                      for row in rows}
        top = [k for k in dict.fromkeys(keys) if parent_key[k] not in keys]
        order: list[str] = []

        def place(key: str) -> None:
            order.append(key)
            for child in dict.fromkeys(keys):
                if parent_key[child] == key and child not in order:
                    place(child)

        for key in top:
            place(key)
        rank = {key: n for n, key in enumerate(order)}
        rows.sort(key=lambda r: rank.get(r["entity_key"], len(rank)))
        return [self._item(
            (row["entity_key"],), row["name"],
            {"name": row["name"], "kind": _enum(row["kind"], "body_kind", lang),
             "parent_body": self.body_name.get(_text(row["parent_body_id"]), ""),
             "established": _date(row["established_year"], row["established_month"], lang),
             "member_count": format_number(row["member_count"])},
            row, row["body_id"], "network_bodies",
            part_of=bool(parent_key[row["entity_key"]]))
            for row in rows]

    def members(self) -> list[_Item]:
        lang = self.lang
        bodies = set(self.own(self.data.network_bodies)["body_id"])
        members = self.data.network_body_members
        rows = _records(members.loc[members["body_id"].isin(bodies)
                                    & members["source_id"].isin(self.sources)])
        items = []
        for row in rows:
            body = self.body_name.get(row["body_id"], "")
            member_type = _enum(row["member_type"], "member_type", lang)
            items.append(self._item(
                (self.body_key.get(row["body_id"]), row["member_type"],
                 fold(_text(row["member_text"]))),
                label("profile", "fact_of", lang).format(thing=body, fact=member_type),
                {"body": body, "member_type": member_type,
                 "member_text": _text(row["member_text"])},
                row, row["body_id"], "members"))
        return items

    def milestones(self) -> list[_Item]:
        lang = self.lang
        return [self._item(
            (row["entity_key"],), row["title"],
            {"title": row["title"], "kind": _enum(row["kind"], "milestone_kind", lang),
             "date": _date(row["year"], row["month"], lang)},
            row, row["milestone_id"], "milestones")
            for row in _records(self.own(self.data.milestones))]

    def stated_counts(self) -> list[_Item]:
        lang = self.lang
        items = []
        for row in _records(self.own(self.data.stated_counts)):
            key = _text(row["entity_key"])
            thing = self.thing_name.get(key, "") if key else label(
                "profile", "whole_municipality", lang)
            subject = _enum(row["subject"], "count_subject", lang)
            count = format_number(row["count"])
            items.append(self._item(
                (key, row["subject"], row["as_of"], count),
                label("profile", "fact_of", lang).format(thing=thing, fact=subject),
                {"subject": subject, "counted": thing, "count": count,
                 "as_of": _enum(row["as_of"], "count_as_of", lang),
                 "count_text": row["count_text"]},
                row, row["count_id"], "stated_counts"))
        return items

    def collaborations(self) -> list[_Item]:
        # ``activity`` is the curator's Japanese summary: shown in Japanese profiles only
        # (in English the quote says what is done).
        return [self._item(
            (_text(row["partner_code"]) or fold(row["partner_text"]), fold(row["activity"])),
            row["partner_text"],
            {"partner": row["partner_text"],
             "activity": row["activity"] if self.lang == "ja" else ""},
            row, row["collaboration_id"], "collaborations")
            for row in _records(self.own(self.data.collaborations))]

    def items(self, name: str) -> list[_Item]:
        """The items of one kind (``name`` one of SECTIONS), made once."""
        if name not in self._made:
            self._made[name] = getattr(self, name)()
        return self._made[name]

    def section(self, name: str, guidebook_keys: set[tuple] | None = None) -> FactSection:
        items = self.items(name)
        facts = merge_items(items, self.references, self.internal)
        if name == "channels":
            facts = join_channels(facts, self.lang)
        if guidebook_keys is not None:  # a supplementary part: say what the guidebook has
            facts = [dataclasses.replace(f, also_in_guidebook=bool(f.keys & guidebook_keys))
                     for f in facts]
        return _drop_empty_columns(name, facts, self.lang)

    def keys(self, name: str) -> set[tuple]:
        return {item.key for item in self.items(name)}


def _drop_empty_columns(name: str, facts: list[Fact], lang: str) -> FactSection:
    columns = SECTION_COLUMNS[name]
    keep = [n for n in range(len(columns)) if any(f.cells[n] for f in facts)]
    return FactSection(
        name, label("view", f"profile_{name}", lang),
        tuple(label(columns[n].group, columns[n].key, lang) for n in keep),
        tuple(columns[n].name for n in keep),
        tuple(dataclasses.replace(f, cells=tuple(f.cells[n] for n in keep)) for f in facts))


# ---------------------------------------------------------------- the profile -------------

def _context(dataset: Dataset, code: str, lang: str) -> tuple[tuple, tuple]:
    row = municipality_context(dataset.municipalities, [code]).iloc[0]
    entries = [(label("profile", "area", lang), _enum(row["area"], "area", lang)),
               (label("data_column", "size_band", lang),
                _enum(row["size_band"], "size_band", lang))]
    notes = []
    if not is_missing(row["population"]):
        entries.append((label("population", "population", lang),
                        label("profile", "residents", lang).format(
                            n=f"{int(row['population']):,}")))
    if not is_missing(row["estimated_need"]):
        entries.append((label("population", "estimated_hikikomori", lang),
                        estimate_text(float(row["estimated_need"]), lang)))
        notes.append(label("population", "estimate_citation", lang))
    if _text(row["size_band"]):
        notes.append(label("population", "size_band_note", lang))
    if not is_missing(row["population"]):
        notes.append(label("population", "credit_tokyo", lang))
    return tuple((k, v) for k, v in entries if v), tuple(notes)


def _menus(dataset: Dataset, code: str, edition: str, lang: str) -> str:
    coverage = national_menu_coverage(restrict(edition_dataset(dataset, edition), [code]))
    run = coverage.loc[(coverage["municipality_code"] == code) & coverage["runs"]]
    names = labels("national_menu", lang)
    if run.empty:
        return ""
    return label("profile", "menus", lang).format(
        menus=label("template", "list_separator", lang).join(
            names.get(m, m) for m in run["national_menu"]))


def _titles(source_ids: Iterable[str], references: dict[str, Reference], lang: str) -> str:
    """The sources' references without their sections (the basis line)."""
    return references_text((dataclasses.replace(references[s], section="")
                            for s in source_ids if s in references), lang)


def municipality_profile(dataset: Dataset, code: str, edition: str, lang: str = "ja",
                         data_dir: Path | str = DATA_DIR) -> Profile:
    """Everything one municipality's profile shows (see the module's docstring).
    ``dataset`` is what the audience may see (``analysis.dataset.scope.for_audience``);
    ``data_dir`` holds the source texts, whose section headings the references name."""
    municipalities = dataset.municipalities.set_index("municipality_code")
    name_ja = municipalities.at[code, "name"]
    name = municipalities.at[code, "name_romaji"] if lang == "en" else name_ja
    sources = dataset.sources
    guidebook = edition_source_ids(sources, edition)
    supplementary = supplementary_source_ids(sources, code, edition)
    internal = set(sources.loc[sources["audience"] == "internal", "source_id"])
    table_names = ("services", "channels", "target_ages", "meetings", "network_bodies",
                   "milestones", "stated_counts", "collaborations")

    def used(source_ids: Sequence[str]) -> list[str]:
        return [s for s in source_ids if any(
            ((frame["municipality_code"] == code) & (frame["source_id"] == s)).any()
            for frame in (getattr(dataset, n) for n in table_names))]

    guidebook_used, supplementary_used = used(guidebook), used(supplementary)
    references = source_references(
        sources, name_ja, [*guidebook_used, *supplementary_used],
        section_headings(sources, data_dir or DATA_DIR, guidebook_used), lang)

    parts = []
    main = _Facts(dataset, code, guidebook, references, internal, lang)
    sections = [main.section(n) for n in SECTIONS]
    parts.append(ProfilePart(
        "guidebook", label("profile", "guidebook_title", lang),
        label("profile", "reading", lang), False,
        tuple(s for s in sections if s.facts),
        tuple(s.title for s in sections if not s.facts),
        short_title=label("profile", "part_guidebook", lang)))
    if supplementary_used:
        extra = _Facts(dataset, code, supplementary_used, references, internal, lang)
        sections = [extra.section(n, main.keys(n)) for n in SECTIONS]
        flags = [s in internal for s in supplementary_used]
        parts.append(ProfilePart(
            "supplementary", label("profile", "supplementary_title", lang),
            label("profile", "supplementary_lead", lang).format(
                sources=_titles(supplementary_used, references, lang)),
            any(flags), tuple(s for s in sections if s.facts),
            tuple(s.title for s in sections if not s.facts), mark_each=not all(flags),
            short_title=label("profile", "part_supplementary", lang)))

    basis = label("profile", "basis", lang).format(
        sources=_titles(guidebook_used, references, lang) or label("profile", "no_guidebook", lang))
    if supplementary_used:
        basis += label("profile", "basis_supplementary", lang).format(
            sources=_titles(supplementary_used, references, lang),
            title=label("profile", "supplementary_title", lang))
    context, notes = _context(dataset, code, lang)
    return Profile(code, name, context, notes, basis, _menus(dataset, code, edition, lang),
                   tuple(parts))


# ---------------------------------------------------------------- HTML --------------------

def _escape(text: str) -> str:
    return html.escape(text)


def _name(text: str) -> str:
    """Text that stays as the sources write it (Japanese in an English page)."""
    return f'<span class="name">{_escape(text)}</span>' if text else ""


def header_html(profile: Profile, lang: str = "ja") -> str:
    """Who the municipality is and on what evidence: the context table, its caveats, the
    evidence basis and the national menus, each in a line."""
    head = "".join(f'<th scope="col">{_escape(k)}</th>' for k, _ in profile.context)
    cells = "".join(f"<td>{_escape(v)}</td>" for _, v in profile.context)
    notes = "".join(f'<p class="source-note">{_escape(n)}</p>' for n in profile.notes)
    menus = f'<p class="profile-menus">{_escape(profile.menus)}</p>' if profile.menus else ""
    return (f'<table class="profile-context"><thead><tr>{head}</tr></thead>'
            f"<tbody><tr>{cells}</tr></tbody></table>{notes}"
            f'<p class="profile-basis">{_name(profile.basis)}</p>{menus}')


def _sources_html(evidence: Evidence, lang: str, mark_internal: bool) -> str:
    references = label("profile", "sources_prefix", lang) + references_text(
        evidence.references, lang)
    mark = (f' <span class="internal-mark">{_escape(label("profile", "internal_mark", lang))}'
            "</span>" if evidence.internal and mark_internal else "")
    return f'<span class="fact-source name">{_escape(references)}</span>{mark}'


def evidence_html(evidence: Sequence[Evidence], lang: str = "ja",
                  mark_internal: bool = True) -> str:
    """Each quote on a line with its sources; when every quote has the same sources, the
    sources once, after the last quote."""
    same = len({(e.references, e.internal) for e in evidence}) == 1
    lines = []
    for n, item in enumerate(evidence):
        quote = f'<span class="quote">「{_escape(item.quote)}」</span>'
        last = n == len(evidence) - 1
        sources = (" " + _sources_html(item, lang, mark_internal)) if (last or not same) else ""
        lines.append(f'<div class="evidence">{quote}{sources}</div>')
    return "".join(lines)


def section_html(section: FactSection, lang: str = "ja", mark_internal: bool = True) -> str:
    """A kind of fact: each entry a row, followed by its quotes and their sources (each
    internal one marked, unless ``mark_internal`` is false: its part is marked)."""
    head = "".join(f'<th scope="col">{_escape(c)}</th>' for c in section.columns)
    rows = []
    for fact in section.facts:
        cells = "".join(f"<td>{_name(v) if is_name else _escape(v)}</td>"
                        for v, is_name in zip(fact.cells, section.names, strict=True))
        css = "fact part" if fact.part_of else "fact"
        rows.append(f'<tr class="{css}">{cells}</tr>')
        also = (f'<div class="fact-note">{_escape(label("profile", "also_in_guidebook", lang))}'
                "</div>" if fact.also_in_guidebook else "")
        rows.append(f'<tr class="fact-quote"><td colspan="{len(section.columns)}">'
                    + evidence_html(fact.evidence, lang, mark_internal) + also
                    + "</td></tr>")
    return (f"<h3>{_escape(section.title)}</h3>"
            f'<table class="facts profile-facts profile-{section.name}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def part_html(part: ProfilePart, lang: str = "ja") -> str:
    """One part: its heading (marked internal when its sources are), lead, sections, and
    the kinds it does not state, in one line."""
    mark = (f'<p class="internal-note"><span class="internal-mark">'
            f'{_escape(label("profile", "internal_mark", lang))}</span> '
            f'{_escape(label("profile", "internal_note", lang))}</p>' if part.internal else "")
    missing = (f'<p class="not-stated">{_escape(label("profile", "not_stated", lang).format(kinds=label("profile", "separator", lang).join(part.not_stated)))}</p>'  # noqa: E501
               if part.not_stated else "")
    css = f"profile-part profile-{part.basis}" + (" internal" if part.internal else "")
    return (f'<section class="{css}"><h2>{_escape(part.title)}</h2>{mark}'
            f"<p>{_name(part.lead) if part.basis == 'supplementary' else _escape(part.lead)}"
            "</p>" + "".join(section_html(s, lang, part.mark_each) for s in part.sections)
            + missing
            + "</section>")


def body_html(profile: Profile, lang: str = "ja") -> str:
    return header_html(profile, lang) + "".join(part_html(p, lang) for p in profile.parts)


def appendix_html(profile: Profile, lang: str = "ja") -> str:
    """The row ids behind every entry (the reading flow shows sources, not ids): one
    table per municipality, a group of rows per part and kind, in the profile's order."""
    groups = []
    for part in profile.parts:
        for section in part.sections:
            title = label("profile", "appendix_group", lang).format(
                part=part.short_title or part.title, kind=section.title)
            rows = "".join(
                f"<tr><td>{_name(fact.label)}</td>"
                f'<td class="row-ids">{_escape(" ".join(fact.row_ids))}</td></tr>'
                for fact in section.facts)
            groups.append(f'<tbody><tr><th colspan="2" scope="rowgroup">{_escape(title)}'
                          f"</th></tr>{rows}</tbody>")
    head = "".join(f'<th scope="col">{_escape(label("profile", key, lang))}</th>'
                   for key in ("appendix_fact", "appendix_ids"))
    title = label("profile", "appendix_title", lang).format(name=profile.name)
    return (f'<section class="id-appendix" id="ids-{_escape(profile.code)}">'
            f"<h2>{_escape(title)}</h2>"
            f'<table class="id-table"><thead><tr>{head}</tr></thead>{"".join(groups)}'
            "</table></section>")


def profile_html(profile: Profile, lang: str = "ja") -> str:
    """The whole handout body below its title, appendix included."""
    return body_html(profile, lang) + appendix_html(profile, lang)
