"""Notebook execution: a warm, reused kernel gives exactly what a fresh kernel gives."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from analysis.build import execute
from analysis.build.options import BuildOptions, check_options
from analysis.build.plan import plan_jobs


def outputs(path: Path) -> list:
    notebook = nbformat.read(path, as_version=4)
    return [(cell.source, cell.get("execution_count"), cell.get("outputs"))
            for cell in notebook.cells]


def small_notebook(directory: Path, name: str, source: str) -> execute.NotebookJob:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, directory / f"{name}.ipynb")
    return execute.NotebookJob(name, name, name, notebooks_dir=str(directory))


def test_warm_and_cold_kernels_give_identical_notebooks(tmp_path: Path) -> None:
    options = check_options(BuildOptions(municipalities=("132039",),
                                         only=("profile", "gap_review"), out_dir=tmp_path))
    profile, gap_review = plan_jobs(options)
    cold = execute.execute_job(profile, tmp_path / "cold.ipynb", warm=False)
    # the warm kernel first runs another notebook, leaving names behind to be reset
    execute.execute_job(gap_review, tmp_path / "other.ipynb", warm=True)
    warm = execute.execute_job(profile, tmp_path / "warm.ipynb", warm=True)
    assert outputs(warm) == outputs(cold)
    assert nbformat.read(warm, as_version=4).metadata == nbformat.read(
        cold, as_version=4).metadata


def test_reset_clears_names_left_by_the_previous_notebook(tmp_path: Path) -> None:
    leave = small_notebook(tmp_path, "leave", "leftover = 42")
    look = small_notebook(tmp_path, "look", "assert 'leftover' not in globals()\nprint('clean')")
    execute.execute_job(leave, tmp_path / "out-leave.ipynb", warm=True)
    result = execute.execute_job(look, tmp_path / "out-look.ipynb", warm=True)
    cell = nbformat.read(result, as_version=4).cells[-1]
    assert cell.outputs[0]["text"] == "clean\n" and cell.execution_count == 1


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_warm_notebooks_leave_no_kernel_client_connected(tmp_path: Path) -> None:
    # nbclient used to start a client of its own for every notebook and never stop it:
    # each notebook left sockets open, and the kernel routed replies to stale clients.
    job = small_notebook(tmp_path, "small", "1 + 1")
    execute.execute_job(job, tmp_path / "out-0.ipynb", warm=True)
    before = open_descriptors()
    for number in range(1, 6):
        execute.execute_job(job, tmp_path / f"out-{number}.ipynb", warm=True)
    assert open_descriptors() <= before + 2


def test_a_client_whose_first_reply_is_late_falls_back_to_waiting(tmp_path: Path,
                                                                  monkeypatch) -> None:
    # the output channel of a new client may subscribe after the kernel's first status
    monkeypatch.setattr(execute, "_FIRST_REPLY_TIMEOUT", 1e-6)
    job = small_notebook(tmp_path, "late", "print('on time')")
    result = execute.execute_job(job, tmp_path / "out.ipynb", warm=True)
    assert nbformat.read(result, as_version=4).cells[-1].outputs[0]["text"] == "on time\n"


def record_follow_up(log: Path, work: Path) -> None:
    log.write_text(",".join(sorted(p.stem for p in work.glob("*.ipynb"))))


def test_a_follow_up_runs_as_soon_as_its_notebooks_have_run(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    jobs = [small_notebook(tmp_path, name, "1") for name in ("first", "second", "third")]
    work = tmp_path / "work"
    work.mkdir()
    log = tmp_path / "log.txt"
    follow_up = execute.FollowUp(frozenset({"first"}), record_follow_up, (log, work))
    with ThreadPoolExecutor(max_workers=1) as pool:
        executed = execute.run_jobs(jobs, inputs="x", cache_dir=tmp_path / "cache",
                                    work_dir=work, n_jobs=1, executor=pool,
                                    followups=[follow_up])
    assert sorted(executed) == ["first", "second", "third"]
    assert log.read_text() == "first"  # ahead of the notebooks queued before it was ready


def test_a_follow_up_of_a_notebook_that_is_not_a_job_is_refused(tmp_path: Path) -> None:
    follow_up = execute.FollowUp(frozenset({"missing"}), record_follow_up, ())
    with pytest.raises(ValueError, match="missing"):
        execute.run_jobs([], inputs="x", cache_dir=tmp_path, work_dir=tmp_path, n_jobs=1,
                         followups=[follow_up])
