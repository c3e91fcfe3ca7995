"""Writing files so that a crash, a kill or a power cut leaves the old file or the new one.

A file is written under a temporary name, flushed to the disk (``fsync``), then renamed into
place; the directory is flushed too, so the rename itself survives a power cut. Callers
that replace several files as one change build on this (``analysis.dataset.journal``,
the build cache in ``analysis.build.execute``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


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


def replace_durably(path: Path, content: bytes, temporary_suffix: str = ".tmp") -> None:
    """Replace ``path`` with ``content`` atomically: readers see the old file or the new
    one, never a part. The temporary file is removed if anything fails."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}{temporary_suffix}")
    try:
        write_synced(temporary, content)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    fsync_directory(path.parent)
