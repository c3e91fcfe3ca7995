"""Assembling a build's outputs from its executed notebooks.

- ``report.html`` / ``report.pdf``: one combined report — comparison (summary of findings
  first), edition changes, one profile per municipality, method and codebook, and an
  appendix of row ids (each profile's id table, gathered at the end) — with a table of
  contents (page numbers in the PDF).
- ``profiles/<code>.html|pdf`` and ``gap_reviews/<code>.html|pdf``: printable handouts
  (rendered by the workers, see ``analysis.build.execute``).
- ``tables/*.csv`` and ``figures/*.png|svg``: every metric and chart (``analysis.build.exports``).
- ``index.html``: links to everything; every handout findable by name and reading.
- ``data/README.html`` (and ``.md``), ``data/datapackage.json``, ``docs/curation.md``: the
  data dictionary and the curation rules beside the report, so its links work offline.
Every string that comes from data is HTML-escaped here or by pandas.
"""

from __future__ import annotations

import datetime as dt
import functools
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
# gets none; the report's title, 方法とコードブック and the appendix are h1 of markdown
# cells and keep theirs.
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


BRIEFING_TAG = "briefing"  # a notebook cell shown on the report's first page


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


APPENDIX_TAG = "id-appendix"  # the profile notebook's cell of row ids (see present.profile)
METHOD = "method"
APPENDIX = "appendix"


def build_line(lang: str) -> str:
    """The build's version, date, Python and the main packages' versions."""
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in VERSIONED_PACKAGES)
    return label("report", "build_text", lang).format(
        version=__version__, date=build_date().date().isoformat(),
        python=platform.python_version(), versions=versions)


def method_cell_html(data_dir: Path, edition: str, audience: str, lang: str) -> str:
    """The closing section (``analysis.present.method``) for what the audience may see."""
    from analysis.dataset.scope import for_audience
    from analysis.dataset.tables import load_dataset
    from analysis.present.method import method_html

    dataset = for_audience(load_dataset(data_dir), audience)
    return method_html(dataset, _reference_sources(data_dir), edition, audience,
                       build_line(lang), anchor(METHOD), lang)


def _reference_sources(data_dir: Path):
    import pandas as pd

    from analysis.core.paths import reference_dir

    path = reference_dir(Path(data_dir)) / "reference_sources.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False) if path.is_file() else None


def is_appendix_cell(cell) -> bool:
    return APPENDIX_TAG in cell.get("metadata", {}).get("tags", [])


def appendix_cells(appendices: Sequence, lang: str) -> list:
    """The row-id appendix of the combined report: every profile's id table, in report
    order, under one heading."""
    from nbformat.v4 import new_markdown_cell

    if not appendices:
        return []
    head = new_markdown_cell(
        f'<div class="section-start" id="{anchor(APPENDIX)}"></div>'
        f"<h1>{html.escape(label('report', 'appendix', lang))}</h1>"
        f"<p>{html.escape(label('report', 'appendix_lead', lang))}</p>")
    return [head, *appendices]


def combined_notebook(jobs: Sequence[NotebookJob],
                      notebooks: Mapping[str, nbformat.NotebookNode], method: str, lang: str):
    """The combined report's notebook: title, contents, the sections of ``jobs``, the
    method section (``method``, HTML) and the appendix of row ids, which the profiles'
    cells tagged ``id-appendix`` are moved into (out of the reading flow)."""
    from nbformat.v4 import new_markdown_cell, new_notebook

    chosen = [job for job in jobs if job.notebook in COMBINED_SECTIONS]
    entries = [(job.output_stem, job.title) for job in chosen]
    entries.append((METHOD, label("method", "title", lang)))
    # The briefing (cells tagged ``briefing``) is the first page, before the contents: a
    # policy officer reads the findings, their denominators and caveats first.
    briefing = [cell for job in chosen for cell in notebooks[job.output_stem].cells
                if BRIEFING_TAG in cell.get("metadata", {}).get("tags", [])]
    body, appendices = [], []
    for job in chosen:
        for cell in section_cells(job.output_stem, job.title, notebooks[job.output_stem]):
            if BRIEFING_TAG in cell.get("metadata", {}).get("tags", []):
                continue
            (appendices if is_appendix_cell(cell) else body).append(cell)
    if appendices:
        entries.append((APPENDIX, label("report", "appendix", lang)))
    cells = [new_markdown_cell(f"# {label('report', 'title', lang)}"), *briefing,
             toc_cell(entries, lang), *body, new_markdown_cell(method),
             *appendix_cells(appendices, lang)]
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
                     options.lang, options.edition, options.audience, cache_dir))


def write_combined_report(jobs: Sequence[NotebookJob], work: Path, data_dir: Path,
                          formats: Sequence[str], lang: str, edition: str = "fy2024",
                          audience: str = "all", cache_dir: Path | None = None) -> None:
    """Write ``report.html`` and/or ``report.pdf`` from the executed notebooks of ``jobs``
    (in ``work/EXECUTED``). With ``cache_dir``, a combined notebook laid out before (the
    same cells, sources and date) is taken from the cache (``analysis.build.renders``)."""
    import nbformat

    from analysis.build import renders
    from analysis.present.method import DATA_DICTIONARY

    notebooks = {job.output_stem: nbformat.read(job.output(work / EXECUTED), as_version=4)
                 for job in jobs}
    combined = combined_notebook(jobs, notebooks,
                                 method_cell_html(data_dir, edition, audience, lang), lang)
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
        # A relative link (the data dictionary) would be written into the PDF resolved
        # against this temporary build folder, which is renamed on publishing (and would
        # make two builds differ): the PDF names the file without linking it.
        printed = page.replace(f'<a href="{DATA_DICTIONARY}">', "<a>")
        html_to_pdf(printed, work / "report.pdf", base_url=work, extra_css=OUTLINE_CSS)
    if cache_dir is not None:
        renders.keep(cache_dir, rendering, made)


def finish_report(jobs: Sequence[NotebookJob], work: Path, options: BuildOptions) -> None:
    """Put the handouts in their folders, the data dictionary beside them, and write the
    index page."""
    place_handouts(jobs, work / EXECUTED, work)
    write_documentation(Path(options.data_dir), work)
    write_index(work, jobs, options)


DICTIONARY = Path("data") / "README.html"


def write_documentation(data_dir: Path, work: Path) -> list[Path]:
    """The data dictionary (``data/README.md``, as written and as a page styled like the
    report), ``datapackage.json`` and the curation rules the dictionary links to
    (``docs/curation.md``), at the same relative places as in the repository."""
    import mistune

    from analysis.core.paths import ROOT

    written = []
    readme = Path(data_dir) / "README.md"
    copies = [(readme, work / "data" / "README.md"),
              (Path(data_dir) / "datapackage.json", work / "data" / "datapackage.json"),
              (ROOT / "docs" / "curation.md", work / "docs" / "curation.md")]
    for source, target in copies:
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            written.append(target)
    if readme.is_file():
        render = mistune.create_markdown(plugins=["table"])
        body = render(readme.read_text(encoding="utf-8"))
        page = work / DICTIONARY
        page.write_text(
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
            "<title>Data dictionary</title>"
            f"<style>{report_stylesheet()}</style></head><body><main>{body}</main>"
            "</body></html>\n", encoding="utf-8")
        written.append(page)
    return written


def _links(work: Path, paths: Sequence[Path], names: Sequence[str] | None = None) -> str:
    items = "".join(
        f'<li><a href="{html.escape(p.relative_to(work).as_posix())}">'
        f"{html.escape(names[n] if names else p.relative_to(work).as_posix())}</a></li>"
        for n, p in enumerate(paths))
    return f'<ul class="links">{items}</ul>'


def _view_title(stem: str, lang: str) -> str:
    """A table's or figure's title as the report shows it (its file stem otherwise)."""
    from analysis.core.labels import labels

    return labels("view", lang).get(f"{stem}_title", stem)


def _titled_links(work: Path, paths: Sequence[Path], lang: str) -> str:
    """One item per result: its title, then a link per file (CSV; PNG and SVG)."""
    stems: dict[str, list[Path]] = {}
    for path in paths:
        stems.setdefault(path.stem, []).append(path)
    items = "".join(
        f"<li>{html.escape(_view_title(stem, lang))} " + " ".join(
            f'<a href="{html.escape(p.relative_to(work).as_posix())}">'
            f"{html.escape(p.suffix.lstrip('.').upper())}</a>" for p in files) + "</li>"
        for stem, files in stems.items())
    return f'<ul class="links">{items}</ul>'


AREA_ORDER = ("ku", "tama", "islands")


def handout_rows(work: Path, jobs: Sequence[NotebookJob], municipalities,
                 lang: str) -> list[dict]:
    """One row per municipality with handouts, by area (区部, 多摩, 島しょ) and code:
    names, reading, English name and the links to its handouts that exist."""
    table = municipalities.set_index("municipality_code")
    codes = sorted({job.parameters["municipality_code"] for job in jobs if job.handout_formats},
                   key=lambda c: (AREA_ORDER.index(table.at[c, "area"])
                                  if table.at[c, "area"] in AREA_ORDER else 9, c))
    rows = []
    for code in codes:
        links = {}
        for kind, folder in HANDOUT_DIRS.items():
            links[kind] = [(ext, f"{folder}/{code}.{ext}") for ext in ("html", "pdf")
                           if (work / folder / f"{code}.{ext}").exists()]
        rows.append({"code": code, "name": table.at[code, "name"],
                     "kana": table.at[code, "name_kana"],
                     "name_en": table.at[code, "name_romaji"],
                     "area": label("area", table.at[code, "area"], lang)
                     if table.at[code, "area"] else "",
                     "links": links})
    return rows


def _handout_table(rows: Sequence[dict], lang: str) -> str:
    from analysis.text.fold import fold

    def cell_links(row: dict, kind: str) -> str:
        what = label("report", f"index_{kind}", lang)
        return " ".join(
            f'<a href="{html.escape(href)}" aria-label="{html.escape(row["name"])} '
            f'{html.escape(what)} {ext.upper()}">{ext.upper()}</a>'
            for ext, href in row["links"][kind])

    head = "".join(f'<th scope="col">{html.escape(label("report", key, lang))}</th>' for key in (
        "index_area", "index_code", "index_name", "index_kana", "index_name_en",
        "index_profile", "index_gap_review"))
    body = "".join(
        f'<tr data-search="{html.escape(fold(" ".join((r["name"], r["kana"], r["name_en"], r["code"]))).lower())}">'  # noqa: E501
        f'<td>{html.escape(r["area"])}</td><td>{html.escape(r["code"])}</td>'
        f'<th scope="row"><span class="name" lang="ja">{html.escape(r["name"])}</span></th>'
        f'<td><span class="name" lang="ja">{html.escape(r["kana"])}</span></td>'
        f'<td lang="en">{html.escape(r["name_en"])}</td>'
        f"<td>{cell_links(r, 'profile')}</td><td>{cell_links(r, 'gap_review')}</td></tr>"
        for r in rows)
    return (f'<table class="links handouts" id="handouts"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


# The index's search: folds what is typed as the rows' data-search attribute was folded
# (NFKC, no spaces, lower case; hiragana typed is matched against the katakana reading).
INDEX_SCRIPT = """
(function () {
  var form = document.getElementById('find');
  var input = document.getElementById('find-input');
  var status = document.getElementById('find-status');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#handouts tbody tr'));
  function fold(text) {
    text = text.normalize('NFKC').replace(/\\s+/g, '').toLowerCase();
    return text.replace(/[\\u3041-\\u3096]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) + 0x60);
    });
  }
  function update() {
    var wanted = fold(input.value), shown = 0;
    rows.forEach(function (row) {
      var hit = !wanted || fold(row.getAttribute('data-search')).indexOf(wanted) >= 0;
      row.hidden = !hit;
      if (hit) { shown += 1; }
    });
    status.textContent = status.getAttribute('data-template').replace('{n}', shown);
  }
  form.hidden = false;
  form.addEventListener('submit', function (event) { event.preventDefault(); });
  input.addEventListener('input', update);
}());
"""


def write_index(work: Path, jobs: Sequence[NotebookJob], options: BuildOptions) -> None:
    """An offline page linking every output of the build, in the report's style (one
    stylesheet: the same link sizes and table rules). Every handout is in one table by
    area and code, with name, reading (kana) and English name; a search box (plain
    JavaScript, shown only where scripts run) filters the rows by any of them."""
    from analysis.dataset.tables import load_municipalities

    lang = options.lang
    text = functools.partial(label, "report", lang=lang)
    named = [(work / "report.html", text("index_report_html")),
             (work / "report.pdf", text("index_report_pdf")),
             (work / "explorer.html", text("index_explorer"))]
    present = [(path, name) for path, name in named if path.exists()]
    report_links = _links(work, [p for p, _ in present], [n for _, n in present])
    if (work / "report.html").exists():
        report_links = report_links.replace("</ul>", (
            f'<li><a href="report.html#{anchor(METHOD)}">'
            f"{html.escape(label('method', 'title', lang))}</a></li></ul>"))
    rows = handout_rows(work, jobs, load_municipalities(options.data_dir), lang)
    search = (
        '<form id="find" role="search" hidden>'
        f'<label for="find-input">{html.escape(text("index_find"))}</label> '
        '<input id="find-input" type="search" autocomplete="off"> '
        f'<span id="find-status" role="status" aria-live="polite" '
        f'data-template="{html.escape(text("index_found"))}"></span></form>') if rows else ""
    executed = sorted((work / EXECUTED).glob("*.ipynb"))
    dictionary = [p for p in (work / DICTIONARY, work / "data" / "README.md",
                              work / "data" / "datapackage.json", work / "docs" / "curation.md")
                  if p.exists()]
    sections = [
        (text("index_report"), report_links),
        (text("index_handouts"), search + _handout_table(rows, lang) if rows else ""),
        (text("index_tables"), _titled_links(work, sorted((work / "tables").glob("*.csv")),
                                             lang)),
        (text("index_figures"), _titled_links(work, sorted((work / "figures").glob("*")),
                                              lang)),
        (text("index_notebooks"), _links(work, executed).replace(
            'class="links"', 'class="links inline"')),
        (text("index_data"), _links(work, dictionary)),
    ]
    body = "".join(f"<h2>{html.escape(title)}</h2>{content}" for title, content in sections
                   if "<li>" in content or "<tr" in content)
    audience = text(f"index_audience_{options.audience}")
    script = f"<script>{INDEX_SCRIPT}</script>" if rows else ""
    (work / "index.html").write_text(
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        f"<title>{html.escape(text('title'))}</title>"
        f"<style>{report_stylesheet()}</style></head>"
        f"<body><main><h1>{html.escape(text('title'))}</h1>"
        f'<p class="audience-note">{html.escape(audience)}</p>{body}</main>{script}'
        "</body></html>\n", encoding="utf-8")
