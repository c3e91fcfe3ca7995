"""Writing files whole or not at all, so that a crash, a kill or a power cut leaves the
old file or the new one.

A file is written under a temporary name beside its target (same filesystem: the rename
is atomic), flushed to the disk (``fsync``), then renamed into place; the directory is
flushed too, so the rename itself survives a power cut. Callers that replace several
files as one change build on this (``analysis.dataset.journal``, the build cache in
``analysis.build.cache``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def temporary_beside(path: Path, suffix: str = ".tmp") -> Path:
    """A hidden temporary name in the target's directory, unique to this process."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}{suffix}")


def write_synced(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` (created or truncated) and flush it to the disk."""
    with open(path, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())


def fsync_directory(path: Path) -> None:
    """Flush a directory's entries (new names, renames) to the disk."""
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(temporary)``, flush the result, then rename it onto ``path``; on any
    failure the temporary file is removed and ``path`` is as it was."""
    path = Path(path)
    temporary = temporary_beside(path)
    try:
        write(temporary)
        with open(temporary, "rb+") as file:
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    fsync_directory(path.parent)


def replace_durably(path: Path, content: bytes, temporary_suffix: str = ".tmp") -> None:
    """Replace ``path`` with ``content`` atomically: readers see the old file or the new
    one, never a part. The temporary file is removed if anything fails."""
    path = Path(path)
    temporary = temporary_beside(path, temporary_suffix)
    try:
        write_synced(temporary, content)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    fsync_directory(path.parent)


def write_bytes_atomically(path: Path, data: bytes) -> None:
    replace_durably(path, data)
