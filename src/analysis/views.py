"""What the notebooks show, composed from metrics and charts: one ``View`` per chart or
table, each with its title, a sentence of narrative, its result frame and its sources.

Notebooks call these and display the result (``analysis.display.show_view``); the build
exports the same views as ``tables/<name>.csv`` and ``figures/<name>.png|svg``. All
wording comes from the label table, so ``lang="en"`` changes every word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from analysis import charts, metrics
from analysis.labels import label
from analysis.tables import Dataset


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
    "age_coverage_summary": ["band", "n_municipalities", "n_covered", "n_partial", "n_no_data"],
    "meeting_intensity": ["name", "kind", "n_meetings", "n_counted", "per_year",
                          "n_regular_unquantified", "n_irregular", "n_unstated"],
    "network_body_summary": ["name", "n_bodies", "member_count_total", "n_member_types",
                             "first_established", "last_established"],
    "edition_discrepancies": ["name", "field", "old_value", "new_value", "old_quote",
                              "new_quote"],
    "edition_changes": ["name", "change", "table", "field", "old_value", "new_value"],
    "peer_gaps": ["rank", "text"],
}
_ENUM_COLUMNS = {"kind": "meeting_kind", "change": "change", "band": "age_band"}


def labelled(frame: pd.DataFrame, columns: Sequence[str], lang: str) -> pd.DataFrame:
    """The shown columns of a result frame with label-table headers and enum labels."""
    from analysis.labels import labels

    shown = frame.loc[:, [c for c in columns if c in frame.columns]].copy()
    if lang == "en" and "name" in shown.columns and "name_en" in frame.columns:
        shown["name"] = frame["name_en"]
    for column, group in _ENUM_COLUMNS.items():
        if column in shown.columns:
            names = labels(group, lang)
            shown[column] = shown[column].map(lambda v, names=names: names.get(v, v))
    return shown.rename(columns={c: label("column", c, lang) for c in shown.columns})


def source_line(frame: pd.DataFrame, dataset: Dataset, lang: str) -> str:
    """'Sources: <titles> (row ids: …)' for the rows behind a result frame."""
    ids = metrics.evidence_ids(frame)
    source_ids = sorted({i.rsplit("-", 2)[0] for i in ids if i.count("-") >= 2})
    titles = dataset.sources.set_index("source_id")["title"]
    named = [titles[s] for s in source_ids if s in titles.index]
    sep = label("template", "list_separator", lang)
    return label("view", "sources_line", lang).format(
        titles=sep.join(named) or "—", ids=metrics.compact_ids(ids) or "—")


def _view(name: str, dataset: Dataset, table: pd.DataFrame, figure: Figure | None,
          lang: str) -> View:
    display = labelled(table, TABLE_COLUMNS[name], lang) if name in TABLE_COLUMNS else None
    return View(name, label("view", f"{name}_title", lang), label("view", f"{name}_lead", lang),
                table, figure, source_line(table, dataset, lang), display)


def previous_edition(dataset: Dataset, edition: str) -> str | None:
    """The latest edition before ``edition`` in the source registry, if any."""
    earlier = sorted(e for e in set(dataset.sources["edition"]) if e and e < edition)
    return earlier[-1] if earlier else None


def summary_of_findings(dataset: Dataset, edition: str, lang: str = "ja") -> pd.DataFrame:
    return metrics.summary_findings(dataset, edition, previous_edition(dataset, edition),
                                    lang=lang)


def comparison_views(dataset: Dataset, edition: str, lang: str = "ja",
                     municipalities: Sequence[str] = ()) -> list[View]:
    """Every comparison chart and table of one edition (optionally of some municipalities)."""
    data = metrics.edition_dataset(dataset, edition)
    if municipalities:
        data = restrict(data, municipalities)
    names = data.municipalities
    ages = metrics.age_coverage(data.target_ages, names, data.services)
    frequencies = metrics.meeting_frequencies(data.meetings, names)
    composition = metrics.body_composition(data.network_bodies, data.network_body_members,
                                           names)
    channels = metrics.channel_coverage(data.channels, names, data.services)
    menus = metrics.national_menu_coverage(data.services, names)
    counts = metrics.service_counts(data.services, names)
    timeline = metrics.establishment_timeline(data)
    edges = metrics.collaboration_edges(data.collaborations, names)
    return [
        _view("channel_coverage", dataset, channels,
              charts.channel_coverage_heatmap(channels, lang), lang),
        _view("age_coverage", dataset, ages, charts.age_coverage_chart(ages, lang), lang),
        _view("age_coverage_summary", dataset, metrics.age_coverage_summary(ages), None, lang),
        _view("meeting_frequencies", dataset, frequencies,
              charts.meeting_frequency_chart(frequencies, lang), lang),
        _view("meeting_intensity", dataset, metrics.meeting_intensity(data.meetings, names),
              None, lang),
        _view("national_menu_coverage", dataset, menus,
              charts.national_menu_matrix(menus, lang,
                                          designations=metrics.designations(data.services,
                                                                            names)), lang),
        _view("network_body_composition", dataset, composition,
              charts.body_composition_chart(composition, lang), lang),
        _view("network_body_summary", dataset,
              metrics.network_body_summary(data.network_bodies, data.network_body_members,
                                           names), None, lang),
        _view("establishment_timeline", dataset, timeline,
              charts.establishment_timeline_chart(timeline, lang), lang),
        _view("service_map", dataset, counts,
              charts.municipality_map(counts, "n_services", lang, metric="n_services",
                                      municipalities=dataset.municipalities), lang),
        _view("collaborations", dataset, edges, charts.collaboration_graph(edges, lang), lang),
    ]


def restrict(data: Dataset, codes: Sequence[str]) -> Dataset:
    """The dataset cut to some municipalities (tables without a code follow their body)."""
    import dataclasses

    keep = set(codes)
    frames = {}
    for field in dataclasses.fields(data):
        frame = getattr(data, field.name)
        if "municipality_code" in frame.columns and field.name not in ("municipalities",
                                                                       "sources"):
            frame = frame.loc[frame["municipality_code"].isin(keep)]
        frames[field.name] = frame
    bodies = set(frames["network_bodies"]["body_id"])
    frames["network_body_members"] = data.network_body_members.loc[
        data.network_body_members["body_id"].isin(bodies)]
    frames["meeting_bodies"] = data.meeting_bodies.loc[data.meeting_bodies["body_id"].isin(bodies)]
    return Dataset(**frames)


def edition_change_views(dataset: Dataset, from_edition: str, to_edition: str,
                         lang: str = "ja") -> list[View]:
    changes = metrics.edition_changes(dataset, from_edition, to_edition)
    discrepancies = changes.loc[changes["change"] == "discrepancy"]
    return [
        _view("edition_changes", dataset, changes, None, lang),
        _view("edition_discrepancies", dataset, discrepancies, None, lang),
    ]


def gap_review_views(dataset: Dataset, code: str, edition: str, peers: str | list[str],
                     lang: str = "ja") -> list[View]:
    data = metrics.edition_dataset(dataset, edition)
    benchmark = metrics.peer_benchmark(metrics.features(data), data.municipalities, code,
                                       peers, lang)
    gaps = metrics.peer_gaps(benchmark, lang=lang)
    return [
        _view("peer_benchmark", dataset, benchmark, charts.peer_gap_chart(benchmark, lang),
              lang),
        _view("peer_gaps", dataset, gaps, None, lang),
    ]


@dataclass(frozen=True)
class FactTable:
    """Facts of one kind about one municipality, each row with its id, source and quote."""

    name: str
    title: str
    frame: pd.DataFrame  # display columns, then row_id, source_id, quote


def profile_sources(dataset: Dataset, code: str, edition: str) -> list[str]:
    """The edition's sources, plus sources about this municipality alone (visit records)."""
    sources = dataset.sources
    own = (sources["edition"] == "") & (sources["municipality_code"] == code)
    return sorted(sources.loc[(sources["edition"] == edition) | own, "source_id"])


def _enum(series: pd.Series, group: str, lang: str) -> pd.Series:
    from analysis.labels import labels

    names = labels(group, lang)
    return series.map(lambda v: names.get(v, v))


def _date(year: pd.Series, month: pd.Series, lang: str) -> pd.Series:
    template = label("template", "year_month", lang)
    year_only = label("template", "year_only", lang)
    return pd.Series([
        "" if pd.isna(y) else (year_only.format(year=int(y)) if pd.isna(m)
                               else template.format(year=int(y), month=int(m)))
        for y, m in zip(year, month, strict=True)], index=year.index, dtype=object)


def _age(low: pd.Series, high: pd.Series, lang: str) -> pd.Series:
    return pd.Series([
        label("template", "age_all", lang) if pd.isna(a) and pd.isna(b) else
        f"{'' if pd.isna(a) else int(a)}–{'' if pd.isna(b) else int(b)}"
        for a, b in zip(low, high, strict=True)], index=low.index, dtype=object)


def _facts(name: str, frame: pd.DataFrame, columns: dict[str, pd.Series], row_id: str,
           lang: str) -> FactTable:
    headers = {key: label("column", key, lang) for key in columns}
    shown = pd.DataFrame({headers[key]: values for key, values in columns.items()},
                         index=frame.index)
    shown["row_id"] = frame[row_id]
    shown["source_id"] = frame["source_id"]
    shown["quote"] = frame["quote"]
    return FactTable(name, label("view", f"profile_{name}", lang), shown.reset_index(drop=True))


def profile_facts(dataset: Dataset, code: str, edition: str, lang: str = "ja") -> list[FactTable]:
    """Everything the sources state about one municipality in one edition (and its visit
    records), as fact tables with quotes."""
    keep = set(profile_sources(dataset, code, edition))

    def own(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[(frame["municipality_code"] == code) & frame["source_id"].isin(keep)]

    services = own(dataset.services)
    service_names = dataset.services.set_index("service_id")["name"]
    channels = own(dataset.channels)
    ages = own(dataset.target_ages)
    meetings = own(dataset.meetings)
    bodies = own(dataset.network_bodies)
    body_names = dataset.network_bodies.set_index("body_id")["name"]
    members = dataset.network_body_members.loc[
        dataset.network_body_members["body_id"].isin(bodies["body_id"])]
    milestones = own(dataset.milestones)
    partners = own(dataset.collaborations)
    return [
        _facts("services", services, {
            "name": services["name"],
            "category": _enum(services["category"], "service_category", lang),
            "national_menu": _enum(services["national_menu"], "national_menu", lang),
            "operator": services["operator_name"].where(
                services["operator_name"] != "", _enum(services["operator_type"],
                                                       "operator_type", lang)),
            "established": _date(services["established_year"], services["established_month"],
                                 lang)}, "service_id", lang),
        _facts("channels", channels, {
            "service": channels["service_id"].map(service_names),
            "channel": _enum(channels["channel"], "channel", lang)}, "service_id", lang),
        _facts("target_ages", ages, {
            "service": ages["service_id"].map(service_names),
            "ages": _age(ages["age_min"], ages["age_max"], lang),
            "age_text": ages["age_text"]}, "service_id", lang),
        _facts("meetings", meetings, {
            "name": meetings["name"],
            "kind": _enum(meetings["kind"], "meeting_kind", lang),
            "frequency_text": meetings["frequency_text"],
            "per_year": meetings["per_year"].map(lambda v: "" if pd.isna(v) else f"{v:g}")},
            "meeting_id", lang),
        _facts("network_bodies", bodies, {
            "name": bodies["name"],
            "kind": _enum(bodies["kind"], "body_kind", lang),
            "established": _date(bodies["established_year"], bodies["established_month"], lang),
            "member_count": bodies["member_count"].map(lambda v: "" if pd.isna(v) else str(v))},
            "body_id", lang),
        _facts("members", members, {
            "body": members["body_id"].map(body_names),
            "member_type": _enum(members["member_type"], "member_type", lang),
            "member_text": members["member_text"]}, "body_id", lang),
        _facts("milestones", milestones, {
            "title": milestones["title"],
            "kind": _enum(milestones["kind"], "milestone_kind", lang),
            "date": _date(milestones["year"], milestones["month"], lang)}, "milestone_id", lang),
        _facts("collaborations", partners, {
            "partner": partners["partner_text"],
            "activity": partners["activity"]}, "collaboration_id", lang),
    ]


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


def municipality_name(dataset: Dataset, code: str, lang: str = "ja") -> str:
    """The name to print: Japanese, or the romaji reading in English."""
    row = dataset.municipalities.set_index("municipality_code").loc[code]
    return row["name_romaji"] if lang == "en" else row["name"]


def edition_label(edition: str, lang: str = "ja") -> str:
    from analysis.labels import labels

    return labels("edition", lang).get(edition, edition)


def menus_run(dataset: Dataset, code: str, edition: str, lang: str = "ja") -> list[str]:
    """The national menus the municipality's services of this edition correspond to."""
    from analysis.labels import labels

    data = metrics.edition_dataset(dataset, edition)
    coverage = metrics.national_menu_coverage(data.services, data.municipalities)
    run = coverage.loc[(coverage["municipality_code"] == code) & coverage["runs"]]
    names = labels("national_menu", lang)
    return [names.get(m, m) for m in run["national_menu"]]


def focus_strengths(benchmark: pd.DataFrame) -> list[str]:
    """Labels of the features the focus municipality has, rarest among peers first."""
    has = benchmark.loc[benchmark["focus_has"].astype(bool)]
    return list(has.sort_values(["peer_share", "label"], kind="stable")["label"])


def discussion_points(gaps: pd.DataFrame, lang: str = "ja", top: int = 5) -> list[str]:
    """Questions derived from the commonest gaps: the data only, no advice."""
    template = label("view", "discussion_point", lang)
    return [template.format(text=text) for text in gaps["text"].head(top)]
