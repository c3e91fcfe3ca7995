"""Reading a filled template: every cell as text, every problem located by sheet, row and
column, so a steward can find it in Excel.

A cell is refused (not guessed at) when it is a formula, an Excel error or an Excel date
where text is expected: the tidy tables hold text as the source writes it, and a date
that Excel has converted no longer says how the document wrote it.
"""

from __future__ import annotations

import datetime
import difflib
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from analysis.core.errors import UserError
from analysis.excel.layout import (
    EVIDENCE,
    FIRST_DATA_ROW,
    INSTRUCTIONS_SHEET,
    KEY_ROW,
    LISTS_SHEET,
    PREFILLED_FROM,
    SHEETS_BY_NAME,
    TEMPLATE_SHEETS,
    SheetSpec,
    unneutralize,
)

META_KEYS = ("municipality_code", "municipality_name", "title", "publisher", "date",
             "template_version")
OPTIONAL_COLUMNS = ("note", PREFILLED_FROM)  # a sheet without them is still readable
# What a damaged .xlsx raises while it is opened: a broken zip (also a broken deflate stream,
# zlib.error), broken XML inside it (ElementTree's and lxml's parse errors are
# SyntaxErrors), or openpyxl's own complaints.
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


class CellError(ValueError):
    """A cell that cannot be read as text; args: message, fix."""


def open_workbook(content: bytes, name: str) -> Workbook:
    """Load an .xlsx from bytes; formulas stay formulas (data_only=False) so they are seen."""
    try:
        return load_workbook(io.BytesIO(content), data_only=False)
    except _BAD_FILE as error:
        raise UserError(f"{name}: not a readable Excel workbook (.xlsx): {error}") from error


def read_filled(content: bytes, name: str) -> FilledWorkbook:
    """Every row of every fill-in sheet, with the problems found on the way."""
    workbook = open_workbook(content, name)
    filled = FilledWorkbook()
    filled.problems += sheet_name_problems(workbook.sheetnames)
    if INSTRUCTIONS_SHEET in workbook.sheetnames:
        read_meta(workbook[INSTRUCTIONS_SHEET], filled)
    for spec in TEMPLATE_SHEETS:
        if spec.name in workbook.sheetnames:
            filled.rows[spec.name] = read_sheet(workbook[spec.name], spec, filled.problems)
    return filled


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
    return unneutralize(text)


def read_meta(ws: Worksheet, filled: FilledWorkbook) -> None:
    """The form on 説明: key in column B, value in column C."""
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 60), max_col=3):
        if len(row) < 3 or not isinstance(row[1].value, str):
            continue
        key = row[1].value.strip()
        if key not in META_KEYS:
            continue
        filled.meta_cells[key] = row[2].coordinate
        try:
            filled.meta[key] = cell_text(row[2], date_allowed=key == "date")
        except CellError as error:
            message, fix = error.args
            filled.problems.append(WorkbookProblem(ws.title, row[2].row, key,
                                                   row[2].coordinate, str(row[2].value),
                                                   message, fix))
    if not filled.meta.get("municipality_code"):
        filled.problems.append(WorkbookProblem(
            ws.title, 0, "municipality_code", filled.meta_cells.get("municipality_code", ""),
            "", "the municipality code of the template is missing",
            "start from a template made for your municipality"))


def header_keys(ws: Worksheet, spec: SheetSpec,
                problems: list[WorkbookProblem]) -> dict[str, int] | None:
    """Column key → column number, from row 2; None when the sheet cannot be read."""
    keys: dict[str, int] = {}
    readable = True
    for cell in next(ws.iter_rows(min_row=KEY_ROW, max_row=KEY_ROW), ()):
        key = str(cell.value).strip() if cell.value is not None else ""
        if not key:
            continue
        if key in keys:
            problems.append(WorkbookProblem(ws.title, KEY_ROW, key, cell.coordinate, key,
                                            "column appears twice", "keep one of them"))
            readable = False
        elif key not in spec.columns:
            missing = [c for c in spec.columns if c not in keys]
            guess = difflib.get_close_matches(key, missing, n=1, cutoff=0.6)
            fix = (f"misspelled? the key is {guess[0]!r}" if guess
                   else "remove the column; keys in row 2 are fixed")
            problems.append(WorkbookProblem(ws.title, KEY_ROW, key, cell.coordinate, key,
                                            "unknown column", fix))
        else:
            keys[key] = cell.column
    for key in spec.columns:
        if key not in keys and key not in OPTIONAL_COLUMNS:
            problems.append(WorkbookProblem(
                ws.title, KEY_ROW, key, "", "", "column is missing",
                f"add a column with {key!r} in row 2 (copy it from a new template)"))
            readable = False
    return keys if readable else None


def merged_rows(ws: Worksheet, keys: dict[str, int],
                problems: list[WorkbookProblem]) -> set[int]:
    """Rows touched by merged cells, reported once per merged range."""
    by_number = {number: key for key, number in keys.items()}
    rows: set[int] = set()
    for merged in ws.merged_cells.ranges:
        start = f"{get_column_letter(merged.min_col)}{merged.min_row}"
        problems.append(WorkbookProblem(
            ws.title, merged.min_row, by_number.get(merged.min_col, ""), start,
            str(ws[start].value or ""), f"cells {merged.coord} are merged",
            "unmerge them (セルの結合を解除): one value per cell"))
        rows.update(range(merged.min_row, merged.max_row + 1))
    return rows


def read_sheet(ws: Worksheet, spec: SheetSpec,
               problems: list[WorkbookProblem]) -> list[SheetRow]:
    keys = header_keys(ws, spec, problems)
    if keys is None:
        return []
    skip = merged_rows(ws, keys, problems)
    rows = []
    for cells in ws.iter_rows(min_row=FIRST_DATA_ROW, max_col=max(keys.values(), default=1)):
        number = cells[0].row
        row = _read_row(ws.title, number, cells, keys, problems)
        if row is not None and number not in skip:
            rows.append(row)
    return rows


def _read_row(sheet: str, number: int, cells: tuple[Cell, ...], keys: dict[str, int],
              problems: list[WorkbookProblem]) -> SheetRow | None:
    """One row, or None when it is empty or has a cell that cannot be read."""
    values: dict[str, str] = {}
    refs: dict[str, str] = {}
    readable = True
    for key, column in keys.items():
        cell = cells[column - 1]
        refs[key] = cell.coordinate
        try:
            values[key] = cell_text(cell)
        except CellError as error:
            message, fix = error.args
            problems.append(WorkbookProblem(sheet, number, key, cell.coordinate,
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
    """The evidence cells of a submission workbook, one per line ("" if unreadable).

    This is the source text the validator checks a steward_submission's quotes against:
    the workbook is the source, and each row's quote is its evidence cell.
    """
    try:
        workbook = load_workbook(path, data_only=False)
    except _BAD_FILE:
        return ""
    lines = []
    for spec in TEMPLATE_SHEETS:
        if spec.name not in workbook.sheetnames:
            continue
        ws = workbook[spec.name]
        header = next(ws.iter_rows(min_row=KEY_ROW, max_row=KEY_ROW), ())
        columns = [c.column for c in header if c.value == EVIDENCE]
        if not columns:
            continue
        for (cell,) in ws.iter_rows(min_row=FIRST_DATA_ROW, min_col=columns[0],
                                    max_col=columns[0]):
            try:
                lines.append(cell_text(cell))
            except CellError:
                continue  # such a row was never imported
    return "\n".join(line for line in lines if line)
