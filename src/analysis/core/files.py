"""Writing files whole or not at all: a temporary file beside the target, then one rename
(``os.replace`` within a directory cannot leave a half-written target)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def temporary_beside(path: Path) -> Path:
    """A hidden temporary name in the target's directory (same filesystem: the rename is
    atomic), unique to this process."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(temporary)``, then rename the temporary file onto ``path``; on any
    failure the temporary file is removed and ``path`` is as it was."""
    temporary = temporary_beside(path)
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_bytes_atomically(path: Path, data: bytes) -> None:
    write_atomically(path, lambda temporary: temporary.write_bytes(data))
