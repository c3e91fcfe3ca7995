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


def assert_rejected(data_dir: Path, *located: tuple[str, str]) -> str:
    """The command fails cleanly, and for each (location, message) one output line starts
    with the location (``file:row:column:``) and says the message."""
    result = run_cli("validate", str(data_dir))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    lines = output.splitlines()
    for location, message in located:
        assert any(line.startswith(location) and message in line for line in lines), (
            location, message, output[-3000:])
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
    rows = len(pd.read_csv(data_copy / "tidy/services.csv", dtype=str))
    assert_rejected(data_copy, (f"tidy/services.csv:{rows + 1}:service_id:",
                                "duplicate id (first used on row 2)"))


def test_dangling_reference(data_copy: Path) -> None:
    set_cell(data_copy / "tidy/channels.csv", 2, "service_id", "fy2024_main-131041-s99")
    assert_rejected(data_copy, ("tidy/channels.csv:2:service_id:", "not in tidy/services.csv"))


def test_entity_key_reused_across_municipalities(data_copy: Path) -> None:
    services = pd.read_csv(data_copy / "tidy/services.csv", dtype=str, keep_default_na=False)
    other = services.loc[services["municipality_code"] != services.loc[0, "municipality_code"]]
    set_cell(data_copy / "tidy/services.csv", 2, "entity_key", other.iloc[0]["entity_key"])
    assert_rejected(data_copy, ("tidy/services.csv:2:entity_key:", "does not belong"))


def test_quote_from_another_municipality(data_copy: Path) -> None:
    services = pd.read_csv(data_copy / "tidy/services.csv", dtype=str, keep_default_na=False)
    first = services.iloc[0]
    other = services.loc[(services["source_id"] == first["source_id"])
                         & (services["municipality_code"] != first["municipality_code"])]
    set_cell(data_copy / "tidy/services.csv", 2, "quote", other.iloc[0]["quote"])
    assert_rejected(data_copy, ("tidy/services.csv:2:quote:", "is not in the section of"))


def test_text_column_outside_quote(data_copy: Path) -> None:
    set_cell(data_copy / "tidy/target_ages.csv", 2, "age_text", "20歳以上")
    assert_rejected(data_copy, ("tidy/target_ages.csv:2:age_text:", "does not appear"))


def test_derived_value_disagrees(data_copy: Path) -> None:
    meetings = pd.read_csv(data_copy / "tidy/meetings.csv", dtype=str, keep_default_na=False)
    row = int(meetings.index[meetings["per_year"] != ""][0]) + 2
    set_cell(data_copy / "tidy/meetings.csv", row, "per_year", "7")
    assert_rejected(data_copy, (f"tidy/meetings.csv:{row}:per_year:", "differs from what"))


def test_missing_extra_and_misspelled_columns(data_copy: Path) -> None:
    edit_csv(data_copy / "tidy/channels.csv",
             lambda f: f.rename(columns={"channel": "chanel"}).assign(colour="red")
             .drop(columns=["note"]))
    assert_rejected(data_copy, ("tidy/channels.csv:1:chanel:", "rename it to 'channel'"),
                    ("tidy/channels.csv:1:colour:", "unknown column"),
                    ("tidy/channels.csv:1:note:", "required column is missing"))


@pytest.mark.parametrize(("content", "row", "message"), [
    (b"", 1, "the file is empty"),
    (b"%PDF-1.7\n\x00\x01binary", 0, "binary, not CSV"),
    (b"service_id,channel\n\xff\xfe\xfa\n", 0, "not valid UTF-8 or CP932"),
])
def test_unreadable_files(data_copy: Path, content: bytes, row: int, message: str) -> None:
    (data_copy / "tidy/channels.csv").write_bytes(content)
    assert_rejected(data_copy, (f"tidy/channels.csv:{row}::", message))


def test_huge_file_is_refused_before_reading(data_copy: Path) -> None:
    path = data_copy / "tidy/channels.csv"
    with path.open("ab") as handle:
        handle.write(b"x" * (10 * 1024 * 1024))
    assert_rejected(data_copy, ("tidy/channels.csv:0::", "(limit 5 MB a table)"))


def test_input_files_are_not_modified(data_copy: Path) -> None:
    set_cell(data_copy / "tidy/channels.csv", 2, "channel", "pigeon")
    before = {p: p.read_bytes() for p in data_copy.rglob("*") if p.is_file()}
    assert_rejected(data_copy, ("tidy/channels.csv:2:channel: 'pigeon'", "is not an allowed value"))
    assert before == {p: p.read_bytes() for p in data_copy.rglob("*") if p.is_file()}


def test_utf8_with_bom_and_crlf_are_accepted(data_copy: Path) -> None:
    for path in (data_copy / "tidy").glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        path.write_bytes(text.replace("\n", "\r\n").encode("utf-8-sig"))
    result = run_cli("validate", str(data_copy))
    assert result.returncode == 0, result.stdout[-2000:]


def lossy_cp932_cells(path: Path) -> set[tuple[str, int, str]]:
    """(file, spreadsheet row, column) of every cell holding a character CP932 lacks."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    file = path.relative_to(path.parents[1]).as_posix()
    lossy = set()
    for column in frame.columns:
        for index, value in frame[column].items():
            if value.encode("cp932", errors="replace").decode("cp932") != value:
                lossy.add((file, index + 2, column))
    return lossy


def test_every_table_saved_as_cp932_by_excel(data_copy: Path) -> None:
    """Every tidy table saved as Excel saves "CSV (Shift-JIS)": CP932, CRLF, and "?" for
    each character CP932 cannot hold. The tables are read; exactly the cells that lost a
    character are refused, each at its file, row and column."""
    lossy: set[tuple[str, int, str]] = set()
    tables = sorted((data_copy / "tidy").glob("*.csv"))
    for path in tables:
        lossy |= lossy_cp932_cells(path)
        text = path.read_text(encoding="utf-8").replace("\n", "\r\n")
        path.write_bytes(text.encode("cp932", errors="replace"))
    assert len(tables) == 10  # every tidy table, none skipped
    # The shipped data: 27 cells in 6 tables (☎ ✉ in channel quotes, Kangxi-radical kanji
    # such as ⽀ in diagram quotes, en and em dashes in notes).
    assert len(lossy) == 27
    assert {file for file, _, _ in lossy} == {
        "tidy/channels.csv", "tidy/meeting_bodies.csv", "tidy/meetings.csv",
        "tidy/milestones.csv", "tidy/network_bodies.csv", "tidy/services.csv"}
    _, problems = validate(data_copy)
    lost = {(p.file, p.row, p.column) for p in problems
            if p.message.startswith("contains '?' in a file saved as CP932")}
    assert lost == lossy
    # nothing else is refused: the other problems are the same cells' quotes, which no
    # longer match their source
    assert {(p.file, p.row) for p in problems} == {(file, row) for file, row, _ in lossy}


def test_not_a_directory() -> None:
    result = run_cli("validate", "no/such/dir")
    assert result.returncode == 2 and "not a directory" in result.stderr


# ------------------------------------------------------------------ issue 15 semantics ---

NEW_ENUM_CASES = [
    ("tidy/channels.csv", "purpose", "advert"),
    ("tidy/target_ages.csv", "age_kind", "sometimes"),
    ("tidy/meetings.csv", "occurrence", "once"),
    ("tidy/stated_counts.csv", "subject", "cats"),
    ("tidy/stated_counts.csv", "as_of", "yesterday"),
]


@pytest.mark.parametrize(("file", "column", "value"), NEW_ENUM_CASES,
                         ids=[f"{c[1]}={c[2]!r}" for c in NEW_ENUM_CASES])
def test_new_enum_columns_are_enforced(data_copy: Path, file: str, column: str,
                                       value: str) -> None:
    set_cell(data_copy / file, 2, column, value)
    found = [p for p in problems_of(data_copy) if p.startswith(f"{file}:2:{column}:")]
    assert any("is not an allowed value" in p for p in found), found


def row_of(path: Path, **equal: str) -> int:
    """Spreadsheet row number of the first row with these values."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    mask = pd.Series(True, index=frame.index)
    for column, value in equal.items():
        mask &= frame[column] == value
    return int(frame.index[mask][0]) + 2


def test_age_kind_is_derived_from_age_text(data_copy: Path) -> None:
    # 狛江市 タルトタタン: 「主に 10代～ 20代」 is a main group, not a limit
    path = data_copy / "tidy/target_ages.csv"
    row = row_of(path, service_id="fy2024_main-132195-s07")
    set_cell(path, row, "age_kind", "limit")
    assert_rejected(data_copy, (f"tidy/target_ages.csv:{row}:age_kind:",
                                "differs from what age_text '主に 10代～ 20代' gives (main_group)"))


def test_a_qualifier_outside_age_text_is_not_read(data_copy: Path) -> None:
    # the phrase without 「についても」 is a limit: age_kind must then say limit
    path = data_copy / "tidy/target_ages.csv"
    row = row_of(path, service_id="fy2024_main-132080-s01")
    set_cell(path, row, "age_text", "４０代以上")
    assert_rejected(data_copy, (f"tidy/target_ages.csv:{row}:age_kind:", "(limit)"))


def test_stated_count_is_derived_from_count_text(data_copy: Path) -> None:
    path = data_copy / "tidy/stated_counts.csv"
    row = row_of(path, count_id="fy2024_main-132012-n01")  # はちまるサポート 13か所
    set_cell(path, row, "count", "11")
    assert_rejected(data_copy, (f"tidy/stated_counts.csv:{row}:count:", "differs from what"))


def test_stated_count_names_a_recorded_thing(data_copy: Path) -> None:
    path = data_copy / "tidy/stated_counts.csv"
    set_cell(path, 2, "entity_key", "131059-no-such-programme")
    assert_rejected(data_copy, ("tidy/stated_counts.csv:2:entity_key:",
                                "names no service, meeting, network body or milestone"))
    set_cell(path, 2, "entity_key", "132039-soreiyu")  # 武蔵野市's, on a 文京区 row
    assert_rejected(data_copy, ("tidy/stated_counts.csv:2:entity_key:",
                                "belongs to municipality 132039"))


def test_a_single_event_has_no_frequency(data_copy: Path) -> None:
    path = data_copy / "tidy/meetings.csv"
    row = row_of(path, meeting_id="fy2024_main-132128-m03")  # 日野市 seminar, 年に2回
    set_cell(path, row, "occurrence", "single_event")
    assert_rejected(data_copy, (f"tidy/meetings.csv:{row}:occurrence:",
                                "a single event has no frequency"))


def test_note_that_denies_a_recorded_age_is_refused(data_copy: Path) -> None:
    # 八王子市 はちまるサポート FY2022: the note once said no age was recorded while the
    # target-age row 「全年齢を対象」 existed
    path = data_copy / "tidy/services.csv"
    row = row_of(path, service_id="fy2022_part2-132012-s01")
    set_cell(path, row, "note", "属性や世代、相談内容に関わらず相談を受け止める"
             "（年齢の数値記載がないため target_ages には記録せず）。")
    assert_rejected(data_copy, (f"tidy/services.csv:{row}:note:",
                                "says no age is stated, but tidy/target_ages.csv has a row"))


def test_note_that_denies_a_recorded_frequency_is_refused(data_copy: Path) -> None:
    path = data_copy / "tidy/meetings.csv"
    row = row_of(path, meeting_id="fy2022_part2-132098-m02")  # マンボウ, 毎週
    set_cell(path, row, "note", "Frequency not stated.")
    assert_rejected(data_copy, (f"tidy/meetings.csv:{row}:note:",
                                "says no frequency is stated, but frequency_text is filled"))


def test_note_that_denies_nothing_recorded_is_accepted(data_copy: Path) -> None:
    path = data_copy / "tidy/meetings.csv"
    row = row_of(path, meeting_id="fy2024_main-132098-m02")  # FY2024: no frequency
    set_cell(path, row, "note", "Frequency not stated (FY2022: 毎週).")
    assert problems_of(data_copy) == []
