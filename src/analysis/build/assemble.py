"""Assembling a build's outputs from its executed notebooks.

- ``report.html`` / ``report.pdf``: one combined report — comparison (summary of findings
  first), edition changes, one profile per municipality, sources and method — with a
  table of contents (page numbers in the PDF).
- ``profiles/<code>.html|pdf`` and ``gap_reviews/<code>.html|pdf``: printable handouts
  (rendered by the workers, see ``analysis.build.execute``).
- ``tables/*.csv`` and ``figures/*.png|svg``: every metric and chart (``analysis.build.exports``).
- ``index.html``: links to everything.
Every string that comes from data is HTML-escaped here or by pandas.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import platform
import shutil
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from analysis import __version__
from analysis.build.execute import FollowUp, NotebookJob
from analysis.build.render import html_to_pdf, notebook_to_html, report_stylesheet
from analysis.core.labels import label

if TYPE_CHECKING:
    import nbformat

    from analysis.build.options import BuildOptions

COMBINED_SECTIONS = ("comparison", "edition_changes", "profile")
EXECUTED = "notebooks"  # the folder of executed notebooks inside a build's directory
HANDOUT_DIRS = {"profile": "profiles", "gap_review": "gap_reviews"}
VERSIONED_PACKAGES = ("pandas", "matplotlib", "papermill", "nbconvert", "weasyprint")
# The combined report's PDF bookmarks, one per section under its table-of-contents title
# (the section's start marker), with the section's headings below it. A profile's own
# title (an h1 in a notebook output) is the same words as its section's bookmark, so it
# gets none; the report's title and 出典と方法 are h1 of markdown cells and keep theirs.
OUTLINE_CSS = """
.section-start[data-title] { bookmark-level: 1; bookmark-label: attr(data-title); }
.jp-OutputArea-output h1 { bookmark-level: none; }
"""


def build_date() -> dt.datetime:
    """The build's date: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)


def anchor(stem: str) -> str:
    return f"sec-{stem}"


def section_cells(stem: str, title: str, notebook: nbformat.NotebookNode) -> list:
    """A notebook's cells behind an anchor that starts a new page in print."""
    from nbformat.v4 import new_markdown_cell

    marker = new_markdown_cell(
        f'<div class="section-start" id="{anchor(stem)}" data-title="{html.escape(title)}">'
        "</div>")
    return [marker, *(c for c in notebook.cells if c.cell_type != "raw")]


def toc_cell(entries: Sequence[tuple[str, str]], lang: str):
    from nbformat.v4 import new_markdown_cell

    items = "".join(f'<li><a href="#{anchor(stem)}">{html.escape(title)}</a></li>'
                    for stem, title in entries)
    return new_markdown_cell(f'<nav class="toc"><h2>{label("report", "toc", lang)}</h2>'
                             f"<ol>{items}</ol></nav>")


def sources_method_html(sources, lang: str) -> str:
    """The closing section: every source with its sha256, the version and the build date."""
    head = "".join(f"<th scope=\"col\">{label('report', key, lang)}</th>"
                   for key in ("source_title", "source_edition", "source_date", "source_file",
                               "source_sha256"))
    rows = "".join(
        f'<tr><td><span class="name">{html.escape(row.title)}</span></td>'
        + "".join(f"<td>{html.escape(str(value))}</td>" for value in (
            row.edition or "—", row.date, row.file)) +
        f'<td class="hash">{html.escape(row.sha256)}</td></tr>'
        for row in sources.itertuples())
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in VERSIONED_PACKAGES)
    return (
        f'<div class="section-start" id="{anchor("sources")}"></div>'
        f"<h1>{label('report', 'sources_method', lang)}</h1>"
        f"<p>{label('report', 'method_text', lang)}</p>"
        f"<h2>{label('report', 'sources', lang)}</h2>"
        f'<table class="sources"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
        f"<h2>{label('report', 'build', lang)}</h2>"
        f"<p>{label('report', 'build_text', lang).format(version=__version__, date=build_date().date().isoformat(), python=platform.python_version(), versions=versions)}</p>"  # noqa: E501
        f"<p class=\"source-note\">{label('report', 'map_credit', lang)}"
        f"<span class=\"quote\">{label('report', 'map_credit_line', lang)}</span></p>"
    )


def combined_notebook(jobs: Sequence[NotebookJob],
                      notebooks: Mapping[str, nbformat.NotebookNode], sources, lang: str):
    from nbformat.v4 import new_markdown_cell, new_notebook

    chosen = [job for job in jobs if job.notebook in COMBINED_SECTIONS]
    entries = [(job.output_stem, job.title) for job in chosen]
    entries.append(("sources", label("report", "sources_method", lang)))
    cells = [new_markdown_cell(f"# {label('report', 'title', lang)}"), toc_cell(entries, lang)]
    for job in chosen:
        cells += section_cells(job.output_stem, job.title, notebooks[job.output_stem])
    cells.append(new_markdown_cell(sources_method_html(sources, lang)))
    for number, cell in enumerate(cells):  # cells of several notebooks: ids must be unique
        cell["id"] = f"cell-{number}"
    combined = new_notebook(cells=cells)
    combined.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"}}
    return combined


def place_handouts(jobs: Sequence[NotebookJob], notebooks_dir: Path, work: Path) -> None:
    for job in jobs:
        if not job.handout_formats:
            continue
        target_dir = work / HANDOUT_DIRS[job.notebook]
        target_dir.mkdir(exist_ok=True)
        code = job.parameters["municipality_code"]
        for ext in job.handout_formats:
            shutil.move(job.output(notebooks_dir, ext), target_dir / f"{code}.{ext}")


def combined_report_task(jobs: Sequence[NotebookJob], work: Path, options: BuildOptions,
                         cache_dir: Path | None = None) -> FollowUp | None:
    """The combined report as a follow-up of its notebooks: it is laid out in a worker while
    the other workers still run the remaining notebooks (the gap reviews).

    A build without the comparison (the handouts of some municipalities) delivers the
    handouts themselves; a combined report would only repeat them: ``None``.
    """
    if "comparison" not in options.kinds:
        return None
    chosen = [job for job in jobs if job.notebook in COMBINED_SECTIONS]
    return FollowUp(frozenset(job.output_stem for job in chosen), write_combined_report,
                    (chosen, work, Path(options.data_dir), tuple(options.formats),
                     options.lang, cache_dir))


def write_combined_report(jobs: Sequence[NotebookJob], work: Path, data_dir: Path,
                          formats: Sequence[str], lang: str,
                          cache_dir: Path | None = None) -> None:
    """Write ``report.html`` and/or ``report.pdf`` from the executed notebooks of ``jobs``
    (in ``work/EXECUTED``). With ``cache_dir``, a combined notebook laid out before (the
    same cells, sources and date) is taken from the cache (``analysis.build.renders``)."""
    import nbformat

    from analysis.build import renders
    from analysis.dataset.tables import load_sources

    notebooks = {job.output_stem: nbformat.read(job.output(work / EXECUTED), as_version=4)
                 for job in jobs}
    combined = combined_notebook(jobs, notebooks, load_sources(data_dir), lang)
    title = label("report", "title", lang)
    made = {f"report.{ext}": work / f"report.{ext}" for ext in formats}
    rendering = renders.output_key("report", nbformat.writes(combined), title, lang,
                                   ",".join(formats), OUTLINE_CSS)
    if cache_dir is not None and renders.take(cache_dir, rendering, made):
        return
    page = notebook_to_html(combined, title=title, lang=lang)
    if "html" in formats:
        (work / "report.html").write_text(page, encoding="utf-8")
    if "pdf" in formats:
        html_to_pdf(page, work / "report.pdf", base_url=work, extra_css=OUTLINE_CSS)
    if cache_dir is not None:
        renders.keep(cache_dir, rendering, made)


def finish_report(jobs: Sequence[NotebookJob], work: Path, options: BuildOptions) -> None:
    """Put the handouts in their folders and write the index page."""
    place_handouts(jobs, work / EXECUTED, work)
    write_index(work, jobs, options)


def write_index(work: Path, jobs: Sequence[NotebookJob], options: BuildOptions) -> None:
    """An offline page linking every output of the build, in the report's style (one
    stylesheet: the same link sizes and table rules)."""
    lang = options.lang

    def links(paths: Sequence[Path]) -> str:
        items = "".join(f'<li><a href="{html.escape(p.relative_to(work).as_posix())}">'
                        f"{html.escape(p.relative_to(work).as_posix())}</a></li>"
                        for p in paths)
        return f'<ul class="links">{items}</ul>'

    handouts = "".join(
        f'<tr><th scope="row">{html.escape(job.title)}</th>' + "".join(
            f'<td><a href="{HANDOUT_DIRS[job.notebook]}/{job.parameters["municipality_code"]}'
            f'.{ext}">{ext.upper()}</a></td>' for ext in job.handout_formats) + "</tr>"
        for job in jobs if job.handout_formats)
    reports = [p for p in (work / "report.html", work / "report.pdf", work / "explorer.html")
               if p.exists()]
    sections = [
        (label("report", "index_report", lang), links(reports)),
        (label("report", "index_handouts", lang), f'<table class="links">{handouts}</table>'),
        (label("report", "index_tables", lang),
         links(sorted((work / 'tables').glob('*.csv')))),
        (label("report", "index_figures", lang),
         links(sorted((work / 'figures').glob('*')))),
    ]
    body = "".join(f"<h2>{title}</h2>{content}" for title, content in sections)
    (work / "index.html").write_text(
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{label('report', 'title', lang)}</title>"
        f"<style>{report_stylesheet()}</style></head>"
        f"<body><main><h1>{label('report', 'title', lang)}</h1>{body}</main></body></html>\n",
        encoding="utf-8")
