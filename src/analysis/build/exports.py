"""Result tables (``tables/<metric>.csv``) and figures (``figures/<chart>.png|svg``) of a
build: the same views the comparison notebook shows, computed by the same functions.
The CSVs are spreadsheet-safe (``analysis.core.cells``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from analysis.core.cells import write_csv

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def write_exports(data_dir: Path, edition: str, work: Path, lang: str = "ja",
                  municipalities: tuple[str, ...] = (), wanted: bool = True,
                  audience: str = "all", cache_dir: Path | None = None) -> None:
    """Every comparison view (of the chosen municipalities, if any) as CSV and figures;
    nothing when the build has no comparison (``wanted`` false). ``audience`` public
    leaves internal sources out (``analysis.dataset.scope.for_audience``). With
    ``cache_dir``, a chart drawn before (the same SVG) takes its PNG from the cache."""
    if not wanted:
        return
    from analysis.dataset.scope import for_audience, previous_edition
    from analysis.dataset.tables import load_dataset
    from analysis.present.changes import edition_change_views
    from analysis.present.comparison import comparison_briefing, comparison_views
    from analysis.present.view import View

    dataset = for_audience(load_dataset(data_dir), audience)
    summary = comparison_briefing(dataset, edition, lang, municipalities)
    found = [summary.coverage,
             View("key_findings", summary.title, summary.lead, summary.findings, None, ""),
             *comparison_views(dataset, edition, lang, municipalities)]
    previous = previous_edition(dataset.sources, edition)
    if previous and not municipalities:
        found += edition_change_views(dataset, previous, edition, lang)
    (work / "tables").mkdir(exist_ok=True)
    (work / "figures").mkdir(exist_ok=True)
    for view in found:
        write_csv(view.table, work / "tables" / f"{view.name}.csv")
        if view.figure is not None:
            save_figure(view.figure, work / "figures" / view.name, cache_dir)


def save_figure(figure: Figure, stem: Path, cache_dir: Path | None) -> None:
    """``<stem>.svg`` and ``<stem>.png``; the PNG from the cache when the same SVG was
    rasterised before (``analysis.build.renders``: the same SVG is the same drawing)."""
    from analysis.build import renders
    from analysis.present import charts

    if cache_dir is None:
        charts.save_figure(figure, stem)
        return
    svg = charts.figure_bytes(figure, "svg")
    stem.with_suffix(".svg").write_bytes(svg)
    png = stem.with_suffix(".png")
    rendering = renders.output_key("png", svg, str(charts.STYLE["savefig.dpi"]))
    if not renders.take(cache_dir, rendering, {"out.png": png}):
        png.write_bytes(charts.figure_bytes(figure, "png"))
        renders.keep(cache_dir, rendering, {"out.png": png})
