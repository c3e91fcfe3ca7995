"""User-facing labels, Japanese and English, from one table (``labels.csv``)."""

from __future__ import annotations

import functools

import pandas as pd

from analysis.paths import PACKAGE_DIR

LANGS = ("ja", "en")


@functools.cache
def label_table() -> pd.DataFrame:
    return pd.read_csv(PACKAGE_DIR / "labels.csv", dtype=str, keep_default_na=False)


def label(group: str, key: str, lang: str = "ja") -> str:
    """The label of ``key`` in ``group``; a missing label is a programming error."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    table = label_table()
    match = table.loc[(table["group"] == group) & (table["key"] == key), lang]
    if match.empty:
        raise KeyError(f"no label for {group}/{key}")
    return match.iloc[0]


def labels(group: str, lang: str = "ja") -> dict[str, str]:
    """All labels of a group, in table order."""
    table = label_table().query("group == @group")
    return dict(zip(table["key"], table[lang], strict=True))
