"""Running notebook jobs: papermill's Python API in worker processes, with a cache.

A job's cache key is the hash of everything its result depends on: the notebook file,
the package's code, the data files and the parameters. A job whose key has an executed
notebook in the cache is not run again.
"""

from __future__ import annotations

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
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from analysis.errors import BuildError
from analysis.paths import NOTEBOOKS_DIR, PACKAGE_DIR

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

    @property
    def path(self) -> Path:
        return Path(self.notebooks_dir) / f"{self.notebook}.ipynb"

    def key(self, inputs_digest: str) -> str:
        notebook = self.path.read_bytes()
        payload = json.dumps([self.notebook, self.parameters, self.title,
                              list(self.handout_formats), self.lang, inputs_digest],
                             sort_keys=True)
        return hashlib.sha256(notebook + payload.encode()).hexdigest()[:32]


def digest_files(paths: Iterable[Path], root: Path) -> str:
    """One hash over the names and contents of files (order-independent)."""
    digest = hashlib.sha256()
    for path in sorted(set(paths)):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def inputs_digest(data_dir: Path) -> str:
    """The package's code and templates plus every data file a notebook may read."""
    code = [p for p in PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    data = [p for sub in ("raw", "reference", "tidy") for p in (data_dir / sub).rglob("*")
            if p.is_file()]
    return hashlib.sha256(
        (digest_files(code, PACKAGE_DIR) + digest_files(data, data_dir)).encode()
    ).hexdigest()


def strip_volatile_metadata(path: Path) -> None:
    """Remove papermill's timestamps and durations from an executed notebook, in place."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
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
    nbformat.write(notebook, path)


# One kernel per worker process, started on first use and reused for every notebook the
# worker runs: kernel start-up (~2.5 s) is paid once per worker instead of once per
# notebook. Before each notebook the kernel's namespace and execution counter are reset,
# so a notebook sees exactly what a fresh kernel would show it (tests compare the two).
_warm_kernel = None
_RESET_CODE = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "get_ipython().execution_count = 1\n"
)


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


_WARM_UP_CODE = "import analysis.display, analysis.tables, analysis.views\n"


def _warm_up() -> None:
    """Worker initializer: start the kernel and import, in it and here, what every notebook
    and every rendering needs, while the main process is still validating the data."""
    client = warm_kernel().client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        client.execute(_WARM_UP_CODE, store_history=False)
    finally:
        client.stop_channels()
    import nbconvert  # noqa: F401
    import weasyprint  # noqa: F401

    import analysis.render  # noqa: F401


def reset_kernel(manager) -> None:
    """Clear the user namespace and the execution counter of a warm kernel."""
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive(_RESET_CODE, timeout=60, store_history=False)
        if reply["content"]["status"] != "ok":
            raise BuildError(f"could not reset the notebook kernel: {reply['content']}")
    finally:
        client.stop_channels()


def execute_job(job: NotebookJob, target: Path, *, warm: bool = True) -> Path:
    """Run one notebook with papermill; raise BuildError naming the notebook and cell.

    ``warm``: run in this process's warm kernel (reset first) instead of a fresh one.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    engine_options = {}
    if warm:
        manager = warm_kernel()
        reset_kernel(manager)
        engine_options["km"] = manager
    try:
        papermill.execute_notebook(
            str(job.path),
            str(target),
            parameters=job.parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            cwd=job.notebooks_dir,
            **engine_options,
        )
    except PapermillExecutionError as error:
        raise BuildError(
            f"notebook {job.notebook}.ipynb ({job.output_stem}) failed in cell "
            f"{error.exec_count}: {error.ename}: {error.evalue}"
        ) from None
    strip_volatile_metadata(target)
    return target


def _outputs(job: NotebookJob) -> list[str]:
    return ["ipynb", *job.handout_formats]


def _run_cached(job: NotebookJob, key: str, cache_dir: Path, work_dir: Path,
                warm: bool = True) -> Path:
    """Worker entry point: the cached results, or a fresh execution (and rendering of a
    handout) stored in the cache. Returns the executed notebook in ``work_dir``."""
    entry = cache_dir / key
    target = work_dir / f"{job.output_stem}.ipynb"
    if all((entry / f"out.{ext}").exists() for ext in _outputs(job)):
        for ext in _outputs(job):
            shutil.copyfile(entry / f"out.{ext}", work_dir / f"{job.output_stem}.{ext}")
        return target
    execute_job(job, target, warm=warm)
    if job.handout_formats:
        from analysis.render import render_notebook_file

        render_notebook_file(target, title=job.title, lang=job.lang,
                             formats=job.handout_formats)
    partial = cache_dir / f".{key}.{os.getpid()}.tmp"
    partial.mkdir(parents=True, exist_ok=True)
    for ext in _outputs(job):
        shutil.copyfile(work_dir / f"{job.output_stem}.{ext}", partial / f"out.{ext}")
    shutil.rmtree(entry, ignore_errors=True)
    os.replace(partial, entry)  # a killed build never leaves a half-written cache entry
    return target


def default_jobs() -> int:
    return os.cpu_count() or 1


def run_jobs(jobs: Sequence[NotebookJob], *, inputs: str, cache_dir: Path, work_dir: Path,
             n_jobs: int, executor: Executor | None = None, warm: bool = True,
             progress: Callable[[Iterable], Iterable] | None = None) -> dict[str, Path]:
    """Run every job (those not cached) in worker processes; output stem → executed notebook.

    ``executor`` is any ``concurrent.futures.Executor``; by default a process pool of
    ``n_jobs`` workers. The first failure stops the build with its BuildError.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    keys = {job.output_stem: job.key(inputs) for job in jobs}
    owned = executor is None
    # forkserver, not fork: the main process runs a thread (validation, exports) meanwhile; a
    # fork taken while another thread holds a lock can deadlock the child.
    pool = executor or ProcessPoolExecutor(max_workers=max(1, min(n_jobs, len(jobs) or 1)),
                                           mp_context=multiprocessing.get_context("forkserver"),
                                           initializer=_warm_up if warm else None)
    futures: dict = {}
    try:
        futures = {pool.submit(_run_cached, job, keys[job.output_stem], cache_dir, work_dir,
                               warm): job for job in jobs}
        done = as_completed(futures)
        results = {}
        for future in (progress(done) if progress else done):
            job = futures[future]
            results[job.output_stem] = future.result()
        return results
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    finally:
        if owned:
            pool.shutdown(wait=True, cancel_futures=True)


def job_keys(jobs: Sequence[NotebookJob], inputs: str) -> dict[str, str]:
    return {job.output_stem: job.key(inputs) for job in jobs}
