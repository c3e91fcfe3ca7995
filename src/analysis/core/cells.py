"""Spreadsheet-safe cells: text a spreadsheet would run as a formula is made inert.

CSV result tables and Excel workbooks are opened by people, so text starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return gets an apostrophe in front (the OWASP rule for
CSV injection). The tidy data in ``data/tidy`` stays as written.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: object) -> object:
    """A text cell a spreadsheet would read as a formula, made inert; others unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unneutralize_cell(text: str) -> str:
    """The inverse of ``neutralize_cell``, for reading back a cell this package wrote."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def safe_for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    text_columns = frame.select_dtypes(include=["object", "string"]).columns
    return frame.assign(**{c: frame[c].map(neutralize_cell) for c in text_columns})


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A result table as UTF-8 CSV with spreadsheet-safe text cells."""
    safe_for_spreadsheet(frame).to_csv(path, index=False, lineterminator="\n",
                                       encoding="utf-8")
