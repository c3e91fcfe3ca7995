"""Derivation rules: the values a phrase gives, as table cells (text).

A curated row keeps the phrase as the source writes it (``frequency_text``, ``age_text``,
``established_text`` …) and the values read from it (``per_year``, ``age_min`` …). These
rules are the contract between the two: the validator checks every derived cell against
them, the extractor compares candidates with them, the synthetic-data generator and the
drafter write their cells with them. ``analysis.text.normalize`` interprets the phrase;
this module only writes the result in cell form. Which table columns a rule fills is
declared in the table contract (``analysis.dataset.schema``, ``Table.derivations``).

Every rule maps a phrase to ``{output: cell}``; an empty phrase gives empty cells (a value
without the phrase it comes from is not sourced), except where a rule says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

from analysis.core.formats import format_number
from analysis.text import normalize


def cell_bool(value: bool) -> str:
    return "true" if value else "false"


def frequency_cells(text: str) -> dict[str, str]:
    """regular / per_year / approximate. No phrase: regular ``unknown`` (the source states
    no frequency) and no number; ``approximate`` is then not derived."""
    if not text:
        return {"regular": "unknown", "per_year": ""}
    parsed = normalize.parse_frequency(text)
    return {"regular": cell_bool(parsed.regular), "per_year": format_number(parsed.per_year),
            "approximate": cell_bool(parsed.approximate)}


def age_cells(text: str) -> dict[str, str]:
    """age_min / age_max / approximate / age_kind (a limit, a main group, an addition or
    all ages); a phrase is required: an age row states one."""
    parsed = normalize.parse_age_range(text)
    return {"age_min": format_number(parsed.age_min), "age_max": format_number(parsed.age_max),
            "approximate": cell_bool(parsed.approximate), "age_kind": parsed.kind}


def date_cells(text: str) -> dict[str, str]:
    """year / month of a date phrase."""
    if not text:
        return {"year": "", "month": ""}
    parsed = normalize.parse_japanese_date(text)
    return {"year": str(parsed.year), "month": format_number(parsed.month)}


def count_cells(text: str) -> dict[str, str]:
    """count: the first counted quantity of a phrase."""
    if not text:
        return {"count": ""}
    return {"count": str(normalize.parse_count(text))}


RULES: dict[str, Callable[[str], dict[str, str]]] = {
    "frequency": frequency_cells,
    "age": age_cells,
    "date": date_cells,
    "count": count_cells,
}


def derive(rule: str, text: str) -> dict[str, str]:
    """The cells rule ``rule`` derives from ``text``; raises ``NormalizeError`` when the
    phrase cannot be read."""
    return RULES[rule](text)
