"""``python -m analysis export --xlsx PATH``: every tidy table, the sources and the report's
comparison matrices (municipality × feature) in one workbook, for reading and filtering."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from analysis.compare.ages import age_band_coverage
from analysis.core.errors import UserError
from analysis.core.labels import label, labels
from analysis.dataset import schema
from analysis.dataset.scope import editions
from analysis.dataset.tables import load_dataset
from analysis.excel.layout import (
    FIRST_DATA_ROW,
    INSTRUCTIONS_SHEET,
    finish_sheet,
    put,
    write_header,
)
from analysis.excel.output import save_workbook, valid_data
from analysis.present.comparison import comparison_views

CODE = "municipality_code"
MARK = "○"
AGE_SYMBOLS = {"covered": "○", "partial": "△", "uncovered": "×", "no_data": "－"}


def _mark_any(values: pd.Series) -> str:
    return MARK if values.astype(bool).any() else ""


def _age_symbol(values: pd.Series) -> str:
    return AGE_SYMBOLS.get(str(values.iloc[0]), "")


def _count_distinct(values: pd.Series) -> int:
    return int(values.nunique())


def _total(values: pd.Series) -> int:
    return int(values.sum())


@dataclass(frozen=True)
class Matrix:
    """A report view pivoted to one row per municipality and one column per feature."""

    sheet: str
    view: str
    feature: str  # column of the view's frame holding the feature key
    group: str  # label group: column order and Japanese headers
    value: str  # column aggregated into a cell
    cell: Callable[[pd.Series], object]
    legend: str  # labels.csv key (group workbook) of the sheet's legend
    prepare: Callable[[pd.DataFrame], pd.DataFrame] = lambda frame: frame


MATRICES = (
    Matrix("matrix_channel_coverage", "channel_coverage", "channel", "channel", "offered",
           _mark_any, "legend_channel"),
    Matrix("matrix_national_menu_coverage", "national_menu_coverage", "national_menu",
           "national_menu", "runs", _mark_any, "legend_menu"),
    Matrix("matrix_age_band_coverage", "age_coverage", "band", "age_band", "status",
           _age_symbol, "legend_age",
           prepare=age_band_coverage),
    Matrix("matrix_network_body_composition", "network_body_composition", "member_type",
           "member_type", "entity_key", _count_distinct, "legend_composition"),
    Matrix("matrix_meeting_intensity", "meeting_intensity", "kind", "meeting_kind",
           "n_meetings", _total, "legend_meetings"),
)


def export_workbook(data_dir: Path, out: Path, edition: str) -> list[str]:
    """Write the workbook; return its sheet names."""
    data = valid_data(data_dir)
    dataset = load_dataset(data_dir)
    known = editions(dataset.sources)
    if edition not in known:
        raise UserError(f"--edition {edition!r}: not an edition of the sources "
                        f"(known: {', '.join(known)})")
    found = {v.name: v for v in comparison_views(dataset, edition, "ja")}
    workbook = Workbook()
    contents = workbook.active
    contents.title = INSTRUCTIONS_SHEET
    listed: list[tuple[str, str, str]] = []
    for table in (*schema.TIDY, schema.SOURCES):
        write_table(workbook.create_sheet(table.name), table, data[table.name])
        listed.append((table.name, table.title_ja, label("workbook", "table_rows").format(
            path=table.path, n=len(data[table.name]))))
    for matrix in MATRICES:
        view = found[matrix.view]
        write_matrix(workbook.create_sheet(matrix.sheet), matrix, view.table)
        legend = label("workbook", matrix.legend).format(mark=MARK)
        listed.append((matrix.sheet, view.title, label("workbook", "matrix_note").format(
            edition=edition, legend=legend)))
    write_contents(contents, data_dir, edition, listed)
    save_workbook(workbook, out)
    return workbook.sheetnames


def write_table(ws: Worksheet, table: schema.Table, frame: pd.DataFrame) -> None:
    """A table as stored: every cell is text, as in the CSV."""
    columns = list(table.columns)
    write_header(ws, table, columns)
    for row, values in enumerate(frame[columns].itertuples(index=False), start=FIRST_DATA_ROW):
        for column, value in enumerate(values, start=1):
            put(ws, row, column, value)
    finish_sheet(ws, len(columns), len(frame))


def matrix_frame(matrix: Matrix, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per municipality (code, name), one column per feature key."""
    frame = matrix.prepare(frame)
    if frame.empty:
        return pd.DataFrame(columns=[CODE, "name"])
    cells = (frame.groupby([CODE, "name", matrix.feature], sort=False)[matrix.value]
             .agg(matrix.cell).unstack(matrix.feature))
    order = [key for key in labels(matrix.group) if key in cells.columns]
    order += [key for key in cells.columns if key not in order]
    return cells[order].sort_index(level=0).reset_index()


def write_matrix(ws: Worksheet, matrix: Matrix, frame: pd.DataFrame) -> None:
    table = matrix_frame(matrix, frame)
    names = labels(matrix.group)
    headers = [label("data_column", CODE), label("data_column", "name")]
    headers += [names.get(str(key), str(key)) for key in table.columns[2:]]
    write_header(ws, None, [str(c) for c in table.columns], headers=headers)
    for row, values in enumerate(table.itertuples(index=False), start=FIRST_DATA_ROW):
        for column, value in enumerate(values, start=1):
            put(ws, row, column, "" if pd.isna(value) else value)
    finish_sheet(ws, len(table.columns), len(table), freeze="C3")


def write_contents(ws: Worksheet, data_dir: Path, edition: str,
                   listed: list[tuple[str, str, str]]) -> None:
    """The 説明 sheet: what each sheet holds and how the headers are laid out."""
    put(ws, 1, 1, label("workbook", "export_title")).font = Font(bold=True, size=14)
    put(ws, 2, 1, label("workbook", "export_data").format(data_dir=data_dir, edition=edition))
    put(ws, 3, 1, label("workbook", "export_layout"))
    headers = [label("workbook", key) for key in ("contents_sheet", "contents_what",
                                                   "contents_note")]
    for column, text in enumerate(headers, start=1):
        put(ws, 5, column, text).font = Font(bold=True)
    for row, values in enumerate(listed, start=6):
        for column, text in enumerate(values, start=1):
            put(ws, row, column, text)
    for letter, width in (("A", 34), ("B", 40), ("C", 70)):
        ws.column_dimensions[letter].width = width
