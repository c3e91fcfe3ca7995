"""`python -m analysis validate` on broken copies of the shipped data: every kind of error
is caught, located (file:row:column), explained, and exits 1 without a traceback."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from analysis.dataset.validate import validate
from tests.conftest import ROOT, run_cli

DATA = ROOT / "data"


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data directory."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("curation"))
    return target


def edit_csv(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame).to_csv(path, index=False, lineterminator="\n")


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set a cell by spreadsheet row number (header = 1)."""
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row - 2, column] = value
        return frame
    edit_csv(path, change)


def problems_of(data_dir: Path) -> list[str]:
    _, problems = validate(data_dir)
    return [str(p) for p in problems]


def test_shipped_data_is_valid() -> None:
    result = run_cli("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("valid:")


def assert_rejected(data_dir: Path, *fragments: str) -> str:
    result = run_cli("validate", str(data_dir))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    for fragment in fragments:
        assert fragment in output, (fragment, output)
    return output


CELL_CASES = [
    ("tidy/target_ages.csv", "age_min", "fifteen", "must be a whole number"),
    ("tidy/meetings.csv", "per_year", "-4", "out of range"),
    ("tidy/meetings.csv", "per_year", "5000", "out of range"),
    ("tidy/channels.csv", "channel", "pigeon", "is not an allowed value"),
    ("tidy/services.csv", "municipality_code", "999999", "check digit is 9, expected 7"),
    ("tidy/services.csv", "municipality_code", "13203", "is not well formed"),
    ("tidy/services.csv", "service_id", "../../etc/passwd", "is not well formed"),
    ("tidy/services.csv", "name", "", "is empty but required"),
    ("tidy/services.csv", "quote", "この文は出典にありません。まったく。",
     "is not verbatim in source"),
]


@pytest.mark.parametrize(("file", "column", "value", "message"), CELL_CASES,
                         ids=[f"{c[1]}={c[2]!r}" for c in CELL_CASES])
def test_bad_cell_is_located(data_copy: Path, file: str, column: str, value: str,
                             message: str) -> None:
    set_cell(data_copy / file, 2, column, value)
    found = [p for p in problems_of(data_copy) if p.startswith(f"{file}:2:{column}:")]
    assert any(message in p for p in found), problems_of(data_copy)[:10]


def test_unknown_municipality_code(data_copy: Path) -> None:
    set_cell(data_copy / "tidy/channels.csv", 2, "municipality_code", "131016")  # 千代田区
    problems = problems_of(data_copy)
    assert any("tidy/channels.csv:2:quote:" in p and "not in the section of 千代田区" in p
               for p in problems), problems[:5]


def test_code_not_in_reference(data_copy: Path) -> None:
    set_cell(data_copy / "tidy/services.csv", 2, "municipality_code", "011002")  # 札幌市
    assert any("tidy/services.csv:2:municipality_code:" in p and "not in" in p
               for p in problems_of(data_copy))


def test_age_min_above_age_max(data_copy: Path) -> None:
    ages = pd.read_csv(data_copy / "tidy/target_ages.csv", dtype=str, keep_default_na=False)
    row = int(ages.index[(ages["age_min"] != "") & (ages["age_max"] != "")][0]) + 2
    set_cell(data_copy / "tidy/target_ages.csv", row, "age_min", "90")
    assert any(f"tidy/target_ages.csv:{row}:age_min:" in p and "greater than age_max" in p
               for p in problems_of(data_copy))


def test_duplicate_ids(data_copy: Path) -> None:
    edit_csv(data_copy / "tidy/services.csv", lambda f: pd.concat([f, f.iloc[[0]]]))
    assert_rejected(data_copy, "duplicate id (first used on row 2)")


def test_dangling_reference(data_copy: Path) -> None:
    set_cell(data_copy / "tidy/channels.csv", 2, "service_id", "fy2024_main-131041-s99")
    assert_rejected(data_copy, "tidy/channels.csv:2:service_id:", "not in tidy/services.csv")


def test_entity_key_reused_across_municipalities(data_copy: Path) -> None:
    services = pd.read_csv(data_copy / "tidy/services.csv", dtype=str, keep_default_na=False)
    other = services.loc[services["municipality_code"] != services.loc[0, "municipality_code"]]
    set_cell(data_copy / "tidy/services.csv", 2, "entity_key", other.iloc[0]["entity_key"])
    assert_rejected(data_copy, "tidy/services.csv:2:entity_key:", "does not belong")


def test_quote_from_another_municipality(data_copy: Path) -> None:
    services = pd.read_csv(data_copy / "tidy/services.csv", dtype=str, keep_default_na=False)
    first = services.iloc[0]
    other = services.loc[(services["source_id"] == first["source_id"])
                         & (services["municipality_code"] != first["municipality_code"])]
    set_cell(data_copy / "tidy/services.csv", 2, "quote", other.iloc[0]["quote"])
    assert_rejected(data_copy, "tidy/services.csv:2:quote:", "is not in the section of")


def test_text_column_outside_quote(data_copy: Path) -> None:
    set_cell(data_copy / "tidy/target_ages.csv", 2, "age_text", "20歳以上")
    assert_rejected(data_copy, "tidy/target_ages.csv:2:age_text:", "does not appear")


def test_derived_value_disagrees(data_copy: Path) -> None:
    meetings = pd.read_csv(data_copy / "tidy/meetings.csv", dtype=str, keep_default_na=False)
    row = int(meetings.index[meetings["per_year"] != ""][0]) + 2
    set_cell(data_copy / "tidy/meetings.csv", row, "per_year", "7")
    assert_rejected(data_copy, f"tidy/meetings.csv:{row}:per_year:", "differs from what")


def test_missing_extra_and_misspelled_columns(data_copy: Path) -> None:
    edit_csv(data_copy / "tidy/channels.csv",
             lambda f: f.rename(columns={"channel": "chanel"}).assign(colour="red")
             .drop(columns=["note"]))
    assert_rejected(data_copy, "tidy/channels.csv:1:chanel:", "rename it to 'channel'",
                    "tidy/channels.csv:1:colour:", "unknown column",
                    "tidy/channels.csv:1:note:", "required column is missing")


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"%PDF-1.7\n\x00\x01binary", "binary, not CSV"),
    (b"service_id,channel\n\xff\xfe\xfa\n", "not valid UTF-8 or CP932"),
])
def test_unreadable_files(data_copy: Path, content: bytes, message: str) -> None:
    (data_copy / "tidy/channels.csv").write_bytes(content)
    assert_rejected(data_copy, "tidy/channels.csv:", message)


def test_huge_file_is_refused_before_reading(data_copy: Path) -> None:
    path = data_copy / "tidy/channels.csv"
    with path.open("ab") as handle:
        handle.write(b"x" * (10 * 1024 * 1024))
    assert_rejected(data_copy, "tidy/channels.csv:0:", "(limit 5 MB a table)")


def test_input_files_are_not_modified(data_copy: Path) -> None:
    set_cell(data_copy / "tidy/channels.csv", 2, "channel", "pigeon")
    before = {p: p.read_bytes() for p in data_copy.rglob("*") if p.is_file()}
    assert_rejected(data_copy, "pigeon")
    assert before == {p: p.read_bytes() for p in data_copy.rglob("*") if p.is_file()}


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig"])
def test_excel_encodings_and_crlf_are_accepted(data_copy: Path, encoding: str) -> None:
    for path in (data_copy / "tidy").glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        try:
            data = text.replace("\n", "\r\n").encode(encoding)
        except UnicodeEncodeError:
            continue  # a character CP932 cannot hold: that file stays UTF-8
        path.write_bytes(data)
    result = run_cli("validate", str(data_copy))
    assert result.returncode == 0, result.stdout[-2000:]


def test_not_a_directory() -> None:
    result = run_cli("validate", "no/such/dir")
    assert result.returncode == 2 and "not a directory" in result.stderr
