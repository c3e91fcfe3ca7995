"""Municipality codes, the reference tables, their registry and their regeneration."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.core.codes import check_digit, code_problem, with_check_digit
from analysis.core.paths import reference_dir
from analysis.dataset.reference import (
    SOURCES_COLUMNS,
    SOURCES_FILE,
    boundary_districts,
    build_municipalities,
    derive_reference,
    kind_of,
    romaji_of,
    romanise,
)
from analysis.dataset.tables import load_municipalities
from tests.conftest import run_cli

REF = reference_dir()


@pytest.mark.parametrize(("code5", "code6"), [("13104", "131041"), ("13113", "131130"),
                                              ("13203", "132039"), ("13361", "133612"),
                                              ("01100", "011002")])
def test_check_digit(code5: str, code6: str) -> None:
    assert with_check_digit(code5) == code6
    assert code_problem(code6) is None


SHAPE = "must be 6 digits (5-digit code plus check digit), written as text"


@pytest.mark.parametrize(("bad", "problem"), [
    ("131042", "check digit is 2, expected 1 (correct code: 131041)"),
    ("13104", SHAPE), ("1310411", SHAPE), ("13a041", SHAPE), ("", SHAPE),
    ("１３１０４１", SHAPE),  # full-width digits are not a code
])
def test_code_problem_names_what_is_wrong(bad: str, problem: str) -> None:
    assert code_problem(bad) == problem


def test_check_digit_agrees_with_the_national_code_list() -> None:
    codes = pd.read_csv(REF / "japan-municipality-codes.csv", dtype=str)["municipality_code"]
    assert all(int(c[5]) == check_digit(c[:5]) for c in codes)


def test_shipped_table_is_the_derivation_of_its_inputs() -> None:
    rebuilt = build_municipalities(REF / "japan-municipality-codes.csv",
                                   REF / "tokyo-municipalities-n03-2021.geojson")
    pd.testing.assert_frame_equal(load_municipalities(), rebuilt)


def test_all_62_tokyo_municipalities_match_the_boundaries() -> None:
    table = load_municipalities()
    assert len(table) == 62
    assert set(table["municipality_code"]) == set(boundary_districts(
        REF / "tokyo-municipalities-n03-2021.geojson"))
    assert table["kind"].value_counts().to_dict() == {
        "city": 26, "special_ward": 23, "village": 8, "town": 5}
    assert table["area"].value_counts().to_dict() == {"tama": 30, "ku": 23, "islands": 9}


def test_names_kinds_and_romaji() -> None:
    assert kind_of("武蔵野市") == "city" and kind_of("大島町") == "town"
    assert romaji_of("武蔵野市", "ムサシノシ") == "Musashino City"
    assert romaji_of("新宿区", "シンジュクク") == "Shinjuku City"
    assert romaji_of("檜原村", "ヒノハラムラ") == "Hinohara Village"
    assert romaji_of("南山城村", "ミナミヤマシロムラ") == "Minamiyamashiro Village"
    assert romaji_of("読谷村", "ヨミタンソン") == "Yomitan Village"  # 村 read ソン
    assert romaji_of("森町", "モリマチ") == romaji_of("森町", "モリチョウ") == "Mori Town"
    with pytest.raises(ValueError, match="区, 市, 町 or 村"):
        kind_of("東京都")
    with pytest.raises(ValueError, match="does not end in the reading of its suffix"):
        romaji_of("武蔵野市", "ムサシノ")


@pytest.mark.parametrize(("kana", "romaji"), [
    ("ハチオウジ", "Hachioji"), ("オオシマ", "Oshima"), ("チュウオウ", "Chuo"),
    ("フチュウ", "Fuchu"), ("ニイジマ", "Niijima"), ("コガネイ", "Koganei"),
    ("コウヅシマ", "Kozushima"), ("フッサ", "Fussa"), ("コクブンジ", "Kokubunji")])
def test_long_vowels_are_written_once(kana: str, romaji: str) -> None:
    """ou, oo and uu become one vowel; ii and ei stay, as the municipalities write them."""
    assert romanise(kana) == romaji


# The English names Tokyo's municipalities use for themselves, written out by hand: long
# vowels not doubled, no macrons; the special wards call themselves City.
ENGLISH_NAMES = {
    "131016": "Chiyoda City", "131024": "Chuo City", "131032": "Minato City",
    "131041": "Shinjuku City", "131059": "Bunkyo City", "131067": "Taito City",
    "131075": "Sumida City", "131083": "Koto City", "131091": "Shinagawa City",
    "131105": "Meguro City", "131113": "Ota City", "131121": "Setagaya City",
    "131130": "Shibuya City", "131148": "Nakano City", "131156": "Suginami City",
    "131164": "Toshima City", "131172": "Kita City", "131181": "Arakawa City",
    "131199": "Itabashi City", "131202": "Nerima City", "131211": "Adachi City",
    "131229": "Katsushika City", "131237": "Edogawa City",
    "132012": "Hachioji City", "132021": "Tachikawa City", "132039": "Musashino City",
    "132047": "Mitaka City", "132055": "Ome City", "132063": "Fuchu City",
    "132071": "Akishima City", "132080": "Chofu City", "132098": "Machida City",
    "132101": "Koganei City", "132110": "Kodaira City", "132128": "Hino City",
    "132136": "Higashimurayama City", "132144": "Kokubunji City", "132152": "Kunitachi City",
    "132187": "Fussa City", "132195": "Komae City", "132209": "Higashiyamato City",
    "132217": "Kiyose City", "132225": "Higashikurume City",
    "132233": "Musashimurayama City", "132241": "Tama City", "132250": "Inagi City",
    "132276": "Hamura City", "132284": "Akiruno City", "132292": "Nishitokyo City",
    "133035": "Mizuho Town", "133051": "Hinode Town", "133078": "Hinohara Village",
    "133086": "Okutama Town", "133612": "Oshima Town", "133621": "Toshima Village",
    "133639": "Niijima Village", "133647": "Kozushima Village", "133817": "Miyake Village",
    "133825": "Mikurajima Village", "134015": "Hachijo Town", "134023": "Aogashima Village",
    "134210": "Ogasawara Village",
}


def test_english_names_of_all_62_are_the_municipalities_own() -> None:
    shipped = load_municipalities().set_index("municipality_code")["name_romaji"].to_dict()
    assert len(ENGLISH_NAMES) == 62
    assert shipped == ENGLISH_NAMES


# --- regeneration (python -m analysis reference) ------------------------------------------

DERIVED = ("municipalities.csv", "population.csv")


def test_shipped_derived_files_equal_a_fresh_derivation_byte_for_byte() -> None:
    fresh = derive_reference(REF)
    assert sorted(fresh) == sorted(DERIVED)
    for name, data in fresh.items():
        assert (REF / name).read_bytes() == data, f"run: python -m analysis reference ({name})"


def _reference_copy(tmp_path: Path) -> Path:
    target = tmp_path / "reference"
    shutil.copytree(REF, target)
    return target


def test_reference_command_regenerates_the_shipped_files(tmp_path: Path) -> None:
    target = _reference_copy(tmp_path)
    for name in DERIVED:
        (target / name).write_text("stale\n", encoding="utf-8")
    result = run_cli("reference", "--dir", str(target), timeout=120)
    assert result.returncode == 0, result.stderr
    for name in (*DERIVED, SOURCES_FILE):
        assert (target / name).read_bytes() == (REF / name).read_bytes(), name
    assert not [p.name for p in target.iterdir() if p.name.endswith(".tmp")]


def test_reference_command_on_a_truncated_input_changes_nothing(tmp_path: Path) -> None:
    target = _reference_copy(tmp_path)
    census = target / "japan-population-census-2020.csv"
    lines = census.read_bytes().split(b"\n")
    census.write_bytes(b"\n".join(lines[:100]) + b"\n" + lines[100][:9])  # cut mid-line
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    result = run_cli("reference", "--dir", str(target), timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {census}:101: 2 fields instead of 5"), result.stderr
    assert "Traceback" not in result.stderr
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before


# --- the registry of reference files --------------------------------------------------------

def test_every_reference_file_is_registered_with_its_sha256() -> None:
    registry = pd.read_csv(REF / SOURCES_FILE, dtype=str, keep_default_na=False)
    assert tuple(registry.columns) == SOURCES_COLUMNS == (
        "file", "title", "publisher", "origin", "licence", "credit", "sha256")
    on_disk = {p.name for p in REF.iterdir() if p.is_file()} - {SOURCES_FILE}
    assert set(registry["file"]) == on_disk
    assert registry["file"].is_unique
    for row in registry.itertuples():
        assert all([row.title, row.publisher, row.origin, row.licence, row.credit]), row.file
        actual = hashlib.sha256((REF / row.file).read_bytes()).hexdigest()
        assert actual == row.sha256, f"{row.file}: sha256 {actual}, registered {row.sha256}"


@pytest.mark.parametrize(("file", "sha256"), [
    # as published in shared/reference/README.md: the copies are byte-for-byte unchanged
    ("tokyo-population-by-age-2026-01.csv",
     "34e32176caf31c06af896e953257e179fa5b824e77f8f3567a9e72fda9b23adf"),
    ("japan-population-census-2020.csv",
     "3570964fc1fd3dd6b17153007d4e3227da09f7ef32beab28d8bd6a2b930d2c17"),
    ("japan-municipality-codes.csv",
     "22bf79c6f6e3c708e44a78ccb6a407de3f7a03f97f53c5e4db688b8cf248851b"),
    ("tokyo-municipalities-n03-2021.geojson",
     "f86d5759f7e54cc88452a848abab151b300e56b584e31cf26fbef448024436e7")])
def test_raw_reference_inputs_are_the_published_bytes(file: str, sha256: str) -> None:
    assert hashlib.sha256((REF / file).read_bytes()).hexdigest() == sha256
