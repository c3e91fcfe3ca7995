"""Result tables (``tables/<metric>.csv``) and figures (``figures/<chart>.png|svg``) of a
build: the same views the comparison notebook shows, computed by the same functions.

The CSVs are meant to be opened by people too, so text that a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) is prefixed
with an apostrophe — the OWASP rule for CSV injection. The tidy data in ``data/tidy``
stays as written.
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


def safe_for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    text_columns = frame.select_dtypes(include=["object", "string"]).columns
    return frame.assign(**{c: frame[c].map(neutralize_cell) for c in text_columns})


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    safe_for_spreadsheet(frame).to_csv(path, index=False, lineterminator="\n",
                                       encoding="utf-8")


def write_exports(data_dir: Path, edition: str, work: Path, lang: str = "ja",
                  municipalities: tuple[str, ...] = (), wanted: bool = True) -> None:
    """Every comparison view (of the chosen municipalities, if any) as CSV and figures;
    nothing when the build has no comparison (``wanted`` false)."""
    if not wanted:
        return
    from analysis.dataset.scope import previous_edition
    from analysis.dataset.tables import load_dataset
    from analysis.present import charts
    from analysis.present.changes import edition_change_views
    from analysis.present.comparison import comparison_views

    dataset = load_dataset(data_dir)
    found = comparison_views(dataset, edition, lang, municipalities)
    previous = previous_edition(dataset.sources, edition)
    if previous and not municipalities:
        found += edition_change_views(dataset, previous, edition, lang)
    (work / "tables").mkdir(exist_ok=True)
    (work / "figures").mkdir(exist_ok=True)
    for view in found:
        write_csv(view.table, work / "tables" / f"{view.name}.csv")
        if view.figure is not None:
            charts.save_figure(view.figure, work / "figures" / view.name)
