"""Population reference data: the derivation from the raw files, the census for any code,
the estimated need, the size bands and the nearest peers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.core.codes import with_check_digit
from analysis.core.labels import label, labels
from analysis.core.paths import reference_dir
from analysis.dataset.population import (
    CENSUS_FILE,
    SIZE_BANDS,
    TOKYO_POPULATION_FILE,
    PopulationFileError,
    census_2020_population,
    displayed_estimate,
    estimate_text,
    estimated_hikikomori,
    nearest_by_population,
    read_census_2020,
    read_tokyo_rows,
    size_band,
    tokyo_population,
)
from analysis.dataset.tables import load_municipalities, load_population

REF = reference_dir()
TOKYO = REF / TOKYO_POPULATION_FILE
CENSUS = REF / CENSUS_FILE


@pytest.fixture(scope="module")
def population():
    return load_population().set_index("municipality_code")


@pytest.fixture(scope="module")
def census() -> dict[str, int]:
    return read_census_2020(CENSUS)


# --- the derivation ---------------------------------------------------------------------

def test_tokyo_sums_equal_the_files_own_totals(population) -> None:
    assert population["population"].sum() == 14_077_552
    assert population["population_15_39"].sum() == 4_347_229
    assert population["population_40_64"].sum() == 5_067_060
    tokyo_total = next(r for r in read_tokyo_rows(TOKYO) if r.level == "0" and r.age == "総数")
    assert (tokyo_total.code5, tokyo_total.population) == ("13000", 14_077_552)


def test_chiyoda_by_age(population) -> None:
    chiyoda = population.loc["131016"]
    assert (chiyoda["population"], chiyoda["population_15_39"],
            chiyoda["population_40_64"]) == (69_139, 22_771, 25_861)
    assert chiyoda["population_date"] == "2026-01-01"


def test_trailing_full_width_space_is_dropped_from_names() -> None:
    names = tokyo_population(TOKYO).set_index("municipality_code")["name"]
    assert names["131164"] == "豊島区"  # 「豊島区　」 in the file


@pytest.mark.parametrize(("code", "total"), [("131016", 66_680), ("131121", 943_664),
                                             ("133612", 7_102), ("134023", 169)])
def test_census_totals_of_tokyo(population, code: str, total: int) -> None:
    assert population.loc[code, "census_2020_population"] == total
    assert census_2020_population(code) == total


def test_census_of_tokyo_adds_up_to_the_prefecture(population, census) -> None:
    assert population["census_2020_population"].sum() == census["130001"] == 14_047_594


def test_every_tokyo_code_matches_the_municipality_reference(population) -> None:
    reference = load_municipalities()
    assert list(population.index) == list(reference["municipality_code"])
    assert len(population) == 62
    assert population["population"].notna().all()
    assert population["census_2020_population"].notna().all()


def test_census_gives_any_japanese_municipality(census) -> None:
    assert census_2020_population("011002", census) == 1_973_395  # 札幌市
    assert census_2020_population("011011", census) == 248_680  # 札幌市中央区
    assert census_2020_population(with_check_digit("07546"), census) == 0  # 双葉町: "-"
    assert census_2020_population(with_check_digit("13216"), census) is None  # 旧：田無市
    assert census_2020_population("473821", census) is None  # 与那国町: row missing
    assert "000001" not in census and with_check_digit("13100") not in census  # aggregates
    assert all(re.fullmatch(r"[0-9]{6}", code) for code in census)
    with pytest.raises(ValueError, match="check digit"):
        census_2020_population("131015", census)


# --- bad input ---------------------------------------------------------------------------

def _tokyo_lines() -> list[bytes]:
    return TOKYO.read_bytes().split(b"\r\n")


def _write(tmp_path: Path, name: str, lines: list[bytes], end: bytes = b"\r\n") -> Path:
    path = tmp_path / name
    path.write_bytes(end.join(lines))
    return path


def test_population_file_cut_mid_line_names_file_and_line(tmp_path: Path) -> None:
    lines = _tokyo_lines()
    path = _write(tmp_path, "cut.csv", [*lines[:500], lines[500][:20]])
    with pytest.raises(PopulationFileError, match=rf"^{path}:501: 5 fields instead of 14"):
        tokyo_population(path)


def test_population_file_cut_inside_a_character_names_the_line(tmp_path: Path) -> None:
    lines = _tokyo_lines()
    cut = lines[300][:lines[300].index(b",", 2) + 2]  # after the first byte of the name
    path = _write(tmp_path, "cut.csv", [*lines[:300], cut])
    with pytest.raises(PopulationFileError, match=rf"^{path}:301: bytes that are not UTF-8"):
        tokyo_population(path)


def test_population_file_cut_at_a_line_end_is_called_truncated(tmp_path: Path) -> None:
    path = _write(tmp_path, "cut.csv", _tokyo_lines()[:700])
    with pytest.raises(PopulationFileError, match=rf"^{path}:700: the file ends without"):
        tokyo_population(path)


def test_population_file_missing_an_age_row(tmp_path: Path) -> None:
    lines = _tokyo_lines()
    index = next(i for i, line in enumerate(lines) if line.startswith(b"4,13101,"))
    path = _write(tmp_path, "short.csv", lines[:index + 5] + lines[index + 6:])
    with pytest.raises(PopulationFileError,
                       match=rf"^{path}:{index + 22}: 千代田区 \(13101\) has 22 age rows"):
        tokyo_population(path)


def test_population_file_missing_a_municipality(tmp_path: Path) -> None:
    lines = _tokyo_lines()
    index = next(i for i, line in enumerate(lines) if line.startswith(b"4,13402,"))
    path = _write(tmp_path, "no-aogashima.csv", lines[:index] + lines[index + 23:])
    with pytest.raises(PopulationFileError, match=rf"^{path}:2: the municipalities add up "
                       r"to 14,077,397, not Tokyo's total 14077552"):
        tokyo_population(path)


def test_population_file_with_a_bad_count(tmp_path: Path) -> None:
    lines = _tokyo_lines()
    lines[2] = lines[2].replace(b",445472,", b",44S472,")
    path = _write(tmp_path, "typo.csv", lines)
    with pytest.raises(PopulationFileError, match=rf"^{path}:3: 総数／計\(人\) is '44S472'"):
        tokyo_population(path)


def test_census_with_a_malformed_count(tmp_path: Path) -> None:
    lines = CENSUS.read_bytes().split(b"\n")
    lines[5] = lines[5].replace(b'"289,323"', b'"289.323"')
    path = _write(tmp_path, "census.csv", lines, b"\n")
    with pytest.raises(PopulationFileError, match=rf"^{path}:6: count '289.323' is not"):
        read_census_2020(path)


def test_a_missing_file_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(PopulationFileError, match=rf"^{tmp_path}/none.csv:0: the file is "
                       "missing"):
        read_census_2020(tmp_path / "none.csv")


# --- estimated need ----------------------------------------------------------------------

def test_estimate_by_hand_for_chiyoda() -> None:
    # 22,771 × 2.05 % = 466.8055; 25,861 × 2.02 % = 522.3922; together 989.1977
    estimate = estimated_hikikomori(22_771, 25_861)
    assert estimate == pytest.approx(989.1977, abs=1e-9)
    assert displayed_estimate(estimate) == 990
    assert estimate_text(estimate, "ja") == "約990人"
    assert estimate_text(estimate, "en") == "about 990"


@pytest.mark.parametrize(("exact", "shown"), [
    (9.99, None), (10.0, 10), (14.9, 10), (15.0, 20), (99.5, 100), (984.9, 980),
    (985.0, 990), (1_249.9, 1_200), (1_250.0, 1_300), (18_734.4, 19_000)])
def test_displayed_estimate_two_figures_never_finer_than_tens(exact: float,
                                                             shown: int | None) -> None:
    assert displayed_estimate(exact) == shown


def test_small_estimates_say_fewer_than_ten() -> None:
    estimate = estimated_hikikomori(40, 60)  # 0.82 + 1.212
    assert estimate == pytest.approx(2.032)
    assert estimate_text(estimate, "ja") == "10人未満"
    assert estimate_text(estimate, "en") == "fewer than 10"


def test_estimate_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="pop_15_39 must be a non-negative whole number"):
        estimated_hikikomori(-1, 10)
    with pytest.raises(ValueError, match="pop_40_64 must be a non-negative whole number"):
        estimated_hikikomori(10, 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot be negative"):
        displayed_estimate(-0.1)


def test_estimate_citation_says_national_rate_applied_locally() -> None:
    ja = label("population", "estimate_citation", "ja")
    en = label("population", "estimate_citation", "en")
    assert "内閣府「こども・若者の意識と生活に関する調査」（令和4年度）" in ja
    assert "2.05％" in ja and "2.02％" in ja and "全国の率を当てはめた" in ja
    assert "Cabinet Office" in en and "FY2022" in en and "2.05%" in en and "2.02%" in en
    assert "national rate applied locally" in en


# --- size bands --------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "population", "band"), [
    ("city", 49_999, "city_under_50k"), ("city", 50_000, "city_50k_to_100k"),
    ("city", 99_999, "city_50k_to_100k"), ("city", 100_000, "city_100k_to_150k"),
    ("city", 149_999, "city_100k_to_150k"), ("city", 150_000, "city_150k_and_over"),
    ("town", 0, "town_village_under_5k"), ("village", 4_999, "town_village_under_5k"),
    ("town", 5_000, "town_village_5k_to_10k"), ("town", 9_999, "town_village_5k_to_10k"),
    ("village", 10_000, "town_village_10k_to_15k"), ("town", 14_999, "town_village_10k_to_15k"),
    ("town", 15_000, "town_village_15k_to_20k"), ("town", 19_999, "town_village_15k_to_20k"),
    ("town", 20_000, "town_village_20k_and_over"), ("special_ward", 69_139, "special_ward"),
    ("special_ward", 928_666, "special_ward")])
def test_size_band_edges(kind: str, population: int, band: str) -> None:
    assert size_band(kind, population, "139999") == band


def test_hachioji_is_the_core_city() -> None:
    assert size_band("city", 558_755, "132012") == "core_city"
    assert size_band("city", 430_428, "132098") == "city_150k_and_over"  # 町田市


def test_size_band_refuses_what_it_cannot_place() -> None:
    with pytest.raises(ValueError, match="Tokyo only"):
        size_band("city", 1_973_395, "011002")
    with pytest.raises(ValueError, match="unknown kind 'prefecture'"):
        size_band("prefecture", 100, "130001")
    with pytest.raises(ValueError, match="non-negative whole number"):
        size_band("city", -5, "132039")


def test_shipped_size_bands(population) -> None:
    assert population["size_band"].value_counts().to_dict() == {
        "special_ward": 23, "city_150k_and_over": 9, "city_50k_to_100k": 9,
        "city_100k_to_150k": 7, "core_city": 1, "town_village_under_5k": 9,
        "town_village_5k_to_10k": 2, "town_village_15k_to_20k": 1,
        "town_village_20k_and_over": 1}
    # 武蔵野市: 147,958 on 2026-01-01 (150,149 in the 2020 census): bands use the former
    assert population.loc["132039", "size_band"] == "city_100k_to_150k"
    assert population.loc["133612", "size_band"] == "town_village_5k_to_10k"  # 大島町


def test_every_size_band_has_both_labels() -> None:
    assert tuple(labels("size_band", "ja")) == SIZE_BANDS
    for lang in ("ja", "en"):
        assert all(labels("size_band", lang).values())
    assert label("size_band", "city_under_50k", "ja") == "一般市（5万人未満）"
    assert "modelled on" in label("population", "size_band_note", "en")


# --- nearest peers -----------------------------------------------------------------------

def test_nearest_ties_are_broken_by_code() -> None:
    candidates = {"100005": 200, "100013": 400, "100021": 100, "100030": 200, "100048": 800}
    # 100030 (equal) first; 100013 (×2) and 100021 (÷2) tie: by code
    assert nearest_by_population("100005", candidates, 3) == ["100030", "100013", "100021"]


def test_nearest_is_by_ratio_not_difference() -> None:
    candidates = {"1": 550_000, "2": 300_000, "3": 800_000}
    assert nearest_by_population("1", candidates, 1) == ["3"]  # 800/550 < 550/300


def test_nearest_edge_cases() -> None:
    candidates = {"1": 7_000, "2": 0, "3": 14_000}
    assert nearest_by_population("1", candidates, 10) == ["3", "2"]
    assert nearest_by_population("1", candidates, 0) == []
    assert nearest_by_population("2", candidates, 1) == ["1"]  # all infinitely far: by code
    with pytest.raises(KeyError, match="9: its population is not among the candidates"):
        nearest_by_population("9", candidates, 1)
    with pytest.raises(ValueError, match="k must be 0 or more"):
        nearest_by_population("1", candidates, -1)


def test_nearest_peers_of_oshima_among_the_shipped_data(population) -> None:
    sizes = population["population"].astype(int).to_dict()
    # 大島町 6,589: 八丈町 6,652 (×1.01), 奥多摩町 4,369 (÷1.51), 日の出町 15,796 (×2.40),
    # 小笠原村 2,461 (÷2.68), before 新島村 2,336 (÷2.82)
    assert nearest_by_population("133612", sizes, 5) == ["134015", "133086", "133051",
                                                         "134210", "133639"]


def test_the_wrong_file_is_named_at_its_header() -> None:
    with pytest.raises(PopulationFileError, match=rf"^{CENSUS}:1: the header is not that of "
                       "Tokyo's table by age"):
        tokyo_population(CENSUS)
    with pytest.raises(PopulationFileError, match=rf"^{TOKYO}:1: the header is not that of "
                       "the census download"):
        read_census_2020(TOKYO)
