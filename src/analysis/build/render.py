"""Executed notebook → offline HTML (nbconvert, in process) → A4 PDF (WeasyPrint)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nbformat

from analysis.core.fonts import FONT_FAMILY, font_path
from analysis.core.paths import TEMPLATES_DIR

TEMPLATE_NAME = "report"


def notebook_to_html(notebook: nbformat.NotebookNode, *, title: str, lang: str = "ja") -> str:
    """Render an executed notebook as one self-contained HTML page with all code hidden."""
    notebook.metadata["title"] = title
    html, _ = _html_exporter(lang).from_notebook_node(notebook)
    return html


@functools.cache
def _html_exporter(lang: str):
    """One exporter per language and process: it compiles its templates on first use
    (0.1 s); a worker converts many notebooks (then 0.02 s each)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        template_name=TEMPLATE_NAME,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code=lang,
    )
    # Cells tagged notebook-only explain the notebook to a reader in JupyterLab; the
    # report's own words come from the label table.
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"notebook-only"}), enabled=True)
    return exporter


@functools.cache
def report_stylesheet() -> str:
    """The report's stylesheet, for pages written without the notebook template (the index)."""
    return (TEMPLATES_DIR / TEMPLATE_NAME / "report.css").read_text(encoding="utf-8")


def pdf_stylesheet() -> str:
    """CSS added for the PDF only: the Japanese font, embedded from its TTF file. The page
    sets its font on ``body`` only (report.css), so the rule is needed there only; a rule
    on every element cost 0.5 s of style matching in the combined report."""
    return (
        f"@font-face {{ font-family: '{FONT_FAMILY}'; src: url('{font_path().as_uri()}'); }}\n"
        f"html, body {{ font-family: '{FONT_FAMILY}', sans-serif !important; }}\n"
    )


def html_to_pdf(html: str, target: Path, *, base_url: Path | None = None,
                extra_css: str = "") -> None:
    """Write ``html`` as an A4 PDF with the Japanese font embedded, tagged for assistive
    technology: a structure tree (headings, lists, tables with their header cells, figures
    with the images' alt text), the page's language (``/Lang``) and title (shown by the
    viewer: DisplayDocTitle), and bookmarks from the headings. Tagged, not stamped PDF/UA-1
    (``pdf_variant="pdf/ua-1"``): no validator of the whole standard runs here (veraPDF
    needs Java), so the file claims no conformance it was not checked for. ``extra_css``
    is added to the PDF's own stylesheet (the combined report's outline)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    # @font-face only takes effect when the stylesheet and the renderer share a font config.
    font_config = FontConfiguration()
    stylesheet = weasyprint.CSS(string=pdf_stylesheet() + extra_css, font_config=font_config)
    document = weasyprint.HTML(string=html, base_url=str(base_url) if base_url else None)
    document.write_pdf(target, stylesheets=[stylesheet], font_config=font_config,
                       pdf_tags=True)


def render_notebook_file(path: Path, *, title: str, lang: str, formats: tuple[str, ...]) -> None:
    """Write ``<stem>.html`` and/or ``<stem>.pdf`` beside an executed notebook."""
    import nbformat

    html = notebook_to_html(nbformat.read(path, as_version=4), title=title, lang=lang)
    if "html" in formats:
        path.with_suffix(".html").write_text(html, encoding="utf-8")
    if "pdf" in formats:
        html_to_pdf(html, path.with_suffix(".pdf"), base_url=path.parent)
