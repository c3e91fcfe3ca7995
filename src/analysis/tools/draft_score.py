"""How good a draft is, measured against curated rows: ``benchmarks/draft_recall.py``.

The measurement is honest by construction: the drafter runs on a copy of the data
directory that holds only the previous edition's rows (:func:`held_out_data`), so it cannot
see the curated rows it is scored against; the source itself stays registered, so the
draft recognises it (same sha256) and quotes it under its own source_id.

Scoring, per table (:func:`score`):

* a proposed row **matches** a curated row of the same source and municipality when their
  quotes overlap in the source text (the proposal's sentence span and any occurrence of
  the curated quote inside the municipality's section) and the values the normalizers
  derive agree (``VALUE_COLUMNS``); each proposal and each curated row is matched at most
  once (a maximum bipartite matching);
* recall = matched / curated rows; precision = matched / proposed rows;
* for services, meetings and bodies the share of matches whose names also agree (NFKC-
  folded, one containing the other) is reported beside, as names are not derived values.

Entity-key carry-over (:func:`carry_over`), for the municipalities of both editions: of the
curated entities of the new edition whose key exists in the previous one, how many the
draft gave that key (on a proposal that is the same thing: its quote overlaps one of the
entity's curated quotes, or its name is as similar as the drafter's threshold); and how
many carried keys are wrong (the key is not the curated key of the thing proposed).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.dataset.tables import load_tidy
from analysis.excel.layout import TEMPLATE_SHEETS
from analysis.text.fold import fold_key
from analysis.text.sources import quote_spans, split_sections
from analysis.tools.draft import KEY_THRESHOLD, Draft, name_similarity
from analysis.tools.draft_rules import Proposal

__all__ = ["VALUE_COLUMNS", "Score", "carry_over", "held_out_data", "score"]

# The derived values a proposal must share with a curated row (besides an overlapping
# quote) to count: what the normalizers derive, and the enum a phrase maps to one-to-one.
VALUE_COLUMNS = {
    "services": ("established_year", "established_month"),
    "channels": ("channel",),
    "target_ages": ("age_min", "age_max", "approximate"),
    "meetings": ("regular", "per_year", "approximate"),
    "network_bodies": ("established_year", "established_month", "member_count"),
    "network_body_members": ("member_type",),
    "milestones": ("year", "month"),
    "collaborations": ("partner_code",),
}
NAMED = {"services": "name", "meetings": "name", "network_bodies": "name",
         "milestones": "title"}


def held_out_data(data_dir: Path, out: Path, keep_edition: str) -> Path:
    """A copy of ``data_dir`` whose tidy rows are only those of ``keep_edition``'s sources.

    ``raw/`` and ``reference/`` are copied whole (the new edition's source stays
    registered, so the drafter recognises it); every tidy table keeps the rows whose
    source belongs to ``keep_edition``.
    """
    data_dir, out = Path(data_dir), Path(out)
    for part in ("raw", "reference"):
        shutil.copytree(data_dir / part, out / part)
    sources = pd.read_csv(data_dir / "raw" / "sources.csv", dtype=str, keep_default_na=False)
    keep = set(sources.loc[sources["edition"] == keep_edition, "source_id"])
    (out / "tidy").mkdir(parents=True)
    for path in sorted((data_dir / "tidy").glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.loc[frame["source_id"].isin(keep)].to_csv(out / "tidy" / path.name, index=False,
                                                        lineterminator="\n")
    return out


def _number(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        return value.strip()
    return str(int(number)) if number.is_integer() else f"{number:g}"


def _values(row: dict[str, str], table: str) -> tuple[str, ...]:
    return tuple(_number(str(row.get(column, ""))) for column in VALUE_COLUMNS[table])


def _overlaps(a: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(a[0] < end and start < a[1] for start, end in spans)


def _max_matching(edges: dict[int, list[int]]) -> dict[int, int]:
    """Maximum bipartite matching (augmenting paths): curated index → proposal index."""
    owner: dict[int, int] = {}  # proposal → curated

    def augment(curated: int, seen: set[int]) -> bool:
        for proposal in edges.get(curated, []):
            if proposal in seen:
                continue
            seen.add(proposal)
            if proposal not in owner or augment(owner[proposal], seen):
                owner[proposal] = curated
                return True
        return False

    for curated in edges:
        augment(curated, set())
    return {curated: proposal for proposal, curated in owner.items()}


@dataclass
class TableScore:
    table: str
    curated: int
    proposed: int
    matched: int
    names_agree: int | None = None
    missed: list[dict[str, str]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.matched / self.curated if self.curated else 0.0

    @property
    def precision(self) -> float:
        return self.matched / self.proposed if self.proposed else 0.0


@dataclass
class Score:
    tables: list[TableScore]

    @property
    def curated(self) -> int:
        return sum(t.curated for t in self.tables)

    @property
    def proposed(self) -> int:
        return sum(t.proposed for t in self.tables)

    @property
    def matched(self) -> int:
        return sum(t.matched for t in self.tables)


def curated_spans(text: str, rows: pd.DataFrame, names: dict[str, str],
                  code_of: pd.Series) -> list[list[tuple[int, int]]]:
    """Per curated row: the occurrences of its quote inside its municipality's section."""
    sections = split_sections(text)
    result = []
    for (_, row), code in zip(rows.iterrows(), code_of, strict=True):
        own = [s for s in sections if s.municipality_name == names.get(code)]
        result.append([(a, b) for a, b in quote_spans(text, row["quote"])
                       if any(s.start <= a and b <= s.end for s in own)])
    return result


def _names_agree(a: str, b: str) -> bool:
    fa, fb = fold_key(a), fold_key(b)
    return bool(fa and fb) and (fa in fb or fb in fa)


def _row_codes(data_dir: Path, table: str, frame: pd.DataFrame) -> pd.Series:
    if "municipality_code" in frame.columns:
        return frame["municipality_code"]
    bodies = load_tidy("network_bodies", data_dir).set_index("body_id")["municipality_code"]
    return frame["body_id"].map(bodies).fillna("")


def score(result: Draft, data_dir: Path, source_id: str) -> Score:
    """Recall and precision of every template table against the curated rows of
    ``source_id`` in ``data_dir`` (see the module docstring for the rule)."""
    tables = []
    for spec in TEMPLATE_SHEETS:
        table = spec.name
        if table not in VALUE_COLUMNS:  # a sheet added later: no derived values known yet
            continue
        frame = load_tidy(table, data_dir)
        curated = frame.loc[frame["source_id"] == source_id].reset_index(drop=True)
        codes = _row_codes(data_dir, table, curated).reset_index(drop=True)
        spans = curated_spans(result.text, curated, result.municipality_names, codes)
        proposals = [p for p in result.proposals if p.table == table]
        edges = {
            index: [n for n, p in enumerate(proposals)
                    if p.code == codes[index] and _overlaps((p.start, p.end), spans[index])
                    and _values(p.values, table) == _values(row, table)]
            for index, row in enumerate(curated.to_dict("records"))
        }
        matching = _max_matching(edges)
        names = None
        if table in NAMED:
            column = NAMED[table]
            names = sum(1 for c, p in matching.items()
                        if _names_agree(curated.loc[c, column], proposals[p].values.get(column,
                                                                                        "")))
        missed = [{"municipality_code": codes[i], **curated.loc[i].to_dict()}
                  for i in range(len(curated)) if i not in matching]
        tables.append(TableScore(table, len(curated), len(proposals), len(matching), names,
                                 missed))
    return Score(tables)


@dataclass
class CarryOver:
    eligible: int  # curated entities of the new edition whose key the previous one has
    right: int  # … that the draft gave that key, on the same thing
    carried: int  # proposals that carry a previous key
    wrong: int  # … whose key is not the curated key of the thing proposed
    missed: list[tuple[str, str, str]] = field(default_factory=list)  # table, key, name
    wrong_examples: list[tuple[str, str, str]] = field(default_factory=list)


def carry_over(result: Draft, data_dir: Path, source_id: str, previous_sources: set[str],
               codes: set[str]) -> CarryOver:
    """Entity-key carry-over for the municipalities in ``codes`` (see the module doc)."""
    eligible = right = carried = wrong = 0
    missed: list[tuple[str, str, str]] = []
    wrong_examples: list[tuple[str, str, str]] = []
    for table in ("services", "meetings", "network_bodies"):
        frame = load_tidy(table, data_dir)
        frame = frame.loc[frame["municipality_code"].isin(codes)]
        new = frame.loc[frame["source_id"] == source_id].reset_index(drop=True)
        old_keys = set(frame.loc[frame["source_id"].isin(previous_sources), "entity_key"])
        spans = curated_spans(result.text, new, result.municipality_names,
                              new["municipality_code"])
        by_key: dict[str, list[int]] = {}
        for index, key in enumerate(new["entity_key"]):
            by_key.setdefault(key, []).append(index)
        proposals = [p for p in result.proposals if p.table == table and p.code in codes]

        def same_thing(proposal: Proposal, key: str, *, new: pd.DataFrame = new,
                       spans: list = spans, by_key: dict = by_key) -> bool:
            return any(_overlaps((proposal.start, proposal.end), spans[i])
                       or name_similarity(proposal.name, new.loc[i, "name"]) >= KEY_THRESHOLD
                       for i in by_key.get(key, []))

        for proposal in proposals:
            if not proposal.previous_row:
                continue
            carried += 1
            if not same_thing(proposal, proposal.values["entity_key"]):
                wrong += 1
                wrong_examples.append((table, proposal.values["entity_key"], proposal.name))
        for key, indexes in by_key.items():
            if key not in old_keys:
                continue
            eligible += 1
            if any(p.values["entity_key"] == key and p.previous_row and same_thing(p, key)
                   for p in proposals):
                right += 1
            else:
                missed.append((table, key, new.loc[indexes[0], "name"]))
    return CarryOver(eligible, right, carried, wrong, missed, wrong_examples)
