"""The gap-review handout of one municipality, written for its support-network meeting.

A coordinator reads it in five minutes, prints it (at most two A4 pages) and discusses it
for an hour with NPOs, the health centre, family groups and the social welfare council.

- Page 1, at a glance: who the municipality is (population, area, size band, the
  estimated need with its caveat), whom it is compared with and why, on which evidence,
  its strengths with their programmes, and what it is not documented to have, by theme,
  with how many peers document it (a dot per peer).
- Page 2: named examples from peers for the gaps, and questions about support and
  partners.

The comparison is ``analysis.compare.gaps`` (``gap_table``, which the explorer uses too,
and ``peer_examples``); this module chooses what fits and words it. Every word comes from
``labels.csv``; names and quotes are marked ``class="name"`` / ``class="quote"``.

Decisions (what fits on two pages):

- strengths: documented features that at most half the peers document, rarest first,
  one theme after another (so five phone numbers do not crowd out a drop-in), at most 5;
  with fewer than 3 rare ones, the rarest others fill up to 3 — their shares are printed
  and the heading then reads "what the appendix documents";
- gaps: one line each, commonest among peers first within a theme; a gap that fewer than
  a quarter of the peers document is listed in one line per theme ("rare among peers
  too"), unless a supplementary source marks it;
- examples: for at most ``MAX_EXAMPLE_GAPS`` gaps — the commonest unmarked gap of each
  theme first, then the commonest of the rest — 2 examples each (3 when at most 3 gaps
  are shown); a programme already shown for another gap is taken only when the
  municipality has no other; page 2 says when gaps are left out;
- a gap that a supplementary source fills is marked, never closed; with
  ``audience="public"`` internal sources are dropped before anything is computed.
"""

from __future__ import annotations

import functools
import html
import re
import statistics
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from analysis.compare.context import municipality_context
from analysis.compare.features import THEMES, municipality_features, theme_label
from analysis.compare.gaps import (
    DOCUMENTED,
    GAP,
    GAP_STATUSES,
    GAP_SUPPLEMENTARY,
    GAP_SUPPLEMENTARY_MAIN_GROUP,
    feature_rows,
    gap_table,
    peer_examples,
    review_peers,
)
from analysis.compare.peers import PeerChoice
from analysis.core.formats import format_number
from analysis.core.labels import label, labels
from analysis.core.paths import DATA_DIR, raw_dir
from analysis.dataset.population import estimate_text
from analysis.dataset.scope import edition_dataset, for_audience, supplementary_source_ids
from analysis.dataset.tables import CODE, Dataset
from analysis.text.sources import split_sections

MAX_STRENGTHS = 5
MIN_STRENGTHS = 3
RARE_SHARE = 0.5  # a strength: at most half the peers document it
RARE_GAP_SHARE = 0.25  # a gap fewer than a quarter of the peers document: one line
MAX_PROGRAMMES = 3  # programme names shown beside a strength or a marked gap
MAX_EXAMPLE_GAPS = 6
EXAMPLES_PER_GAP = 2
EXAMPLES_WHEN_FEW = 3  # examples per gap when at most FEW_GAPS gaps are shown
FEW_GAPS = 3
QUOTE_CHARS = 40
MUCH_LARGER = 3  # "much larger": the smallest peer has MUCH_LARGER × the population
MAX_QUESTIONS = 4
KIND_ORDER = ("special_ward", "city", "town", "village")


@dataclass(frozen=True)
class Strength:
    feature: str
    theme: str
    label: str
    share: str  # 「比較対象6市のうち1市」
    programmes: list[str]


@dataclass(frozen=True)
class GapLine:
    feature: str
    label: str
    status: str  # a status of analysis.compare.gaps
    status_text: str  # 「掲載なし」, 「附属資料には掲載なし（訪問記録に記載あり・内部資料）」
    n_peers_with: int
    n_peers: int
    count: str  # 「5市」
    share: str  # 「比較対象6市のうち5市」
    source: str = ""  # the supplementary source that mentions it
    programmes: list[str] = field(default_factory=list)  # … and what it names


@dataclass(frozen=True)
class ThemeBlock:
    theme: str
    title: str
    gaps: list[GapLine]
    rare: list[GapLine]  # unmarked gaps fewer than a quarter of the peers document
    documented: list[str]  # labels of the features documented for the municipality


@dataclass(frozen=True)
class Example:
    municipality: str
    in_group: bool
    programme: str
    operator: str  # the operator's name, or how it is run (直営, 委託); "" if unknown
    operator_kind: str  # 委託, 直営 … beside a named operator; "" if unknown
    operator_named: bool  # ``operator`` is a name, not how it is run
    frequency: str  # as written, "" if not stated
    whom: str  # the ages as written, "" if not stated
    quote: str  # trimmed, a verbatim part of the source
    source: str  # 「附属資料 令和6年度版」
    section: str  # 「14 日野市の取組」 (en: the section's number)
    source_id: str
    row_id: str


@dataclass(frozen=True)
class GapExamples:
    line: GapLine
    theme: str
    examples: list[Example]


@dataclass(frozen=True)
class Question:
    """A question from a template of ``labels.csv`` group ``gap_review``; ``names`` are
    the parameters that are proper names (programmes, municipalities, operators)."""

    key: str
    params: dict[str, str]
    names: frozenset[str] = frozenset()

    def text(self, lang: str) -> str:
        return label("gap_review", self.key, lang).format(**self.params)


@dataclass(frozen=True)
class GapReview:
    """One municipality's handout, every text in ``lang``."""

    code: str
    name: str
    lang: str
    audience: str
    title: str
    facts: list[tuple[str, str]]  # (term, value): population, area, size band, estimate
    estimate_caveat: str
    peers: str  # the peer group in words, why it stepped out, the peers' population range
    peer_codes: list[str]
    peer_names: list[str]
    peer_count: str  # 「6市」
    basis: str
    caveat: str
    strengths_title: str
    strengths: list[Strength]
    themes: list[ThemeBlock]
    examples_lead: str
    examples: list[GapExamples]
    questions: list[Question]
    table: pd.DataFrame  # analysis.compare.gaps.gap_table


def gap_review(dataset: Dataset, code: str, edition: str, peer_group: object = "",
               lang: str = "ja", audience: str = "all",
               data_dir: Path | str = "") -> GapReview:
    """The handout of ``code`` in ``edition``: against ``peer_group`` (empty: the default
    of ``analysis.compare.peers.default_peer_group``), for ``audience`` (``all``, or
    ``public``: no internal source)."""
    dataset = for_audience(dataset, audience)
    data = edition_dataset(dataset, edition)
    features = municipality_features(data)
    choice = review_peers(dataset, code, edition, peer_group or None)
    table = gap_table(dataset, code, edition, peer_group or None, lang, features=features)
    context = municipality_context(dataset.municipalities).set_index(CODE)
    name = _name(context, code, lang)
    units = _Units(context, choice.codes, lang)
    sources = _Sources(dataset.sources, Path(data_dir or DATA_DIR), lang)
    lines = _gap_lines(table, dataset, units, sources, lang)
    blocks = _examples(dataset, code, edition, table, lines, choice, features, context,
                       sources, lang)
    strengths, rare = _strengths(table, data, units)
    n_gaps = int(table["status"].isin(GAP_STATUSES).sum())
    return GapReview(
        code=code, name=name, lang=lang, audience=audience,
        title=label("report", "gap_review_title", lang).format(name=name),
        facts=_facts(context, code, lang),
        estimate_caveat=label("gap_review", "estimate_caveat", lang),
        peers=_sentences([_peers_sentence(choice, context, code, units, lang),
                          _range_sentence(context, code, choice.codes, name, lang)], lang),
        peer_codes=list(choice.codes), peer_names=[_name(context, c, lang) for c in choice.codes],
        peer_count=units.count(),
        basis=_basis(dataset, code, edition, sources, lang),
        caveat=_caveat(features, code, choice.codes, name, lang),
        strengths_title=label("gap_review", "strengths_title" if rare else
                              "documented_title", lang),
        strengths=strengths,
        themes=_themes(table, lines, lang),
        examples_lead=_examples_lead(n_gaps, len(blocks), name, lang),
        examples=blocks,
        questions=_questions(blocks, strengths, lines, name),
        table=table,
    )


def _caveat(features: pd.DataFrame, code: str, peers: list[str], name: str,
            lang: str) -> str:
    """「掲載なし」 is not "not done"; and when the focus's pages state fewer features than
    its peers' median, that many of its gaps may be things its pages leave out."""
    caveat = label("gap_review", "caveat", lang)
    documented = features.loc[features["has"]].groupby(CODE)["feature"].nunique()
    own = int(documented.get(code, 0))
    counts = [int(documented.get(peer, 0)) for peer in peers]
    if counts and own < statistics.median(counts):
        caveat += label("gap_review", "caveat_short_pages", lang).format(
            name=name, n=own, total=features["feature"].nunique(),
            median=format_number(statistics.median(counts)))
    return caveat


def handout_text(review: GapReview) -> str:
    """The handout's words as plain text (what ``handout_html`` shows), for tests and
    for pasting into minutes."""
    parser = _Text()
    parser.feed(handout_html(review))
    parser.close()
    parser.end_line()
    return "\n".join(parser.lines)


# --- Context and peers ---------------------------------------------------------------

def _sentences(texts: list[str], lang: str) -> str:
    """Sentences in a row: run together in Japanese, a space apart in English."""
    return ("" if lang == "ja" else " ").join(t for t in texts if t)


def _name(context: pd.DataFrame, code: str, lang: str) -> str:
    """The official name: Japanese, or the official English form (Musashino City)."""
    return str(context.loc[code, "name_en" if lang == "en" else "name"])


def _label_or_empty(group: str, key: object, lang: str) -> str:
    """The label of a code value; "" for a missing one (synthetic data has no area)."""
    return labels(group, lang).get(key, "") if isinstance(key, str) else ""


def _number(value: object) -> str:
    return f"{int(value):,}"


def _facts(context: pd.DataFrame, code: str, lang: str) -> list[tuple[str, str]]:
    row = context.loc[code]
    facts = []
    if pd.notna(row["population"]):
        facts.append((label("gap_review", "fact_population", lang),
                      label("gap_review", "people", lang).format(n=_number(row["population"]))))
    if _label_or_empty("area", row["area"], lang):
        facts.append((label("gap_review", "fact_area", lang),
                      _label_or_empty("area", row["area"], lang)))
    if isinstance(row["size_band"], str) and row["size_band"]:
        facts.append((label("gap_review", "fact_size", lang),
                      label("size_band", row["size_band"], lang)))
    if pd.notna(row["estimated_need"]):
        facts.append((label("gap_review", "fact_estimate", lang),
                      estimate_text(float(row["estimated_need"]), lang)))
    return facts


class _Units:
    """The peer group's size in words: 8区, 6市, 16区市 (en: 8 special wards …), and parts
    of it: 「比較対象6市のうち5市」."""

    def __init__(self, context: pd.DataFrame, peers: list[str], lang: str) -> None:
        kinds = {context["kind"].get(c) for c in peers}
        self.kinds = [k for k in KIND_ORDER if k in kinds]
        self.n = len(peers)
        self.lang = lang

    def unit(self) -> str:
        if self.lang == "en" or not self.kinds:
            return label("kind_unit", self.kinds[0] if len(self.kinds) == 1 else "mixed",
                         self.lang)
        return "".join(label("kind_unit", k, "ja") for k in self.kinds)

    def count(self) -> str:
        return f"{self.n} {self.unit()}" if self.lang == "en" else f"{self.n}{self.unit()}"

    def part(self, n: int) -> str:
        """「5市」 of 6市, 「11区市」 of 16区市: a count always with its unit."""
        if self.lang == "en" or not self.kinds:
            return str(n)
        return f"{n}{self.unit()}"

    def of(self, n: int) -> str:
        if n == 0:
            return label("gap_review", "of_peers_none", self.lang).format(total=self.count())
        return label("gap_review", "of_peers", self.lang).format(n=self.part(n),
                                                                 total=self.count())


def _found(n: int, lang: str, also: bool = False) -> str:
    suffix = "_also" if also else ""
    if n == 0:
        return label("gap_review", f"found_none{suffix}", lang)
    return label("gap_review", f"found_few{suffix}", lang).format(n=n)


def _peers_sentence(choice: PeerChoice, context: pd.DataFrame, code: str, units: _Units,
                    lang: str) -> str:
    """The peer group in plain words, and why it stepped out (never a raw key)."""
    if not choice.codes:
        return label("gap_review", "peers_none", lang)
    row = context.loc[code]
    band = row["size_band"]
    words = {"band": _label_or_empty("size_band", band, lang),
             "area": _label_or_empty("area", row["area"], lang),
             "kind": _label_or_empty("municipality_kind", row["kind"], lang),
             "count": units.count()}
    spec = choice.spec if isinstance(choice.spec, str) else "list"
    stepped = dict(choice.stepped_over)
    # a step is said only when its group is known (synthetic data has no bands or areas)
    size = "size" in stepped and bool(words["band"])
    area = "area" in stepped and bool(words["area"])
    if spec in ("area", "all") and (size or area):
        target = label("gap_review", f"target_{spec}", lang).format(**words)
        key = "stepped_size_area" if size and area else "stepped_size" if size else "stepped_area"
        return label("gap_review", key, lang).format(
            **words, target=target, size_found=_found(stepped.get("size", 0), lang),
            area_found=_found(stepped.get("area", 0), lang, also=size))
    return label("gap_review", f"peers_{spec}", lang).format(**words)


def _range_sentence(context: pd.DataFrame, code: str, peers: list[str], name: str,
                    lang: str) -> str:
    """The peers' population range; said to be far larger (smaller) when it is."""
    known = context.loc[[c for c in peers if c in context.index], "population"].dropna()
    own = context.loc[code, "population"]
    if known.empty:
        return ""
    low, high = int(known.min()), int(known.max())
    key = "peers_range"
    if pd.notna(own) and low >= MUCH_LARGER * int(own):
        key = "peers_range_larger"
    elif pd.notna(own) and high * MUCH_LARGER <= int(own):
        key = "peers_range_smaller"
    span = _number(low) if low == high else label("gap_review", "range", lang).format(
        low=_number(low), high=_number(high))
    return label("gap_review", key, lang).format(
        range=span, name=name,
        population=_number(own) if pd.notna(own) else "")


# --- Sources -------------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})$")
REIWA = (2019, 5, 1)  # the first day of 令和 (令和元年 = 2019)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


@functools.cache
def _section_headings(path: Path) -> dict[str, tuple[int | None, str]]:
    """Municipality name → (section number, heading as printed) of a source text; {}
    when the file is missing or its headings cannot be read."""
    if not path.is_file():
        return {}
    try:
        sections = split_sections(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return {s.municipality_name: (s.number, " ".join(unicodedata.normalize(
        "NFKC", s.heading).split())) for s in sections}


class _Sources:
    """Short references: 「附属資料 令和6年度版」 and the section 「11 武蔵野市の取組」;
    「訪問記録」 dated in the basis line. No page numbers: the texts carry none that can be
    trusted."""

    def __init__(self, sources: pd.DataFrame, data_dir: Path, lang: str) -> None:
        self.rows = sources.set_index("source_id")
        self.raw = raw_dir(data_dir)
        self.lang = lang

    def internal(self, source_id: str) -> bool:
        return (source_id in self.rows.index and "audience" in self.rows.columns
                and self.rows.loc[source_id, "audience"] == "internal")

    def date(self, source_id: str) -> str:
        text = str(self.rows.loc[source_id, "date"]) if source_id in self.rows.index else ""
        found = _ISO_DATE.match(text)
        if not found:
            return text
        year, month, day = (int(p) for p in found.groups())
        era = ""
        if self.lang == "ja" and (year, month, day) >= REIWA:  # 令和6年12月3日
            era, year = label("gap_review", "era_reiwa", "ja"), year - REIWA[0] + 1
        return label("gap_review", "date", self.lang).format(
            era=era, year=year, month=month, day=day, month_name=MONTHS[month - 1])

    def short(self, source_id: str) -> str:
        if source_id not in self.rows.index:
            return source_id
        row = self.rows.loc[source_id]
        if row["kind"] == "guidebook_appendix":
            edition = labels("edition", self.lang).get(row["edition"], row["edition"])
            return label("gap_review", "source_guidebook", self.lang).format(edition=edition)
        key = f"source_{row['kind']}"
        if key in labels("gap_review", self.lang):
            return label("gap_review", key, self.lang)
        return label("source_kind", row["kind"], self.lang)

    def section(self, source_id: str, municipality_name: str) -> str:
        """The heading of the municipality's section (en: its number); "" if none."""
        if source_id not in self.rows.index:
            return ""
        found = _section_headings(self.raw / str(self.rows.loc[source_id, "file"])).get(
            unicodedata.normalize("NFKC", municipality_name))
        if not found or found[0] is None:
            return ""
        number, heading = found
        return heading if self.lang == "ja" else str(number)


def _basis(dataset: Dataset, code: str, edition: str, sources: _Sources, lang: str) -> str:
    """The evidence basis in one line, naming the supplementary sources shown apart."""
    text = label("gap_review", "basis", lang).format(
        edition=labels("edition", lang).get(edition, edition))
    present = set(dataset.sources["source_id"])
    extra = [s for s in supplementary_source_ids(dataset.sources, code, edition)
             if s in present]
    if not extra:
        return text
    sep = label("template", "list_separator", lang)
    detail_sep = "・" if lang == "ja" else ", "
    named = sep.join(label("gap_review", "source_details", lang).format(
        source=sources.short(s), details=detail_sep.join(
            filter(None, [sources.date(s),
                          label("gap_review", "internal", lang) if sources.internal(s)
                          else ""]))) for s in extra)
    internal = any(sources.internal(s) for s in extra)
    return _sentences([text, label("gap_review", "basis_supplementary", lang).format(
        sources=named), label("gap_review", "internal_note", lang) if internal else ""], lang)


# --- Strengths and gaps --------------------------------------------------------------

TABLE_ORDER = {"services": 0, "network_bodies": 1, "meetings": 2, "milestones": 3}


def _programmes(data: Dataset, feature: str, evidence: str) -> list[str]:
    """The names of the programmes behind a feature's evidence, each once: services and
    bodies before their meetings, then by row id."""
    rows = (feature_rows(data, feature, sorted(evidence.split()))
            .assign(order=lambda df: df["table"].map(TABLE_ORDER))
            .sort_values(["order", "row_id"], kind="stable")
            .drop_duplicates("entity_key"))
    return list(dict.fromkeys(rows["name"]))[:MAX_PROGRAMMES]


def _by_theme_then_rarity(rows: pd.DataFrame) -> pd.DataFrame:
    """Rarest first, one theme after another: the rarest of each theme, then the second
    rarest of each, …"""
    ranked = rows.sort_values(["share", "n_peers_with"], kind="stable")
    return (ranked.assign(turn=ranked.groupby("theme").cumcount(), order=range(len(ranked)))
            .sort_values(["turn", "order"], kind="stable"))


def _strengths(table: pd.DataFrame, data: Dataset, units: _Units
               ) -> tuple[list[Strength], bool]:
    has = (table.loc[table["status"] == DOCUMENTED]
           .assign(share=lambda df: df["peer_share"].fillna(0).astype(float)))
    rare = _by_theme_then_rarity(has.loc[has["share"] <= RARE_SHARE]).head(MAX_STRENGTHS)
    chosen = rare
    if len(rare) < MIN_STRENGTHS:
        others = has.loc[~has.index.isin(rare.index)].sort_values(
            ["share", "n_peers_with"], kind="stable")
        chosen = pd.concat([rare, others]).head(MIN_STRENGTHS)
    chosen = chosen.sort_values(["share", "n_peers_with"], kind="stable")
    strengths = [Strength(row.feature, row.theme, row.label, units.of(row.n_peers_with),
                          _programmes(data, row.feature, row.focus_evidence))
                 for row in chosen.itertuples()]
    return strengths, not rare.empty


def _status_text(row, sources: _Sources, lang: str) -> str:
    if row.status not in (GAP_SUPPLEMENTARY, GAP_SUPPLEMENTARY_MAIN_GROUP):
        return label("gap_status", row.status, lang)
    ids = row.supplementary_sources.split()
    sep = label("template", "list_separator", lang)
    mark = ""
    if any(sources.internal(s) for s in ids):
        mark = ("・" if lang == "ja" else ", ") + label("gap_review", "internal", lang)
    spans = [part.split("-") for part in row.main_group_ages.split()]
    ages = sep.join(label("gap_review", "age_range", lang).format(start=lo, end=hi)
                    for lo, hi in spans)
    return label("gap_status", row.status, lang).format(
        source=sep.join(sources.short(s) for s in ids), internal=mark, ages=ages)


def _gap_lines(table: pd.DataFrame, dataset: Dataset, units: _Units, sources: _Sources,
               lang: str) -> dict[str, GapLine]:
    sep = label("template", "list_separator", lang)
    lines = {}
    for row in table.itertuples():
        marked = row.status in (GAP_SUPPLEMENTARY, GAP_SUPPLEMENTARY_MAIN_GROUP)
        lines[row.feature] = GapLine(
            row.feature, row.label, row.status, _status_text(row, sources, lang),
            int(row.n_peers_with), int(row.n_peers), units.part(row.n_peers_with),
            units.of(row.n_peers_with),
            sep.join(sources.short(s) for s in row.supplementary_sources.split()),
            _programmes(dataset, row.feature, row.supplementary_evidence) if marked else [])
    return lines


def _is_rare_gap(line: GapLine) -> bool:
    return line.status == GAP and line.n_peers_with < RARE_GAP_SHARE * line.n_peers


def _themes(table: pd.DataFrame, lines: dict[str, GapLine], lang: str) -> list[ThemeBlock]:
    blocks = []
    for theme in THEMES:
        rows = table.loc[table["theme"] == theme]
        gaps = [lines[f] for f in rows.loc[rows["status"].isin(GAP_STATUSES)]
                .sort_values("n_peers_with", ascending=False, kind="stable")["feature"]]
        blocks.append(ThemeBlock(
            theme, theme_label(theme, lang), [g for g in gaps if not _is_rare_gap(g)],
            [g for g in gaps if _is_rare_gap(g)],
            list(rows.loc[rows["status"] == DOCUMENTED, "label"])))
    return blocks


def example_gaps(table: pd.DataFrame, limit: int = MAX_EXAMPLE_GAPS) -> list[str]:
    """The gaps page 2 gives examples for, in theme order: the commonest unmarked gap of
    each theme first (a gap a supplementary source marks comes after the unmarked ones),
    then the commonest of the rest, at most ``limit``."""
    rank = {theme: i for i, theme in enumerate(THEMES)}
    gaps = (table.loc[table["status"].isin(GAP_STATUSES)]
            .assign(marked=lambda df: df["status"] != GAP,
                    theme_rank=lambda df: df["theme"].map(rank))
            .sort_values(["marked", "n_peers_with", "theme_rank"],
                         ascending=[True, False, True], kind="stable"))
    first = gaps.drop_duplicates("theme")
    chosen = pd.concat([first, gaps.loc[~gaps.index.isin(first.index)]]).head(limit)
    return list(chosen.sort_values(["theme_rank", "marked", "n_peers_with"],
                                   ascending=[True, True, False], kind="stable")["feature"])


# --- Examples and questions ----------------------------------------------------------

def trim_quote(quote: str, limit: int = QUOTE_CHARS) -> str:
    """The quote's first ``limit`` characters (whitespace runs shown as one space) and …
    when cut, at a sentence end when one falls in the second half; what is shown stays a
    verbatim part of the source."""
    text = " ".join(quote.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = cut.rfind("。")
    if end >= limit // 2:
        return cut[:end + 1] + "…"
    return cut.rstrip("、，,・ ") + "…"


def _examples_lead(n_gaps: int, shown: int, name: str, lang: str) -> str:
    if n_gaps == 0:
        return label("gap_review", "examples_none", lang).format(name=name)
    if shown == n_gaps:
        return label("gap_review", "examples_lead_all", lang)
    return label("gap_review", "examples_lead_some", lang).format(n=n_gaps, shown=shown)


def _example(row: dict, context: pd.DataFrame, sources: _Sources, lang: str) -> Example:
    kinds = labels("operator_type", lang)
    known_kind = row["operator_type"] in ("direct", "outsourced", "partner")
    operator = row["operator_name"] or (kinds[row["operator_type"]] if known_kind else "")
    code = row[CODE]
    return Example(
        municipality=_name(context, code, lang), in_group=bool(row["in_group"]),
        programme=row["name"], operator=operator,
        operator_kind=kinds[row["operator_type"]] if known_kind and row["operator_name"]
        else "",
        operator_named=bool(row["operator_name"]),
        frequency=row["frequency_text"], whom=row["age_text"],
        quote=trim_quote(row["quote"]), source=sources.short(row["source_id"]),
        section=sources.section(row["source_id"], str(context.loc[code, "name"])),
        source_id=row["source_id"], row_id=row["row_id"])


def _examples(dataset: Dataset, code: str, edition: str, table: pd.DataFrame,
              lines: dict[str, GapLine], choice: PeerChoice, features: pd.DataFrame,
              context: pd.DataFrame, sources: _Sources, lang: str) -> list[GapExamples]:
    chosen = example_gaps(table)
    per_gap = EXAMPLES_WHEN_FEW if len(chosen) <= FEW_GAPS else EXAMPLES_PER_GAP
    shown: set[str] = set()
    blocks = []
    for feature in chosen:
        frame = peer_examples(dataset, code, edition, feature, choice.codes, per_gap,
                              features=features, exclude=shown)
        shown |= set(frame["entity_key"])
        theme = str(table.loc[table["feature"] == feature, "theme"].iloc[0])
        blocks.append(GapExamples(lines[feature], theme, [
            _example(row, context, sources, lang) for row in frame.to_dict("records")]))
    return blocks


def _questions(blocks: list[GapExamples], strengths: list[Strength],
               lines: dict[str, GapLine], name: str) -> list[Question]:
    """Questions about support and partners, from the gaps and their examples — what it
    would take, who could run it (an example's operator), how the partners in the room
    could take part; how a strength could help with a gap; how the partners could use
    what a supplementary source records. Never about the guidebook."""
    plain = sorted((b for b in blocks if b.line.status == GAP and b.examples),
                   key=lambda b: -b.line.n_peers_with)
    questions = []
    if plain:
        first = plain[0].examples[0]
        questions.append(Question("question_what", {
            "label": plain[0].line.label, "peer": first.municipality,
            "programme": first.programme, "name": name}, frozenset({"peer", "programme"})))
        # who could run it: an example that names its operator, of another theme first
        theme = plain[0].theme
        order = sorted(plain[1:], key=lambda b: b.theme == theme) + plain[:1]
        run = next(((b, e) for b in order for e in b.examples if e.operator_named), None)
        if run is not None:
            block, example = run
            questions.append(Question("question_who_operator", {
                "label": block.line.label, "peer": example.municipality,
                "operator": example.operator, "name": name},
                frozenset({"peer", "operator"})))
        else:
            target = plain[1] if len(plain) > 1 else plain[0]
            questions.append(Question("question_who", {"label": target.line.label,
                                                       "name": name}))
    # a programme (a drop-in, a group, a council) before a way to consult
    strength = next((s for s in sorted(strengths, key=lambda s: s.theme == "entry")
                     if s.programmes), None)
    if strength is not None and plain:
        questions.append(Question("question_strength", {
            "programme": strength.programmes[0], "strength": strength.label,
            "gap": plain[0].line.label}, frozenset({"programme"})))
    filled = next((line for line in lines.values()
                   if line.status == GAP_SUPPLEMENTARY and line.programmes), None)
    if filled is not None:
        questions.append(Question("question_supplementary", {
            "label": filled.label, "programme": filled.programmes[0],
            "source": filled.source}, frozenset({"programme"})))
    elif len(plain) > 1:
        second = plain[1].examples[0]
        questions.append(Question("question_what", {
            "label": plain[1].line.label, "peer": second.municipality,
            "programme": second.programme, "name": name}, frozenset({"peer", "programme"})))
    if not questions and strength is not None:  # nothing peers have is missing
        questions.append(Question("question_share", {
            "programme": strength.programmes[0], "strength": strength.label},
            frozenset({"programme"})))
    return questions[:MAX_QUESTIONS]


# --- The page ------------------------------------------------------------------------

def _e(text: object) -> str:
    return html.escape(str(text))


def _name_html(text: str) -> str:
    return f'<span class="name">{_e(text)}</span>'


def _names_html(names: list[str], lang: str) -> str:
    """Programme names: 「A」「B」 in Japanese (names hold ・ and 、 themselves); A; B."""
    if lang == "ja":
        return "".join(_name_html(f"「{n}」") for n in names)
    return "; ".join(_name_html(n) for n in names)


def _fill(template: str, params: dict[str, str], names: frozenset[str] = frozenset(),
          strong: frozenset[str] = frozenset()) -> str:
    """``template.format(**params)`` as HTML: the text escaped, ``names`` marked as
    names, ``strong`` in bold."""
    out, last = [], 0
    for match in re.finditer(r"\{(\w+)\}", template):
        out.append(_e(template[last:match.start()]))
        key, value = match.group(1), params[match.group(1)]
        markup = _name_html(value) if key in names else _e(value)
        out.append(f"<strong>{markup}</strong>" if key in strong else markup)
        last = match.end()
    out.append(_e(template[last:]))
    return "".join(out)


def _dots(n: int, total: int) -> str:
    """● per peer that documents it, ○ per peer that does not (hidden from screen
    readers: the number beside it says the same)."""
    return f'<span class="gr-dots" aria-hidden="true">{"●" * n}{"○" * (total - n)}</span>'


def handout_html(review: GapReview) -> str:
    """The handout as one HTML fragment (root ``div.gap-review``, two ``section`` s: page
    1 at a glance, page 2 the peers' examples and the questions)."""
    lang = review.lang
    g = functools.partial(label, "gap_review", lang=lang)
    facts = "".join(f"<div><dt>{_e(term)}</dt><dd>{_e(value)}</dd></div>"
                    for term, value in review.facts)
    sep = label("template", "list_separator", lang)
    names = ""
    if review.peer_names:
        listed = _fill(g("peer_names"), {"names": sep.join(review.peer_names)},
                       frozenset({"names"}))
        names = f'<br><span class="gr-small">{listed}</span>'
    about = "".join(f"<div><dt>{_e(g(term))}</dt><dd>{_e(text)}{extra}</dd></div>"
                    for term, text, extra in (("peers_term", review.peers, names),
                                              ("basis_term", review.basis, ""),
                                              ("caveat_term", review.caveat, "")))
    parts = [
        f'<div class="gap-review" lang="{lang}">',
        '<section class="gr-page gr-page-1">',
        f"<h1>{_e(review.title)}</h1>",
        f'<dl class="gr-facts">{facts}</dl>',
        f'<p class="gr-note">{_e(review.estimate_caveat)}</p>',
        f'<dl class="gr-about">{about}</dl>',
        f"<h2>{_e(review.strengths_title)}</h2>",
        _strengths_html(review),
        f"<h2>{_e(g('gaps_title'))}</h2>",
        f'<p class="gr-lead">{_e(g("gaps_lead").format(name=review.name))}</p>',
        _gap_table_html(review),
        "</section>",
        '<section class="gr-page gr-page-2">',
        f"<h2>{_e(g('examples_title'))}</h2>",
        f'<p class="gr-lead">{_e(review.examples_lead)}</p>',
        _examples_html(review),
        f"<h2>{_e(g('questions_title'))}</h2>",
        f'<p class="gr-lead">{_e(g("questions_lead"))}</p>',
        '<ol class="gr-questions">' + "".join(
            f"<li>{_fill(g(q.key), q.params, q.names, frozenset({'label'}))}</li>"
            for q in review.questions)
        + "</ol>",
        "</section></div>",
    ]
    return "".join(parts)


def _strengths_html(review: GapReview) -> str:
    lang = review.lang
    if not review.strengths:
        return f"<p>{_e(label('gap_review', 'nothing_documented', lang))}</p>"
    colon = "：" if lang == "ja" else ": "
    share = label("gap_review", "share_in_brackets", lang)
    items = "".join(
        f"<li><strong>{_e(s.label)}</strong>"
        f'<span class="gr-small">{_e(share.format(share=s.share))}</span>'
        + (_e(colon) + _names_html(s.programmes, lang) if s.programmes else "")
        + "</li>" for s in review.strengths)
    return f'<ul class="gr-strengths">{items}</ul>'


def _gap_table_html(review: GapReview) -> str:
    lang = review.lang
    g = functools.partial(label, "gap_review", lang=lang)
    sep = label("template", "list_separator", lang)
    head = (f'<thead><tr><th scope="col">{_e(g("col_feature"))}</th>'
            f'<th scope="col">{_e(g("col_focus").format(name=review.name))}</th>'
            f'<th scope="col">{_e(g("col_peers").format(count=review.peer_count))}</th>'
            "</tr></thead>")
    bodies = []
    for block in review.themes:
        rows = [f'<tr class="gr-theme"><th scope="rowgroup" colspan="3">{_e(block.title)}'
                "</th></tr>"]
        for line in block.gaps:
            names = "<br>" + _names_html(line.programmes, lang) if line.programmes else ""
            rows.append(
                f'<tr class="{"gr-gap" if line.status == GAP else "gr-marked"}">'
                f'<th scope="row">{_e(line.label)}</th>'
                f'<td class="gr-status">{_e(line.status_text)}'
                f'<span class="gr-small">{names}</span></td>'
                f'<td class="gr-count">{_dots(line.n_peers_with, line.n_peers)} '
                f"{_e(line.count)}</td></tr>")
        if block.rare:
            rare = sep.join(g("with_count").format(label=line.label, count=line.count)
                            for line in block.rare)
            rows.append(f'<tr class="gr-rare"><td colspan="3">'
                        f'{_e(g("theme_rare").format(features=rare))}</td></tr>')
        if not block.gaps and not block.rare:
            rows.append(f'<tr class="gr-none"><td colspan="3">{_e(g("theme_no_gap"))}'
                        "</td></tr>")
        if block.documented:
            rows.append(f'<tr class="gr-has"><td colspan="3">'
                        f'{_e(g("theme_documented").format(features=sep.join(block.documented)))}'
                        "</td></tr>")
        bodies.append("<tbody>" + "".join(rows) + "</tbody>")
    return f'<table class="gr-gaps">{head}{"".join(bodies)}</table>'


def _examples_html(review: GapReview) -> str:
    lang = review.lang
    g = functools.partial(label, "gap_review", lang=lang)
    head = "".join(f'<th scope="col">{_e(g(key))}</th>' for key in (
        "col_municipality", "col_programme", "col_when_whom", "col_quote"))
    bodies = []
    for block in review.examples:
        line = block.line
        rows = [f'<tr class="gr-theme"><th scope="rowgroup" colspan="4">{_e(line.label)}'
                f'<span class="gr-h-note">{_e(line.status_text)}{"・" if lang == "ja" else ", "}'
                f"{_e(line.share)}</span>"
                "</th></tr>"]
        rows += [_example_row(ex, lang) for ex in block.examples]
        if not block.examples:
            rows.append(f'<tr><td colspan="4">{_e(g("no_examples"))}</td></tr>')
        bodies.append("<tbody>" + "".join(rows) + "</tbody>")
    return (f'<table class="gr-examples"><thead><tr>{head}</tr></thead>'
            f'{"".join(bodies)}</table>')


def _example_row(ex: Example, lang: str) -> str:
    g = functools.partial(label, "gap_review", lang=lang)
    where = _name_html(ex.municipality) + (
        "" if ex.in_group else f'<br><span class="gr-small">{_e(g("not_a_peer"))}</span>')
    operator = ""
    if ex.operator:
        template = (g("operator_with_type") if ex.operator_kind else g("operator")
                    if ex.operator_named else g("operator_kind_only"))
        operator = ('<br><span class="gr-small">' + _fill(
            template, {"operator": ex.operator,
                       "type": ex.operator_kind or ex.operator},
            frozenset({"operator"} if ex.operator_named else set())) + "</span>")
    frequency = _e(g("frequency")) + (_name_html(ex.frequency) if ex.frequency
                                      else _e(g("no_frequency")))
    whom = _e(g("audience_of")) + (_name_html(ex.whom) if ex.whom else _e(g("no_age")))
    source = _e(ex.source)
    if ex.section:
        source = _fill(g("source_section"), {"source": ex.source, "heading": ex.section,
                                             "number": ex.section},
                       frozenset({"heading"}))
    return (f"<tr><td>{where}</td><td>{_name_html(ex.programme)}{operator}</td>"
            f'<td class="gr-small">{frequency}<br>{whom}</td>'
            f'<td><span class="quote">「{_e(ex.quote)}」</span>'
            f'<br><span class="gr-source">{source}</span></td></tr>')


class _Text(HTMLParser):
    """Visible text of a handout fragment, one line per block (see ``handout_text``)."""

    BLOCKS = frozenset({"h1", "h2", "h3", "p", "li", "tr", "dt", "dd", "br"})

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.BLOCKS:
            self.end_line()

    def handle_data(self, data: str) -> None:
        self.current.append(data)

    def end_line(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.lines.append(text)
        self.current = []
