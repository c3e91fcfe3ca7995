"""A view: what the report shows for one question — its title, a sentence of narrative,
the result frame (exported as CSV), a figure, the sources line and the table as printed.
All wording comes from the label table, so ``lang="en"`` changes every word."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from analysis.compare.evidence import compact_ids, evidence_ids
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
    "age_coverage_summary": ["band", "n_municipalities", "n_covered", "n_partial",
                             "n_main_group", "n_no_data"],
    "meeting_intensity": ["name", "kind", "n_meetings", "n_counted",
                          "n_regular_unquantified", "n_irregular", "n_unstated",
                          "n_single_event"],
    "network_body_summary": ["name", "n_bodies", "n_parts", "largest_member_count",
                             "n_member_types", "first_established", "last_established"],
    "edition_discrepancies": ["name", "field", "old_value", "new_value", "old_quote",
                              "new_quote"],
    "edition_changes": ["name", "change", "table", "field", "old_value", "new_value"],
    "peer_gaps": ["rank", "text"],
}



_ENUM_COLUMNS = {"kind": "meeting_kind", "change": "change", "band": "age_band"}



def labelled(frame: pd.DataFrame, columns: Sequence[str], lang: str) -> pd.DataFrame:
    """The shown columns of a result frame with label-table headers and enum labels."""

    shown = frame.loc[:, [c for c in columns if c in frame.columns]].copy()
    if lang == "en" and "name" in shown.columns and "name_en" in frame.columns:
        shown["name"] = frame["name_en"]
    for column, group in _ENUM_COLUMNS.items():
        if column in shown.columns:
            names = labels(group, lang)
            shown[column] = shown[column].map(lambda v, names=names: names.get(v, v))
    return shown.rename(columns={c: label("column", c, lang) for c in shown.columns})



def _first(items: list[str], limit: int | None) -> tuple[list[str], str]:
    """The first ``limit`` items and " … (+n)" for the rest ("" when all fit)."""
    if limit is None or len(items) <= limit:
        return items, ""
    return items[:limit], f" … (+{len(items) - limit})"



def source_line(frame: pd.DataFrame, dataset: Dataset, lang: str,
                max_ids: int | None = None) -> str:
    """'Sources: <titles> (row ids: …)' for the rows behind a result frame; with
    ``max_ids``, the first ids (and three titles) and how many more (the CSV has all)."""
    ids = evidence_ids(frame)
    source_ids = sorted({i.rsplit("-", 2)[0] for i in ids if i.count("-") >= 2})
    titles = dataset.sources.set_index("source_id")["title"]
    named, more_titles = _first([titles[s] for s in source_ids if s in titles.index],
                                None if max_ids is None else 3)
    shown, more_ids = _first(ids, max_ids)
    sep = label("template", "list_separator", lang)
    return label("view", "sources_line", lang).format(
        titles=(sep.join(named) + more_titles) or "—",
        ids=(compact_ids(shown) + more_ids) or "—")



def make_view(name: str, dataset: Dataset, table: pd.DataFrame, figure: Figure | None,
          lang: str, max_ids: int | None = None) -> View:
    display = labelled(table, TABLE_COLUMNS[name], lang) if name in TABLE_COLUMNS else None
    return View(name, label("view", f"{name}_title", lang), label("view", f"{name}_lead", lang),
                table, figure, source_line(table, dataset, lang, max_ids), display)



def enum_labels(series: pd.Series, group: str, lang: str) -> pd.Series:

    names = labels(group, lang)
    return series.map(lambda v: names.get(v, v))



def municipality_name(dataset: Dataset, code: str, lang: str = "ja") -> str:
    """The name to print: Japanese, or the romaji reading in English."""
    row = dataset.municipalities.set_index("municipality_code").loc[code]
    return row["name_romaji"] if lang == "en" else row["name"]



def edition_label(edition: str, lang: str = "ja") -> str:

    return labels("edition", lang).get(edition, edition)
