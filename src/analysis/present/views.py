"""What the notebooks show, composed from metrics and charts: one ``View`` per chart or
table, each with its title, a sentence of narrative, its result frame and its sources.

Notebooks call these and display the result (``analysis.present.display.show_view``); the build
exports the same views as ``tables/<name>.csv`` and ``figures/<name>.png|svg``. All
wording comes from the label table, so ``lang="en"`` changes every word.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from analysis.compare import metrics
from analysis.core.labels import label
from analysis.dataset import tables
from analysis.dataset.tables import Dataset
from analysis.present import charts


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

# A chart keeps one row per municipality up to Tokyo's 62; with more (national data) the
# charts show groups of municipalities instead: prefectures, or cities, towns and villages
# when all are in one prefecture. The CSV exports keep every municipality.
MAX_CHART_ROWS = 62
MAX_SOURCE_IDS = 60  # row ids printed under a grouped view; the CSV's evidence has all
TOKYO = "13"  # prefecture code: the map's boundaries are Tokyo's
# JIS X 0401 prefecture codes → (Japanese, English) names.
PREFECTURES: dict[str, tuple[str, str]] = {f"{i:02d}": names for i, names in enumerate((
    ("北海道", "Hokkaido"), ("青森県", "Aomori"), ("岩手県", "Iwate"), ("宮城県", "Miyagi"),
    ("秋田県", "Akita"), ("山形県", "Yamagata"), ("福島県", "Fukushima"), ("茨城県", "Ibaraki"),
    ("栃木県", "Tochigi"), ("群馬県", "Gunma"), ("埼玉県", "Saitama"), ("千葉県", "Chiba"),
    ("東京都", "Tokyo"), ("神奈川県", "Kanagawa"), ("新潟県", "Niigata"), ("富山県", "Toyama"),
    ("石川県", "Ishikawa"), ("福井県", "Fukui"), ("山梨県", "Yamanashi"), ("長野県", "Nagano"),
    ("岐阜県", "Gifu"), ("静岡県", "Shizuoka"), ("愛知県", "Aichi"), ("三重県", "Mie"),
    ("滋賀県", "Shiga"), ("京都府", "Kyoto"), ("大阪府", "Osaka"), ("兵庫県", "Hyogo"),
    ("奈良県", "Nara"), ("和歌山県", "Wakayama"), ("鳥取県", "Tottori"), ("島根県", "Shimane"),
    ("岡山県", "Okayama"), ("広島県", "Hiroshima"), ("山口県", "Yamaguchi"),
    ("徳島県", "Tokushima"), ("香川県", "Kagawa"), ("愛媛県", "Ehime"), ("高知県", "Kochi"),
    ("福岡県", "Fukuoka"), ("佐賀県", "Saga"), ("長崎県", "Nagasaki"), ("熊本県", "Kumamoto"),
    ("大分県", "Oita"), ("宮崎県", "Miyazaki"), ("鹿児島県", "Kagoshima"), ("沖縄県", "Okinawa"),
), start=1)}


def labelled(frame: pd.DataFrame, columns: Sequence[str], lang: str) -> pd.DataFrame:
    """The shown columns of a result frame with label-table headers and enum labels."""
    from analysis.core.labels import labels

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
    ids = metrics.evidence_ids(frame)
    source_ids = sorted({i.rsplit("-", 2)[0] for i in ids if i.count("-") >= 2})
    titles = dataset.sources.set_index("source_id")["title"]
    named, more_titles = _first([titles[s] for s in source_ids if s in titles.index],
                                None if max_ids is None else 3)
    shown, more_ids = _first(ids, max_ids)
    sep = label("template", "list_separator", lang)
    return label("view", "sources_line", lang).format(
        titles=(sep.join(named) + more_titles) or "—",
        ids=(metrics.compact_ids(shown) + more_ids) or "—")


def _view(name: str, dataset: Dataset, table: pd.DataFrame, figure: Figure | None,
          lang: str, max_ids: int | None = None) -> View:
    display = labelled(table, TABLE_COLUMNS[name], lang) if name in TABLE_COLUMNS else None
    return View(name, label("view", f"{name}_title", lang), label("view", f"{name}_lead", lang),
                table, figure, source_line(table, dataset, lang, max_ids), display)


def previous_edition(dataset: Dataset, edition: str) -> str | None:
    """The latest edition before ``edition`` in the dataset's source registry, if any."""
    return tables.previous_edition(dataset.sources, edition)


def summary_of_findings(dataset: Dataset, edition: str, lang: str = "ja") -> pd.DataFrame:
    return metrics.summary_findings(dataset, edition, previous_edition(dataset, edition),
                                    lang=lang)


def chart_groups(data: Dataset) -> pd.DataFrame | None:
    """None when the documented municipalities fit one chart row each (at most
    ``MAX_CHART_ROWS``); else each one's group for the charts: its prefecture, or its kind
    (市・町・村) when all are in one prefecture. Columns: municipality_code, group,
    group_name, group_name_en (``group`` sorts in display order)."""
    from analysis.core.labels import labels

    codes = metrics.documented_municipalities(data)
    if len(codes) <= MAX_CHART_ROWS:
        return None
    table = data.municipalities.loc[data.municipalities[metrics.CODE].isin(codes)]
    if table["prefecture_code"].nunique() > 1:
        keys = table["prefecture_code"]
        names = [PREFECTURES.get(k, (k, k)) for k in keys]
    else:
        order = {kind: i for i, kind in enumerate(labels("municipality_kind"))}
        keys = table["kind"].map(lambda k: f"{order.get(k, 9)}-{k}")
        names = [(label("municipality_kind", k, "ja"), label("municipality_kind", k, "en"))
                 for k in table["kind"]]
    return pd.DataFrame({metrics.CODE: table[metrics.CODE], "group": keys,
                         "group_name": [ja for ja, _ in names],
                         "group_name_en": [en for _, en in names]})


def _with_groups(frame: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    return frame.merge(groups, how="inner", on=metrics.CODE)


def _as_groups(frame: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """The frame with every municipality replaced by its group, so that a chart of one row
    per municipality draws one row per group."""
    merged = _with_groups(frame, groups)
    return merged.assign(**{metrics.CODE: merged["group"], "name": merged["group_name"],
                            "name_en": merged["group_name_en"]}).drop(
        columns=["group", "group_name", "group_name_en"])


def _grouped_composition(composition: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Members named per type, summed over each group's bodies: one bar per group,
    labelled with the number of bodies (n=…)."""
    grouped = _as_groups(composition, groups)
    n_bodies = grouped.groupby(metrics.CODE)["entity_key"].nunique()
    return (grouped.groupby([metrics.CODE, "name", "name_en", "member_type"], as_index=False)
            .agg(n_members=("n_members", "sum"), evidence=("evidence", metrics.join_ids))
            .assign(entity_key=lambda df: df[metrics.CODE],
                    body_name=lambda df: "n=" + df[metrics.CODE].map(n_bodies).astype(str)))


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
    bands = metrics.age_band_coverage(ages)
    known = bands.loc[bands["status"] != "no_data"].assign(
        covered=lambda df: df["status"] == "covered")
    return charts.group_share_heatmap(_with_groups(known, groups), "band", "covered",
                                      "age_band", label("chart", "age_coverage_title", lang),
                                      lang, commonest_first=False)


def comparison_views(dataset: Dataset, edition: str, lang: str = "ja",
                     municipalities: Sequence[str] = ()) -> list[View]:
    """Every comparison chart and table of one edition (optionally of some municipalities).

    With more than ``MAX_CHART_ROWS`` municipalities the charts show groups
    (``chart_groups``), the partnership graph its twelve largest partnerships, and the
    sources lines their first ids; the map (Tokyo's boundaries) is left out unless every
    municipality is in Tokyo. The tables keep every municipality."""
    data = metrics.edition_dataset(dataset, edition)
    if municipalities:
        data = restrict(data, municipalities)
    names = data.municipalities
    groups = chart_groups(data)
    max_ids = None if groups is None else MAX_SOURCE_IDS
    ages = metrics.age_coverage(data.target_ages, names, data.services)
    frequencies = metrics.meeting_frequencies(data.meetings, names)
    composition = metrics.body_composition(data.network_bodies, data.network_body_members,
                                           names)
    channels = metrics.channel_coverage(data.channels, names, data.services)
    menus = metrics.national_menu_coverage(data.services, names)
    counts = metrics.service_counts(data.services, names)
    timeline = metrics.establishment_timeline(data)
    edges = metrics.collaboration_edges(data.collaborations, names)
    found = [
        _view("channel_coverage", dataset, channels, _coverage_figure(
            channels, groups, "channel", "offered", "channel_coverage_title", lang,
            lambda: charts.channel_coverage_heatmap(channels, lang)), lang, max_ids),
        _view("age_coverage", dataset, ages, _age_figure(ages, groups, lang), lang, max_ids),
        _view("age_coverage_summary", dataset, metrics.age_coverage_summary(ages), None, lang,
              max_ids),
        _view("meeting_frequencies", dataset, frequencies,
              charts.meeting_frequency_chart(frequencies, lang), lang, max_ids),
        _view("meeting_intensity", dataset, metrics.meeting_intensity(data.meetings, names),
              None, lang, max_ids),
        _view("national_menu_coverage", dataset, menus, _coverage_figure(
            menus, groups, "national_menu", "runs", "menu_matrix_title", lang,
            lambda: charts.national_menu_matrix(
                menus, lang, designations=metrics.designations(data.services, names))),
              lang, max_ids),
        _view("network_body_composition", dataset, composition,
              charts.body_composition_chart(composition if groups is None else
                                            _grouped_composition(composition, groups), lang),
              lang, max_ids),
        _view("network_body_summary", dataset,
              metrics.network_body_summary(data.network_bodies, data.network_body_members,
                                           names), None, lang, max_ids),
        _view("establishment_timeline", dataset, timeline,
              charts.establishment_timeline_chart(
                  timeline if groups is None else _as_groups(timeline, groups), lang),
              lang, max_ids),
    ]
    codes = metrics.documented_municipalities(data)
    if all(code.startswith(TOKYO) for code in codes):  # the boundary file is Tokyo's
        found.append(_view("service_map", dataset, counts,
                           charts.municipality_map(counts, "n_services", lang,
                                                   metric="n_services",
                                                   municipalities=dataset.municipalities),
                           lang, max_ids))
    found.append(_view("collaborations", dataset, edges, charts.collaboration_graph(
        edges, lang, max_components=None if groups is None else 12), lang, max_ids))
    return found


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
    from analysis.core.labels import labels

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
        # ``activity`` is the curator's Japanese summary: shown in Japanese reports only
        # (in English the quote below each row says what is done).
        _facts("collaborations", partners, {
            "partner": partners["partner_text"],
            **({"activity": partners["activity"]} if lang == "ja" else {})},
            "collaboration_id", lang),
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
    from analysis.core.labels import labels

    return labels("edition", lang).get(edition, edition)


def menus_run(dataset: Dataset, code: str, edition: str, lang: str = "ja") -> list[str]:
    """The national menus the municipality's services of this edition correspond to."""
    from analysis.core.labels import labels

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
