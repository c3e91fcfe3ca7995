"""Build the report: plan the notebook jobs, run them (papermill, worker processes, cache),
convert them (nbconvert → HTML, WeasyPrint → PDF), export tables and figures, and publish
the whole build atomically (``analysis.build.publish``).

A failed build leaves the previous report untouched, keeps the failed notebook in
``reports/.failed/`` and names the notebook, the cell and the error.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path

from analysis.build import publish
from analysis.build.assemble import EXECUTED, combined_report_task, finish_report
from analysis.build.execute import NotebookJob, job_keys, run_jobs
from analysis.build.exports import write_exports
from analysis.build.inputs import DataDigests, data_digests
from analysis.build.options import BuildOptions, check_options
from analysis.build.plan import build_audience, plan_jobs
from analysis.core.errors import BuildError, UserError

CACHE = ".cache"




# ---------------------------------------------------------------- checking options -------





# ---------------------------------------------------------------- planning ----------------



# ---------------------------------------------------------------- building ---------------

def build(options: BuildOptions) -> Path:
    """Build the report for one edition and publish it; return the live report directory."""
    options = check_options(options)
    out_dir = Path(options.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = plan_jobs(options)
    # per job: the code and the data rows it reads (a one-row edit re-runs only the jobs
    # that read the row: analysis.build.inputs)
    inputs = data_digests(Path(options.data_dir), build_audience(options))
    build_key = _build_key(options, jobs, inputs)
    live = out_dir / options.publish_name
    if not options.force and _manifest_key(live) == build_key:
        return live  # nothing changed since the live build
    work = publish.new_build_dir(out_dir, options.publish_name)
    background: Future | None = None
    try:
        notebooks_dir = work / EXECUTED
        notebooks_dir.mkdir()
        cache = out_dir / CACHE / "notebooks"
        if options.force:
            shutil.rmtree(cache, ignore_errors=True)
        # While the workers start and run, one thread of this process (which otherwise only
        # waits) validates the data and then writes the tables and figures. One thread, not
        # two: two threads importing pandera and matplotlib at once deadlocked on import
        # locks. Nothing is published unless the data are valid, and a notebook that fails
        # on invalid data reports the data problems instead.
        progress = _progress(options, len(jobs))  # imported here, before the thread starts
        with job_executor(options.scheduler) as executor:
            background = _in_thread(_validate_and_export, options, work)
            # A Dask worker may run several notebooks at once in threads, and the warm
            # kernel is one per process: on Dask every notebook gets a fresh kernel.
            combined = combined_report_task(jobs, work, options, cache)
            run_jobs(jobs, inputs=inputs, cache_dir=cache, work_dir=notebooks_dir,
                     n_jobs=options.jobs, executor=executor,
                     warm=options.warm and executor is None, progress=progress,
                     followups=[combined] if combined else [])
        background.result()
        finish_report(jobs, work, options)
        (work / "manifest.json").write_text(json.dumps(
            {"build_key": build_key, "edition": options.edition, "lang": options.lang,
             "municipalities": list(options.municipalities), "formats": list(options.formats),
             "jobs": job_keys(jobs, inputs)}, indent=2, sort_keys=True) + "\n")
    except BuildError as error:
        if background is not None and isinstance(background.exception(), UserError):
            publish.discard(work)
            raise background.exception() from None
        kept = keep_failed_notebooks(work, out_dir)
        publish.discard(work)
        raise BuildError(f"{error} (executed notebooks kept in {kept}; "
                         "the previous report is unchanged)") from None
    except BaseException:
        publish.discard(work)
        raise
    _before_publish_hook()
    return publish.publish(work, out_dir, options.publish_name)


def _validate_and_export(options: BuildOptions, work: Path) -> None:
    check_data(Path(options.data_dir))
    write_exports(options.data_dir, options.edition, work, options.lang,
                  options.municipalities, "comparison" in options.kinds,
                  Path(options.out_dir) / CACHE / "notebooks")
    if "comparison" in options.kinds and not options.municipalities:  # a full build
        from analysis.present.explorer import build_explorer

        build_explorer(Path(options.data_dir), options.edition, work, options.lang,
                       options.formats, build_audience(options))


def _in_thread(function, *args) -> Future:
    """Run ``function(*args)`` in a background thread; ``.result()`` re-raises its error."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(function, *args)
    pool.shutdown(wait=False)
    return future


def check_data(data_dir: Path) -> None:
    """Refuse to build from data that does not validate: a notebook traceback is no way to
    tell a data steward that row 12 of a CSV is wrong."""
    from analysis.dataset.validate import require_valid

    require_valid(data_dir, "nothing was built and the previous report is unchanged")


@contextlib.contextmanager
def job_executor(scheduler: str | None) -> Iterator[Executor | None]:
    """``None`` (``run_jobs`` starts its own process pool), or the ``concurrent.futures``
    executor of a Dask scheduler, connected for the duration of the block."""
    if scheduler is None:
        yield None
        return
    try:
        from distributed import Client
    except ImportError:
        raise UserError("--scheduler needs Dask: pip install -e '.[dask]'") from None
    try:
        client = Client(scheduler, timeout=30)
    except OSError as error:
        raise UserError(f"--scheduler {scheduler}: cannot connect ({error})") from None
    with client:
        # pure=False: a notebook job writes files, so two equal submissions both run
        yield client.get_executor(pure=False)


def _before_publish_hook() -> None:
    """Fault injection for the tests: ``ANALYSIS_FAULT=before_publish`` kills the build at
    the moment the new report is complete but not yet swapped in."""
    if os.environ.get("ANALYSIS_FAULT") == "before_publish":
        os.kill(os.getpid(), 9)


def _build_key(options: BuildOptions, jobs: Sequence[NotebookJob],
               inputs: DataDigests) -> str:
    import hashlib

    # the whole data too: tables, figures and the explorer read every row
    payload = json.dumps({"jobs": job_keys(jobs, inputs), "formats": list(options.formats),
                          "lang": options.lang, "epoch": os.environ.get("SOURCE_DATE_EPOCH"),
                          "data": inputs.everything}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _manifest_key(live: Path) -> str | None:
    try:
        return json.loads((live / "manifest.json").read_text())["build_key"]
    except (OSError, ValueError, KeyError):
        return None


def _progress(options: BuildOptions, total: int):
    if not options.progress:
        return None
    from tqdm import tqdm

    return lambda iterable: tqdm(iterable, total=total, desc="notebooks", unit="nb",
                                 leave=False)


def keep_failed_notebooks(work: Path, out_dir: Path) -> Path:
    """Copy executed notebooks of a failed build to ``reports/.failed/`` for debugging."""
    failed = Path(out_dir) / ".failed"
    failed.mkdir(parents=True, exist_ok=True)
    for path in work.rglob("*.ipynb"):
        shutil.copy2(path, failed / path.name)
    return failed
