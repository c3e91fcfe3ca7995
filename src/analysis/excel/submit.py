"""``python -m analysis import WORKBOOK --source-id ID [--apply]``: a filled template
becomes a new ``steward_submission`` source and the rows it adds. A reviewed draft
(``python -m analysis draft``) is imported by ``excel.draft_import`` instead: its rows keep
the registered source they quote, and no new source is made.

What is new: a row whose fact (its ``facts`` columns) is not already recorded for the
municipality by any source. A prefilled row left as it was adds nothing; a changed one is
a new row from the new source — other sources' rows are never edited.

Validation is the project's own: the current data, the new rows, the archived workbook
and its registry row are staged in a temporary data directory and ``validate`` runs on
it; its problems are mapped back to workbook cells. ``--apply`` writes exactly the staged
files, as one change (``analysis.dataset.journal``: all as before or all as after, even
if the process is killed).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from analysis.core.codes import code_problem
from analysis.core.errors import UserError
from analysis.dataset import schema
from analysis.dataset.journal import replace_files
from analysis.dataset.validate import DataSet, Problem, validate
from analysis.excel import facts
from analysis.excel.layout import (
    EVIDENCE,
    EVIDENCE_DOCUMENT,
    INSTRUCTIONS_SHEET,
    PREFILLED_FROM,
    REFERENCES,
    TEMPLATE_SHEETS,
    SheetSpec,
)
from analysis.excel.reader import FilledWorkbook, SheetRow, WorkbookProblem
from analysis.text.sources import parse_heading

SUBMISSIONS_DIR = "submissions"  # under data/raw
SOURCE_ID_RE = re.compile(r"[a-z0-9][a-z0-9_]*")
KIND = "steward_submission"
_DATE_RE = re.compile(r"(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2}))?")


@dataclass
class NewRow:
    """A row to append: its tidy values and where each came from in the workbook."""

    spec: SheetSpec
    values: dict[str, str]
    origin: SheetRow
    columns: dict[str, str]  # tidy column → template column key


@dataclass
class Plan:
    workbook: Path
    source_id: str
    content: bytes
    code: str = ""
    meta_cells: dict[str, str] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)
    rows: list[NewRow] = field(default_factory=list)
    unchanged: int = 0
    rejected: int = 0  # a draft's rows marked 却下
    draft: bool = False  # a reviewed draft: rows of a registered source, no new source
    problems: list[WorkbookProblem] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # data-relative path → content
    previous: dict[str, dict[str, str]] = field(default_factory=dict)  # prefilled row facts
    # data-relative path → sha256 of the file the plan was made from (None: did not exist)
    based_on: dict[str, str | None] = field(default_factory=dict)


# ---------------------------------------------------------------- inputs ----------------

def check_source_id_syntax(source_id: str) -> None:
    """A plain name: no path steps (it becomes a file name), [a-z0-9_] only."""
    if "/" in source_id or "\\" in source_id or ".." in source_id:
        raise UserError(f"--source-id {source_id!r}: contains a path separator or '..'; a "
                        "source id is a plain name such as musashino_steward_2025")
    if not SOURCE_ID_RE.fullmatch(source_id) or len(source_id) > 64:
        raise UserError(f"--source-id {source_id!r}: use lowercase ascii letters, digits and "
                        "'_' only ([a-z0-9_]+, starting with a letter or digit)")


def check_source_id_is_new(source_id: str, data_dir: Path, data: DataSet) -> None:
    if source_id in set(data["sources"]["source_id"]):
        raise UserError(f"--source-id {source_id}: already registered in raw/sources.csv; "
                        "choose a new id")
    if archive_path(data_dir, source_id).exists():
        raise UserError(f"--source-id {source_id}: {archive_path(data_dir, source_id)} "
                        "already exists; choose a new id")


def archive_path(data_dir: Path, source_id: str) -> Path:
    return Path(data_dir) / "raw" / SUBMISSIONS_DIR / f"{source_id}.xlsx"


# ---------------------------------------------------------------- planning --------------

def plan_submission(workbook: Path, content: bytes, filled: FilledWorkbook, data: DataSet,
                    data_dir: Path, source_id: str, edition: str = "") -> Plan:
    """The import of a steward's filled template as a new ``steward_submission`` source."""
    if not source_id:
        raise UserError(f"{workbook}: give --source-id, a new id for this submission "
                        "(e.g. musashino_steward_2025)")
    check_source_id_is_new(source_id, data_dir, data)
    plan = Plan(workbook, source_id, content)
    plan.problems += filled.problems
    plan.meta_cells = filled.meta_cells
    plan.code = filled.meta.get("municipality_code", "")
    if not _known_municipality(plan, data):
        return plan
    collect_rows(plan, data, filled)
    plan.source = source_row(plan, filled, edition)
    if plan.rows:
        plan.files = staged_files(Path(data_dir), plan)
        plan.problems += map_problems(validate_staged(Path(data_dir), plan.files), plan)
    return plan


def record_base(plan: Plan, data_dir: Path) -> Plan:
    """Note the sha256 of every file the plan would replace, as it was when checked:
    ``apply_plan`` refuses if one has changed since (another import, an edit)."""
    plan.based_on = {relative: _digest_or_none(Path(data_dir) / relative)
                     for relative in plan.files}
    return plan


def _digest_or_none(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _known_municipality(plan: Plan, data: DataSet) -> bool:
    if not plan.code:
        return False  # reported by the reader
    known = set(data["municipalities"]["municipality_code"])
    if plan.code in known:
        return True
    problem = code_problem(plan.code) or "is not in data/reference/municipalities.csv"
    plan.problems.append(WorkbookProblem(
        INSTRUCTIONS_SHEET, _row_of(plan.meta_cells.get("municipality_code", "")),
        "municipality_code", plan.meta_cells.get("municipality_code", ""), plan.code, problem,
        "use the template made for your municipality; do not change its code"))
    return False


def _row_of(cell: str) -> int:
    digits = re.sub(r"[^0-9]", "", cell)
    return int(digits) if digits else 0


def collect_rows(plan: Plan, data: DataSet, filled: FilledWorkbook) -> None:
    """New rows of every sheet, with ids; then references resolved to row ids."""
    for spec in TEMPLATE_SHEETS:
        known = facts.known_facts(data, spec, plan.code)
        if spec.id_column:  # prefilled rows of these sheets name their row id
            previous = facts.sheet_frame(data, spec, plan.code)
            plan.previous.update({str(row[PREFILLED_FROM]): {c: str(row[c]) for c in spec.facts}
                                  for _, row in previous.iterrows()})
        seen: dict[tuple[str, ...], int] = {}
        for sheet_row in filled.rows.get(spec.name, []):
            fact = tuple(sheet_row.values[c] for c in spec.facts)
            if fact in known:
                plan.unchanged += 1
                continue
            if fact in seen:
                plan.problems.append(sheet_problem(sheet_row, spec.facts[0], fact[0], "repeats row "
                                              f"{seen[fact]} of this sheet", "delete one of them"))
                continue
            seen[fact] = sheet_row.row
            if evidence_ok(sheet_row, plan.problems):
                number = sum(1 for r in plan.rows if r.spec is spec) + 1
                plan.rows.append(new_row(plan, spec, sheet_row, plan.code, number))
    # A reference names the workbook's own new row first, else the latest existing one.
    targets = {ref.table: facts.latest_row_ids(data, ref.table, plan.code)
               for ref in REFERENCES.values()}
    for row in reversed(plan.rows):  # reversed: the first new row with a key wins
        if row.spec.name in targets:
            targets[row.spec.name][row.values["entity_key"]] = row.values[row.spec.id_column]
    plan.rows = [row for row in plan.rows if resolve_references(row, plan, targets)]


def sheet_problem(row: SheetRow, column: str, value: str, message: str,
                  fix: str) -> WorkbookProblem:
    return WorkbookProblem(row.sheet, row.row, column, row.cells.get(column, ""), value,
                           message, fix)


def evidence_ok(row: SheetRow, problems: list[WorkbookProblem]) -> bool:
    """A new or changed row states its evidence and names the document it is from."""
    found = []
    if not row.values[EVIDENCE]:
        found.append(sheet_problem(row, EVIDENCE, "", "is empty: a new or changed row needs the "
                              "sentence of your published document that states it",
                              "copy that sentence here, exactly as the document writes it"))
    elif any(parse_heading(line) for line in row.values[EVIDENCE].splitlines()):
        found.append(sheet_problem(row, EVIDENCE, row.values[EVIDENCE], "is a section heading, "
                              "not a sentence that states the fact",
                              "copy the sentence that states the fact"))
    if not row.values[EVIDENCE_DOCUMENT]:
        found.append(sheet_problem(row, EVIDENCE_DOCUMENT, "", "is empty",
                              "name the document: its title and URL or date"))
    problems += found
    return not found


def new_row(plan: Plan, spec: SheetSpec, row: SheetRow, code: str, number: int) -> NewRow:
    """The tidy row of a workbook row of ``code``, its id (in a table that has one)
    numbered ``number`` (references are resolved afterwards)."""
    table = spec.table
    values: dict[str, str] = {}
    columns: dict[str, str] = {}
    for column in spec.facts:
        ref = REFERENCES.get(column)
        values[ref.tidy_column if ref else column] = row.values[column]
        columns[ref.tidy_column if ref else column] = column
    if spec.id_column:
        values[spec.id_column] = f"{plan.source_id}-{code}-{spec.letter}{number:02d}"
    values["municipality_code"] = code  # dropped below where the table has no such column
    values["source_id"] = plan.source_id
    # The contract stores a passage that runs over a line break without the break.
    values["quote"] = "".join(row.values[EVIDENCE].splitlines())
    values["note"] = row.values["note"]
    columns.update(quote=EVIDENCE, note="note")
    return NewRow(spec, {c: values.get(c, "") for c in table.columns}, row, columns)


def resolve_references(row: NewRow, plan: Plan, targets: dict[str, dict[str, str]]) -> bool:
    """Entity keys → row ids (``targets``: table → entity_key → row id); False, with a
    located problem, when a key names nothing."""
    for column, ref in REFERENCES.items():
        if column not in row.spec.facts:
            continue
        key = row.values[ref.tidy_column]
        if not key:
            continue  # an empty required reference is reported by the validator
        found = targets[ref.table].get(key)
        if found is None:
            plan.problems.append(sheet_problem(
                row.origin, column, key, f"no row of sheet {ref.table} has this key, and "
                "the current data has none", f"use an entity_key of sheet {ref.table}, or add "
                f"that row to sheet {ref.table}"))
            return False
        row.values[ref.tidy_column] = found
    return True


def source_row(plan: Plan, filled: FilledWorkbook, edition: str) -> dict[str, str]:
    """The registry row of the submission: the archived workbook is the source."""
    date, basis = filled.meta.get("date", ""), "date given on the workbook's 説明 sheet"
    if not date:
        date, basis = _latest_document_date(plan), ("latest date among the rows' "
                                                      "evidence_document cells")
    return {
        "source_id": plan.source_id,
        "file": f"{SUBMISSIONS_DIR}/{plan.source_id}.xlsx",
        "title": filled.meta.get("title", ""),
        "kind": KIND,
        "edition": edition,
        "publisher": filled.meta.get("publisher", ""),
        "date": date,
        "sha256": hashlib.sha256(plan.content).hexdigest(),
        "date_basis": basis if date else "",
        # evidence is quoted from the municipality's own published documents
        "audience": "public",
        "municipality_code": plan.code,
    }


def _latest_document_date(plan: Plan) -> str:
    dates = []
    for row in plan.rows:
        for year, month, day in _DATE_RE.findall(row.origin.values[EVIDENCE_DOCUMENT]):
            dates.append(f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else ""))
    return max(dates, default="")


# ---------------------------------------------------------------- staging ---------------

def append_rows(content: bytes, rows: list[dict[str, str]], name: str) -> bytes:
    """The file's bytes unchanged, followed by the new rows in the file's own column
    order, encoding and line ending — so no existing row can change."""
    try:
        text, encoding = content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = content.decode("cp932"), "cp932"
    ending = "\r\n" if "\r\n" in text else "\n"
    header = next(csv.reader(io.StringIO(text)))
    buffer = io.StringIO()
    if text and not text.endswith(("\n", "\r")):
        buffer.write(ending)
    writer = csv.writer(buffer, lineterminator=ending)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    try:
        return content + buffer.getvalue().encode(encoding)
    except UnicodeEncodeError as error:
        character = error.object[error.start]
        raise UserError(f"{name} is saved as CP932, which cannot hold {character!r}; save it "
                        "as UTF-8 first") from error


def staged_files(data_dir: Path, plan: Plan) -> dict[str, bytes]:
    """Every file the import writes, data-relative path → full new content. A reviewed
    draft adds rows only: its source is registered already."""
    files: dict[str, bytes] = {}
    if plan.source:
        files[f"raw/{SUBMISSIONS_DIR}/{plan.source_id}.xlsx"] = plan.content
        sources = schema.SOURCES.path
        files[sources] = append_rows((data_dir / sources).read_bytes(), [plan.source],
                                     sources)
    for spec in TEMPLATE_SHEETS:
        rows = [r.values for r in plan.rows if r.spec is spec]
        if rows:
            path = spec.table.path
            files[path] = append_rows((data_dir / path).read_bytes(), rows, path)
    return files


def validate_staged(data_dir: Path, files: dict[str, bytes]) -> list[Problem]:
    """``validate`` on a copy of the data directory with the staged files written."""
    with tempfile.TemporaryDirectory(prefix="analysis-import-") as temporary:
        root = Path(temporary) / "data"
        for part in ("raw", "tidy", "reference"):
            if (data_dir / part).is_dir():
                shutil.copytree(data_dir / part, root / part)
        for relative, content in files.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(content)
        return validate(root)[1]


def map_problems(problems: list[Problem], plan: Plan) -> list[WorkbookProblem]:
    """The validator's problems of the staged data, located in the workbook."""
    origins = _origins(plan)
    return [map_problem(problem, plan, origins.get((problem.file, problem.row)))
            for problem in problems]


def map_problem(problem: Problem, plan: Plan, origin: NewRow | str | None) -> WorkbookProblem:
    """One problem: a new row's cell, the 説明 form, an option, or (never expected with
    valid current data) a row of the data itself."""
    if origin is None:  # not a row the workbook added: should not happen with valid data
        return WorkbookProblem(f"data/{problem.file}", problem.row, problem.column, "",
                               problem.value, problem.message, problem.fix)
    if origin == "source":
        return _source_problem(problem, plan)
    parts = [origin.columns.get(c, c) for c in problem.column.split("/")]
    column = "/".join(p for p in parts if p not in ("source_id",)) or problem.column
    if parts[0] == "municipality_code" and not plan.draft:  # a draft's rows name their own
        cell = plan.meta_cells.get("municipality_code", "")
        return WorkbookProblem(INSTRUCTIONS_SHEET, _row_of(cell), "municipality_code", cell,
                               problem.value, problem.message, problem.fix)
    message = problem.message.replace("row's quote", "row's evidence")
    return WorkbookProblem(origin.origin.sheet, origin.origin.row, column,
                           origin.origin.cells.get(parts[0], ""), problem.value, message,
                           problem.fix.replace("as the quote writes", "as the evidence writes"))


def _origins(plan: Plan) -> dict[tuple[str, int], NewRow | str]:
    """(file, spreadsheet row) of every staged row → the workbook row it came from."""
    origins: dict[tuple[str, int], NewRow | str] = {}
    for relative, content in plan.files.items():
        if not relative.endswith(".csv"):
            continue
        text = content.decode("utf-8-sig", errors="replace")
        total = sum(1 for record in csv.reader(io.StringIO(text)) if record)  # as pandas
        if relative == schema.SOURCES.path:
            origins[(relative, total)] = "source"
            continue
        added = [r for r in plan.rows if r.spec.table.path == relative]
        for offset, row in enumerate(added):
            origins[(relative, total - len(added) + 1 + offset)] = row
    return origins


def _source_problem(problem: Problem, plan: Plan) -> WorkbookProblem:
    """A problem of the registry row: the 説明 form, or the command's options."""
    if problem.column in plan.meta_cells:
        cell = plan.meta_cells[problem.column]
        return WorkbookProblem(INSTRUCTIONS_SHEET, _row_of(cell), problem.column, cell,
                               problem.value, problem.message, problem.fix)
    option = {"edition": "--edition", "source_id": "--source-id"}.get(problem.column, "")
    return WorkbookProblem(option or INSTRUCTIONS_SHEET, 0, problem.column, "", problem.value,
                           problem.message, problem.fix)


# ---------------------------------------------------------------- output ----------------

def describe(plan: Plan) -> str:
    """The rows the import adds, as a readable diff against the current data."""
    rejected = f"; {plan.rejected} row(s) marked 却下 are left out" if plan.draft else ""
    if not plan.rows:
        return (f"{plan.workbook}: no change — {plan.unchanged} row(s) are already in the "
                f"data{rejected}; nothing to add")
    if plan.draft:
        codes = sorted({r.values.get("municipality_code", "") for r in plan.rows} - {""})
        lines = [f"{plan.workbook}: {len(plan.rows)} new row(s) of registered source "
                 f"{plan.source_id} (a reviewed draft; municipalities {', '.join(codes)}); "
                 f"{plan.unchanged} unchanged row(s) add nothing{rejected}"]
    else:
        lines = [f"{plan.workbook}: {len(plan.rows)} new row(s) as source {plan.source_id} "
                 f"({KIND}, municipality {plan.code}); {plan.unchanged} unchanged row(s) add "
                 "nothing", "", f"--- {schema.SOURCES.path}", f"+ {plan.source_id}"]
        lines += [f"    {k}: {v}" for k, v in plan.source.items() if v and k != "source_id"]
    for spec in TEMPLATE_SHEETS:
        rows = [r for r in plan.rows if r.spec is spec]
        if rows:
            lines += ["", f"--- {spec.table.path} (+{len(rows)})"]
            for row in rows:
                lines += _describe_row(row, plan)
    return "\n".join(lines)


def _describe_row(row: NewRow, plan: Plan) -> list[str]:
    first = REFERENCES[row.spec.facts[0]].tidy_column if row.spec.facts[0] in REFERENCES else ""
    title = row.values.get(row.spec.id_column or first, "")
    lines = [f"+ {title}  (sheet {row.origin.sheet}, row {row.origin.row})"]
    skip = {"source_id", "municipality_code", row.spec.id_column}
    lines += [f"    {k}: {_short(v)}" for k, v in row.values.items() if v and k not in skip]
    before = plan.previous.get(row.origin.values.get(PREFILLED_FROM, ""))
    if before and row.spec.id_column:
        changed = [f"{c}: {before[c]!r} → {row.origin.values[c]!r}" for c in row.spec.facts
                   if before[c] != row.origin.values[c]]
        if changed:
            lines.append(f"    (a new statement of {row.origin.values[PREFILLED_FROM]}, "
                         "which stays as it is; changed: " + "; ".join(changed) + ")")
    return lines


def _short(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


# ---------------------------------------------------------------- applying --------------

def apply_plan(plan: Plan, data_dir: Path) -> list[Path]:
    """Write the staged files as one change (``analysis.dataset.journal``): a process killed
    at any moment leaves the tables and sources.csv all as before or all as after.

    Refused (DataChanged, nothing written) if a file changed since the plan was made.
    """
    return replace_files(Path(data_dir), plan.files, expected=plan.based_on)
