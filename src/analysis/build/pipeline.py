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
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import CancelledError, Executor, Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

from analysis.build import publish
from analysis.build.assemble import EXECUTED, combined_report_task, finish_report
from analysis.build.cache import remove_leftovers as remove_cache_leftovers
from analysis.build.execute import (
    NotebookJob,
    default_jobs,
    inputs_digest,
    job_keys,
    run_jobs,
)
from analysis.build.exports import write_exports
from analysis.build.integrity import DamagedOutput, verify_build
from analysis.build.lock import build_lock
from analysis.core.errors import BuildError, UserError, environment_problem
from analysis.core.faults import fault_point
from analysis.core.paths import DATA_DIR, NOTEBOOKS_DIR, REPORTS_DIR, ROOT

FORMATS = ("html", "pdf")
EDITION_PATTERN = re.compile(r"fy[0-9]{4}")
CODE_PATTERN = re.compile(r"[0-9]{6}")
CACHE = ".cache"
NOTEBOOKS = ("comparison", "edition_changes", "profile", "gap_review")


@dataclass(frozen=True)
class BuildOptions:
    edition: str = "fy2024"
    data_dir: Path = DATA_DIR
    out_dir: Path = REPORTS_DIR
    formats: tuple[str, ...] = FORMATS
    lang: str = "ja"
    municipalities: tuple[str, ...] = ()  # empty: every municipality of the edition
    jobs: int = field(default_factory=default_jobs)
    force: bool = False
    progress: bool = True
    warm: bool = True  # reuse one kernel per worker (see analysis.build.execute)
    notebooks_dir: Path = NOTEBOOKS_DIR  # another copy of the notebooks, e.g. edited ones
    only: tuple[str, ...] = ()  # kinds of notebook to build (see NOTEBOOKS); empty: default
    scheduler: str | None = None  # a Dask scheduler's address: run the notebooks there
    wait: bool = True  # for another build of the same output directory (else: BuildBusy)

    @property
    def publish_name(self) -> str:
        """``fy2024`` for a full build, ``fy2024-132039`` for a municipality subset."""
        parts = [self.edition, *sorted(self.municipalities)]
        if self.only:
            parts.append("only_" + "_".join(self.only))
        return "-".join(parts)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of notebook to run: ``only``, else all (a subset: the handouts)."""
        if self.only:
            return self.only
        return ("profile", "gap_review") if self.municipalities else NOTEBOOKS


# ---------------------------------------------------------------- checking options -------

def check_options(options: BuildOptions) -> BuildOptions:
    """Reject options that would be unsafe or meaningless, before anything runs."""
    from analysis.dataset.tables import load_municipalities, load_sources

    if not EDITION_PATTERN.fullmatch(options.edition):
        raise UserError(f"--edition {options.edition!r}: an edition looks like fy2024")
    data_dir = Path(options.data_dir)
    if not data_dir.is_dir():
        raise UserError(f"--data {data_dir}: not a directory")
    editions = set(load_sources(data_dir)["edition"]) - {""}
    if options.edition not in editions:
        raise UserError(f"--edition {options.edition!r}: not in {data_dir}/raw/sources.csv "
                        f"(editions there: {', '.join(sorted(editions))})")
    known = set(load_municipalities(data_dir)["municipality_code"])
    for code in options.municipalities:
        if not CODE_PATTERN.fullmatch(code) or code not in known:
            raise UserError(f"--municipality {code!r}: not a municipality code of "
                            f"{data_dir}/reference/municipalities.csv (6 digits, e.g. 132039)")
    if options.jobs < 1:
        raise UserError(f"--jobs {options.jobs}: must be 1 or more")
    unknown = sorted(set(options.only) - set(NOTEBOOKS))
    if unknown:
        raise UserError(f"--only {','.join(unknown)}: the notebooks are {', '.join(NOTEBOOKS)}")
    notebooks = Path(options.notebooks_dir)
    missing = [n for n in NOTEBOOKS if not (notebooks / f"{n}.ipynb").is_file()]
    if missing:
        raise UserError(f"--notebooks {notebooks}: missing {', '.join(missing)} (.ipynb)")
    return replace(options, out_dir=check_out_dir(options.out_dir, data_dir))


def check_out_dir(out_dir: Path, data_dir: Path) -> Path:
    """The output directory may be anywhere except inside the inputs or the code.

    ``..`` components are refused outright: an output path is typed by a person, and a
    path that climbs out of where it seems to point is a mistake or an attack.
    """
    out_dir = Path(out_dir)
    if ".." in out_dir.parts:
        raise UserError(f"--out {out_dir}: '..' is not allowed in the output path")
    resolved = out_dir.resolve()
    protected = [Path(data_dir).resolve(), (ROOT / "src").resolve(),
                 (ROOT / "notebooks").resolve(), (ROOT / "tests").resolve()]
    for inside in protected:
        if resolved == inside or inside in resolved.parents:
            raise UserError(f"--out {out_dir}: inside {inside}; reports are never written "
                            "among the inputs or the code")
    if resolved.exists() and not resolved.is_dir():
        raise UserError(f"--out {out_dir}: exists and is not a directory")
    return resolved


# ---------------------------------------------------------------- planning ----------------

def edition_municipalities(data_dir: Path, edition: str) -> list[str]:
    """Codes of the municipalities the edition documents, in code order."""
    from analysis.dataset.tables import load_sources, load_tidy

    sources = load_sources(data_dir)
    in_edition = set(sources.loc[sources["edition"] == edition, "source_id"])
    services = load_tidy("services", data_dir)
    return sorted(set(services.loc[services["source_id"].isin(in_edition),
                                   "municipality_code"]))


def plan_jobs(options: BuildOptions) -> list[NotebookJob]:
    """The notebooks of one build, in report order."""
    from analysis.core.labels import label
    from analysis.dataset.tables import load_municipalities

    name_column = "name_romaji" if options.lang == "en" else "name"
    names = load_municipalities(options.data_dir).set_index("municipality_code")[name_column]
    data = str(options.data_dir)
    common = {"data_dir": data, "lang": options.lang}
    place = {"notebooks_dir": str(options.notebooks_dir)}
    codes = list(options.municipalities) or edition_municipalities(options.data_dir,
                                                                   options.edition)
    jobs = []
    if "comparison" in options.kinds:
        jobs.append(NotebookJob("comparison", "comparison", label("report", "comparison",
                                                                  options.lang),
                                {"edition": options.edition,
                                 "municipalities": list(options.municipalities), **common},
                                **place))
    if "edition_changes" in options.kinds and not options.municipalities:
        from analysis.dataset.tables import load_sources, previous_edition

        earlier = previous_edition(load_sources(options.data_dir), options.edition)
        if earlier:
            jobs.append(NotebookJob("edition_changes", "edition_changes",
                                    label("report", "edition_changes", options.lang),
                                    {"from_edition": earlier, "to_edition": options.edition,
                                     **common}, **place))
    for kind, extra in (("profile", {}), ("gap_review", {"peer_group": "all"})):
        if kind not in options.kinds:
            continue
        for code in codes:
            title = label("report", f"{kind}_title", options.lang).format(name=names[code])
            jobs.append(NotebookJob(kind, f"{kind}-{code}", title,
                                    {"municipality_code": code, "edition": options.edition,
                                     **extra, **common},
                                    handout_formats=options.formats, lang=options.lang,
                                    **place))
    return jobs


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
    inputs = inputs_digest(Path(options.data_dir))
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
            combined = combined_report_task(jobs, work, options)
            run_jobs(jobs, inputs=inputs, cache_dir=cache, work_dir=notebooks_dir,
                     n_jobs=options.jobs, executor=executor,
                     warm=options.warm and executor is None, progress=progress,
                     followups=[combined] if combined else [], warn=_warner(options))
        background.result()
        finish_report(jobs, work, options)
        (work / "manifest.json").write_text(json.dumps(
            {"build_key": build_key, "edition": options.edition, "lang": options.lang,
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
    write_exports(options.data_dir, options.edition, work, options.lang,
                  options.municipalities, "comparison" in options.kinds)


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


def check_data(data_dir: Path, shown: int = 20) -> None:
    """Refuse to build from data that does not validate: a notebook traceback is no way to
    tell a data steward that row 12 of a CSV is wrong."""
    from analysis.dataset.validate import validate

    _, problems = validate(data_dir)
    if problems:
        listed = "\n".join(f"  {p}" for p in problems[:shown])
        more = f"\n  … and {len(problems) - shown} more" if len(problems) > shown else ""
        raise UserError(f"{data_dir} does not validate ({len(problems)} problem(s)); nothing "
                        f"was built and the previous report is unchanged:\n{listed}{more}\n"
                        f"run: python -m analysis validate {data_dir}")


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


def _build_key(options: BuildOptions, jobs: Sequence[NotebookJob], inputs: str) -> str:
    import hashlib

    payload = json.dumps({"jobs": job_keys(jobs, inputs), "formats": list(options.formats),
                          "lang": options.lang, "epoch": os.environ.get("SOURCE_DATE_EPOCH")},
                         sort_keys=True)
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
