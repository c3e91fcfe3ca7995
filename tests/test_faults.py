"""Faults at the edges (issue 18): concurrent builds, a damaged cache, a full, read-only or
forbidden output directory, missing libraries, an import killed half-way.

Builds run the real command on 武蔵野市 only (``tests.test_build.build``). The full disk is
a real one: a small tmpfs, filled by the build itself (skipped, with the reason, where
mounting is not permitted).
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import openpyxl
import pytest

from analysis.build import cache, execute, integrity, render
from analysis.build.lock import build_lock
from analysis.cli import main
from analysis.core import fonts
from analysis.core.errors import EnvironmentProblem, environment_problem
from analysis.dataset import journal
from analysis.dataset.validate import validate
from analysis.excel.importing import plan_import
from analysis.excel.submit import apply_plan
from analysis.excel.template import make_template
from tests.conftest import EPOCH, ROOT, tree_digest
from tests.subset import write_subset
from tests.test_build import CODE, ONLY, SUBSET, build
from tests.test_workbook import NEW_CHANNEL, NEW_SERVICE, add_row

PYTHON = [sys.executable, "-m", "analysis"]


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> str:
    """Non-zero exit, no traceback, exactly one line on stderr, holding every fragment."""
    assert result.returncode not in (0, None), result.stdout + result.stderr
    lines = error_lines(result)
    assert len(lines) == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def build_dirs(out: Path) -> list[str]:
    return sorted(p.name for p in (out / ".builds").iterdir())


def leftovers(out: Path) -> list[str]:
    """Temporary files and half-written cache entries a failed build must not leave."""
    return sorted(str(p.relative_to(out)) for p in out.rglob("*")
                  if p.name.endswith((".tmp", ".swap")))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output directory with a published subset build and its cache."""
    out = tmp_path_factory.mktemp("faults") / "reports"
    result = build(out)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


# ---------------------------------------------------------------- one build at a time ----

def start_build(out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([*PYTHON, "build", "--municipality", CODE, "--only", ONLY,
                             "--out", str(out), "--quiet", *extra], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})


def wait_for_lock_holder(out: Path, pid: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            if json.loads((out / ".lock").read_text())["pid"] == pid:
                return
        time.sleep(0.05)
    raise AssertionError(f"pid {pid} never took the lock of {out}")


def test_two_forced_builds_two_seconds_apart_both_publish_a_complete_report(
        built: Path) -> None:
    first = start_build(built, "--force")
    wait_for_lock_holder(built, first.pid)
    time.sleep(2)
    second = start_build(built, "--force")
    first_out, first_err = first.communicate(timeout=600)
    second_out, second_err = second.communicate(timeout=600)
    assert first.returncode == 0, first_err[-3000:]
    assert second.returncode == 0, second_err[-3000:]
    assert "Traceback" not in first_err + second_err
    waiting = [line for line in second_err.splitlines() if "waiting for" in line]
    assert len(waiting) == 1, second_err  # said once, naming the holder
    assert "waiting for the build started at 20" in waiting[0]
    assert f"by pid {first.pid} (python -m analysis build --municipality {CODE}" in waiting[0]
    live = built / SUBSET
    assert integrity.damaged_files(live) == []
    assert (live / "report.pdf").is_file() and (live / "profiles" / f"{CODE}.pdf").is_file()
    assert build_dirs(built) == [live.resolve().name]  # the first's build was not left over


HOLD = ("import sys, time\nfrom pathlib import Path\nfrom analysis.build.lock import build_lock\n"
        "with build_lock(Path(sys.argv[1])):\n    print('held', flush=True)\n"
        "    time.sleep(float(sys.argv[2]))\n")


@contextlib.contextmanager
def lock_holder(out: Path, seconds: float = 600) -> Iterator[subprocess.Popen]:
    """Another process holding the output directory's build lock."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out), str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def test_no_wait_refuses_while_another_build_runs_and_a_killed_holder_is_taken_over(
        tmp_path: Path) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    with lock_holder(out) as holder:
        refused = build(out, "--no-wait", "--only", "profile", "--format", "html")
        line = assert_one_line_error(refused, f"{out} is in use by the build started at",
                                     f"by pid {holder.pid}", "--no-wait")
        assert refused.returncode == 75, line
        assert not (out / ".builds").exists()
        holder.send_signal(signal.SIGKILL)  # dies holding it: flock ends with the process
        holder.wait()
    assert json.loads((out / ".lock").read_text())["pid"] == holder.pid  # its record stays
    taken = build(out, "--no-wait", "--only", "profile", "--format", "html")
    assert taken.returncode == 0, taken.stderr[-3000:]
    assert "waiting" not in taken.stderr
    assert (out / f"fy2024-{CODE}-only_profile" / "profiles" / f"{CODE}.html").is_file()


def test_a_waiting_build_says_so_once_and_goes_on_when_the_holder_ends(tmp_path: Path) -> None:
    said: list[str] = []
    with lock_holder(tmp_path, seconds=2) as holder:
        started = time.monotonic()
        with build_lock(tmp_path, announce=said.append):
            waited = time.monotonic() - started
            record = json.loads((tmp_path / ".lock").read_text())
    assert waited > 0.5 and len(said) == 1
    assert "waiting for the build started at" in said[0] and f"pid {holder.pid}" in said[0]
    assert record["pid"] == os.getpid()  # the lock now names its new holder


# ---------------------------------------------------------------- cache integrity -------

def cache_entries(out: Path) -> dict[str, Path]:
    """Output stem → cache entry, from the live build's manifest."""
    manifest = json.loads((out / SUBSET / "manifest.json").read_text())
    return {stem: out / ".cache" / "notebooks" / key for stem, key in manifest["jobs"].items()}


def test_damaged_cache_entries_are_recomputed_with_a_warning_and_nothing_empty_is_published(
        built: Path) -> None:
    entries = cache_entries(built)
    good = {p: p.read_bytes() for p in (built / SUBSET).rglob("*.html")}
    # The case: a cached notebook cut to 100 bytes, cached handouts emptied, and
    # the published report removed (so that the build cannot just keep it).
    with open(entries["comparison"] / "out.ipynb", "r+b") as file:
        file.truncate(100)
    (entries[f"profile-{CODE}"] / "out.html").write_bytes(b"")
    (entries[f"gap_review-{CODE}"] / "out.html").write_bytes(b"")
    (built / SUBSET).unlink()
    shutil.rmtree(built / ".builds")

    result = build(built)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    warnings = [line for line in error_lines(result) if line.startswith("warning: ")]
    assert len(warnings) == 3, result.stderr
    for stem, name in (("comparison", "out.ipynb"), (f"profile-{CODE}", "out.html"),
                       (f"gap_review-{CODE}", "out.html")):
        assert any(f"({stem}) {name} does not match its recorded sha256" in w and
                   "discarded, recomputing it" in w for w in warnings), (stem, warnings)
    live = built / SUBSET
    assert integrity.damaged_files(live) == []
    for path, content in good.items():  # the same pages as before the damage
        assert path.read_bytes() == content, path
    # and the recomputed entries are whole again: the next build uses them silently
    again = build(built, "--only", ONLY)
    assert again.returncode == 0 and "warning" not in again.stderr


def test_a_cache_entry_is_used_only_with_its_record_and_matching_hashes(tmp_path: Path) -> None:
    built_file = tmp_path / "built.html"
    built_file.write_text("<!DOCTYPE html><html><body>x</body></html>\n")
    entry = tmp_path / "cache" / "k1"
    cache.store_entry(entry, {"out.html": built_file})
    assert json.loads((entry / cache.RECORD).read_text())["files"].keys() == {"out.html"}
    target = tmp_path / "restored.html"
    assert cache.restore_entry(entry, {"out.html": target}) is None
    assert target.read_bytes() == built_file.read_bytes()

    (entry / "out.html").write_text("<html>changed</html>")
    assert "does not match its recorded sha256" in cache.restore_entry(
        entry, {"out.html": target})
    assert not entry.exists()  # discarded

    cache.store_entry(entry, {"out.html": built_file})
    (entry / cache.RECORD).unlink()  # as if killed before the record was written
    assert "has no sha256.json" in cache.restore_entry(entry, {"out.html": tmp_path / "n"})
    assert not (tmp_path / "n").exists()
    assert cache.restore_entry(entry, {"out.html": target}) == "absent"


def test_a_truncated_output_is_never_cached(tmp_path: Path) -> None:
    truncated = tmp_path / "cut.pdf"
    truncated.write_bytes(b"%PDF-1.7\n1 0 obj")
    with pytest.raises(integrity.BuildError, match="is truncated"):
        cache.store_entry(tmp_path / "cache" / "k", {"out.pdf": truncated})
    assert not (tmp_path / "cache" / "k").exists()
    assert list((tmp_path / "cache").iterdir()) == []  # no temporary entry left


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("a.html", b"", "is empty"),
    ("a.html", b"<!DOCTYPE html><html><body><p>cut", "does not end with </html>"),
    ("a.pdf", b"%PDF-1.7\n" + b"x" * 500, "ends with %%EOF"),
    ("a.pdf", b"garbage" + b"x" * 500 + b"%%EOF\n", "starts with %PDF-"),
    ("a.ipynb", b'{"cells": [', "not a complete JSON notebook"),
    ("a.svg", b"<svg><g>", "does not end with </svg>"),
    ("a.png", b"\x89PNG\r\n\x1a\n" + b"x" * 300, "IEND"),
    ("a.csv", b"a,b\n1,", "line break"),
])
def test_damaged_outputs_are_recognised_and_not_published(tmp_path: Path, name: str,
                                                          content: bytes,
                                                          problem: str) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / name).write_bytes(content)
    (tmp_path / "ok.html").write_text("<html><body>fine</body></html>\n")
    assert integrity.damaged_files(tmp_path) == [f"sub/{name} " +
                                                 integrity.file_problem(tmp_path / "sub" / name)]
    assert problem in integrity.damaged_files(tmp_path)[0]
    with pytest.raises(integrity.DamagedOutput, match="nothing was published"):
        integrity.verify_build(tmp_path)


def test_the_outputs_of_a_real_build_pass_the_structural_check(built: Path) -> None:
    live = built / SUBSET
    checked = [p for p in live.rglob("*") if p.suffix in integrity.CHECKED_SUFFIXES]
    assert {p.suffix for p in checked} >= {".html", ".pdf", ".ipynb", ".csv", ".png", ".svg"}
    assert integrity.damaged_files(live) == []


# ---------------------------------------------------------------- environment errors ----

@pytest.fixture(scope="module")
def small_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A tmpfs of our own, to fill up or make read-only (needs root and mount)."""
    mount_point = tmp_path_factory.mktemp("disk")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs",
                              str(mount_point)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"a real full disk needs `mount -t tmpfs` (root, and a sandbox that "
                    f"permits it): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def remount(mount_point: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(mount_point)], check=True)


def test_a_disk_that_fills_up_during_a_forced_rebuild_gives_one_line(
        built: Path, small_disk: Path) -> None:
    out = small_disk / "reports"
    remount(small_disk, "rw,size=64m")
    shutil.copytree(built, out, symlinks=True)  # a published build and its cache
    live_before = tree_digest(out / SUBSET)
    target = (out / SUBSET).resolve()
    data_before = tree_digest(ROOT / "data")
    # No room for a second build: the forced rebuild fills the disk part of the way.
    remount(small_disk, f"size={shutil.disk_usage(small_disk).used}")
    try:
        result = build(out, "--force")
        line = assert_one_line_error(result, "no space left on the device", str(out),
                                     "free some space", "the previous report is unchanged")
        assert line.startswith("error: ")
        assert (out / SUBSET).resolve() == target
        assert tree_digest(out / SUBSET) == live_before
        assert build_dirs(out) == [target.name]  # the partial build is removed
        assert leftovers(out) == []
        assert tree_digest(ROOT / "data") == data_before

        debug = build(out, "--force", "--debug")
        assert "Traceback" in debug.stderr and "No space left on device" in debug.stderr
        assert error_lines(debug)[-1] == line
        assert tree_digest(out / SUBSET) == live_before and leftovers(out) == []
    finally:
        remount(small_disk, "size=64m")
    assert build(out, "--force").returncode == 0  # with space again, it builds


def test_a_read_only_output_directory_gives_one_line(built: Path, small_disk: Path) -> None:
    out = small_disk / "readonly"
    remount(small_disk, "rw,size=64m")
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(built, out, symlinks=True)
    before = tree_digest(out)
    remount(small_disk, "ro")
    try:
        result = build(out, "--force")
    finally:
        remount(small_disk, "rw")
    assert_one_line_error(result, f"{out}/.lock: read-only file system",
                          "the previous report is unchanged")
    assert tree_digest(out) == before


def test_permission_denied_gives_one_line(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    out.chmod(0o555)
    command = [*PYTHON, "build", "--municipality", CODE, "--out", str(out), "--quiet"]
    if os.geteuid() == 0:  # root may write anywhere: drop that privilege for the command
        if shutil.which("setpriv") is None:
            pytest.skip("running as root and setpriv (util-linux) is missing")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})
    assert_one_line_error(result, f"{out}/.lock: permission denied", "ls -ld")
    assert list(out.iterdir()) == []


def run_main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_a_missing_pango_library_gives_one_line_before_anything_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(render.PDF_LIBRARIES, "Pango", ("libpango-absent.so.0",))
    code, _, err = run_main("build", "--municipality", CODE, "--out", str(tmp_path / "r"))
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "libpango-absent.so.0: the Pango library is not installed" in err
    assert "apt-get install libpango-1.0-0" in err and "--format html" in err
    assert not (tmp_path / "r").exists()
    assert render.pdf_environment_problem(pdf=False) is None  # HTML needs no Pango


def test_a_missing_font_gives_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import japanize_matplotlib

    assert fonts.expected_font_file() == Path(japanize_matplotlib.get_font_ttf_path())
    monkeypatch.setattr(fonts, "expected_font_file", lambda: tmp_path / "fonts" / "ipaexg.ttf")
    code, _, err = run_main("build", "--municipality", CODE, "--out", str(tmp_path / "r"),
                            "--format", "html")
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert f"{tmp_path}/fonts/ipaexg.ttf: the Japanese font IPAexGothic is missing" in err
    assert "make setup" in err


def test_weasyprints_missing_library_error_is_mapped_too() -> None:
    error = OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open "
                    "shared object file: No such file or directory.  Additionally, …")
    problem = environment_problem(error, where="/r/report.pdf")
    assert problem is not None and "\n" not in str(problem)
    assert str(problem).startswith("/r/report.pdf: a system library is missing")
    assert "apt-get install libpango-1.0-0" in str(problem)


@pytest.mark.parametrize(("number", "cause", "advice"), [
    (errno.ENOSPC, "no space left on the device", "free some space"),
    (errno.EDQUOT, "disk quota exceeded", "free some space"),
    (errno.EACCES, "permission denied", "ls -ld"),
    (errno.EPERM, "operation not permitted", "ls -ld"),
    (errno.EROFS, "read-only file system", "remount it read-write"),
    (errno.EFBIG, "file too large", "ulimit -f"),
])
def test_environment_errors_are_one_line_naming_path_cause_and_fix(number: int, cause: str,
                                                                   advice: str) -> None:
    problem = environment_problem(OSError(number, os.strerror(number), "/r/x.pdf"),
                                  consequence="the previous report is unchanged")
    assert isinstance(problem, EnvironmentProblem)
    text = str(problem)
    assert text.startswith(f"/r/x.pdf: {cause}") and advice in text.split(" — ", 1)[1]
    assert text.endswith("; the previous report is unchanged") and "\n" not in text
    unnamed = environment_problem(OSError(number, os.strerror(number)), where="/r")
    assert str(unnamed).startswith(f"/r: {cause}")


def test_other_os_errors_are_bugs_and_keep_their_traceback() -> None:
    assert environment_problem(FileNotFoundError(errno.ENOENT, "No such file", "/x")) is None
    assert environment_problem(ValueError("x")) is None


def fill(directory: Path) -> None:
    """Fill the file system of ``directory`` to the last byte."""
    for name, chunk in (("filler", 65536), ("filler-small", 1)):
        with open(directory / name, "wb", buffering=0) as file, \
                contextlib.suppress(OSError):
            while file.write(b"\0" * chunk):
                pass


def test_an_error_raised_in_a_worker_process_reaches_the_user_mapped(
        tmp_path: Path, small_disk: Path) -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, tmp_path / "small.ipynb")
    job = execute.NotebookJob("small", "small", "small", notebooks_dir=str(tmp_path))
    work = small_disk / "work"
    remount(small_disk, "rw,size=64m")
    work.mkdir(exist_ok=True)
    fill(small_disk)
    try:
        with ProcessPoolExecutor(max_workers=1) as pool, \
                pytest.raises(OSError) as raised:
            execute.run_jobs([job], inputs="x", cache_dir=tmp_path / "cache", work_dir=work,
                             n_jobs=1, executor=pool, warm=False)
    finally:
        for filler in small_disk.glob("filler*"):
            filler.unlink()
    assert raised.value.errno == errno.ENOSPC
    assert "_RemoteTraceback" in repr(raised.value.__cause__)  # raised in the worker
    assert "no space left on the device" in str(environment_problem(raised.value, work))


# ---------------------------------------------------------------- import, killed ---------

@pytest.fixture(scope="module")
def import_case(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A one-municipality data directory, a filled workbook, and the tree digests of the
    data before and after importing it."""
    base = tmp_path_factory.mktemp("import")
    data = write_subset(base / "data")
    template = base / "template.xlsx"
    make_template(data, CODE, template)
    workbook = openpyxl.load_workbook(template)
    add_row(workbook, "services", NEW_SERVICE)
    add_row(workbook, "channels", NEW_CHANNEL)
    filled = base / "filled.xlsx"
    workbook.save(filled)
    after = base / "after"
    shutil.copytree(data, after)
    code, _, err = run_main("import", str(filled), "--source-id", "steward_2025", "--data",
                            str(after), "--apply")
    assert code == 0, err
    plan = plan_import(filled, "steward_2025", data)
    assert plan.rows and not plan.problems
    return {"data": data, "workbook": filled, "plan": plan, "before": tree_digest(data),
            "after": tree_digest(after)}


POINTS = {  # fault point → the data after recovery: as before the import, or after it
    "import:before_staging": "before",
    "import:mid_staging": "before",
    "import:before_commit": "before",
    "import:after_commit": "after",
    "import:between_replacements": "after",
    "import:after_replacements": "after",
    "import:after": "after",
}


def killed_at(point: str, function, *args) -> int:
    """Run ``function(*args)`` in a forked child that the fault hook kills at ``point``;
    its exit code (``-SIGKILL`` when killed)."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.environ["ANALYSIS_FAULT"] = point
            function(*args)
        finally:
            os._exit(0)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def apply_killed_at(plan, data: Path, point: str) -> int:
    return killed_at(point, apply_plan, plan, data)


def assert_recovered(data: Path, case: dict, expected: str, announced: bool) -> None:
    code, out, err = run_main("validate", str(data))  # any command recovers first
    assert code == 0, out + err
    assert tree_digest(data) == case[expected]
    assert ("interrupted" in err and f"as {expected} it" in err) == announced, err
    assert validate(data)[1] == []


@pytest.mark.parametrize("point", list(POINTS))
def test_an_import_killed_at_any_point_leaves_the_data_all_before_or_all_after(
        import_case: dict, point: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(import_case["data"], data)
    assert apply_killed_at(import_case["plan"], data, point) == -signal.SIGKILL
    if point == "import:between_replacements":  # really half-applied until recovered
        assert journal.pending(data)
        assert tree_digest(data / "raw") != tree_digest(import_case["data"] / "raw")
        assert tree_digest(data / "tidy") == tree_digest(import_case["data"] / "tidy")
    assert_recovered(data, import_case, POINTS[point],
                     announced=point not in ("import:before_staging", "import:after"))


def test_the_import_command_killed_between_replacements_is_finished_by_the_next_command(
        import_case: dict, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(import_case["data"], data)
    killed = subprocess.run(
        [*PYTHON, "import", str(import_case["workbook"]), "--source-id", "steward_2025",
         "--data", str(data), "--apply"], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "ANALYSIS_FAULT": "import:between_replacements"})
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert journal.pending(data)
    assert_recovered(data, import_case, "after", announced=True)


def test_an_import_is_refused_if_the_data_changed_since_it_was_checked(
        import_case: dict, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(import_case["data"], data)
    plan = plan_import(import_case["workbook"], "steward_2025", data)
    assert plan.rows and not plan.problems
    channels = data / "tidy" / "channels.csv"
    channels.write_bytes(channels.read_bytes().replace(b"\n", b"\r\n"))  # another edit
    changed = tree_digest(data)
    with pytest.raises(journal.DataChanged, match="tidy/channels.csv changed since"):
        apply_plan(plan, data)
    assert tree_digest(data) == changed and not journal.pending(data)


def test_a_pending_journal_is_a_validation_problem(import_case: dict, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(import_case["data"], data)
    (data / journal.JOURNAL_DIR).mkdir()
    problems = validate(data)[1]
    assert [p.file for p in problems] == [journal.JOURNAL_DIR]
    assert "in progress or was interrupted" in problems[0].message


def test_debug_shows_the_traceback_of_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_main("build", "--edition", "fy1999")
    assert code == 1 and "Traceback" not in err and err.startswith("error: --edition")
    monkeypatch.setenv("ANALYSIS_DEBUG", "1")
    code, _, debug = run_main("build", "--edition", "fy1999")
    assert code == 1 and "Traceback (most recent call last)" in debug
    assert debug.splitlines()[-1] == err.strip()


def test_a_journal_whose_staged_copy_is_gone_or_damaged(tmp_path: Path) -> None:
    (tmp_path / "tidy").mkdir()
    for name in ("a.csv", "b.csv"):
        (tmp_path / "tidy" / name).write_text("x\n1\n")
    new = {"tidy/a.csv": b"x\n1\n2\n", "tidy/b.csv": b"x\n1\n3\n"}
    assert killed_at("import:between_replacements", journal.replace_files, tmp_path,
                     new) == -signal.SIGKILL
    staged = sorted((tmp_path / journal.JOURNAL_DIR).glob("0*"))
    staged[0].unlink()  # a.csv was replaced already: its copy is not needed
    assert "as after it" in journal.recover(tmp_path)
    assert {name: (tmp_path / name).read_bytes() for name in new} == new

    for name in ("a.csv", "b.csv"):
        (tmp_path / "tidy" / name).write_text("x\n1\n")
    assert killed_at("import:after_commit", journal.replace_files, tmp_path,
                     new) == -signal.SIGKILL
    sorted((tmp_path / journal.JOURNAL_DIR).glob("0*"))[1].write_bytes(b"x\n")
    with pytest.raises(journal.UserError, match="cannot be finished"):
        journal.recover(tmp_path)
    assert (tmp_path / "tidy" / "b.csv").read_text() == "x\n1\n"  # nothing half-done


@pytest.mark.parametrize(("table", "content"), [
    ("raw/sources.csv", b"garbage\n"),
    ("reference/municipalities.csv", b"x,y\n"),
    ("tidy/services.csv", b""),
])
def test_a_build_from_unreadable_data_lists_the_problems(table: str, content: bytes,
                                                         tmp_path: Path) -> None:
    data = write_subset(tmp_path / "data")
    (data / table).write_bytes(content)
    code, _, err = run_main("build", "--data", str(data), "--out", str(tmp_path / "r"))
    assert code == 1 and "Traceback" not in err
    assert "does not validate" in err and f"  {table}:" in err, err
