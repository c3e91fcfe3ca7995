"""Replacing several files of a data directory as one change: a write-ahead journal.

``import --apply`` changes several tables, ``raw/sources.csv`` and adds an archived
workbook. A rename is atomic for one file only, so the change is written ahead:

1. every new file is written (and flushed to the disk) into ``<data>/.import-journal/``;
2. ``journal.json``, listing each target with the sha256 of its new content, is written
   under a temporary name and renamed into place — the commit point;
3. each target is replaced (temporary file, flush, rename);
4. the journal directory is renamed (``.import-journal.done``: nothing left to replay),
   then removed.

A process killed before 2 has not touched the data: the next command removes the journal
directory (rolled back). A process killed after 2 left a committed journal: the next
command replays it (rolled forward; replaying is idempotent). So the data are always the
files of before or of after, never a mixture, as seen by every command — each command
that reads a data directory calls ``recover`` first (``analysis.cli``), and the readers
report a directory whose journal is pending (``pending``).

Writers and recovery hold an exclusive ``flock`` on the data directory itself (no lock
file: a data directory may be read-only, and its tree stays exactly the files of the data).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

from analysis.core.errors import UserError
from analysis.core.faults import fault_point
from analysis.core.files import fsync_directory, sha256_hex, write_synced

JOURNAL_DIR = ".import-journal"
JOURNAL_FILE = "journal.json"
DONE_DIR = ".import-journal.done"  # a finished journal, renamed before it is removed
_REPLACING = ".import.tmp"  # suffix of a target's temporary file while it is replaced


class DataChanged(UserError):
    """The data changed between checking and applying an import."""


@contextlib.contextmanager
def data_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data directory's exclusive lock (a flock on the directory itself)."""
    descriptor = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _checked_relative(relative: str) -> PurePosixPath:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts or \
            path.parts[0] == JOURNAL_DIR:
        raise ValueError(f"not a path inside the data directory: {relative!r}")
    return path


def replace_files(data_dir: Path, files: Mapping[str, bytes],
                  expected: Mapping[str, str | None] | None = None) -> list[Path]:
    """Write ``files`` (data-relative path → new content) into ``data_dir`` as one change.

    ``expected``: data-relative path → sha256 the file must still have (``None``: it must
    not exist), checked under the lock before anything is written; DataChanged if not.
    """
    data_dir = Path(data_dir)
    entries = [(str(_checked_relative(relative)), content)
               for relative, content in sorted(files.items())]
    with data_lock(data_dir):
        recover_locked(data_dir)  # an earlier interrupted change comes first
        _check_expected(data_dir, expected or {})
        journal = data_dir / JOURNAL_DIR
        fault_point("import:before_staging")
        journal.mkdir()
        listed = []
        for number, (relative, content) in enumerate(entries):
            staged = f"{number:03d}"
            write_synced(journal / staged, content)
            listed.append({"path": relative, "staged": staged, "sha256": sha256_hex(content)})
            fault_point("import:mid_staging")
        fsync_directory(journal)
        fault_point("import:before_commit")
        _commit(journal, listed)
        fault_point("import:after_commit")
        _roll_forward(data_dir, listed)
        fault_point("import:after_replacements")
        _finish(journal)
        fault_point("import:after")
    return [data_dir / entry["path"] for entry in listed]


def _check_expected(data_dir: Path, expected: Mapping[str, str | None]) -> None:
    for relative, digest in sorted(expected.items()):
        path = data_dir / _checked_relative(relative)
        actual = sha256_hex(path.read_bytes()) if path.exists() else None
        if actual != digest:
            raise DataChanged(f"{path} changed since the import was checked (another import "
                              "or an edit?); nothing was written — run the import again")


def _commit(journal: Path, listed: list[dict]) -> None:
    temporary = journal / f".{JOURNAL_FILE}.tmp"
    write_synced(temporary, json.dumps({"files": listed}, ensure_ascii=False,
                                       indent=1).encode())
    os.replace(temporary, journal / JOURNAL_FILE)
    fsync_directory(journal)


def _roll_forward(data_dir: Path, listed: list[dict]) -> None:
    """Replace every target with its staged content (idempotent)."""
    journal = data_dir / JOURNAL_DIR
    for number, entry in enumerate(listed):
        target = data_dir / entry["path"]
        content = (journal / entry["staged"]).read_bytes()
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}{_REPLACING}")
        write_synced(temporary, content)
        os.replace(temporary, target)
        fsync_directory(target.parent)
        if number == 0:
            fault_point("import:between_replacements")


def _finish(journal: Path) -> None:
    done = journal.with_name(DONE_DIR)
    os.replace(journal, done)  # one rename: from here on, nothing is left to replay
    fsync_directory(journal.parent)
    shutil.rmtree(done)


def recover(data_dir: Path) -> str | None:
    """Finish or undo a change that a killed process left in ``data_dir``; say what was
    done (``None``: nothing was pending — the usual case costs one ``stat``)."""
    data_dir = Path(data_dir)
    if not ((data_dir / JOURNAL_DIR).exists() or (data_dir / DONE_DIR).exists()):
        return None
    with data_lock(data_dir):
        return recover_locked(data_dir)


def recover_locked(data_dir: Path) -> str | None:
    shutil.rmtree(data_dir / DONE_DIR, ignore_errors=True)  # finished; killed while removed
    journal = data_dir / JOURNAL_DIR
    if not journal.exists():
        return None
    record = journal / JOURNAL_FILE
    if not record.exists():  # killed before the commit point: the data were not touched
        shutil.rmtree(journal)
        fsync_directory(data_dir)
        return (f"{data_dir}: an import was interrupted before it changed anything; its "
                "staged files were removed (the data are as before it)")
    listed = json.loads(record.read_bytes())["files"]
    for entry in listed:
        target = data_dir / _checked_relative(entry["path"])
        staged = journal / entry["staged"]
        if staged.is_file() and sha256_hex(staged.read_bytes()) == entry["sha256"]:
            continue
        if target.is_file() and sha256_hex(target.read_bytes()) == entry["sha256"]:
            shutil.copyfile(target, staged)  # already replaced: replaying it changes nothing
            continue
        raise UserError(f"{staged}: the interrupted import cannot be finished (its staged "
                        "copy is damaged); restore the data directory from version "
                        f"control (git checkout -- {data_dir}) and run the import again")
    _roll_forward(data_dir, listed)
    _finish(journal)
    return (f"{data_dir}: finished an import that was interrupted "
            f"({len(listed)} file(s) written; the data are as after it)")


def pending(data_dir: Path) -> bool:
    """Whether a change of the data directory is in progress or was interrupted."""
    return (Path(data_dir) / JOURNAL_DIR).exists()
