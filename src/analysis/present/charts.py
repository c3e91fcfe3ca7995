"""One function per chart: result frame in, matplotlib Figure out, one shared style.

- Figures are made with ``Figure()``, not pyplot: no global figure registry, no leaks,
  and a notebook shows exactly the figure a cell returns.
- Colours come from the Okabe–Ito colour-blind-safe palette, ordered so that
  neighbouring series differ in lightness; where colour alone would tell series apart,
  hatching or marker shapes do too, so the charts survive grey-scale printing.
- Every label comes from ``labels.csv`` in the chosen ``lang`` ("ja" or "en"); only data
  (service and body names) stays as the source wrote it.
- ``caption=True`` prints the row ids behind the chart under it (``sources_note``);
  ``save_figure`` writes byte-identical PNG and SVG for identical input.
"""

from __future__ import annotations

import functools
import io
import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis.compare.evidence import compact_ids, evidence_ids
from analysis.compare.meetings import FREQUENCY_STATUSES
from analysis.core.codes import with_check_digit
from analysis.core.fonts import setup_matplotlib
from analysis.core.labels import label, labels
from analysis.core.paths import reference_dir
from analysis.dataset.tables import CODE

# Okabe–Ito blue and a light grey: distinct in colour and in lightness.
OFFERED_COLOUR = "#0072B2"
ABSENT_COLOUR = "#F2F2F2"
GAP_COLOUR = "#E69F00"  # orange: light where blue is dark, so gaps stand out in grey too
NO_DATA_COLOUR = "#FFFFFF"
EDGE_COLOUR = "#333333"
# Cross-hatching is kept for "no data" alone.
NO_DATA_HATCH = "xxxx"
# Series: Okabe–Ito colours, alternating dark and light, each with its own hatch.
SERIES: tuple[tuple[str, str], ...] = (
    ("#0072B2", ""), ("#F0E442", "//"), ("#009E73", ".."), ("#E69F00", "\\\\"),
    ("#000000", ""), ("#56B4E9", "||"), ("#D55E00", "--"), ("#CC79A7", "oo"),
    ("#999999", "++"), ("#FFFFFF", "//"), ("#004D7A", ".."), ("#F7C873", "||"),
)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "h", "<", ">", "*", "p")  # one per series
BOUNDARIES = reference_dir() / "tokyo-municipalities-n03-2021.geojson"
MAP_CRS = "EPSG:6677"  # JGD2011 plane rectangular IX (Tokyo): metres, true shapes

STYLE = {"figure.dpi": 100, "savefig.dpi": 150, "axes.spines.top": False,
         "axes.spines.right": False, "svg.hashsalt": "analysis", "svg.fonttype": "path",
         "hatch.linewidth": 0.6, "hatch.color": EDGE_COLOUR, "font.size": 9,
         "legend.fontsize": 8, "legend.frameon": False}
PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None}


def _style() -> None:
    setup_matplotlib()
    matplotlib.rcParams.update(STYLE)


def _series(i: int) -> tuple[str, str]:
    return SERIES[i % len(SERIES)]


def _name_column(lang: str) -> str:
    return "name" if lang == "ja" else "name_en"


def _empty(fig: Figure, lang: str) -> Figure:
    """An empty input still gives a figure that says so."""
    ax = fig.subplots()
    ax.set_axis_off()
    ax.text(0.5, 0.5, label("chart", "no_data", lang), ha="center", va="center")
    return fig


# ----------------------------------------------------------------- sources, saving

def sources_note(frame: pd.DataFrame, lang: str = "ja", compact: bool = True) -> str:
    """The row ids behind a result frame, as one citable line (``出典（行ID）：…``);
    ``compact`` writes ids of one source and municipality as ``fy2024_main-132039-{s01,m02}``."""
    ids = evidence_ids(frame)
    text = compact_ids(ids) if compact else " ".join(ids)
    return label("template", "sources", lang).format(ids=text)


def _finish(fig: Figure, frame: pd.DataFrame, caption: bool, lang: str) -> Figure:
    """Add the sources caption under the figure (saved with a tight bounding box)."""
    if caption:
        width = max(40, int(fig.get_figwidth() * 16))
        fig.text(0.01, 0.0, textwrap.fill(sources_note(frame, lang), width), fontsize=5,
                 va="top", ha="left", color="#555555")
    return fig


def figure_bytes(fig: Figure, fmt: str = "png", dpi: float | None = None) -> bytes:
    """PNG or SVG bytes of a figure, with no metadata that changes between runs (a fixed
    SVG hash salt, no PNG ``Software`` or SVG ``Date``)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": STYLE["svg.hashsalt"]}):
        fig.savefig(buffer, format=fmt, bbox_inches="tight", dpi=dpi or STYLE["savefig.dpi"],
                    metadata=PNG_METADATA if fmt == "png" else SVG_METADATA)
    return buffer.getvalue()


def save_figure(fig: Figure, path_stem: Path | str,
                formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write ``<path_stem>.png`` and ``.svg`` deterministically; return the paths."""
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        path.write_bytes(figure_bytes(fig, fmt))
        paths.append(path)
    return paths


# ------------------------------------------------------------------ matrix charts

def _matrix_chart(frame: pd.DataFrame, feature: str, has: str, count: str, group: str,
                  title: str, lang: str, row_notes: dict[str, str] | None = None) -> Figure:
    """Municipality × feature grid with each feature's prevalence on top (``n/total``: the
    denominator is every municipality of the grid). Municipalities in code order (the
    wards, the Tama cities and towns, the islands — no league table); only features some
    municipality has, commonest first (a column of absences says nothing)."""
    matrix = frame.pivot_table(index=CODE, columns=feature, values=count, aggfunc="sum",
                               fill_value=0)
    offered = frame.pivot_table(index=CODE, columns=feature, values=has, aggfunc="any",
                                fill_value=False).astype(bool)
    order = {key: i for i, key in enumerate(labels(group))}
    n_with = offered.sum(axis=0)
    columns = sorted((c for c in offered.columns if n_with[c] > 0),
                     key=lambda c: (-n_with[c], order.get(c, 99)))
    rows = sorted(offered.index)
    total = len(rows)
    offered, matrix = offered.loc[rows, columns], matrix.loc[rows, columns]
    names = frame.drop_duplicates(CODE).set_index(CODE)[_name_column(lang)]
    feature_labels = labels(group, lang)

    fig = Figure(figsize=(2.2 + 0.8 * max(1, len(columns)), 2.2 + 0.3 * len(rows)),
                 layout="constrained")
    top, ax = fig.subplots(2, 1, sharex=True,
                           gridspec_kw={"height_ratios": [1.2, max(2.0, 0.3 * len(rows))]})
    shares = [n_with[c] / total for c in columns]
    top.bar(range(len(columns)), shares, color=OFFERED_COLOUR, width=0.7)
    for x, c in enumerate(columns):
        top.text(x, n_with[c] / total, f"{int(n_with[c])}/{total}", ha="center",
                 va="bottom", fontsize=7)
    top.set_ylim(0, 1.25)
    top.set_yticks([])
    top.spines["left"].set_visible(False)
    top.set_ylabel(label("chart", "prevalence", lang), fontsize=7, rotation=0, ha="right",
                   va="center")
    top.set_title(title)
    ax.imshow(offered.to_numpy(dtype=int).reshape(len(rows), len(columns)),
              cmap=ListedColormap([ABSENT_COLOUR, OFFERED_COLOUR]), vmin=0, vmax=1,
              aspect="auto")
    for (y, x), n in np.ndenumerate(matrix.to_numpy()):
        if n > 0:  # the count in the cell: the grid reads without colour too
            ax.text(x, y, str(int(n)), ha="center", va="center", color="white", fontsize=7)
    ax.set_xticks(range(len(columns)),
                  [textwrap.fill(feature_labels.get(c, c), 5 if lang == "ja" else 14)
                   for c in columns], fontsize=7)
    row_labels = [names.get(code, code) + (f"  {row_notes[code]}" if row_notes and
                                           code in row_notes else "") for code in rows]
    ax.set_yticks(range(len(rows)), row_labels, fontsize=8)
    ax.set_xticks([x - 0.5 for x in range(1, len(columns))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(rows))], minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="both", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_ylabel(label("chart", "municipality", lang))
    return fig


def channel_coverage_heatmap(coverage: pd.DataFrame, lang: str = "ja",
                             caption: bool = False) -> Figure:
    """1. Municipalities × ways to consult (``compare.channels.channel_coverage``), in code
    order, commonest channels first, the number of services in each cell, each channel's
    prevalence (n of all) as a margin."""
    _style()
    if coverage.empty:
        return _empty(Figure(figsize=(4, 2)), lang)
    fig = _matrix_chart(coverage, "channel", "offered", "n_services", "channel",
                        label("chart", "channel_coverage_title", lang), lang)
    return _finish(fig, coverage, caption, lang)


def national_menu_matrix(coverage: pd.DataFrame, lang: str = "ja",
                         designations: pd.DataFrame | None = None,
                         caption: bool = False) -> Figure:
    """7. Municipality × the eight national menus (``compare.menus.national_menu_coverage``),
    the designations the sources state (``compare.services.designations``) beside the names."""
    _style()
    if coverage.empty:
        return _empty(Figure(figsize=(4, 2)), lang)
    notes = None
    frames = [coverage]
    if designations is not None and not designations.empty:
        separator = label("template", "list_separator", lang)
        notes = (designations.groupby(CODE)["designation"]
                 .agg(lambda d: f"（{separator.join(dict.fromkeys(d))}）").to_dict())
        frames.append(designations)
    fig = _matrix_chart(coverage, "national_menu", "runs", "n_services", "national_menu",
                        label("chart", "menu_matrix_title", lang), lang, notes)
    return _finish(fig, pd.concat(frames, ignore_index=True), caption, lang)


def group_share_heatmap(frame: pd.DataFrame, feature: str, has: str, group: str,
                        title: str, lang: str = "ja", caption: bool = False,
                        commonest_first: bool = True) -> Figure:
    """Groups of municipalities (prefectures, or kinds of municipality) × features: the
    share of each group's municipalities that have the feature, for more municipalities
    than one row each would keep legible. ``frame``: a municipality × feature frame (e.g.
    ``compare.channels.channel_coverage``) with ``group``, ``group_name`` and ``group_name_en``
    columns added; ``has``: its boolean column; ``group``: the labels.csv group of the
    features. Rows in group order (prefectures north to south); features commonest
    first (or, ``commonest_first=False``, in label order: age bands young to old); each
    cell prints its share, so the grid reads without colour too."""
    _style()
    if frame.empty:
        return _empty(Figure(figsize=(4, 2)), lang)
    known = frame.assign(has=frame[has].astype(bool))
    shares = known.pivot_table(index="group", columns=feature, values="has", aggfunc="mean")
    overall = known.groupby(feature)["has"].mean()
    order = {key: i for i, key in enumerate(labels(group))}
    columns = sorted(shares.columns, key=lambda c: ((-overall[c] if commonest_first else 0),
                                                    order.get(c, 99)))
    rows = sorted(shares.index)
    shares = shares.loc[rows, columns]
    sizes = known.groupby("group")[CODE].nunique()
    names = known.drop_duplicates("group").set_index("group")[
        "group_name" if lang == "ja" else "group_name_en"]
    feature_labels = labels(group, lang)

    fig = Figure(figsize=(2.6 + 0.75 * len(columns), 1.6 + 0.26 * len(rows)),
                 layout="constrained")
    ax = fig.subplots()
    cmap = matplotlib.colormaps["cividis_r"]  # light = few, dark = many; CVD-safe
    image = ax.imshow(shares.to_numpy(dtype=float), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    for (y, x), share in np.ndenumerate(shares.to_numpy(dtype=float)):
        if not np.isnan(share):
            ax.text(x, y, f"{share:.0%}", ha="center", va="center", fontsize=6,
                    color="white" if share > 0.55 else "black")
    ax.set_xticks(range(len(columns)),
                  [textwrap.fill(feature_labels.get(c, c), 5 if lang == "ja" else 14)
                   for c in columns], fontsize=7)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rows)), [f"{names[g]} (n={sizes[g]})" for g in rows], fontsize=7)
    ax.tick_params(which="both", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title)
    colourbar = fig.colorbar(image, ax=ax, shrink=min(1.0, 6 / max(1, len(rows)) + 0.3),
                             format=matplotlib.ticker.PercentFormatter(1.0))
    colourbar.set_label(label("chart", "prevalence_share", lang))
    return _finish(fig, frame, caption, lang)


# ----------------------------------------------------------------------- age bars

def age_coverage_chart(coverage: pd.DataFrame, lang: str = "ja",
                       caption: bool = False) -> Figure:
    """2. Target-age coverage per municipality (``compare.ages.age_coverage``) on a 0–80 axis
    (80 = 80 and over), in code order: covered ages dark, ages named only as a main group
    light and hatched, ages no stated age reaches highlighted and hatched, no stated age
    hatched grey."""
    _style()
    if coverage.empty:
        return _empty(Figure(figsize=(4, 2)), lang)
    codes = coverage.drop_duplicates(CODE).sort_values(CODE)
    names = codes.set_index(CODE)[_name_column(lang)]
    position = {code: i for i, code in enumerate(codes[CODE])}
    styles = {"covered": (OFFERED_COLOUR, ""), "main_group": ("#56B4E9", "\\\\"),
              "uncovered": (GAP_COLOUR, "///"), "no_data": (NO_DATA_COLOUR, "...")}

    fig = Figure(figsize=(7.5, 1.6 + 0.32 * len(position)), layout="constrained")
    ax = fig.subplots()
    for row in coverage.itertuples(index=False):
        colour, hatch = styles[row.status]
        ax.barh(position[getattr(row, CODE)], row.end - row.start + 1, left=row.start,
                height=0.7, color=colour, hatch=hatch, edgecolor=EDGE_COLOUR, linewidth=0.4)
    ax.set_yticks(range(len(position)), [names[c] for c in position], fontsize=8)
    ax.invert_yaxis()
    ticks = list(range(0, 81, 10))
    ax.set_xticks(ticks, [str(t) if t < 80 else label("template", "age_open", lang)
                          .format(start=80) for t in ticks])
    ax.set_xlim(0, 81)
    ax.set_xlabel(label("chart", "age", lang))
    ax.set_title(label("chart", "age_coverage_title", lang))
    status_labels = labels("age_status", lang)
    present = [s for s in styles if s in set(coverage["status"])]
    ax.legend(handles=[Patch(facecolor=styles[s][0], hatch=styles[s][1], edgecolor=EDGE_COLOUR,
                             label=status_labels[s]) for s in present],
              loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.3 / max(1, len(position))),
              ncol=len(present))
    return _finish(fig, coverage, caption, lang)


# ------------------------------------------------------------------ meeting dots

def meeting_frequency_chart(frequencies: pd.DataFrame, lang: str = "ja",
                            caption: bool = False) -> Figure:
    """3. Times per year of each meeting (``compare.meetings.meeting_frequencies``): one row
    per municipality (code order), so every dot says whose meeting it is; the kind of
    meeting is the dot's shape and colour; a log scale. Meetings without a number
    (regular without a count, irregular, unstated) and single events are counted per
    municipality in a panel of their own, never placed at zero."""
    _style()
    if frequencies.empty:
        return _empty(Figure(figsize=(4, 2)), lang)
    codes = sorted(set(frequencies[CODE]))
    names = frequencies.drop_duplicates(CODE).set_index(CODE)[_name_column(lang)]
    y_of = {code: i for i, code in enumerate(codes)}
    kinds = [k for k in labels("meeting_kind") if k in set(frequencies["kind"])]
    style_of = {kind: i for i, kind in enumerate(kinds)}
    counted = frequencies.loc[frequencies["status"] == "counted"].sort_values(
        [CODE, "per_year", "entity_key"])
    others = [s for s in FREQUENCY_STATUSES if s != "counted"
              and s in set(frequencies["status"])]

    fig = Figure(figsize=(8.5, 2.0 + 0.3 * len(codes)), layout="constrained")
    ax, side = fig.subplots(1, 2, sharey=True,
                            gridspec_kw={"width_ratios": [3, 0.45 * max(1, len(others))]})
    # a deterministic spread of dots sharing a row, so equal rates stay visible
    offsets = counted.groupby(CODE).cumcount()
    sizes = counted.groupby(CODE)[CODE].transform("size")
    spread = ((offsets - (sizes - 1) / 2) * 0.14).clip(-0.38, 0.38)
    kind_labels = labels("meeting_kind", lang)
    for kind in kinds:
        subset = counted["kind"] == kind
        if not subset.any():
            continue
        colour, _ = _series(style_of[kind])
        ax.scatter(counted.loc[subset, "per_year"].astype(float),
                   counted.loc[subset, CODE].map(y_of) + spread[subset],
                   marker=MARKERS[style_of[kind] % len(MARKERS)], s=30, color=colour,
                   edgecolor=EDGE_COLOUR, linewidth=0.5, zorder=3,
                   label=kind_labels.get(kind, kind))
    ax.set_xscale("log")
    ax.set_xlim(0.5, 600)
    ticks = [1, 2, 4, 6, 12, 24, 52, 104, 365]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    ax.set_yticks(range(len(codes)), [names[c] for c in codes], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(label("chart", "per_year_log", lang))
    ax.set_title(label("chart", "meeting_frequency_title", lang))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1 - 0.4 / max(1, len(codes))),
              ncol=4, fontsize=7)

    table = pd.crosstab(frequencies[CODE], frequencies["status"]).reindex(
        index=codes, columns=others, fill_value=0)
    status_labels = labels("frequency_status", lang)
    for x, status in enumerate(others):
        for code, n in table[status].items():
            if n:
                side.text(x, y_of[code], str(int(n)), ha="center", va="center", fontsize=8)
    side.set_xticks(range(len(others)), [textwrap.fill(status_labels[s], 4 if lang == "ja"
                                                       else 10) for s in others], fontsize=6)
    side.set_xlim(-0.6, len(others) - 0.4)
    side.set_title(label("chart", "not_counted", lang), fontsize=8)
    side.tick_params(axis="y", length=0)
    side.grid(False)
    return _finish(fig, frequencies, caption, lang)


# ---------------------------------------------------------------------- timeline

def establishment_timeline_chart(timeline: pd.DataFrame, lang: str = "ja",
                                 caption: bool = False) -> Figure:
    """4. When windows and services started, bodies were set up and milestones happened
    (``compare.timeline.establishment_timeline``), one row per municipality; event types differ
    in marker shape as well as colour. A year without a month sits mid-year."""
    _style()
    if timeline.empty:
        return _empty(Figure(figsize=(4, 2)), lang)
    frame = timeline.assign(
        x=timeline["year"].astype(float) + (timeline["month"].astype(float).fillna(6.5) - 1)
        / 12)
    codes = sorted(set(frame[CODE]))
    names = frame.drop_duplicates(CODE).set_index(CODE)[_name_column(lang)]
    y_of = {code: i for i, code in enumerate(codes)}
    events = ("service", "body", "milestone")
    offsets = {"service": -0.2, "body": 0.0, "milestone": 0.2}

    fig = Figure(figsize=(8, 1.6 + 0.32 * len(codes)), layout="constrained")
    ax = fig.subplots()
    event_labels = labels("event", lang)
    for i, event in enumerate(events):
        subset = frame.loc[frame["event"] == event]
        if subset.empty:
            continue
        colour = (OFFERED_COLOUR, GAP_COLOUR, "#009E73")[i]
        ax.scatter(subset["x"], subset[CODE].map(y_of) + offsets[event], marker=MARKERS[i],
                   s=30, color=colour, edgecolor=EDGE_COLOUR, linewidth=0.5,
                   label=event_labels[event], zorder=3)
    ax.set_yticks(range(len(codes)), [names[c] for c in codes], fontsize=8)
    ax.invert_yaxis()
    low, high = int(frame["year"].min()), int(frame["year"].max())
    ax.set_xlim(low - 0.5, high + 1.5)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    ax.set_xlabel(label("chart", "year", lang))
    ax.set_title(label("chart", "timeline_title", lang))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.3 / max(1, len(codes))),
              ncol=3)
    return _finish(fig, timeline, caption, lang)


# ------------------------------------------------------------------ composition

def body_composition_chart(composition: pd.DataFrame, lang: str = "ja",
                           caption: bool = False) -> Figure:
    """5. Member types of each network body (``compare.bodies.body_composition``), stacked; each
    type has its own colour and hatch."""
    _style()
    if composition.empty:
        return _empty(Figure(figsize=(4, 2)), lang)
    types = [t for t in labels("member_type") if t in set(composition["member_type"])]
    types += sorted(set(composition["member_type"]) - set(types))
    table = composition.pivot_table(index="entity_key", columns="member_type",
                                    values="n_members", aggfunc="sum", fill_value=0)
    table = table.reindex(columns=types, fill_value=0)
    bodies = (composition.drop_duplicates("entity_key")
              .assign(total=lambda df: df["entity_key"].map(table.sum(axis=1)))
              .sort_values([CODE, "total", "entity_key"], ascending=[True, False, True]))
    row_labels = [f"{row[_name_column(lang)]}  {row['body_name']}" for _, row in
                  bodies.iterrows()]
    table = table.loc[bodies["entity_key"]]

    fig = Figure(figsize=(8, 1.8 + 0.34 * len(bodies)), layout="constrained")
    ax = fig.subplots()
    left = np.zeros(len(bodies))
    type_labels = labels("member_type", lang)
    for i, member_type in enumerate(types):
        colour, hatch = _series(i)
        values = table[member_type].to_numpy(dtype=float)
        ax.barh(range(len(bodies)), values, left=left, color=colour, hatch=hatch,
                edgecolor=EDGE_COLOUR, linewidth=0.4, height=0.7,
                label=type_labels.get(member_type, member_type))
        left += values
    ax.set_yticks(range(len(bodies)), row_labels, fontsize=8)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel(label("chart", "n_members", lang))
    ax.set_title(label("chart", "composition_title", lang))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _finish(fig, composition, caption, lang)


# -------------------------------------------------------------------------- map

@functools.cache
def _boundaries(path: str) -> object:
    import geopandas as gpd

    frame = gpd.read_file(path)
    # 所属未定地 (unassigned land) has no code and belongs to no municipality
    frame = frame.loc[frame["N03_007"].notna()]
    return (frame.assign(**{CODE: frame["N03_007"].map(with_check_digit)})
            .dissolve(by=CODE, as_index=False)
            .loc[:, [CODE, "geometry"]]
            .to_crs(MAP_CRS))


def load_boundaries(path: Path | str = BOUNDARIES) -> object:
    """The bundled N03 boundaries, one (multi)polygon per 6-digit code, in metres."""
    return _boundaries(str(path)).copy()


def _inset_extent(geometry: object, radius: float = 60_000) -> tuple[float, ...]:
    """Bounds of the main island group of an island municipality: the parts within
    ``radius`` metres of the part with the most land around it (小笠原村: 父島 and 母島,
    not the far-off 沖ノ鳥島 or 南鳥島)."""
    import geopandas as gpd

    parts = gpd.GeoSeries([geometry]).explode(index_parts=False).reset_index(drop=True)
    areas = parts.area.to_numpy()
    land_near = [areas[parts.distance(part) <= radius].sum() for part in parts]
    core = parts[parts.distance(parts[int(np.argmax(land_near))]) <= radius]
    x0, y0, x1, y1 = core.total_bounds
    pad = max(x1 - x0, y1 - y0) * 0.15 + 1_000
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def municipality_map(frame: pd.DataFrame, column: str, lang: str = "ja",
                     metric: str | None = None, value_group: str | None = None,
                     municipalities: pd.DataFrame | None = None,
                     boundaries: object | None = None, caption: bool = False) -> Figure:
    """6. All 62 municipalities of Tokyo coloured by ``frame[column]`` (one row per
    municipality_code): a numeric metric on a light-to-dark scale, or categories
    (labels from ``value_group`` in labels.csv, e.g. ``editions``). Municipalities without
    a value are hatched and named in the legend; the islands are insets; the MLIT credit
    line is on the figure.
    ``metric``: the labels.csv ``metric`` key titling the legend."""
    _style()
    if municipalities is None:
        from analysis.dataset.tables import load_municipalities

        municipalities = load_municipalities()
    shapes = boundaries if boundaries is not None else load_boundaries()
    values = frame.loc[frame[column].notna(), [CODE, column]].drop_duplicates(CODE)
    data = (shapes.merge(municipalities.loc[:, [CODE, "area"]], how="left", on=CODE)
            .merge(values, how="left", on=CODE))
    categorical = value_group is not None or not pd.api.types.is_numeric_dtype(values[column])
    no_data_style = {"facecolor": NO_DATA_COLOUR, "hatch": NO_DATA_HATCH,
                     "edgecolor": "#AAAAAA", "linewidth": 0.3}

    if categorical:
        names = labels(value_group, lang) if value_group else {}
        categories = [k for k in names if k in set(values[column])]
        categories += sorted(set(values[column].astype(str)) - set(categories))
        style_of = {c: _series(i) for i, c in enumerate(categories)}
        legend = [Patch(facecolor=style_of[c][0], hatch=style_of[c][1], edgecolor=EDGE_COLOUR,
                        label=names.get(c, c)) for c in categories]
    else:
        norm = matplotlib.colors.Normalize(vmin=float(values[column].min()) if len(values)
                                           else 0, vmax=float(values[column].max()) if
                                           len(values) else 1)
        cmap = matplotlib.colormaps["cividis_r"]  # light = low, dark = high; CVD-safe
        legend = []
    legend.append(Patch(label=label("chart", "no_data", lang), **no_data_style))

    def draw(ax: object, subset: object, linewidth: float = 0.3) -> None:
        known = subset.loc[subset[column].notna()]
        if categorical:
            for category in categories:
                part = known.loc[known[column].astype(str) == category]
                if len(part):
                    colour, hatch = style_of[category]
                    part.plot(ax=ax, facecolor=colour, hatch=hatch, edgecolor=EDGE_COLOUR,
                              linewidth=linewidth)
        elif len(known):
            known.plot(ax=ax, color=cmap(norm(known[column].astype(float))),
                       edgecolor=EDGE_COLOUR, linewidth=linewidth)
        unknown = subset.loc[subset[column].isna()]
        if len(unknown):
            unknown.plot(ax=ax, **{**no_data_style, "linewidth": linewidth})
        ax.set_axis_off()
        ax.set_aspect("equal")

    islands = data.loc[data["area"] == "islands"].sort_values(CODE)
    fig = Figure(figsize=(10, 7.4), layout="constrained")
    grid = fig.add_gridspec(3, max(1, len(islands)), height_ratios=[5, 1.3, 0.2])
    main = fig.add_subplot(grid[0, :])
    mainland = data.loc[data["area"] != "islands"]
    draw(main, mainland)
    names_of = municipalities.set_index(CODE)["name" if lang == "ja" else "name_romaji"]
    # every municipality with a value is named on the map (the islands in their insets)
    for row in mainland.loc[mainland[column].notna()].itertuples(index=False):
        point = row.geometry.representative_point()
        main.annotate(names_of.get(getattr(row, CODE), ""), (point.x, point.y),
                      ha="center", va="center", fontsize=6,
                      bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                            "edgecolor": "none", "alpha": 0.75})
    for i, row in enumerate(islands.itertuples(index=False)):
        inset = fig.add_subplot(grid[1, i])
        # a thicker outline keeps islets of a few hundred metres visible
        draw(inset, islands.iloc[[i]], linewidth=0.8)
        x0, y0, x1, y1 = _inset_extent(row.geometry)
        inset.set_xlim(x0, x1)
        inset.set_ylim(y0, y1)
        inset.set_axis_on()
        inset.set(xticks=[], yticks=[], xlabel="", ylabel="")
        for spine in inset.spines.values():
            spine.set(visible=True, color="#999999", linewidth=0.5)
        inset.set_title(names_of.get(getattr(row, CODE), ""), fontsize=7, pad=2)
        if i == 0:
            inset.set_ylabel(label("chart", "islands", lang), fontsize=8)
    title = label("metric", metric, lang) if metric else column
    main.set_title(title)
    if not categorical and len(values):
        colourbar = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=main,
                                 shrink=0.5, location="right")
        colourbar.set_label(title)
    main.legend(handles=legend, loc="lower right")
    credit = fig.add_subplot(grid[2, :])
    credit.set_axis_off()
    credit.text(1.0, 0.0, label("chart", "map_credit", lang), ha="right", va="bottom",
                fontsize=7)
    return _finish(fig, frame, caption, lang)


# ------------------------------------------------------------- size and documents

# Where a point's name may go, in points from the point: right, below right, left, above …
_LABEL_OFFSETS = ((4, 3, "left"), (4, -9, "left"), (-4, 3, "right"), (-4, -9, "right"),
                  (4, 10, "left"), (-4, 10, "right"), (4, -16, "left"), (-4, -16, "right"))


def _label_points(ax: object, xs: pd.Series, ys: pd.Series, texts: pd.Series) -> None:
    """Name every point, each name at the first offset where it overlaps no name placed
    before (left to right; the last offset tried when all collide): 豊島区 and 新宿区 at
    nearly one point stay readable. Deterministic: the same data, the same places."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = ax.figure
    renderer = (figure.canvas if hasattr(figure.canvas, "get_renderer")
                else FigureCanvasAgg(figure)).get_renderer()
    placed: list = []
    for x, y, text in sorted(zip(xs, ys, texts, strict=True)):
        for dx, dy, align in _LABEL_OFFSETS:
            note = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points",
                               fontsize=7, ha=align)
            box = note.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                break
            note.remove()
        else:
            note = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points",
                               fontsize=7, ha=align)
            box = note.get_window_extent(renderer)
        placed.append(box)


def size_chart(frame: pd.DataFrame, value: str, lang: str = "ja",
               caption: bool = False) -> Figure:
    """Population (log scale) against what a municipality documents (``frame[value]``),
    every municipality labelled by name, its area as the marker: a town of 7,000 and a
    ward of 900,000 are not read on one scale without seeing their size."""
    _style()
    known = frame.loc[frame["population"].notna()]
    if known.empty:
        return _empty(Figure(figsize=(4, 2)), lang)
    fig = Figure(figsize=(8, 5.5), layout="constrained")
    ax = fig.subplots()
    area_labels = labels("area", lang)
    for i, area in enumerate(a for a in labels("area") if a in set(known["area"])):
        part = known.loc[known["area"] == area]
        colour, _ = _series(i)
        ax.scatter(part["population"].astype(float), part[value].astype(float),
                   marker=MARKERS[i], s=40, color=colour, edgecolor=EDGE_COLOUR,
                   linewidth=0.5, label=area_labels[area], zorder=3)
    ax.set_xscale("log")
    ax.margins(x=0.08, y=0.1)  # room for the names of the points at the edges
    _label_points(ax, known["population"].astype(float), known[value].astype(float),
                  known[_name_column(lang)])
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
        lambda x, _: f"{int(x):,}"))
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.grid(color="#DDDDDD", linewidth=0.6)
    ax.set_xlabel(label("chart", "population_log", lang))
    ax.set_ylabel(label("metric", value, lang))
    ax.set_title(label("chart", "size_title", lang))
    ax.legend(loc="upper left")
    return _finish(fig, frame, caption, lang)


# ---------------------------------------------------------------- collaboration

def _component_layout(graph: nx.Graph, columns: int = 3) -> dict[str, tuple[float, float]]:
    """Spring layout per connected component (seeded: deterministic), components placed on
    a grid, largest first, so that small partnerships do not drift to the corners."""
    components = sorted((sorted(c) for c in nx.connected_components(graph)),
                        key=lambda c: (-len(c), c[0]))
    position = {}
    for i, nodes in enumerate(components):
        centre = np.array([(i % columns) * 3.0, -(i // columns) * 3.0])
        scale = min(1.0, 0.45 * len(nodes) ** 0.5)
        # A subgraph view iterates its nodes in set order, which changes with the string
        # hash seed of the process: the seeded layout then differs from run to run. A graph
        # built in sorted order lays out the same in every process.
        component = nx.Graph()
        component.add_nodes_from(nodes)
        component.add_edges_from(sorted(tuple(sorted(e)) for e in graph.subgraph(nodes).edges))
        layout = nx.spring_layout(component, seed=7, scale=scale)
        position |= {n: tuple(centre + xy) for n, xy in layout.items()}
    return position


def collaboration_graph(edges: pd.DataFrame, lang: str = "ja", caption: bool = False,
                        max_components: int | None = None) -> Figure:
    """8. Inter-municipal partnerships (``compare.partnerships.collaboration_edges``) as a graph:
    municipalities as circles, partners the source does not name as grey diamonds
    joined by dashed lines. ``max_components``: draw only that many of the largest
    partnerships (connected components); the title then says how many of all are shown."""
    _style()
    if edges.empty:
        return _empty(Figure(figsize=(4, 2)), lang)
    name = _name_column(lang)
    partner_name = "partner_name" if lang == "ja" else "partner_name_en"
    graph = nx.Graph()
    for row in edges.sort_values([CODE, "partner_code", "partner_name"]).itertuples():
        source = row.municipality_code
        target = row.partner_code if row.named else f"?{source}:{row.partner_name}"
        graph.add_node(source, label=getattr(row, name), named=True)
        # in English an unnamed partner is called so; its Japanese text is data
        unnamed = label("chart", "unnamed_partner", lang) if lang != "ja" else row.partner_name
        graph.add_node(target, label=getattr(row, partner_name) if row.named else unnamed,
                       named=bool(row.named))
        graph.add_edge(source, target, named=bool(row.named))
    n_components = nx.number_connected_components(graph)
    title = label("chart", "collaboration_title", lang)
    if max_components is not None and n_components > max_components:
        largest = sorted((sorted(c) for c in nx.connected_components(graph)),
                         key=lambda c: (-len(c), c[0]))[:max_components]
        graph = graph.subgraph([n for c in largest for n in c]).copy()
        title = f"{title} ({max_components}/{n_components})"
    position = _component_layout(graph)
    columns = min(3, nx.number_connected_components(graph))
    rows = -(-nx.number_connected_components(graph) // columns)

    fig = Figure(figsize=(2.6 * columns + 1, 2.4 * rows + 1), layout="constrained")
    ax = fig.subplots()
    named = [n for n, d in graph.nodes(data=True) if d["named"]]
    unnamed = [n for n, d in graph.nodes(data=True) if not d["named"]]
    solid = [(u, v) for u, v, d in graph.edges(data=True) if d["named"]]
    dashed = [(u, v) for u, v, d in graph.edges(data=True) if not d["named"]]
    nx.draw_networkx_edges(graph, position, edgelist=solid, ax=ax, edge_color=EDGE_COLOUR)
    nx.draw_networkx_edges(graph, position, edgelist=dashed, ax=ax, edge_color="#777777",
                           style="dashed")
    nx.draw_networkx_nodes(graph, position, nodelist=named, ax=ax, node_color=OFFERED_COLOUR,
                           node_shape="o", node_size=260, edgecolors=EDGE_COLOUR)
    nx.draw_networkx_nodes(graph, position, nodelist=unnamed, ax=ax, node_color=ABSENT_COLOUR,
                           node_shape="D", node_size=200, edgecolors=EDGE_COLOUR)
    nx.draw_networkx_labels(graph, {n: (x, y - 0.12) for n, (x, y) in position.items()},
                            labels=nx.get_node_attributes(graph, "label"), ax=ax,
                            font_size=8, font_family=setup_matplotlib(),
                            verticalalignment="top")
    ax.set_axis_off()
    ax.margins(0.2)
    ax.set_title(title)
    ax.legend(handles=[
        Line2D([], [], marker="o", linestyle="-", color=EDGE_COLOUR,
               markerfacecolor=OFFERED_COLOUR, markersize=9,
               label=label("chart", "named_partner", lang)),
        Line2D([], [], marker="D", linestyle="--", color="#777777",
               markerfacecolor=ABSENT_COLOUR, markeredgecolor=EDGE_COLOUR, markersize=8,
               label=label("chart", "unnamed_partner", lang))],
        loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2)
    return _finish(fig, edges, caption, lang)


# --------------------------------------------------------------------- peer gaps

