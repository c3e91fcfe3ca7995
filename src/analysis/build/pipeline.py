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
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import CancelledError, Executor, Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from analysis.build import publish
from analysis.build.assemble import EXECUTED, combined_report_task, finish_report
from analysis.build.cache import remove_leftovers as remove_cache_leftovers
from analysis.build.execute import NotebookJob, job_keys, run_jobs
from analysis.build.exports import write_exports
from analysis.build.inputs import DataDigests, data_digests
from analysis.build.integrity import DamagedOutput, verify_build
from analysis.build.lock import build_lock
from analysis.build.options import BuildOptions, check_options
from analysis.build.plan import plan_jobs
from analysis.core.errors import BuildError, UserError, environment_problem
from analysis.core.faults import fault_point

CACHE = ".cache"


# ---------------------------------------------------------------- building ---------------

def build(options: BuildOptions) -> Path:
    """Build the report for one edition and publish it; return the live report directory.

    One build at a time per output directory (``analysis.build.lock``): a second one waits,
    or stops at once with ``wait=False``. A full disk, a read-only or forbidden output
    directory or a missing library ends in an EnvironmentProblem naming the path, the cause
    and what to do; the partial build is removed and the previous report is unchanged.
    """
    with reading_data(options.data_dir):
        options = check_options(options)
    out_dir = Path(options.out_dir)
    try:
        check_environment(options)
        out_dir.mkdir(parents=True, exist_ok=True)
        with build_lock(out_dir, wait=options.wait):
            # Under the lock nothing else writes here: whatever a killed build left behind
            # (a build directory never published, a half-written cache entry) is removed.
            publish.remove_leftovers(out_dir)
            remove_cache_leftovers(out_dir / CACHE / "notebooks")
            return _build_locked(options)
    except OSError as error:
        problem = environment_problem(error, where=out_dir, consequence=(
            "nothing was published; the previous report is unchanged"))
        if problem is None:
            raise
        raise problem from error
    except BrokenProcessPool as error:
        raise BuildError("a worker process ended abruptly (out of memory, or killed?); "
                         "nothing was published and the previous report is unchanged") \
            from error


def check_environment(options: BuildOptions) -> None:
    """The system libraries and the font the build needs, before anything runs."""
    from analysis.build.render import pdf_environment_problem

    problem = pdf_environment_problem(pdf="pdf" in options.formats)
    if problem:
        raise problem


def _build_locked(options: BuildOptions) -> Path:
    out_dir = Path(options.out_dir)
    with reading_data(options.data_dir):
        jobs = plan_jobs(options)
        # per job: the code and the data rows it reads (a one-row edit re-runs only the
        # jobs that read the row: analysis.build.inputs)
        inputs = data_digests(Path(options.data_dir), options.audience)
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
                     followups=[combined] if combined else [], warn=_warner(options))
        background.result()
        finish_report(jobs, work, options)
        (work / "manifest.json").write_text(json.dumps(
            {"build_key": build_key, "edition": options.edition, "lang": options.lang,
             "audience": options.audience,
             "municipalities": list(options.municipalities), "formats": list(options.formats),
             "jobs": job_keys(jobs, inputs)}, indent=2, sort_keys=True) + "\n")
        verify_build(work)  # nothing empty or truncated is published
    except BaseException as error:
        # The thread writes into the build directory: let it finish before removing that.
        cause = _settled(background)
        try:
            if not isinstance(error, BuildError):
                raise
            if isinstance(cause, UserError):
                raise cause from None  # invalid data: the notebooks failed because of it
            if isinstance(error, DamagedOutput):
                raise
            kept = keep_failed_notebooks(work, out_dir)
            raise BuildError(f"{error} (executed notebooks kept in {kept}; "
                             "the previous report is unchanged)") from None
        finally:
            publish.discard(work)
    _before_publish_hook()
    try:
        return publish.publish(work, out_dir, options.publish_name)
    except BaseException:
        if (out_dir / options.publish_name).resolve() != work.resolve():
            publish.discard(work)  # not swapped in: the previous report is still live
        raise


def _settled(background: Future | None, timeout: float = 60) -> BaseException | None:
    """The background thread's error once it has finished (``None``: none, or not done)."""
    if background is None:
        return None
    try:
        return background.exception(timeout=timeout)
    except (TimeoutError, CancelledError):
        return None


def _warner(options: BuildOptions):
    """Warnings (a damaged cache entry recomputed) as one line each, above the progress bar."""
    if not options.progress:
        return None  # run_jobs prints them on stderr
    from tqdm import tqdm

    return lambda message: tqdm.write(f"warning: {message}", file=sys.stderr)


def _validate_and_export(options: BuildOptions, work: Path) -> None:
    check_data(Path(options.data_dir))
    # The exports and the explorer load the data themselves; each drops what the audience
    # may not see (``analysis.dataset.scope.for_audience``) where it loads it.
    write_exports(options.data_dir, options.edition, work, options.lang,
                  options.municipalities, "comparison" in options.kinds,
                  audience=options.audience,
                  cache_dir=Path(options.out_dir) / CACHE / "notebooks")
    if "comparison" in options.kinds and not options.municipalities:  # a full build
        from analysis.present.explorer import build_explorer

        build_explorer(Path(options.data_dir), options.edition, work, options.lang,
                       options.formats, audience=options.audience)


def _in_thread(function, *args) -> Future:
    """Run ``function(*args)`` in a background thread; ``.result()`` re-raises its error."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(function, *args)
    pool.shutdown(wait=False)
    return future


@contextlib.contextmanager
def reading_data(data_dir: Path) -> Iterator[None]:
    """Options and planning read the data before it is validated (the validation runs
    beside the notebooks): a missing column or an unreadable table found there is reported
    as the validator's located problems, not as a traceback."""
    try:
        yield
    except (KeyError, ValueError, FileNotFoundError):
        check_data(Path(data_dir))  # raises UserError with the problems
        raise  # the data are valid: a bug


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
    fault_point("before_publish")


def _build_key(options: BuildOptions, jobs: Sequence[NotebookJob],
               inputs: DataDigests) -> str:
    import hashlib

    # the whole data too: tables, figures and the explorer read every row
    payload = json.dumps({"jobs": job_keys(jobs, inputs), "formats": list(options.formats),
                          "lang": options.lang, "audience": options.audience,
                          "epoch": os.environ.get("SOURCE_DATE_EPOCH"),
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
