"""``python -m analysis import DRAFT.xlsx [--apply]`` for a reviewed draft
(``python -m analysis draft``): the rows a steward marked 確認済 are appended as rows of the
registered source the draft quotes.

Why not a ``steward_submission``: every row of a draft quotes a sentence of a registered
guidebook text, so the source *is* that text; the validator checks each quote against it
and against the section of the row's municipality, exactly as for a hand-curated row. The
workbook is a means of review, not a document of its own, and is not archived.

Rules:

* the 説明 sheet's ``draft_source_id`` must be a registered source (``--source-id``, if
  given, must name the same one; ``--edition``, if given, must be its edition);
* every row says 確認済 (imported), 却下 (left out) or 要確認 (a problem: review it first);
* a row is new unless the same fact is already recorded *from this source* for its
  municipality (so importing the same workbook twice adds nothing, while a fact restated
  from the previous edition is recorded again, as a fact of the new edition);
* row ids are ``<source_id>-<code>-<letter><nn>``, numbered after the source's existing rows
  of that municipality;
* a reference (``service_key``, ``body_key``, ``parent_body_key``) names an accepted row of
  the draft with that key, else an existing row of the same source — never a row of
  another edition.

Staging, validation, the diff and ``--apply`` are ``excel.submit``'s.
"""

from __future__ import annotations

import re
from pathlib import Path

from analysis.core.errors import UserError
from analysis.dataset.validate import DataSet
from analysis.excel import facts
from analysis.excel.layout import (
    ACCEPTED,
    NEEDS_REVIEW,
    REFERENCES,
    REJECTED,
    STATUS,
    TEMPLATE_SHEETS,
    SheetSpec,
)
from analysis.excel.reader import FilledWorkbook, SheetRow
from analysis.excel.submit import (
    NewRow,
    Plan,
    evidence_ok,
    map_problems,
    new_row,
    sheet_problem,
    staged_files,
    validate_staged,
)

__all__ = ["plan_draft_import"]


def plan_draft_import(workbook: Path, content: bytes, filled: FilledWorkbook, data: DataSet,
                      data_dir: Path, source_id: str = "", edition: str = "") -> Plan:
    """Everything importing a reviewed draft would do, with every problem; writes nothing."""
    draft_source = filled.draft_source_id
    sources = data["sources"]
    registered = sources.loc[sources["source_id"] == draft_source]
    if registered.empty:
        raise UserError(f"{workbook}: its source {draft_source} is not registered in "
                        "raw/sources.csv; draft it again with python -m analysis draft")
    if source_id and source_id != draft_source:
        raise UserError(f"--source-id {source_id}: this workbook is a draft of source "
                        f"{draft_source}; its rows keep that source (leave --source-id out)")
    own_edition = str(registered["edition"].iloc[0])
    if edition and edition != own_edition:
        raise UserError(f"--edition {edition}: the draft's source {draft_source} is of edition "
                        f"{own_edition or '(none)'}; leave --edition out")
    plan = Plan(workbook, draft_source, content, draft=True)
    plan.problems += filled.problems
    plan.meta_cells = filled.meta_cells
    known_codes = set(data["municipalities"]["municipality_code"])
    for spec in TEMPLATE_SHEETS:
        _collect_sheet(plan, spec, filled.rows.get(spec.name, []), data, known_codes)
    _resolve(plan, data)
    if plan.rows:
        plan.files = staged_files(data_dir, plan)
        plan.problems += map_problems(validate_staged(data_dir, plan.files), plan)
    return plan


def _collect_sheet(plan: Plan, spec: SheetSpec, rows: list[SheetRow], data: DataSet,
                   known_codes: set[str]) -> None:
    known: dict[str, set[tuple[str, ...]]] = {}
    seen: dict[tuple[str, ...], int] = {}
    for row in rows:
        status = row.values.get(STATUS, "")
        if status == REJECTED:
            plan.rejected += 1
            continue
        if status != ACCEPTED:
            message = ("is still to be reviewed" if status == NEEDS_REVIEW
                       else "is not a review verdict")
            plan.problems.append(sheet_problem(row, STATUS, status, message,
                                          f"check the row against its evidence, then choose "
                                          f"{ACCEPTED} (import it) or {REJECTED} (leave it out)"))
            continue
        code = row.values.get("municipality_code", "")
        if code not in known_codes:
            plan.problems.append(sheet_problem(row, "municipality_code", code,
                                          "is not a municipality of data/reference",
                                          "keep the code the draft wrote"))
            continue
        if code not in known:
            frame = facts.sheet_frame(data, spec, code)
            frame = frame.loc[frame[facts.SOURCE] == plan.source_id]
            known[code] = {facts.fact_tuple(r, spec) for _, r in frame.iterrows()}
        fact = tuple(row.values[c] for c in spec.facts)
        if fact in known[code]:
            plan.unchanged += 1
            continue
        if (code, *fact) in seen:
            plan.problems.append(sheet_problem(row, spec.facts[0], fact[0], "repeats row "
                                          f"{seen[(code, *fact)]} of this sheet",
                                          f"mark one of them {REJECTED}"))
            continue
        seen[(code, *fact)] = row.row
        if evidence_ok(row, plan.problems):
            number = _next_number(plan, spec, code, data) if spec.id_column else 0
            plan.rows.append(new_row(plan, spec, row, code, number))


def _next_number(plan: Plan, spec: SheetSpec, code: str, data: DataSet) -> int:
    """The next row number of this source, municipality and table."""
    prefix = f"{plan.source_id}-{code}-{spec.letter}"
    pattern = re.compile(re.escape(prefix) + r"([0-9]+)$")
    existing = [int(m.group(1)) for value in data[spec.name][spec.id_column]
                if (m := pattern.match(value))]
    staged = [r for r in plan.rows if r.spec is spec and r.values["municipality_code"] == code]
    return max(existing, default=0) + len(staged) + 1


def _resolve(plan: Plan, data: DataSet) -> None:
    """Entity keys of references → row ids of this source (the draft's accepted rows
    first, then the source's existing rows)."""
    targets: dict[str, dict[str, str]] = {}
    for ref in REFERENCES.values():
        frame = data[ref.table]
        frame = frame.loc[frame["source_id"] == plan.source_id]
        id_column = TEMPLATE_SHEETS[[s.name for s in TEMPLATE_SHEETS].index(ref.table)].id_column
        targets[ref.table] = dict(zip(frame["entity_key"], frame[id_column], strict=True))
    for row in reversed(plan.rows):  # reversed: the first accepted row with a key wins
        if row.spec.name in targets:
            targets[row.spec.name][row.values["entity_key"]] = row.values[row.spec.id_column]
    kept = []
    for row in plan.rows:
        if _resolved(row, plan, targets):
            kept.append(row)
    plan.rows = kept


def _resolved(row: NewRow, plan: Plan, targets: dict[str, dict[str, str]]) -> bool:
    for column in row.spec.facts:
        ref = REFERENCES.get(column)
        if ref is None:
            continue
        key = row.values[ref.tidy_column]
        if not key:
            continue  # an empty required reference is reported by the validator
        found = targets[ref.table].get(key)
        if found is None:
            plan.problems.append(sheet_problem(
                row.origin, column, key, f"no accepted row of sheet {ref.table} of this draft "
                f"has this key, and source {plan.source_id} has none",
                f"mark that row of sheet {ref.table} {ACCEPTED}, or correct the key"))
            return False
        row.values[ref.tidy_column] = found
    return True
