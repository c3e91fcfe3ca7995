"""Build the report: papermill runs the notebooks, nbconvert makes HTML, WeasyPrint the PDF.

A build writes into a fresh directory and is published atomically (``analysis.publish``):
a failed build leaves the previous report untouched, keeps the failed notebook for
debugging and names the notebook, cell and error.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nbformat

from analysis import publish
from analysis.errors import BuildError
from analysis.paths import DATA_DIR, NOTEBOOKS_DIR, REPORTS_DIR
from analysis.render import html_to_pdf, notebook_to_html

KERNEL_NAME = "python3"  # notebooks saved elsewhere may name a conda kernel: always use ours
FORMATS = ("html", "pdf")
REPORT_TITLE = {"ja": "東京都 区市町村のひきこもり支援 比較レポート",
                "en": "Hikikomori support in Tokyo's municipalities: comparison report"}


@dataclass(frozen=True)
class NotebookJob:
    """One notebook execution: which notebook, with which parameters, saved under what name."""

    notebook: str
    output_stem: str
    parameters: dict = field(default_factory=dict)


@dataclass(frozen=True)
class BuildOptions:
    edition: str = "fy2024"
    data_dir: Path = DATA_DIR
    out_dir: Path = REPORTS_DIR
    formats: tuple[str, ...] = FORMATS
    lang: str = "ja"


def execute(job: NotebookJob, work_dir: Path) -> nbformat.NotebookNode:
    """Run one notebook with papermill's Python API; raise BuildError naming the failed cell."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = NOTEBOOKS_DIR / f"{job.notebook}.ipynb"
    target = work_dir / f"{job.output_stem}.ipynb"
    try:
        papermill.execute_notebook(
            str(source),
            str(target),
            parameters=job.parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            cwd=str(NOTEBOOKS_DIR),
        )
    except PapermillExecutionError as error:
        raise BuildError(
            f"notebook {job.notebook}.ipynb failed in cell {error.exec_count}: "
            f"{error.ename}: {error.evalue}"
        ) from error
    import nbformat

    return nbformat.read(target, as_version=4)


def jobs_for(options: BuildOptions) -> list[NotebookJob]:
    """The notebooks of one build."""
    return [
        NotebookJob(
            notebook="comparison",
            output_stem="comparison",
            parameters={"edition": options.edition, "data_dir": str(options.data_dir),
                        "lang": options.lang},
        )
    ]


def build(options: BuildOptions) -> Path:
    """Build the report for one edition and publish it; return the live report directory."""
    out_dir = Path(options.out_dir)
    work = publish.new_build_dir(out_dir, options.edition)
    try:
        notebooks = [execute(job, work) for job in jobs_for(options)]
        write_outputs(notebooks, work, options)
    except BuildError as error:
        kept = keep_failed_notebooks(work, out_dir)
        publish.discard(work)
        raise BuildError(f"{error} (executed notebooks kept in {kept}; "
                         "the previous report is unchanged)") from error
    except BaseException:
        publish.discard(work)
        raise
    return publish.publish(work, out_dir, options.edition)


def write_outputs(notebooks: Iterable[nbformat.NotebookNode], work: Path,
                  options: BuildOptions) -> None:
    """report.html / report.pdf from the executed notebooks."""
    for notebook in notebooks:
        html = notebook_to_html(notebook, title=REPORT_TITLE[options.lang], lang=options.lang)
        if "html" in options.formats:
            (work / "report.html").write_text(html, encoding="utf-8")
        if "pdf" in options.formats:
            html_to_pdf(html, work / "report.pdf", base_url=work)


def keep_failed_notebooks(work: Path, out_dir: Path) -> Path:
    """Copy executed notebooks of a failed build to ``reports/.failed/`` for debugging."""
    failed = Path(out_dir) / ".failed"
    failed.mkdir(parents=True, exist_ok=True)
    for path in work.glob("*.ipynb"):
        shutil.copy2(path, failed / path.name)
    return failed
