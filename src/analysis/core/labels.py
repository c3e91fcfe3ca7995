"""User-facing labels, Japanese and English, from one table (``labels.csv``)."""

from __future__ import annotations

import functools

import pandas as pd

from analysis.core.paths import LABELS_FILE

LANGS = ("ja", "en")


@functools.cache
def label_table() -> pd.DataFrame:
    return pd.read_csv(LABELS_FILE, dtype=str, keep_default_na=False)


@functools.cache
def _index() -> dict[str, dict[tuple[str, str], str]]:
    table = label_table()
    return {lang: dict(zip(zip(table["group"], table["key"], strict=True), table[lang],
                           strict=True)) for lang in LANGS}


def label(group: str, key: str, lang: str = "ja") -> str:
    """The label of ``key`` in ``group``; a missing label is a programming error."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    try:
        return _index()[lang][(group, key)]
    except KeyError:
        raise KeyError(f"no label for {group}/{key}") from None


@functools.cache
def _group(group: str, lang: str) -> tuple[tuple[str, str], ...]:
    table = label_table()
    rows = table.loc[table["group"] == group]
    return tuple(zip(rows["key"], rows[lang], strict=True))


def labels(group: str, lang: str = "ja") -> dict[str, str]:
    """All labels of a group, in table order."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    return dict(_group(group, lang))
