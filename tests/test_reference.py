"""Municipality codes and the reference table."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.core.codes import check_digit, code_problem, with_check_digit
from analysis.core.paths import reference_dir
from analysis.dataset.reference import boundary_districts, build_municipalities, kind_of, romaji_of
from analysis.dataset.tables import load_municipalities

REF = reference_dir()


@pytest.mark.parametrize(("code5", "code6"), [("13104", "131041"), ("13113", "131130"),
                                              ("13203", "132039"), ("13361", "133612"),
                                              ("01100", "011002")])
def test_check_digit(code5: str, code6: str) -> None:
    assert with_check_digit(code5) == code6
    assert code_problem(code6) is None


@pytest.mark.parametrize("bad", ["131042", "13104", "1310411", "13a041", "", "１３１０４１"])
def test_code_problem_names_what_is_wrong(bad: str) -> None:
    assert code_problem(bad)


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
    assert romaji_of("武蔵野市", "ムサシノシ") == "Musashino-shi"
    assert romaji_of("新宿区", "シンジュクク") == "Shinjuku-ku"
    with pytest.raises(ValueError, match="区, 市, 町 or 村"):
        kind_of("東京都")
