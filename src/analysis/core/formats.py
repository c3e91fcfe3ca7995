"""How numbers are written as text: in table cells, result tables and sentences alike."""

from __future__ import annotations

import math


def is_missing(value: object) -> bool:
    """None, NaN and pandas' NA: no value."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and NA are not equal to themselves
    except TypeError:
        return True  # pd.NA raises on bool()


def format_number(value: object) -> str:
    """A number as text: whole numbers without ``.0`` (52.0 → ``52``), others in their
    shortest form (0.5 → ``0.5``), missing values as ``""``; text is returned as it is."""
    if is_missing(value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    number = float(value)  # type: ignore[arg-type]
    if math.isfinite(number) and number.is_integer():
        return str(int(number))
    return f"{number:g}"
