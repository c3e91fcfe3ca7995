"""The comparison of every municipality of an edition: its charts and tables, and the
summary of findings."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import pandas as pd
from matplotlib.figure import Figure

from analysis.compare.ages import age_band_coverage, age_coverage, age_coverage_summary
from analysis.compare.bodies import body_composition, network_body_summary
from analysis.compare.channels import channel_coverage
from analysis.compare.context import documentation_summary
from analysis.compare.evidence import join_ids
from analysis.compare.meetings import meeting_frequencies, meeting_intensity
from analysis.compare.menus import national_menu_coverage
from analysis.compare.partnerships import collaboration_edges
from analysis.compare.services import designations
from analysis.compare.timeline import establishment_timeline
from analysis.core.formats import is_missing
from analysis.core.labels import label, labels
from analysis.dataset.population import estimate_text
from analysis.dataset.reference import PREFECTURES
from analysis.dataset.scope import (
    documented_municipalities,
    edition_dataset,
    previous_edition,
    restrict,
)
from analysis.dataset.tables import CODE, Dataset
from analysis.present import charts
from analysis.present.findings import Briefing, briefing
from analysis.present.view import TABLE_COLUMNS, View, edition_label, labelled, make_view

# A chart keeps one row per municipality up to Tokyo's 62; with more (national data) the
# charts show groups of municipalities instead: prefectures, or cities, towns and villages
# when all are in one prefecture. The CSV exports keep every municipality.
MAX_CHART_ROWS = 62


TOKYO = "13"  # prefecture code: the map's boundaries are Tokyo's


def comparison_briefing(dataset: Dataset, edition: str, lang: str = "ja",
                        municipalities: Sequence[str] = ()) -> Briefing:
    """The report's first page for the municipalities compared: with a selection, its
    denominators are the selected municipalities and it leaves out the edition changes
    (which the report shows for the whole edition only, as the exports do)."""
    if municipalities:
        chosen = dataset.municipalities[CODE].isin(set(municipalities))
        dataset = dataclasses.replace(restrict(dataset, municipalities),
                                      municipalities=dataset.municipalities.loc[chosen])
        return briefing(dataset, edition, None, lang)
    return briefing(dataset, edition, previous_edition(dataset.sources, edition), lang)


def chart_groups(data: Dataset) -> pd.DataFrame | None:
    """None when the documented municipalities fit one chart row each (at most
    ``MAX_CHART_ROWS``); else each one's group for the charts: its prefecture, or its kind
    (市・町・村) when all are in one prefecture. Columns: municipality_code, group,
    group_name, group_name_en (``group`` sorts in display order)."""

    codes = documented_municipalities(data)
    if len(codes) <= MAX_CHART_ROWS:
        return None
    table = data.municipalities.loc[data.municipalities[CODE].isin(codes)]
    if table["prefecture_code"].nunique() > 1:
        keys = table["prefecture_code"]
        names = [PREFECTURES.get(k, (k, k)) for k in keys]
    else:
        order = {kind: i for i, kind in enumerate(labels("municipality_kind"))}
        keys = table["kind"].map(lambda k: f"{order.get(k, 9)}-{k}")
        names = [(label("municipality_kind", k, "ja"), label("municipality_kind", k, "en"))
                 for k in table["kind"]]
    return pd.DataFrame({CODE: table[CODE], "group": keys,
                         "group_name": [ja for ja, _ in names],
                         "group_name_en": [en for _, en in names]})


def _with_groups(frame: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    return frame.merge(groups, how="inner", on=CODE)


def _as_groups(frame: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """The frame with every municipality replaced by its group, so that a chart of one row
    per municipality draws one row per group."""
    merged = _with_groups(frame, groups)
    return merged.assign(**{CODE: merged["group"], "name": merged["group_name"],
                            "name_en": merged["group_name_en"]}).drop(
        columns=["group", "group_name", "group_name_en"])


def _grouped_composition(composition: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Members named per type, summed over each group's bodies: one bar per group,
    labelled with the number of bodies (n=…)."""
    grouped = _as_groups(composition, groups)
    n_bodies = grouped.groupby(CODE)["entity_key"].nunique()
    return (grouped.groupby([CODE, "name", "name_en", "member_type"], as_index=False)
            .agg(n_members=("n_members", "sum"), evidence=("evidence", join_ids))
            .assign(entity_key=lambda df: df[CODE],
                    body_name=lambda df: "n=" + df[CODE].map(n_bodies).astype(str)))


def _coverage_figure(coverage: pd.DataFrame, groups: pd.DataFrame | None, feature: str,
                     has: str, title: str, lang: str,
                     per_municipality: Callable[[], Figure]) -> Figure:
    """A municipality × feature chart, or its group-share heatmap for many municipalities."""
    if groups is None:
        return per_municipality()
    return charts.group_share_heatmap(_with_groups(coverage, groups), feature, has, feature,
                                      label("chart", title, lang), lang)


def _age_figure(ages: pd.DataFrame, groups: pd.DataFrame | None, lang: str) -> Figure:
    if groups is None:
        return charts.age_coverage_chart(ages, lang)
    bands = age_band_coverage(ages)
    known = bands.loc[bands["status"] != "no_data"].assign(
        covered=lambda df: df["status"] == "covered")
    return charts.group_share_heatmap(_with_groups(known, groups), "band", "covered",
                                      "age_band", label("chart", "age_coverage_title", lang),
                                      lang, commonest_first=False)


def basis_line(data: Dataset, edition: str, codes: Sequence[str], lang: str) -> str:
    """What every comparison view compares: the municipalities an edition's appendix
    documents (n of the code list), on the appendix alone; a blank is not documented."""
    return label("view", "basis_line", lang).format(
        edition=edition_label(edition, lang), n=len(codes),
        total=len(data.municipalities))


def summary_display(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The municipality summary as printed: estimates rounded as everywhere else
    (``estimate_text``), so the table, the profile and the gap review say one number."""
    def rounded(values: pd.Series) -> list[str]:
        return [label("template", "not_stated", lang) if is_missing(v)
                else estimate_text(float(v), lang) for v in values]

    shown = summary.assign(estimated_need=rounded(summary["estimated_need"]),
                           need_per_window=rounded(summary["need_per_window"]))
    return labelled(shown, TABLE_COLUMNS["municipality_summary"], lang)


def intensity_display(intensity: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The meeting table as printed: one row per municipality, its meetings by kind in
    one cell (協議会1・講演会2), the frequency statuses added up over its kinds (counts
    of meetings, never of times a year). The CSV keeps one row per kind."""
    kinds = labels("meeting_kind", lang)
    sep = label("template", "item_separator", lang)  # kinds' names contain "・"
    counts = ["n_meetings", "n_counted", "n_regular_unquantified", "n_irregular",
              "n_unstated", "n_single_event"]
    per_municipality = (
        intensity.assign(kind_text=[
            f"{kinds.get(kind, kind)}{n}" if kind else ""
            for kind, n in zip(intensity["kind"], intensity["n_meetings"], strict=True)])
        .groupby([CODE, "name", "name_en"], as_index=False, sort=True)
        .agg(kinds=("kind_text", lambda texts: sep.join(t for t in texts if t)),
             **{c: (c, "sum") for c in counts}))
    return labelled(per_municipality, ["name", "kinds", *counts], lang)


def comparison_views(dataset: Dataset, edition: str, lang: str = "ja",
                     municipalities: Sequence[str] = ()) -> list[View]:
    """Every comparison chart and table of one edition (optionally of some municipalities).

    Every view compares the municipalities the edition's guidebook appendix documents, on
    the appendix alone (``basis_line`` says so under each); supplementary sources (a visit
    record) are never counted here. Municipalities appear in code order: no league table.

    With more than ``MAX_CHART_ROWS`` municipalities the charts show groups
    (``chart_groups``) and the partnership graph its twelve largest partnerships; the map
    (Tokyo's boundaries) is left out unless every municipality is in Tokyo. The tables
    keep every municipality."""
    data = edition_dataset(dataset, edition)
    if municipalities:
        data = restrict(data, municipalities)
    names = data.municipalities
    codes = documented_municipalities(data)
    groups = chart_groups(data)
    max_titles = None if groups is None else 3
    basis = basis_line(data, edition, codes, lang)

    def view(name: str, table: pd.DataFrame, figure: Figure | None,
             display: pd.DataFrame | None = None) -> View:
        # a view showing population or the estimate names their sources too
        line = (f"{basis} {label('view', 'population_sources', lang)}"
                if "population" in table.columns else basis)
        return make_view(name, dataset, table, figure, lang, max_titles, line, display)

    summary = documentation_summary(data, codes)
    ages = age_coverage(data.target_ages, names, data.services, codes)
    frequencies = meeting_frequencies(data.meetings, names)
    composition = body_composition(data.network_bodies, data.network_body_members, names)
    channels = channel_coverage(data)
    menus = national_menu_coverage(data)
    timeline = establishment_timeline(data)
    intensity = meeting_intensity(data.meetings, names, codes)
    edges = collaboration_edges(data.collaborations, names)
    found = [
        view("municipality_summary", summary,
             charts.size_chart(summary, "n_services", lang) if groups is None else None,
             summary_display(summary, lang)),
        view("channel_coverage", channels, _coverage_figure(
            channels, groups, "channel", "offered", "channel_coverage_title", lang,
            lambda: charts.channel_coverage_heatmap(channels, lang))),
        view("age_coverage", ages, _age_figure(ages, groups, lang)),
        view("age_coverage_summary", age_coverage_summary(ages), None),
        view("meeting_frequencies", frequencies,
             charts.meeting_frequency_chart(
                 frequencies if groups is None else _as_groups(frequencies, groups), lang)),
        view("meeting_intensity", intensity, None, intensity_display(intensity, lang)),
        view("national_menu_coverage", menus, _coverage_figure(
            menus, groups, "national_menu", "runs", "menu_matrix_title", lang,
            lambda: charts.national_menu_matrix(
                menus, lang, designations=designations(data.services, names)))),
        view("network_body_composition", composition,
             charts.body_composition_chart(composition if groups is None else
                                           _grouped_composition(composition, groups), lang)),
        view("network_body_summary",
             network_body_summary(data.network_bodies, data.network_body_members, names,
                                  codes), None),
        view("establishment_timeline", timeline, charts.establishment_timeline_chart(
            timeline if groups is None else _as_groups(timeline, groups), lang)),
    ]
    if all(code.startswith(TOKYO) for code in codes):  # the boundary file is Tokyo's
        found.append(view("service_map", summary, charts.municipality_map(
            summary, "n_services_per_100k", lang, metric="n_services_per_100k",
            municipalities=dataset.municipalities)))
    found.append(view("collaborations", edges, charts.collaboration_graph(
        edges, lang, max_components=None if groups is None else 12)))
    return found


def select_municipalities(dataset: Dataset, area: str = "",
                          municipalities: Sequence[str] = ()) -> list[str]:
    """Codes chosen by an explicit list and/or an area (``ku``, ``tama``, ``islands``);
    empty when neither is given (meaning: all)."""
    table = dataset.municipalities
    codes = set(municipalities)
    if area:
        in_area = set(table.loc[table["area"] == area, "municipality_code"])
        codes = codes & in_area if codes else in_area
    return sorted(codes)
