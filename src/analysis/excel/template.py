"""``python -m analysis template CODE --out PATH``: a fill-in workbook for one municipality,
prefilled with its current facts, with drop-down lists for every enum column and
instructions in Japanese (sheet 説明)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from analysis.core.codes import code_problem
from analysis.core.errors import UserError
from analysis.core.labels import label, labels
from analysis.dataset.validate import DataSet
from analysis.excel import facts
from analysis.excel.layout import (
    EVIDENCE,
    FIRST_DATA_ROW,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    META_KEYS,
    TEMPLATE_SHEETS,
    TEXT_FORMAT,
    SheetSpec,
    finish_sheet,
    put,
    write_header,
)
from analysis.excel.output import save_workbook, valid_data

TEMPLATE_VERSION = "2"  # 2: channel purpose, age kind, occurrence, milestone keys, stated counts
FILL_ROWS = 1000  # rows below the header that get the drop-down lists and text format
# The 説明 sheet's form (META_KEYS, in order): the importer reads column B (key) and C
# (value); column A holds the label (labels.csv group workbook, key meta_<key>).
META_FIRST_ROW = 4
INSTRUCTIONS = ("instructions_title", *(f"instruction_{n}" for n in range(1, 10)))


def make_template(data_dir: Path, code: str, out: Path) -> dict[str, int]:
    """Write the template; return the number of prefilled rows per sheet."""
    data = valid_data(data_dir)
    name = municipality_name(data, code)
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = INSTRUCTIONS_SHEET
    write_instructions(instructions, code, name)
    lists = workbook.create_sheet(LISTS_SHEET)
    ranges = write_lists(lists)
    counts = {}
    for spec in TEMPLATE_SHEETS:
        frame = facts.prefill(data, spec, code)
        write_fill_in_sheet(workbook.create_sheet(spec.name), spec, frame, ranges)
        counts[spec.name] = len(frame)
    workbook.move_sheet(LISTS_SHEET, offset=len(TEMPLATE_SHEETS))  # last: reference only
    save_workbook(workbook, out)
    return counts


def municipality_name(data: DataSet, code: str) -> str:
    """The municipality's name; a user error for a malformed or unknown code."""
    problem = code_problem(code)
    if problem:
        raise UserError(f"{code!r}: {problem}")
    municipalities = data["municipalities"]
    match = municipalities.loc[municipalities["municipality_code"] == code, "name"]
    if match.empty:
        raise UserError(f"{code}: not a municipality of data/reference/municipalities.csv")
    return str(match.iloc[0])


def write_instructions(ws: Worksheet, code: str, name: str) -> None:
    put(ws, 1, 1, label("workbook", "template_title").format(name=name)).font = Font(
        bold=True, size=14)
    put(ws, 2, 1, label("workbook", "template_intro"))
    form = [label("workbook", key) for key in ("form_item", "form_key", "form_value")]
    for column, text in enumerate(form, start=1):
        put(ws, META_FIRST_ROW - 1, column, text).font = Font(bold=True)
    values = {"municipality_code": code, "municipality_name": name,
              "title": label("workbook", "default_title").format(name=name),
              "publisher": name, "date": "", "template_version": TEMPLATE_VERSION}
    for row, key in enumerate(META_KEYS, start=META_FIRST_ROW):
        put(ws, row, 1, label("workbook", f"meta_{key}"))
        put(ws, row, 2, key).font = Font(color="666666", size=9)
        put(ws, row, 3, values[key]).number_format = TEXT_FORMAT
    row = META_FIRST_ROW + len(META_KEYS) + 1
    for offset, key in enumerate(INSTRUCTIONS):
        cell = put(ws, row + offset, 1, label("workbook", key))
        if offset == 0:
            cell.font = Font(bold=True)
    for letter, width in (("A", 46), ("B", 20), ("C", 60)):
        ws.column_dimensions[letter].width = width


def _enum_groups() -> list[str]:
    groups = []
    for spec in TEMPLATE_SHEETS:
        for column in spec.facts:
            group = spec.field(column).enum
            if group and group not in groups:
                groups.append(group)
    return groups


def write_lists(ws: Worksheet, extra_groups: tuple[str, ...] = ()) -> dict[str, str]:
    """The allowed values of every enum with their labels; return group → cell range.

    ``extra_groups``: label groups of columns beyond the template's (a draft's status)."""
    ranges = {}
    for index, group in enumerate([*_enum_groups(), *extra_groups]):
        key_column, label_column = 2 * index + 1, 2 * index + 2
        put(ws, 1, key_column, group).font = Font(bold=True)
        put(ws, 2, key_column, label("workbook", "list_value"))
        put(ws, 2, label_column, label("workbook", "list_meaning"))
        values = labels(group)
        for row, (key, text) in enumerate(values.items(), start=FIRST_DATA_ROW):
            put(ws, row, key_column, key)
            put(ws, row, label_column, text)
        letter = get_column_letter(key_column)
        ranges[group] = (f"'{LISTS_SHEET}'!${letter}${FIRST_DATA_ROW}:"
                         f"${letter}${FIRST_DATA_ROW + len(values) - 1}")
        ws.column_dimensions[letter].width = 22
        ws.column_dimensions[get_column_letter(label_column)].width = 30
    ws.freeze_panes = "A3"
    return ranges


def write_fill_in_sheet(ws: Worksheet, spec: SheetSpec, frame: pd.DataFrame,
                        ranges: dict[str, str], columns: tuple[str, ...] | None = None) -> None:
    """One fill-in sheet: header rows, ``frame``'s rows, drop-downs, text format.

    ``columns``: the sheet's columns, ``spec.columns`` unless given (a draft's)."""
    columns = columns or spec.columns
    write_header(ws, spec.table, columns, headers=[_header(spec, c) for c in columns])
    for row, values in enumerate(frame[list(columns)].itertuples(index=False),
                                 start=FIRST_DATA_ROW):
        for column, value in enumerate(values, start=1):
            put(ws, row, column, value).number_format = TEXT_FORMAT
    last = FIRST_DATA_ROW + FILL_ROWS - 1
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        # Column-wide text format: what a steward types stays text (no dates, no formulas).
        ws.column_dimensions[letter].number_format = TEXT_FORMAT
        group = spec.field(column).enum
        if group:
            ws.add_data_validation(_drop_down(ranges[group], f"{letter}{FIRST_DATA_ROW}:"
                                                              f"{letter}{last}"))
    finish_sheet(ws, len(columns), len(frame))
    evidence = get_column_letter(columns.index(EVIDENCE) + 1)
    ws.column_dimensions[evidence].width = 60
    for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame)):
        ws[f"{evidence}{row}"].alignment = Alignment(wrap_text=True)


def _header(spec: SheetSpec, column: str) -> str:
    """Japanese column name; ＊ marks a column every new row must fill."""
    mark = "＊" if spec.field(column).required else ""
    return f"{label('data_column', column)}{mark}"


def _drop_down(source: str, cells: str) -> DataValidation:
    validation = DataValidation(
        type="list", formula1=source, allow_blank=True, showErrorMessage=True,
        errorTitle=label("workbook", "dropdown_error_title"),
        error=label("workbook", "dropdown_error"),
        promptTitle=label("workbook", "dropdown_prompt_title"),
        prompt=label("workbook", "dropdown_prompt"), showInputMessage=True)
    validation.add(cells)
    return validation
