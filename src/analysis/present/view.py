"""A view: what the report shows for one question — its title, a sentence of narrative,
the result frame (exported as CSV), a figure, the sources line and the table as printed.
All wording comes from the label table, so ``lang="en"`` changes every word."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.compare.evidence import evidence_ids
from analysis.core.formats import is_missing
from analysis.core.labels import label, labels
from analysis.dataset.tables import Dataset


@dataclass(frozen=True)
class View:
    name: str  # file stem of the exported table and figure
    title: str
    lead: str
    table: pd.DataFrame  # the full result frame (exported as CSV)
    figure: Figure | None
    sources: str
    display: pd.DataFrame | None = None  # what the report prints of the table, labelled



# Views printed as tables: the columns shown, in order. Names are proper names.
TABLE_COLUMNS = {
    "municipality_summary": ["name", "area", "population", "estimated_need",
                             "n_services", "n_services_per_100k", "n_windows",
                             "need_per_window", "n_network_meetings",
                             "network_meetings_per_year", "n_sources"],
    "age_coverage_summary": ["band", "n_municipalities", "n_covered", "n_partial",
                             "n_main_group", "n_uncovered", "n_no_data"],
    "meeting_intensity": ["name", "kind", "n_meetings", "n_counted",
                          "n_regular_unquantified", "n_irregular", "n_unstated",
                          "n_single_event"],
    "network_body_summary": ["name", "n_bodies", "n_parts", "largest_member_count",
                             "n_member_types", "first_established", "last_established"],
    "edition_discrepancies": ["name", "sentence", "old_quote", "new_quote"],
    "edition_changes": ["name", "sentence"],
}
# Columns whose values are keys of a label group.
_ENUM_COLUMNS = {"kind": "meeting_kind", "change": "change", "band": "age_band",
                 "area": "area", "size_band": "size_band"}
# Count columns where an empty cell means the source states none (記載なし), not 0.
_STATED_COUNTS = {"largest_member_count", "n_member_types", "first_established",
                  "last_established", "need_per_window", "network_meetings_per_year"}


def cell_text(value: object, column: str, lang: str) -> str:
    """A table cell as printed: whole numbers without ``.0`` and with thousands
    separators, other numbers to one decimal, a missing value 記載なし."""
    if is_missing(value):
        return label("template", "not_stated", lang) if column in _STATED_COUNTS else ""
    if isinstance(value, bool):
        return label("boolean", str(value).lower(), lang)
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        if column in ("first_established", "last_established"):
            return str(int(number))  # a year has no thousands separator
        return f"{int(number):,}" if number.is_integer() else f"{number:,.1f}"
    return str(value)


def labelled(frame: pd.DataFrame, columns: Sequence[str], lang: str) -> pd.DataFrame:
    """The shown columns of a result frame: label-table headers, enum labels, numbers
    written as numbers; a column that is empty or all zero in every row is left out (it
    says nothing)."""
    shown = frame.loc[:, [c for c in columns if c in frame.columns]].copy()
    if lang == "en" and "name" in shown.columns and "name_en" in frame.columns:
        shown["name"] = frame["name_en"]
    for column, group in _ENUM_COLUMNS.items():
        if column in shown.columns:
            names = labels(group, lang)
            shown[column] = shown[column].map(
                lambda v, names=names: names.get(v, v) if v else label(
                    "template", "none_documented", lang))
    empty = [c for c in shown.columns
             if shown[c].map(lambda v: is_missing(v) or v == "" or v == 0).all()]
    shown = shown.drop(columns=empty)
    shown = shown.astype(object).apply(
        lambda series: series.map(lambda v, c=series.name: cell_text(v, c, lang)))
    return shown.rename(columns={c: label("column", c, lang) for c in shown.columns})


def _first(items: list[str], limit: int | None) -> tuple[list[str], str]:
    """The first ``limit`` items and " … (+n)" for the rest ("" when all fit)."""
    if limit is None or len(items) <= limit:
        return items, ""
    return items[:limit], f" … (+{len(items) - limit})"


def source_line(frame: pd.DataFrame, dataset: Dataset, lang: str, name: str,
                max_titles: int | None = None) -> str:
    """'Sources: <titles> (row ids of each row in tables/<name>.csv)': the sources of the
    rows behind a result frame, by title; the row ids stay out of the reading flow, in the
    CSV's ``evidence`` column."""
    ids = evidence_ids(frame)
    source_ids = sorted({i.rsplit("-", 2)[0] for i in ids if i.count("-") >= 2})
    titles = dataset.sources.set_index("source_id")["title"]
    named, more = _first(list(dict.fromkeys(short_title(titles[s]) for s in source_ids
                                            if s in titles.index)), max_titles)
    sep = label("template", "list_separator", lang)
    return label("view", "sources_line", lang).format(titles=(sep.join(named) + more) or "—",
                                                      table=f"tables/{name}.csv")


def short_title(title: str) -> str:
    """A source title without its long series name (ひきこもり支援ガイドブック 附属資料
    区市町村における支援の実例（令和6年度版） → 附属資料（令和6年度版）)."""
    return title.replace("ひきこもり支援ガイドブック 附属資料 区市町村における支援の実例",
                         "附属資料").strip()


def make_view(name: str, dataset: Dataset, table: pd.DataFrame, figure: Figure | None,
              lang: str, max_titles: int | None = None, basis: str = "",
              display: pd.DataFrame | None = None) -> View:
    """A view of a result frame; its printed table is ``display`` or the frame's
    ``TABLE_COLUMNS``; ``basis`` (one short line) says what it compares."""
    if display is None and name in TABLE_COLUMNS:
        display = labelled(table, TABLE_COLUMNS[name], lang)
    sources = source_line(table, dataset, lang, name, max_titles)
    return View(name, label("view", f"{name}_title", lang), label("view", f"{name}_lead", lang),
                table, figure, f"{basis} {sources}".strip() if basis else sources, display)


def enum_labels(series: pd.Series, group: str, lang: str) -> pd.Series:

    names = labels(group, lang)
    return series.map(lambda v: names.get(v, v))



def municipality_name(dataset: Dataset, code: str, lang: str = "ja") -> str:
    """The name to print: Japanese, or the romaji reading in English."""
    row = dataset.municipalities.set_index("municipality_code").loc[code]
    return row["name_romaji"] if lang == "en" else row["name"]



def edition_label(edition: str, lang: str = "ja") -> str:

    return labels("edition", lang).get(edition, edition)
