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
# The 説明 sheet's form: (Japanese label, key). The importer reads column B (key) and C.
META_FIELDS = (
    ("区市町村コード（変更しないでください）", "municipality_code"),
    ("区市町村名", "municipality_name"),
    ("提出の表題", "title"),
    ("提出者（発行者）", "publisher"),
    ("日付（YYYY-MM-DD。空欄なら根拠文書の最新の日付）", "date"),
    ("ひな形の版", "template_version"),
)
META_FIRST_ROW = 4

INSTRUCTIONS = (
    "記入のしかた",
    "1. 各シートには現在のデータがすでに入っています：services＝相談窓口・事業、"
    "channels＝相談チャネル、target_ages＝対象年齢、meetings＝会議・集まり、"
    "network_bodies＝会議体、network_body_members＝会議体の構成員、"
    "milestones＝出来事、collaborations＝自治体間の連携。",
    "2. 新しい事実は、そのシートの空いている行に書いてください。"
    "1行に1つの事実、1つのセルに1つの値です（チャネルが2つなら2行）。",
    "3. 新しい行・変更した行には必ず「根拠となる文」（evidence）と"
    "「根拠文書」（evidence_document）を書いてください。"
    "根拠となる文は、貴自治体が公開している文書（ウェブページ、チラシ、計画など）から、"
    "その事実を述べている文をそのまま写します。"
    "根拠文書には文書の表題と、URLまたは発行日を書きます。",
    "4. 「…の記載」の列（開始時期・年齢・頻度などの記載）には文書の言い回しをそのまま書き、"
    "その言い回しは根拠となる文の中に含まれている必要があります。"
    "年・月・年齢・回数などの数値は、その記載から読み取れる値です。"
    "違っていれば、取り込みのときに正しい値をお知らせします。",
    "5. 既存の行を書き換えると、この提出による新しい行として追加されます。"
    "元の行（ほかの出典の行）は変更も削除もされません。"
    "行を消してもデータからは消えません。変更のない行は何も追加しません。",
    "6. キー（entity_key）は「区市町村コード-英小文字の名前」です（例：132039-soreiyu）。"
    "新しい窓口・事業には新しいキーを付けてください。"
    "channels などの「窓口・事業のキー」には services シートのキーを書きます。",
    "7. 選択肢のある列はドロップダウンから選んでください。"
    "値の意味は「選択肢」シートにあります。",
    "8. 2行目の英語のキーとシート名は変えないでください。"
    "セルの結合、数式、日付形式のセルは使えません。"
    "日付や年齢は「令和6年4月1日」「18歳以上」のように文字で書いてください。",
    "9. 取り込み（データ担当者）：python -m analysis import このファイル --source-id ID "
    "で確認し、問題がなければ --apply を付けて取り込みます。",
)


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
    put(ws, 1, 1, f"ひきこもり支援データ 提出用ワークブック（{name}）").font = Font(bold=True,
                                                                                size=14)
    put(ws, 2, 1, "下の表の「提出の表題」「提出者」「日付」を確認・記入し、各シートに事実を"
                  "記入してください。")
    for column, text in enumerate(("項目", "キー", "値"), start=1):
        put(ws, META_FIRST_ROW - 1, column, text).font = Font(bold=True)
    values = {"municipality_code": code, "municipality_name": name,
              "title": f"{name} ひきこもり支援の取組（データ提供者による提出）",
              "publisher": name, "date": "", "template_version": TEMPLATE_VERSION}
    for row, (text, key) in enumerate(META_FIELDS, start=META_FIRST_ROW):
        put(ws, row, 1, text)
        put(ws, row, 2, key).font = Font(color="666666", size=9)
        put(ws, row, 3, values[key]).number_format = TEXT_FORMAT
    row = META_FIRST_ROW + len(META_FIELDS) + 1
    for offset, text in enumerate(INSTRUCTIONS):
        cell = put(ws, row + offset, 1, text)
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


def write_lists(ws: Worksheet) -> dict[str, str]:
    """The allowed values of every enum with their labels; return group → cell range."""
    ranges = {}
    for index, group in enumerate(_enum_groups()):
        key_column, label_column = 2 * index + 1, 2 * index + 2
        put(ws, 1, key_column, group).font = Font(bold=True)
        put(ws, 2, key_column, "値")
        put(ws, 2, label_column, "意味")
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
                        ranges: dict[str, str]) -> None:
    columns = spec.columns
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
        errorTitle="選択肢にない値", error="「選択肢」シートの値から選んでください。",
        promptTitle="選択", prompt="ドロップダウンから選んでください。", showInputMessage=True)
    validation.add(cells)
    return validation
