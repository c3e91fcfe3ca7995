"""Running notebook jobs: papermill's Python API in worker processes, with a cache.

A job's cache key is the hash of everything its result depends on: the notebook file,
the parameters, the package's code and the data it reads — every data file, or, when the
plan says which municipalities' rows a job reads (``NotebookJob.reads``), only those rows
(``analysis.build.inputs``). A job whose key has an executed notebook in the cache is not
run again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import multiprocessing

# Imported here, not lazily by the pool while a build thread imports other modules.
import multiprocessing.connection  # noqa: F401
import multiprocessing.forkserver  # noqa: F401
import multiprocessing.queues  # noqa: F401
import multiprocessing.synchronize  # noqa: F401
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from analysis.build.cache import restore_entry, store_entry
from analysis.build.inputs import DataDigests
from analysis.core.errors import BuildError
from analysis.core.paths import NOTEBOOKS_DIR

KERNEL_NAME = "python3"  # notebooks saved elsewhere may name a conda kernel: always use ours
# Papermill records timestamps and durations; they would make identical builds differ.
_VOLATILE_METADATA = ("papermill", "execution")


@dataclass(frozen=True)
class NotebookJob:
    """One notebook execution: which notebook, with which parameters, saved under what name."""

    notebook: str
    output_stem: str
    title: str
    parameters: dict = field(default_factory=dict)
    # A handout (a profile, a gap review) is also rendered on its own, in the worker.
    handout_formats: tuple[str, ...] = ()
    lang: str = "ja"
    notebooks_dir: str = str(NOTEBOOKS_DIR)
    # What the job's result depends on among the tidy rows: the municipalities whose rows
    # it reads (None: every row). Set by the plan.
    reads: tuple[str, ...] | None = None

    @property
    def path(self) -> Path:
        return Path(self.notebooks_dir) / f"{self.notebook}.ipynb"

    def output(self, directory: Path, ext: str = "ipynb") -> Path:
        """This job's executed notebook (or its handout as ``ext``) in ``directory``."""
        return Path(directory) / f"{self.output_stem}.{ext}"

    def key(self, inputs_digest: str) -> str:
        notebook = self.path.read_bytes()
        payload = json.dumps([self.notebook, self.parameters, self.title,
                              list(self.handout_formats), self.lang, inputs_digest],
                             sort_keys=True)
        return hashlib.sha256(notebook + payload.encode()).hexdigest()[:32]


def job_key(job: NotebookJob, inputs: str | DataDigests) -> str:
    """The job's cache key: with ``DataDigests``, over the data the job reads; with a
    string, over that digest (one for every job)."""
    data = inputs if isinstance(inputs, str) else inputs.of(job.reads)
    return job.key(data)


def strip_volatile_metadata(notebook) -> None:
    """Remove papermill's timestamps and durations from an executed notebook, in place."""
    for key in _VOLATILE_METADATA:
        notebook.metadata.pop(key, None)
    count = 0
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number}"  # papermill gives its injected cell a random id
        for key in _VOLATILE_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1  # the same numbers whichever kernel, warm or fresh, ran it
            cell.execution_count = count
            for output in cell.get("outputs", []):
                if "execution_count" in output:
                    output["execution_count"] = count


# One kernel per worker process, started on first use and reused for every notebook the
# worker runs: kernel start-up (~2.5 s) is paid once per worker instead of once per
# notebook. Before each notebook the kernel's namespace and execution counter are reset,
# so a notebook sees exactly what a fresh kernel would show it (tests compare the two).
_warm_kernel = None
_RESET_CODE = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "get_ipython().execution_count = 1\n"
)
# A client's first request proves both channels connected: its reply comes on the shell
# channel and its idle status on the output channel. jupyter_client's wait_for_ready does the
# same and then drains the output channel for 0.2 s; nbclient calls it again for a client of
# its own — 0.4 s of sleeping per notebook, more than a profile notebook's own computing.
# So each notebook gets a new client whose first request is the reset, and papermill runs
# the notebook on that client (WARM_ENGINE), which is stopped afterwards. (nbclient's own
# clients were never stopped: every notebook left one connected, under the kernel manager's
# one session identity, to which the kernel then routed the next client's replies.)
_FIRST_REPLY_TIMEOUT = 10
WARM_ENGINE = "analysis-warm-kernel"


def warm_kernel():
    """This process's kernel manager, started on first use and shut down at exit."""
    global _warm_kernel
    if _warm_kernel is None or not _warm_kernel.is_alive():
        from multiprocessing import util

        from jupyter_client.manager import KernelManager

        # Unix sockets under an absolute private path: no TCP ports, so kernels starting at
        # the same moment in two workers cannot race for a port (seen: "Address already in
        # use" from a kernel's heartbeat).
        sockets = tempfile.mkdtemp(prefix="analysis-kernel-")
        _warm_kernel = KernelManager(kernel_name=KERNEL_NAME, transport="ipc",
                                     ip=os.path.join(sockets, "kernel"))
        # No history database: the reset sets the execution counter back to 1, which a
        # history session would refuse (and print an error into the next notebook).
        _warm_kernel.start_kernel(cwd=str(NOTEBOOKS_DIR),
                                  extra_arguments=["--HistoryManager.enabled=False"])
        util.Finalize(None, shutil.rmtree, args=(sockets,), kwargs={"ignore_errors": True},
                      exitpriority=5)
        # Finalizers also run in pool workers, which leave through os._exit (atexit does not).
        util.Finalize(None, _warm_kernel.shutdown_kernel, kwargs={"now": True}, exitpriority=10)
    return _warm_kernel


def kernel_client(manager):
    """A new client of ``manager``'s kernel, channels started, not yet known to be ready."""
    client = manager.client()
    client.start_channels()
    client.allow_stdin = False
    return client


@functools.cache
def _register_warm_engine() -> None:
    """Register WARM_ENGINE (once per process): papermill's nbclient engine on a kernel
    client we hand it."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    class WarmKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, *, km, kc, start_timeout=60,
                                     execution_timeout=None, log_output=False, **_paths):
            client = PapermillNotebookClient(nb_man, km=km, kernel_name=kernel_name,
                                             startup_timeout=start_timeout,
                                             timeout=execution_timeout, log=logger,
                                             log_output=log_output)
            client.kc = kc  # nbclient starts (and never stops) a client of its own if None
            return client.execute()

    papermill_engines.register(WARM_ENGINE, WarmKernelEngine)


def run_first(client, code: str) -> None:
    """Run ``code`` as a new client's first request (see above); fail with BuildError."""
    try:
        reply = client.execute_interactive(code, timeout=_FIRST_REPLY_TIMEOUT,
                                           store_history=False)
    except TimeoutError:  # an output channel not yet subscribed may have missed the status
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive(code, timeout=60, store_history=False)
    if reply["content"]["status"] != "ok":
        raise BuildError(f"the notebook kernel could not run {code!r}: {reply['content']}")


# gc.freeze: the imported modules are never garbage; the full collection of every reset
# (IPython flushes its output cache with gc.collect) then skips them. Measured: a reset
# 0.17 s → 0.007 s.
_WARM_UP_CODE = (
    "import analysis.dataset.tables, analysis.present.display, analysis.present.comparison\n"
    "import analysis.present.changes, analysis.present.profile, analysis.present.gap_review\n"
    "import gc\ngc.freeze()\n"
)


# An error of the worker initializer, raised again by the worker's first job: raised in the
# initializer it would only break the pool ("a child process terminated abruptly") and
# print its traceback from the worker; raised by a job it reaches the build and the user as
# that job's error (e.g. a missing library, mapped by analysis.core.errors).
_warm_up_error: Exception | None = None


def _warm_up() -> None:
    """Worker initializer: start the kernel and import, in it and here, what every notebook
    and every rendering needs, while the main process is still validating the data. The
    kernel imports while this process imports (1.6 s and 2.4 s measured): both at once."""
    global _warm_up_error
    try:
        _start_warm_kernel()
    except Exception as error:
        _warm_up_error = error


def _start_warm_kernel() -> None:
    client = kernel_client(warm_kernel())
    try:
        client.wait_for_ready(timeout=60)  # the kernel has just started
        request = client.execute(_WARM_UP_CODE, store_history=False)
        import nbconvert  # noqa: F401
        import weasyprint  # noqa: F401

        import analysis.build.render  # noqa: F401
        reply = _reply_to(client, request)
    finally:
        client.stop_channels()
    if reply["content"]["status"] != "ok":
        raise BuildError(f"the notebook kernel could not start: {reply['content']}")


def _reply_to(client, request: str, timeout: float = 60) -> dict:
    while True:
        reply = client.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == request:
            return reply


def execute_job(job: NotebookJob, target: Path, *, warm: bool = True) -> Path:
    """Run one notebook with papermill; raise BuildError naming the notebook and cell.

    ``warm``: run in this process's warm kernel (reset first) instead of a fresh one.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    engine_options = {}
    if warm:
        manager = warm_kernel()
        client = kernel_client(manager)
        run_first(client, _RESET_CODE)  # clears the namespace and the execution counter
        _register_warm_engine()
        engine_options.update(engine_name=WARM_ENGINE, km=manager, kc=client)
    try:
        notebook = papermill.execute_notebook(
            str(job.path),
            str(target),  # written once at the end (or with the error marked, on failure)
            parameters=job.parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            request_save_on_cell_execute=False,  # not the whole notebook after every cell
            cwd=job.notebooks_dir,
            **engine_options,
        )
    except PapermillExecutionError as error:
        raise BuildError(
            f"notebook {job.notebook}.ipynb ({job.output_stem}) failed in cell "
            f"{error.exec_count}: {error.ename}: {error.evalue}"
        ) from None
    finally:
        if warm:
            client.stop_channels()
    strip_volatile_metadata(notebook)
    nbformat.write(notebook, target)
    return target


def _outputs(job: NotebookJob) -> list[str]:
    return ["ipynb", *job.handout_formats]


@dataclass(frozen=True)
class JobOutcome:
    """What a worker did for one job: its executed notebook, and a warning for the user
    (a damaged cache entry that was recomputed) or ``None``."""

    path: Path
    warning: str | None = None


def _run_cached(job: NotebookJob, key: str, cache_dir: Path, work_dir: Path,
                warm: bool = True) -> JobOutcome:
    """Worker entry point: the cached results, or a fresh execution (and rendering of a
    handout) stored in the cache. The executed notebook (and handouts) go to ``work_dir``.

    A cache entry is used only when every file matches the hash recorded with it
    (``analysis.build.cache``); a damaged one is recomputed, with a warning.
    """
    if _warm_up_error is not None:
        raise _warm_up_error
    entry = cache_dir / key
    outputs = {f"out.{ext}": job.output(work_dir, ext) for ext in _outputs(job)}
    problem = restore_entry(entry, outputs)
    if problem is None:
        return JobOutcome(job.output(work_dir))
    warning = None
    if problem != "absent":
        warning = (f"cache entry {entry.name} ({job.output_stem}) {problem}: discarded, "
                   "recomputing it")
    target = execute_job(job, job.output(work_dir), warm=warm)
    if job.handout_formats:
        # early cut-off: a notebook that shows what it showed before is not rendered again
        from analysis.build import renders

        made = {f"out.{ext}": job.output(work_dir, ext) for ext in job.handout_formats}
        rendering = renders.output_key("handout", target.read_bytes(), job.title, job.lang,
                                       ",".join(job.handout_formats))
        if not renders.take(cache_dir, rendering, made):
            from analysis.build.render import render_notebook_file

            render_notebook_file(target, title=job.title, lang=job.lang,
                                 formats=job.handout_formats)
            renders.keep(cache_dir, rendering, made)
    store_entry(entry, outputs)  # a killed build never leaves a half-written cache entry
    return JobOutcome(target, warning)


@dataclass(frozen=True)
class FollowUp:
    """Work on executed notebooks (e.g. the combined report) that runs in the same pool as
    soon as the notebooks it ``needs`` (output stems) have run, ahead of queued notebooks."""

    needs: frozenset[str]
    function: Callable  # module-level (picklable); its return value is not used
    args: tuple = ()


def run_jobs(jobs: Sequence[NotebookJob], *, inputs: str | DataDigests, cache_dir: Path,
             work_dir: Path, n_jobs: int, executor: Executor | None = None, warm: bool = True,
             progress: Callable[[Iterable], Iterable] | None = None,
             followups: Sequence[FollowUp] = (),
             warn: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Run every job (those not cached) and every follow-up in worker processes; return
    output stem → executed notebook.

    ``executor`` is any ``concurrent.futures.Executor``; by default a process pool of
    ``n_jobs`` workers. The first failure stops the build with its error. ``warn`` gets
    the workers' warnings (damaged cache entries); by default they go to stderr. Cached
    jobs are copied here, before any worker starts: after a one-row edit the workers (and
    their kernels) are only those the jobs to run need, and those jobs start at once.
    """
    warn = warn or _warn_on_stderr
    cache_dir.mkdir(parents=True, exist_ok=True)
    keys = job_keys(jobs, inputs)
    unknown = [f for f in followups if not f.needs <= keys.keys()]
    if unknown:
        raise ValueError(f"follow-ups need notebooks that are not jobs: {unknown}")
    hits = {}
    for job in jobs:
        entry = cache_dir / keys[job.output_stem]
        problem = restore_entry(entry, {f"out.{ext}": job.output(work_dir, ext)
                                        for ext in _outputs(job)})
        if problem is None:
            hits[job.output_stem] = job.output(work_dir)
        elif problem != "absent":  # removed by restore_entry: the worker recomputes it
            warn(f"cache entry {entry.name} ({job.output_stem}) {problem}: discarded, "
                 "recomputing it")
    pending = [job for job in jobs if job.output_stem not in hits]
    owned = executor is None
    workers = max(1, min(n_jobs, len(pending) + len(followups)))
    # forkserver, not fork: the main process runs a thread (validation, exports) meanwhile; a
    # fork taken while another thread holds a lock can deadlock the child.
    pool = executor or ProcessPoolExecutor(max_workers=workers,
                                           mp_context=multiprocessing.get_context("forkserver"),
                                           initializer=_warm_up if warm else None)
    waiting = list(followups)
    running: dict[Future, NotebookJob | FollowUp] = {}
    finished_stems: set[str] = set(hits)

    def fill() -> None:
        # Tasks are handed over one per free worker, not all at once, so that a follow-up
        # whose notebooks are done runs next rather than after every notebook queued.
        while len(running) < workers and (pending or waiting):
            ready = next((f for f in waiting if f.needs <= finished_stems), None)
            if ready is not None:
                waiting.remove(ready)
                running[pool.submit(ready.function, *ready.args)] = ready
            elif pending:
                job = pending.pop(0)
                running[pool.submit(_run_cached, job, keys[job.output_stem], cache_dir,
                                    work_dir, warm)] = job
            else:
                break

    def completions() -> Iterator[tuple[NotebookJob, Path]]:
        for job in jobs:
            if job.output_stem in hits:
                yield job, hits[job.output_stem]
        fill()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                task = running.pop(future)
                result = future.result()
                if isinstance(task, NotebookJob):
                    if result.warning:
                        warn(result.warning)
                    finished_stems.add(task.output_stem)
                    yield task, result.path
            fill()

    try:
        stream = completions()
        results = {job.output_stem: path
                   for job, path in (progress(stream) if progress else stream)}
        return results
    except BaseException:
        for future in running:
            future.cancel()
        raise
    finally:
        if owned:
            pool.shutdown(wait=True, cancel_futures=True)


def _warn_on_stderr(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


def job_keys(jobs: Sequence[NotebookJob], inputs: str | DataDigests) -> dict[str, str]:
    return {job.output_stem: job_key(job, inputs) for job in jobs}
