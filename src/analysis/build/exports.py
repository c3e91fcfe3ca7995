"""Result tables (``tables/<metric>.csv``) and figures (``figures/<chart>.png|svg``) of a
build: the same views the comparison notebook shows, computed by the same functions.
The CSVs are spreadsheet-safe (``analysis.core.cells``)."""

from __future__ import annotations

from pathlib import Path

from analysis.core.cells import write_csv


def write_exports(data_dir: Path, edition: str, work: Path, lang: str = "ja",
                  municipalities: tuple[str, ...] = (), wanted: bool = True,
                  audience: str = "all") -> None:
    """Every comparison view (of the chosen municipalities, if any) as CSV and figures;
    nothing when the build has no comparison (``wanted`` false). ``audience`` public
    leaves internal sources out (``analysis.dataset.scope.for_audience``)."""
    if not wanted:
        return
    from analysis.dataset.scope import for_audience, previous_edition
    from analysis.dataset.tables import load_dataset
    from analysis.present import charts
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
            charts.save_figure(view.figure, work / "figures" / view.name)
