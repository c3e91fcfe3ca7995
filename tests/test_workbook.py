"""Excel workbooks: ``export`` → ``template`` → ``import``. Every test works on a copy of
data/; broken workbooks give located errors and write nothing."""

from __future__ import annotations

import datetime
import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.workbook.workbook import Workbook

from analysis.cli import main
from analysis.dataset import schema
from analysis.dataset.validate import validate
from analysis.excel.export import MATRICES, export_workbook
from analysis.excel.layout import (
    EVIDENCE,
    EVIDENCE_DOCUMENT,
    INSTRUCTIONS_SHEET,
    TEMPLATE_SHEETS,
    put,
)
from analysis.excel.reader import cell_text
from analysis.excel.submit import append_rows
from analysis.excel.template import make_template
from tests.conftest import ROOT, run_cli, tree_digest

DATA = ROOT / "data"
CODE = "132039"  # 武蔵野市: facts from three sources


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("curation"))
    return target


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 武蔵野市 template of the shipped data, made once (tests copy it)."""
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    make_template(DATA, CODE, path)
    return path


def keys(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, int]:
    return {cell.value: cell.column for cell in ws[2] if cell.value}


def add_row(workbook: Workbook, sheet: str, values: dict[str, object]) -> int:
    """Write a new row below the last one, as a steward would; return its row number."""
    ws = workbook[sheet]
    row = ws.max_row + 1
    columns = keys(ws)
    for key, value in values.items():
        ws.cell(row=row, column=columns[key], value=value)
    return row


def at(workbook: Workbook, sheet: str, row: int, key: str) -> str:
    """How a problem of one cell is located: sheet!cell [column key]:"""
    coordinate = workbook[sheet].cell(row=row, column=keys(workbook[sheet])[key]).coordinate
    return f"{sheet}!{coordinate} [{key}]:"


NEW_SERVICE = {
    "entity_key": "132039-steward-cafe", "name": "ひきこもりカフェ", "category": "drop_in",
    "national_menu": "ibasho", "operator_type": "direct", "established_text": "令和7年4月",
    "established_year": "2025", "established_month": "4",
    EVIDENCE: "令和7年4月から、市役所でひきこもりカフェを月1回開いています。",
    EVIDENCE_DOCUMENT: "武蔵野市報 2025年4月1日号 https://www.city.musashino.lg.jp/",
}
NEW_CHANNEL = {
    "service_key": "132039-steward-cafe", "channel": "line", "purpose": "application",
    EVIDENCE: "ひきこもりカフェへの参加の申し込みはLINEでも受け付けています。",
    EVIDENCE_DOCUMENT: "ひきこもりカフェ案内チラシ（2025年3月）",
}

NEW_MEETING = {
    "entity_key": "132039-steward-cafe-mtg", "name": "ひきこもりカフェ", "kind": "drop_in",
    "occurrence": "recurring", "service_key": "132039-steward-cafe", "frequency_text": "月1回",
    "regular": "true", "per_year": "12", "approximate": "false", EVIDENCE: NEW_SERVICE[EVIDENCE],
    EVIDENCE_DOCUMENT: NEW_SERVICE[EVIDENCE_DOCUMENT],
}


# ---------------------------------------------------------------- export ----------------

def test_export_has_every_table_and_matrix_and_no_formula(data_copy: Path,
                                                          tmp_path: Path) -> None:
    notes = ["=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)"]
    services = data_copy / "tidy" / "services.csv"
    frame = pd.read_csv(services, dtype=str, keep_default_na=False)
    frame.loc[: len(notes) - 1, "note"] = notes  # free text: the validator accepts it
    frame.to_csv(services, index=False, lineterminator="\n")
    assert validate(data_copy)[1] == []
    out = tmp_path / "all.xlsx"
    export_workbook(data_copy, out, "fy2024")

    workbook = openpyxl.load_workbook(out)
    expected = [t.name for t in (*schema.TIDY, schema.SOURCES)] + [m.sheet for m in MATRICES]
    assert workbook.sheetnames == [INSTRUCTIONS_SHEET, *expected]
    for table in (*schema.TIDY, schema.SOURCES):
        ws = workbook[table.name]
        assert [c.value for c in ws[2]] == list(table.columns)  # English keys in row 2
        assert ws.cell(row=1, column=1).value != ws.cell(row=2, column=1).value  # Japanese
        assert ws.freeze_panes == "A3" and ws.auto_filter.ref.startswith("A2:")
    channels = workbook["matrix_channel_coverage"]
    assert [c.value for c in channels[2]][:3] == ["municipality_code", "name", "phone"]
    assert channels["C1"].value == "電話"
    formulas = [f"{ws.title}!{c.coordinate}" for ws in workbook for row in ws.iter_rows()
                for c in row if c.data_type == "f"]
    assert formulas == []
    texts = {c.value for row in workbook["services"].iter_rows() for c in row}
    assert {"'" + note for note in notes} <= texts  # neutralized as in the CSV exports


# ---------------------------------------------------------------- template --------------

def test_template_has_sheets_drop_downs_and_evidence_columns(template: Path) -> None:
    workbook = openpyxl.load_workbook(template)
    assert workbook.sheetnames[0] == INSTRUCTIONS_SHEET
    assert [s.name for s in TEMPLATE_SHEETS] == workbook.sheetnames[1:-1]
    instructions = [c.value for row in workbook[INSTRUCTIONS_SHEET].iter_rows() for c in row]
    assert CODE in instructions and any("根拠となる文" in str(v) for v in instructions)
    for spec in TEMPLATE_SHEETS:
        ws = workbook[spec.name]
        columns = keys(ws)
        assert {EVIDENCE, EVIDENCE_DOCUMENT} <= set(columns)
        validated = {str(v.sqref).split(":")[0].rstrip("0123456789")
                     for v in ws.data_validations.dataValidation}
        for column in spec.facts:
            if spec.field(column).enum:
                letter = openpyxl.utils.get_column_letter(columns[column])
                assert letter in validated, (spec.name, column)
    services = workbook["services"]
    prefilled = [services.cell(row=r, column=1).value for r in range(3, services.max_row + 1)]
    assert "132039-soreiyu" in prefilled and len(prefilled) == len(set(prefilled))


# ---------------------------------------------------------------- import ----------------

def test_export_template_import_unchanged_adds_nothing(
        data_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_digest(data_copy)
    data = ["--data", str(data_copy)]
    assert main(["export", "--xlsx", str(tmp_path / "all.xlsx"), *data]) == 0
    assert main(["template", CODE, "--out", str(tmp_path / "t.xlsx"), *data]) == 0
    assert main(["import", str(tmp_path / "t.xlsx"), "--source-id", "musashino_steward",
                 *data, "--apply"]) == 0
    assert "no change" in capsys.readouterr().out
    assert tree_digest(data_copy) == before


def test_filled_template_round_trips(data_copy: Path, template: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    workbook = openpyxl.load_workbook(template)
    service_row = add_row(workbook, "services", NEW_SERVICE)
    add_row(workbook, "channels", NEW_CHANNEL)
    add_row(workbook, "meetings", NEW_MEETING)
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    originals = {p: p.read_bytes() for p in (data_copy / "tidy").glob("*.csv")}
    before = tree_digest(data_copy)

    args = ["import", str(filled), "--source-id", "musashino_steward_2025",
            "--data", str(data_copy)]
    assert main(args) == 0
    dry_run = capsys.readouterr().out
    assert "musashino_steward_2025-132039-s01" in dry_run and "(sheet services, row " \
        f"{service_row})" in dry_run and "channel: line" in dry_run
    assert tree_digest(data_copy) == before  # a dry run writes nothing

    assert main([*args, "--apply"]) == 0
    data, problems = validate(data_copy)
    assert problems == []
    source = data["sources"].set_index("source_id").loc["musashino_steward_2025"]
    archive = data_copy / "raw" / source["file"]
    assert source["file"] == "submissions/musashino_steward_2025.xlsx"
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == source["sha256"]
    assert archive.read_bytes() == filled.read_bytes()
    assert (source["kind"], source["municipality_code"]) == ("steward_submission", CODE)
    assert source["date"] == "2025-04-01"
    services = data["services"].set_index("service_id")
    assert services.loc["musashino_steward_2025-132039-s01", "quote"] == NEW_SERVICE[EVIDENCE]
    channels = data["channels"]
    assert ((channels["service_id"] == "musashino_steward_2025-132039-s01")
            & (channels["channel"] == "line")).sum() == 1
    meeting = data["meetings"].set_index("meeting_id").loc["musashino_steward_2025-132039-m01"]
    assert (meeting["service_id"], meeting["per_year"]) == (
        "musashino_steward_2025-132039-s01", "12")
    for path, content in originals.items():  # other sources' rows: unchanged, in place
        assert path.read_bytes().startswith(content)

    # The rebuilt profile shows the new facts with their evidence as the quote.
    out = tmp_path / "reports"
    built = run_cli("build", "--data", str(data_copy), "--out", str(out), "--municipality",
                    CODE, "--only", "profile", "--quiet")
    assert built.returncode == 0, built.stderr[-2000:]
    profile = (out / f"fy2024-{CODE}-only_profile" / "profiles" / f"{CODE}.html").read_text(
        encoding="utf-8")
    assert NEW_SERVICE["name"] in profile
    assert NEW_SERVICE[EVIDENCE] in profile and "musashino_steward_2025-132039-s01" in profile

    # The submission is now known: importing the same workbook again adds nothing.
    assert main(["import", str(filled), "--source-id", "again", "--data",
                 str(data_copy)]) == 0
    assert "no change" in capsys.readouterr().out

    # The quote check of a submission reads the archived workbook's evidence cells.
    services_csv = data_copy / "tidy" / "services.csv"
    services_csv.write_text(services_csv.read_text(encoding="utf-8").replace(
        NEW_SERVICE[EVIDENCE], "令和7年4月から、毎週ひきこもりカフェを開いています。"),
        encoding="utf-8")
    assert any("is not verbatim in source musashino_steward_2025" in p.message
               for p in validate(data_copy)[1])


def test_changed_prefilled_row_is_a_new_row(data_copy: Path, template: Path,
                                            tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    workbook = openpyxl.load_workbook(template)
    ws = workbook["services"]
    columns = keys(ws)
    row = next(r for r in range(3, ws.max_row + 1)
               if ws.cell(row=r, column=1).value == "132039-soreiyu-futsal")
    old_id = ws.cell(row=row, column=columns["prefilled_from"]).value
    ws.cell(row=row, column=columns["name"], value="フットサル教室")
    ws.cell(row=row, column=columns[EVIDENCE], value="それいゆでは、フットサル教室を開いています。")
    ws.cell(row=row, column=columns[EVIDENCE_DOCUMENT], value="それいゆ案内 2025-05")
    workbook.save(tmp_path / "changed.xlsx")
    assert main(["import", str(tmp_path / "changed.xlsx"), "--source-id", "changed",
                 "--data", str(data_copy), "--apply"]) == 0
    assert f"a new statement of {old_id}" in capsys.readouterr().out
    services = validate(data_copy)[0]["services"].set_index("service_id")
    assert services.loc[old_id, "name"] == "フットサル"  # the other source's row stays
    assert services.loc["changed-132039-s01", "name"] == "フットサル教室"


def _rename_sheet(workbook: Workbook) -> str:
    workbook["channels"].title = "channel"
    return "channel:"


def _drop_column(workbook: Workbook) -> str:
    workbook["channels"].delete_cols(keys(workbook["channels"])["channel"])
    return "channels row 2 [channel]:"


def _bad_enum(workbook: Workbook) -> str:
    row = add_row(workbook, "channels", {**NEW_CHANNEL, "service_key": "132039-soreiyu",
                                         "channel": "phne"})
    return at(workbook, "channels", row, "channel")


def _bad_code(workbook: Workbook) -> str:
    row = add_row(workbook, "collaborations", {
        "partner_code": "131017", "partner_text": "千代田区", "activity": "講演会の相互利用",
        EVIDENCE: "千代田区と講演会を相互に利用しています。", EVIDENCE_DOCUMENT: "市HP 2025-01"})
    return at(workbook, "collaborations", row, "partner_code")


def _formula(workbook: Workbook) -> str:
    row = add_row(workbook, "services", {**NEW_SERVICE, "name": "=A3"})
    return at(workbook, "services", row, "name")


def _merged(workbook: Workbook) -> str:
    row = add_row(workbook, "services", NEW_SERVICE)
    ws = workbook["services"]
    ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=3)
    return f"services!B{row} [name]:"


def _excel_date(workbook: Workbook) -> str:
    row = add_row(workbook, "services", {**NEW_SERVICE,
                                         "established_text": datetime.date(2025, 4, 1)})
    return at(workbook, "services", row, "established_text")


def _no_evidence(workbook: Workbook) -> str:
    row = add_row(workbook, "channels", {**NEW_CHANNEL, "service_key": "132039-soreiyu",
                                         "channel": "sns", EVIDENCE: None})
    return at(workbook, "channels", row, EVIDENCE)


def _unknown_key(workbook: Workbook) -> str:
    row = add_row(workbook, "channels", {**NEW_CHANNEL, "service_key": "132039-nothing"})
    return at(workbook, "channels", row, "service_key")


def _text_not_in_evidence(workbook: Workbook) -> str:
    row = add_row(workbook, "services", {**NEW_SERVICE, "established_text": "令和7年5月",
                                         "established_month": "5"})
    return at(workbook, "services", row, "established_text")


BROKEN: dict[str, tuple[Callable[[Workbook], str], str]] = {
    "wrong sheet name": (_rename_sheet, "unknown sheet (rename it to 'channels')"),
    "missing column": (_drop_column, "column is missing"),
    "bad enum": (_bad_enum, "is not an allowed value"),
    "bad code": (_bad_code, "check digit is 7, expected 6"),
    "formula": (_formula, "is a formula"),
    "merged cells": (_merged, "are merged"),
    "excel date": (_excel_date, "is an Excel date or time, but text is expected"),
    "missing evidence": (_no_evidence, "is empty: a new or changed row needs"),
    "unknown key": (_unknown_key, "no row of sheet services has this key"),
    "text not in evidence": (_text_not_in_evidence, "does not appear in the row's evidence"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_workbook_gives_located_errors_and_writes_nothing(
        case: str, data_copy: Path, template: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    break_it, message = BROKEN[case]
    workbook = openpyxl.load_workbook(template)
    add_row(workbook, "channels", {**NEW_CHANNEL, "service_key": "132039-soreiyu"})  # a good row
    location = break_it(workbook)
    path = tmp_path / "broken.xlsx"
    workbook.save(path)
    before = tree_digest(data_copy)
    code = main(["import", str(path), "--source-id", "broken", "--data", str(data_copy),
                 "--apply"])
    output = capsys.readouterr()
    assert code == 1
    assert tree_digest(data_copy) == before
    lines = [line for line in output.out.splitlines() if line.startswith(location)]
    assert any(message in line for line in lines), (location, output.out)
    assert "nothing was written" in output.err


def test_text_cells_round_trip_and_never_become_formulas(tmp_path: Path) -> None:
    workbook = Workbook()
    values = ["=1+1", "-3", "+81 422", "@home", "'quoted", "普通の文"]
    for row, value in enumerate(values, start=1):
        put(workbook.active, row, 1, value)
    workbook.save(tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert all(ws.cell(row=r, column=1).data_type == "s" for r in range(1, len(values) + 1))
    assert [cell_text(ws.cell(row=r, column=1)) for r in range(1, len(values) + 1)] == values


def test_append_rows_keeps_the_file_and_its_line_endings() -> None:
    content = b"a,b\r\n1,\"x,y\"\r\n"
    added = append_rows(content, [{"b": "=2", "a": "z\"q"}], "t.csv")
    assert added == content + b"\"z\"\"q\",=2\r\n"


@pytest.mark.parametrize(("args", "message"), [
    (["import", "{t}", "--source-id", "../evil"], "contains a path separator or '..'"),
    (["import", "{t}", "--source-id", "fy2024_main"], "already registered"),
    (["template", CODE, "--out", "../t.xlsx"], "--out ../t.xlsx: '..' is not allowed"),
    (["template", "131017", "--out", "t.xlsx"], "check digit"),
    (["import", "{bad}", "--source-id", "new_one"], "not a readable Excel workbook"),
])
def test_cli_errors_exit_non_zero_without_traceback(args: list[str], message: str,
                                                   data_copy: Path, template: Path,
                                                   tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    before = tree_digest(data_copy)
    argv = [a.format(t=template, bad=bad) for a in args] + ["--data", str(data_copy)]
    result = run_cli(*argv, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert tree_digest(data_copy) == before
