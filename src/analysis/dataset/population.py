"""Population, estimated need and size bands: the reference data for fair comparisons.

Inputs (byte-for-byte copies in ``data/reference/``, registered with their sha256 in
``reference_sources.csv``):

- ``tokyo-population-by-age-2026-01.csv``: Tokyo's resident population (住民基本台帳) by
  municipality and 5-year age band on 1 January 2026 (東京都総務局統計部, CC BY 4.0).
- ``japan-population-census-2020.csv``: total population of every prefecture and
  municipality in the 2020 Population Census (総務省統計局, e-Stat).

Both are read here, with their quirks (BOM, "-" for 0, trailing full-width spaces in names,
footer lines, 5-digit codes without the check digit), into one tidy table,
``data/reference/population.csv`` (``build_population``; ``python -m analysis reference``
writes it): one row per Tokyo municipality with

- ``population``, ``population_15_39``, ``population_40_64``: residents on
  ``population_date`` (2026-01-01 for Tokyo);
- ``census_2020_population``: the 2020 census total (census day: 1 October 2020);
- ``size_band``: the size band (``size_band``), applied to ``population``.

A synthetic data directory (``analysis.tools.synth``) writes the same table for any Japanese
municipality from the census alone: ``population`` is the census total,
``population_date`` 2020-10-01, the age columns and ``size_band`` are empty.

Decisions:

- Estimated need (``estimated_hikikomori``) applies the Cabinet Office's national shares
  (FY2022 survey, see ``HIKIKOMORI_SURVEY``) to the municipality's residents by age: a
  national rate applied locally, never a local count. Shown rounded to two significant
  figures and never finer than tens (``displayed_estimate``), because the shares are
  sample estimates known to three digits; under 10 it is shown as "fewer than 10".
- Size bands are **modelled on** the population classes 総務省 uses for its 類似団体
  (groups of similar municipalities), not the official classification: that also uses
  industrial structure and the census population. Here the bands use the population the
  report shows (1 January 2026), so a municipality's band always agrees with its figure.
  Bands are defined for Tokyo only, whose only 中核市 is 八王子市 (``TOKYO_CORE_CITIES``).
- Peers nearest in population (``nearest_by_population``) are nearest by ratio (the
  larger population over the smaller: equal distances on a log axis), so a town of 7,000
  is as far from one of 14,000 as a city of 300,000 from one of 600,000.
"""

from __future__ import annotations

import bisect
import csv
import functools
import io
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd

from analysis.core.codes import code_problem, with_check_digit
from analysis.core.errors import UserError
from analysis.core.labels import label
from analysis.core.paths import reference_dir

TOKYO_POPULATION_FILE = "tokyo-population-by-age-2026-01.csv"
CENSUS_FILE = "japan-population-census-2020.csv"
POPULATION_FILE = "population.csv"
TOKYO_POPULATION_DATE = "2026-01-01"  # 令和8年1月1日, the table's reference date
CENSUS_DATE = "2020-10-01"  # census day of the 2020 Population Census

POPULATION_COLUMNS = ("municipality_code", "population", "population_15_39",
                      "population_40_64", "population_date", "census_2020_population",
                      "size_band")

# ------------------------------------------------------------------ estimated need ------

# 内閣府「こども・若者の意識と生活に関する調査」(令和4年度; now published by こども家庭庁):
# share of people in 広義のひきこもり (going out only for hobbies or to a nearby shop, or not
# at all, for six months or more, not because of illness or pregnancy), by age group.
# Valid responses 8,555 (aged 10–39) and 5,214 (aged 40–69); about 1.46 million nationwide.
HIKIKOMORI_SURVEY = "内閣府「こども・若者の意識と生活に関する調査」（令和4年度）"
HIKIKOMORI_SHARE_15_39 = Fraction(205, 10_000)  # 2.05 %
HIKIKOMORI_SHARE_40_64 = Fraction(202, 10_000)  # 2.02 %
SMALLEST_SHOWN_ESTIMATE = 10  # below this the estimate is shown as "fewer than 10"


def estimated_hikikomori(pop_15_39: int, pop_40_64: int) -> float:
    """The exact estimate: 2.05 % of residents aged 15–39 plus 2.02 % of those aged 40–64
    (national shares of the FY2022 survey applied to a municipality's residents)."""
    for value, what in ((pop_15_39, "pop_15_39"), (pop_40_64, "pop_40_64")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{what} must be a non-negative whole number, got {value!r}")
    return float(HIKIKOMORI_SHARE_15_39 * pop_15_39 + HIKIKOMORI_SHARE_40_64 * pop_40_64)


def displayed_estimate(estimate: float) -> int | None:
    """The estimate as shown: two significant figures, never finer than tens (half up);
    None when it is under 10 (shown as "fewer than 10"). 989.2 → 990, 18,734 → 19,000."""
    if estimate < 0:
        raise ValueError(f"an estimate cannot be negative, got {estimate!r}")
    if estimate < SMALLEST_SHOWN_ESTIMATE:
        return None
    exact = Decimal(estimate)
    digits = len(str(int(exact)))  # digits before the decimal point
    step = max(10, 10 ** (digits - 2))
    return int((exact / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * step


def estimate_text(estimate: float, lang: str = "ja") -> str:
    """「約990人」 / "about 990"; 「10人未満」 / "fewer than 10" for small estimates."""
    shown = displayed_estimate(estimate)
    if shown is None:
        return label("population", "estimate_fewer_than_10", lang)
    return label("population", "estimate_about", lang).format(n=f"{shown:,}")


# ------------------------------------------------------------------ size bands ----------

# 中核市 in Tokyo: 八王子市 only, designated on 2015-04-01 (平成27年4月1日). From 総務省's list
# of 中核市 (https://www.soumu.go.jp/main_sosiki/jichi_gyousei/bunken/chukaku.html), as
# known to the project in 2025; not checked against the page offline. Tokyo has no
# 政令指定都市 and no 施行時特例市. Update this list if a Tokyo city is designated.
TOKYO_CORE_CITIES: Mapping[str, str] = {"132012": "八王子市"}

# Upper edges (exclusive) of the population classes of 総務省's 類似団体, by kind.
CITY_BANDS = ((50_000, "city_under_50k"), (100_000, "city_50k_to_100k"),
              (150_000, "city_100k_to_150k"), (None, "city_150k_and_over"))
TOWN_VILLAGE_BANDS = ((5_000, "town_village_under_5k"), (10_000, "town_village_5k_to_10k"),
                      (15_000, "town_village_10k_to_15k"), (20_000, "town_village_15k_to_20k"),
                      (None, "town_village_20k_and_over"))
SIZE_BANDS = ("special_ward", "core_city", *(key for _, key in CITY_BANDS),
              *(key for _, key in TOWN_VILLAGE_BANDS))  # reading order


def _band(population: int, bands: tuple[tuple[int | None, str], ...]) -> str:
    edges = [edge for edge, _ in bands if edge is not None]
    return bands[bisect.bisect_right(edges, population)][1]


def size_band(kind: str, population: int, code: str,
              core_cities: Collection[str] = TOKYO_CORE_CITIES) -> str:
    """The size band of a Tokyo municipality (modelled on 総務省's 類似団体 population
    classes, not the official classification): ``special_ward``; ``core_city`` (中核市);
    a city by population under 50,000 / 50,000–99,999 / 100,000–149,999 / 150,000 and
    over; a town or village under 5,000 / … / 20,000 and over."""
    if not code.startswith("13"):
        raise ValueError(f"{code}: size bands are defined for Tokyo only (the list of 中核市 "
                         "covers Tokyo)")
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise ValueError(f"{code}: population must be a non-negative whole number, "
                         f"got {population!r}")
    if kind == "special_ward":
        return "special_ward"
    if kind == "city":
        return "core_city" if code in core_cities else _band(population, CITY_BANDS)
    if kind in ("town", "village"):
        return _band(population, TOWN_VILLAGE_BANDS)
    raise ValueError(f"{code}: unknown kind {kind!r} (special_ward, city, town or village)")


# ------------------------------------------------------------------ nearest peers -------

def _ratio(a: int, b: int) -> Fraction | float:
    """Larger over smaller: 1 for equal populations, infinite against an empty place."""
    low, high = sorted((a, b))
    if low == 0:
        return 1 if high == 0 else float("inf")
    return Fraction(high, low)


def nearest_by_population(code: str, candidates: Mapping[str, int], k: int) -> list[str]:
    """The ``k`` codes of ``candidates`` (code → population) nearest in population to
    ``code``, nearest first; ``code`` itself (whose population ``candidates`` must hold) is
    never one of them. Nearest by ratio (equal steps on a log axis); ties by code."""
    if code not in candidates:
        raise KeyError(f"{code}: its population is not among the candidates")
    if k < 0:
        raise ValueError(f"k must be 0 or more, got {k}")
    own = candidates[code]
    others = sorted((c for c in candidates if c != code),
                    key=lambda c: (_ratio(own, candidates[c]), c))
    return others[:k]


# ------------------------------------------------------------------ reading the files ---

class PopulationFileError(UserError):
    """A population file that is not laid out as published; the message names file:line."""


def _error(path: Path, line: int, what: str, fix: str) -> PopulationFileError:
    return PopulationFileError(f"{path}:{line}: {what} ({fix})")


TOKYO_HEADER = ("地域階層", "地域コード", "地域", "年齢階層", "年齢", "総数／計(人)",
                "総数／男(人)", "総数／女(人)", "日本人／計(人)", "日本人／男(人)",
                "日本人／女(人)", "外国人／計(人)", "外国人／男(人)", "外国人／女(人)")
_TOKYO_MUNICIPALITY_LEVEL = "4"  # 地域階層 4: 区市町村 (0 is Tokyo, 1–3 are groupings)
_TOKYO_AGE_ROWS = 23  # 総数, 0～4 … 95～99, 100以上, 不詳者
_AGE_BAND = re.compile(r"([0-9]+)～([0-9]+)")
_CENSUS_HEADER = ("コード", "全国，都道府県，市区町村", "総数", "男", "女")
_CENSUS_AGGREGATES = ("全国", "特別区部")  # totals of several governments, not one


@dataclass(frozen=True)
class TokyoAgeRow:
    """One line of the Tokyo table: an area and an age row (total, band or unknown age)."""

    line: int
    level: str
    code5: str
    name: str
    age: str  # 総数, 0～4 … 100以上, 不詳者
    population: int  # 総数／計(人)

    @property
    def band(self) -> tuple[int, int | None] | None:
        """(lowest, highest) age of a band, (100, None) for 100以上, None otherwise."""
        if self.age == "100以上":
            return (100, None)
        match = _AGE_BAND.fullmatch(self.age)
        return (int(match[1]), int(match[2])) if match else None


def _lines(path: Path) -> io.StringIO:
    """The file's text (UTF-8, BOM dropped) for the csv reader; a missing file or bytes that
    are not UTF-8 (a download cut inside a character) are located errors."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _error(path, 0, "the file is missing", "copy it into data/reference/ as "
                     "registered in reference_sources.csv") from None
    try:
        return io.StringIO(data.decode("utf-8-sig"), newline="")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _error(path, line, "bytes that are not UTF-8", "the file is damaged or cut "
                     "short; copy it again") from None


def _count(text: str, path: Path, line: int, column: str) -> int:
    """A published count: digits, "-" for none (the table's own notation for 0)."""
    if text == "-":
        return 0
    if re.fullmatch(r"[0-9]+", text):
        return int(text)
    raise _error(path, line, f"{column} is {text!r}, not a number or '-'",
                 "the file is not the published table; copy it again")


def read_tokyo_rows(path: Path) -> Iterator[TokyoAgeRow]:
    """Every data line of Tokyo's table by age (BOM, trailing full-width spaces in names
    and "-" for 0 handled); stops at the blank line before the footer."""
    path = Path(path)
    with _lines(path) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(header) != TOKYO_HEADER:
            raise _error(path, 1, "the header is not that of Tokyo's table by age",
                         f"expected {','.join(TOKYO_HEADER[:5])},…; is it the right file?")
        for fields in reader:
            if not any(fields):
                return  # the footer (table title and legends) follows the blank line
            line = reader.line_num
            if len(fields) != len(TOKYO_HEADER):
                raise _error(path, line, f"{len(fields)} fields instead of {len(TOKYO_HEADER)}",
                             "the line is cut short or malformed; copy the file again")
            level, code5, name, _, age, total = fields[:6]
            if not re.fullmatch(r"[0-9]{5}", code5):
                raise _error(path, line, f"地域コード {code5!r} is not 5 digits",
                             "the file is not the published table; copy it again")
            yield TokyoAgeRow(line, level, code5, name.rstrip("\u3000 "), age,
                              _count(total, path, line, "総数／計(人)"))
    raise _error(path, reader.line_num, "the file ends without the blank line and footer "
                 "of the published table", "the file looks truncated; copy it again")


def _check_area(rows: list[TokyoAgeRow], path: Path) -> None:
    first = rows[0]
    if len(rows) != _TOKYO_AGE_ROWS or first.age != "総数":
        raise _error(path, rows[-1].line, f"{first.name} ({first.code5}) has {len(rows)} "
                     f"age rows instead of {_TOKYO_AGE_ROWS} starting with 総数",
                     "the file is incomplete; copy it again")
    if sum(r.population for r in rows[1:]) != first.population:
        raise _error(path, first.line, f"{first.name}: the age rows add up to "
                     f"{sum(r.population for r in rows[1:]):,}, not its 総数 "
                     f"{first.population:,}", "the file is damaged; copy it again")


def _sum_ages(rows: list[TokyoAgeRow], lowest: int, highest: int) -> int:
    """Residents aged ``lowest`` to ``highest`` (inclusive): the sum of the bands that tile
    exactly that range (15–39: 15～19 … 35～39)."""
    bands = sorted((r.band, r.population) for r in rows
                   if r.band is not None and lowest <= r.band[0] <= highest)
    edges = [(low, high) for (low, high), _ in bands]
    tiles = (edges and edges[0][0] == lowest and edges[-1][1] == highest
             and all(b[0] == a[1] + 1 for a, b in zip(edges, edges[1:], strict=False)))
    if not tiles:
        raise ValueError(f"the age bands {edges} do not tile {lowest}–{highest}")
    return sum(n for _, n in bands)


def tokyo_population(path: Path) -> pd.DataFrame:
    """Per Tokyo municipality: ``municipality_code`` (6 digits), ``name``, ``population``,
    ``population_15_39`` and ``population_40_64``, checked against the file's own totals
    (every area's bands add up to its 総数; the municipalities add up to Tokyo's)."""
    path = Path(path)
    areas: dict[str, list[TokyoAgeRow]] = {}
    for row in read_tokyo_rows(path):
        areas.setdefault(row.code5, []).append(row)
    if not areas:
        raise _error(path, 2, "no data lines", "the file is empty; copy it again")
    for rows in areas.values():
        _check_area(rows, path)
    municipalities = [rows for rows in areas.values()
                      if rows[0].level == _TOKYO_MUNICIPALITY_LEVEL]
    tokyo = next((rows[0] for rows in areas.values() if rows[0].level == "0"), None)
    total = sum(rows[0].population for rows in municipalities)
    if tokyo is None or tokyo.population != total:
        where = tokyo.line if tokyo else 2
        raise _error(path, where, f"the municipalities add up to {total:,}, not Tokyo's total "
                     f"{tokyo.population if tokyo else '(missing)'}",
                     "a municipality is missing; copy the file again")
    return pd.DataFrame(
        [{"municipality_code": with_check_digit(rows[0].code5), "name": rows[0].name,
          "population": rows[0].population,
          "population_15_39": _sum_ages(rows, 15, 39),
          "population_40_64": _sum_ages(rows, 40, 64)} for rows in municipalities])


def _census_count(text: str, path: Path, line: int) -> int:
    """A census count: "126,146,099" with thousands separators, "-" for none (双葉町)."""
    if text == "-":
        return 0
    if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})*", text):
        return int(text.replace(",", ""))
    raise _error(path, line, f"count {text!r} is not a number like 1,234 or '-'",
                 "the file is not the e-Stat download; copy it again")


def read_census_2020(path: Path) -> dict[str, int]:
    """6-digit code → 2020 census total, for every prefecture and municipality (designated-
    city wards included). Rows of former municipalities (「（旧：…）」, some with a letter in the
    code) and the aggregates 全国 and 特別区部 are left out."""
    path = Path(path)
    totals: dict[str, int] = {}
    with _lines(path) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(header) != _CENSUS_HEADER:
            raise _error(path, 1, "the header is not that of the census download",
                         f"expected {','.join(_CENSUS_HEADER)}; is it the right file?")
        for fields in reader:
            line = reader.line_num
            if len(fields) != len(_CENSUS_HEADER):
                raise _error(path, line, f"{len(fields)} fields instead of "
                             f"{len(_CENSUS_HEADER)}", "the line is cut short or malformed; "
                             "copy the file again")
            code5, name, total, men, women = fields
            if name.startswith("（旧："):
                continue  # a former municipality, merged before 2020
            if not re.fullmatch(r"[0-9]{5}", code5):
                raise _error(path, line, f"コード {code5!r} of {name} is not 5 digits",
                             "the file is not the e-Stat download; copy it again")
            if name in _CENSUS_AGGREGATES:
                continue
            counts = [_census_count(text, path, line) for text in (total, men, women)]
            if counts[0] != counts[1] + counts[2]:
                raise _error(path, line, f"{name}: 総数 {total} is not 男 {men} + 女 {women}",
                             "the file is damaged; copy it again")
            code = with_check_digit(code5)
            if code in totals:
                raise _error(path, line, f"code {code5} appears twice",
                             "the file is damaged; copy it again")
            totals[code] = counts[0]
    if not totals:
        raise _error(path, 2, "no data lines", "the file is empty; copy it again")
    return totals


@functools.cache
def _shipped_census(path: Path) -> dict[str, int]:
    return read_census_2020(path)


def census_2020_population(code: str, census: Mapping[str, int] | None = None) -> int | None:
    """The 2020 census total of any Japanese prefecture or municipality (6-digit code with
    check digit), from ``census`` (``read_census_2020``; default: the shipped file). None
    when the file has no row for the code: the six Northern Territories villages, and
    与那国町 (473821), whose row the e-Stat download lacks."""
    problem = code_problem(code)
    if problem:
        raise ValueError(f"{code!r}: {problem}")
    if census is None:
        census = _shipped_census(reference_dir() / CENSUS_FILE)
    return census.get(code)


# ------------------------------------------------------------------ the tidy table ------

def build_population(tokyo_csv: Path, census_csv: Path,
                     municipalities: pd.DataFrame) -> pd.DataFrame:
    """``population.csv``: one row per municipality of the reference table (Tokyo's 62),
    columns ``POPULATION_COLUMNS``, all as text. Every code and name of the Tokyo file
    must match the municipality reference, and every municipality must have a census row."""
    tokyo = tokyo_population(tokyo_csv)
    census = read_census_2020(census_csv)
    reference = municipalities.set_index("municipality_code")
    missing = sorted(set(reference.index) - set(tokyo["municipality_code"]))
    extra = sorted(set(tokyo["municipality_code"]) - set(reference.index))
    if missing or extra:
        raise PopulationFileError(
            f"{tokyo_csv}: municipalities differ from the municipality reference (missing: "
            f"{', '.join(missing) or 'none'}; not in the reference: {', '.join(extra) or 'none'})"
            " (check that the file is Tokyo's table by age)")
    rows = []
    for row in tokyo.sort_values("municipality_code").itertuples(index=False):
        known = reference.loc[row.municipality_code]
        if known["name"] != row.name:
            raise PopulationFileError(
                f"{tokyo_csv}: {row.municipality_code} is named {row.name!r} there and "
                f"{known['name']!r} in the municipality reference (check the codes)")
        if row.municipality_code not in census:
            raise PopulationFileError(f"{census_csv}: no row for {row.municipality_code} "
                                      f"{row.name} (check the file)")
        rows.append({
            "municipality_code": row.municipality_code,
            "population": row.population,
            "population_15_39": row.population_15_39,
            "population_40_64": row.population_40_64,
            "population_date": TOKYO_POPULATION_DATE,
            "census_2020_population": census[row.municipality_code],
            "size_band": size_band(known["kind"], row.population, row.municipality_code),
        })
    return pd.DataFrame(rows, columns=list(POPULATION_COLUMNS)).astype(str)


def census_population_row(code: str,
                          census: Mapping[str, int] | None = None) -> dict[str, str] | None:
    """A ``population.csv`` row from the 2020 census alone, for a municipality outside
    Tokyo's table (synthetic national data): population = the census total, dated census
    day; no age bands, no size band. None when the census has no row for the code."""
    total = census_2020_population(code, census)
    if total is None:
        return None
    return {"municipality_code": code, "population": str(total), "population_15_39": "",
            "population_40_64": "", "population_date": CENSUS_DATE,
            "census_2020_population": str(total), "size_band": ""}
