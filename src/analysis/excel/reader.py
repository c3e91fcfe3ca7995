"""Reading a filled template: every cell as text, every problem located by sheet, row and
column, so a steward can find it in Excel.

A cell is refused (not guessed at) when it is a formula, an Excel error or an Excel date
where text is expected: the tidy tables hold text as the source writes it, and a date
that Excel has converted no longer says how the document wrote it.

Workbooks are opened only after ``analysis.core.limits`` has checked the archive, and
read-only: openpyxl streams the rows, so memory does not grow with a sheet's length, and
reading stops at ``MAX_SHEET_ROWS`` even in a sheet that declares no dimension. A
read-only sheet does not know its merged cells; the inspection found them in its XML.
"""

from __future__ import annotations

import datetime
import difflib
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange

from analysis.core.cells import unneutralize_cell
from analysis.core.errors import UserError
from analysis.core.limits import (
    MAX_SHEET_ROWS,
    WorkbookLayout,
    check_workbook,
    read_workbook,
    too_many_rows,
)
from analysis.excel.layout import (
    DRAFT_RULE,
    DRAFT_SOURCE_ID,
    EVIDENCE,
    FIRST_DATA_ROW,
    INSTRUCTIONS_SHEET,
    KEY_ROW,
    LISTS_SHEET,
    MATCH_CONFIDENCE,
    META_KEYS,
    PREFILLED_FROM,
    PREVIOUS_ROW,
    SHEETS_BY_NAME,
    TEMPLATE_SHEETS,
    SheetSpec,
)

if TYPE_CHECKING:  # what load_workbook(read_only=True) gives for a sheet
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

# The form's keys a workbook may hold: a template's, and a draft's (its source and edition).
READ_META_KEYS = (*META_KEYS, DRAFT_SOURCE_ID, "edition")
# A sheet without these is still readable (the last three: a draft's reference columns).
OPTIONAL_COLUMNS = ("note", PREFILLED_FROM, DRAFT_RULE, MATCH_CONFIDENCE, PREVIOUS_ROW)
# What a damaged .xlsx raises while it is opened: a broken zip (also a broken deflate stream,
# zlib.error), broken XML inside it (ElementTree's and lxml's parse errors are
# SyntaxErrors, ParseError among them), or openpyxl's own complaints.
_BAD_FILE = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError,
             OSError, EOFError, zlib.error, SyntaxError)


@dataclass(frozen=True, order=True)
class WorkbookProblem:
    """One problem of a workbook, where a steward sees it: sheet, Excel row, column key."""

    sheet: str
    row: int  # Excel row number; 0 = the sheet (or an option) as a whole
    column: str  # the key in row 2 of the sheet
    cell: str  # "D12", or "" when the problem is not about one cell
    value: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = self.sheet
        if self.cell:
            where += f"!{self.cell}"
        elif self.row:
            where += f" row {self.row}"
        column = f" [{self.column}]" if self.column else ""
        value = self.value if len(self.value) <= 60 else self.value[:57] + "…"
        return f"{where}{column}: {value!r} — {self.message} ({self.fix})"

    @property
    def place(self) -> tuple[str, str]:
        """Where a long list groups it (``analysis.core.problems``): sheet and column."""
        return self.sheet, self.column


@dataclass(frozen=True)
class SheetRow:
    """One filled row: its values by column key and the cell each came from."""

    sheet: str
    row: int
    values: dict[str, str]
    cells: dict[str, str]


@dataclass
class FilledWorkbook:
    meta: dict[str, str] = field(default_factory=dict)
    meta_cells: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[SheetRow]] = field(default_factory=dict)
    problems: list[WorkbookProblem] = field(default_factory=list)

    @property
    def draft_source_id(self) -> str:
        """The registered source a drafted workbook quotes ("" for a steward's template)."""
        return self.meta.get(DRAFT_SOURCE_ID, "")


class CellError(ValueError):
    """A cell that cannot be read as text; args: message, fix."""


def open_workbook(content: bytes, name: str) -> Workbook:
    """Load a checked .xlsx from bytes, read-only; formulas stay formulas (data_only=False)
    so they are seen."""
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except _BAD_FILE as error:
        raise UserError(f"{name}: not a readable Excel workbook (.xlsx): {error}") from error


def read_filled(content: bytes, name: str,
                layout: WorkbookLayout | None = None) -> FilledWorkbook:
    """Every row of every fill-in sheet, with the problems found on the way.

    ``layout`` is what ``analysis.core.limits.check_workbook`` found in these bytes (it
    is checked here when not given): no workbook is opened before it is checked.
    """
    layout = layout or check_workbook(content, name)
    workbook = open_workbook(content, name)
    try:
        filled = FilledWorkbook()
        filled.problems += sheet_name_problems(workbook.sheetnames)
        if INSTRUCTIONS_SHEET in workbook.sheetnames:
            read_meta(sheet(workbook, INSTRUCTIONS_SHEET), filled)
        for spec in TEMPLATE_SHEETS:
            if spec.name in workbook.sheetnames:
                part = layout.sheet(spec.name)
                merged = part.merged if part else ()
                columns = spec.draft_columns if filled.draft_source_id else spec.columns
                filled.rows[spec.name] = read_sheet(sheet(workbook, spec.name), spec,
                                                    filled.problems, merged, name, columns)
    except _BAD_FILE as error:  # a sheet's XML is read only now, row by row
        raise UserError(f"{name}: not a readable Excel workbook (.xlsx): {error}") from error
    finally:
        workbook.close()
    return filled


def sheet(workbook: Workbook, name: str) -> ReadOnlyWorksheet:
    """A sheet of a read-only workbook, its declared dimension ignored: read-only rows
    stop at the declared last row and column, so a sheet that declares fewer than it has
    would otherwise be cut short silently (rows are counted while read instead)."""
    ws = workbook[name]
    ws.reset_dimensions()
    return ws


def streamed_rows(ws: ReadOnlyWorksheet, min_row: int, max_col: int,
                  name: str) -> Iterator[tuple[int, tuple[Cell, ...]]]:
    """(Excel row number, cells) from ``min_row`` on, ``max_col`` cells a row (missing
    cells are empty ones); stops with a LimitError past MAX_SHEET_ROWS."""
    for number, cells in enumerate(ws.iter_rows(min_row=min_row, max_col=max_col),
                                   start=min_row):
        if number > MAX_SHEET_ROWS:
            raise too_many_rows(name, ws.title)
        yield number, cells


def sheet_name_problems(names: list[str]) -> list[WorkbookProblem]:
    known = [INSTRUCTIONS_SHEET, LISTS_SHEET, *SHEETS_BY_NAME]
    missing = [n for n in known if n not in names]
    problems = []
    for name in names:
        if name in known:
            continue
        guess = difflib.get_close_matches(name, missing, n=1, cutoff=0.6)
        fix = (f"rename it to {guess[0]!r}" if guess
               else f"remove it; the sheets are {', '.join(known)}")
        problems.append(WorkbookProblem(name, 0, "", "", name, "unknown sheet", fix))
    if INSTRUCTIONS_SHEET not in names:
        problems.append(WorkbookProblem(
            INSTRUCTIONS_SHEET, 0, "", "", "", "the instructions sheet is missing",
            "start from a template: python -m analysis template CODE --out FILE.xlsx"))
    return problems


def cell_text(cell: Cell, *, date_allowed: bool = False) -> str:
    """A cell's value as the text the tidy tables store; CellError if it has none."""
    value = cell.value
    if value is None or isinstance(cell, MergedCell):
        return ""
    if cell.data_type == "f":
        raise CellError("is a formula", "type the value itself; formulas are not imported")
    if cell.data_type == "e":
        raise CellError("is an Excel error value", "type the value itself")
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        if date_allowed and isinstance(value, datetime.date):
            day = value.date() if isinstance(value, datetime.datetime) else value
            return day.isoformat()
        raise CellError("is an Excel date or time, but text is expected",
                        "format the cell as text (文字列) and type the phrase as the document "
                        "writes it, e.g. 令和6年4月1日")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    return unneutralize_cell(text)


def read_meta(ws: ReadOnlyWorksheet, filled: FilledWorkbook) -> None:
    """The form on 説明: key in column B, value in column C (within the first 60 rows)."""
    for number, row in enumerate(ws.iter_rows(min_row=1, max_row=60, max_col=3), start=1):
        if len(row) < 3 or not isinstance(row[1].value, str):
            continue
        key = row[1].value.strip()
        if key not in READ_META_KEYS:
            continue
        filled.meta_cells[key] = f"C{number}"
        try:
            filled.meta[key] = cell_text(row[2], date_allowed=key == "date")
        except CellError as error:
            message, fix = error.args
            filled.problems.append(WorkbookProblem(ws.title, number, key, f"C{number}",
                                                   str(row[2].value), message, fix))
    if not filled.meta.get("municipality_code") and not filled.draft_source_id:
        filled.problems.append(WorkbookProblem(
            ws.title, 0, "municipality_code", filled.meta_cells.get("municipality_code", ""),
            "", "the municipality code of the template is missing",
            "start from a template made for your municipality"))


def header_keys(ws: ReadOnlyWorksheet, spec: SheetSpec, problems: list[WorkbookProblem],
                columns: tuple[str, ...] | None = None) -> dict[str, int] | None:
    """Column key → column number, from row 2; None when the sheet cannot be read.

    ``columns``: the keys the sheet should have, ``spec.columns`` unless given."""
    columns = columns or spec.columns
    keys: dict[str, int] = {}
    readable = True
    header = next(ws.iter_rows(min_row=KEY_ROW, max_row=KEY_ROW), ())
    for column, cell in enumerate(header, start=1):
        key = str(cell.value).strip() if cell.value is not None else ""
        if not key:
            continue
        coordinate = f"{get_column_letter(column)}{KEY_ROW}"
        if key in keys:
            problems.append(WorkbookProblem(ws.title, KEY_ROW, key, coordinate, key,
                                            "column appears twice", "keep one of them"))
            readable = False
        elif key not in columns:
            missing = [c for c in columns if c not in keys]
            guess = difflib.get_close_matches(key, missing, n=1, cutoff=0.6)
            fix = (f"misspelled? the key is {guess[0]!r}" if guess
                   else "remove the column; keys in row 2 are fixed")
            problems.append(WorkbookProblem(ws.title, KEY_ROW, key, coordinate, key,
                                            "unknown column", fix))
        else:
            keys[key] = column
    for key in columns:
        if key not in keys and key not in OPTIONAL_COLUMNS:
            problems.append(WorkbookProblem(
                ws.title, KEY_ROW, key, "", "", "column is missing",
                f"add a column with {key!r} in row 2 (copy it from a new template)"))
            readable = False
    return keys if readable else None


def merged_problems(sheet: str, ranges: list[CellRange], keys: dict[str, int],
                    anchors: dict[tuple[int, int], str]) -> list[WorkbookProblem]:
    """One problem a merged range, at its first cell (``anchors``: that cell's value)."""
    by_number = {number: key for key, number in keys.items()}
    return [WorkbookProblem(
        sheet, merged.min_row, by_number.get(merged.min_col, ""),
        f"{get_column_letter(merged.min_col)}{merged.min_row}",
        anchors.get((merged.min_row, merged.min_col), ""), f"cells {merged.coord} are merged",
        "unmerge them (セルの結合を解除): one value per cell") for merged in ranges]


def read_sheet(ws: ReadOnlyWorksheet, spec: SheetSpec, problems: list[WorkbookProblem],
               merged: tuple[str, ...] = (), name: str = "",
               columns: tuple[str, ...] | None = None) -> list[SheetRow]:
    """The filled rows of one sheet; rows touched by merged cells are reported, not read.
    ``columns``: the keys the sheet should have (a draft's or a template's)."""
    keys = header_keys(ws, spec, problems, columns)
    if keys is None:
        return []
    ranges = [CellRange(ref) for ref in merged]
    skip = {row for r in ranges for row in range(r.min_row, min(r.max_row, MAX_SHEET_ROWS) + 1)}
    corners = {(r.min_row, r.min_col) for r in ranges}
    anchors: dict[tuple[int, int], str] = {}
    rows = []
    width = max(keys.values(), default=1)
    for number, cells in streamed_rows(ws, FIRST_DATA_ROW, width, name or ws.title):
        if number in skip:
            anchors.update({(number, c): str(cells[c - 1].value or "")
                            for r, c in corners if r == number and c <= width})
            continue
        row = _read_row(ws.title, number, cells, keys, problems)
        if row is not None:
            rows.append(row)
    problems += merged_problems(ws.title, ranges, keys, anchors)
    return rows


def _read_row(sheet: str, number: int, cells: tuple[Cell, ...], keys: dict[str, int],
              problems: list[WorkbookProblem]) -> SheetRow | None:
    """One row, or None when it is empty or has a cell that cannot be read."""
    values: dict[str, str] = {}
    refs: dict[str, str] = {}
    readable = True
    for key, column in keys.items():
        cell = cells[column - 1]
        refs[key] = f"{get_column_letter(column)}{number}"
        try:
            values[key] = cell_text(cell)
        except CellError as error:
            message, fix = error.args
            problems.append(WorkbookProblem(sheet, number, key, refs[key],
                                            str(cell.value), message, fix))
            readable = False
    if not readable:
        return None
    if not any(v for k, v in values.items() if k != PREFILLED_FROM):
        return None
    for key in OPTIONAL_COLUMNS:
        values.setdefault(key, "")
    return SheetRow(sheet, number, values, refs)


def evidence_text(path: Path) -> str:
    """The evidence cells of a submission workbook, one per line ("" if unreadable or over
    a limit: ``validate`` reports the limit on the workbook's row of sources.csv).

    This is the source text the validator checks a steward_submission's quotes against:
    the workbook is the source, and each row's quote is its evidence cell.
    """
    try:
        content, _ = read_workbook(path)
        workbook = open_workbook(content, str(path))
    except UserError:
        return ""
    lines = []
    try:
        for spec in TEMPLATE_SHEETS:
            if spec.name in workbook.sheetnames:
                lines += _evidence_cells(sheet(workbook, spec.name), str(path))
    except (UserError, *_BAD_FILE):
        return ""
    finally:
        workbook.close()
    return "\n".join(line for line in lines if line)


def _evidence_cells(ws: ReadOnlyWorksheet, name: str) -> list[str]:
    header = next(ws.iter_rows(min_row=KEY_ROW, max_row=KEY_ROW), ())
    columns = [number for number, cell in enumerate(header, start=1) if cell.value == EVIDENCE]
    if not columns:
        return []
    lines = []
    for _, cells in streamed_rows(ws, FIRST_DATA_ROW, columns[0], name):
        try:
            lines.append(cell_text(cells[columns[0] - 1]))
        except CellError:
            continue  # such a row was never imported
    return lines
