"""Atomic publication of a finished build.

``reports/<name>`` is a symbolic link to a complete build directory under
``reports/.builds/``. A new build is written to a fresh directory there and the link is
replaced with ``os.replace`` — a single rename, so a reader (or a build killed at any
moment) sees either the old report or the new one, never a mixture or nothing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from analysis.core.errors import UserError

BUILDS = ".builds"


def new_build_dir(out_dir: Path, name: str) -> Path:
    """A fresh, empty directory beside the live report to build into."""
    builds = Path(out_dir) / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=builds))


def publish(build_dir: Path, out_dir: Path, name: str) -> Path:
    """Swap ``out_dir/name`` to point at ``build_dir``; remove builds no longer linked."""
    out_dir = Path(out_dir)
    live = out_dir / name
    if live.exists() and not live.is_symlink():
        raise UserError(
            f"{live} is a real directory, not a published build; move it away and build again"
        )
    staging_link = out_dir / f".{name}.swap"
    if staging_link.is_symlink() or staging_link.exists():
        staging_link.unlink()
    staging_link.symlink_to(Path(BUILDS) / build_dir.name, target_is_directory=True)
    os.replace(staging_link, live)
    remove_stale_builds(out_dir, name)
    return live


def is_build_of(path: Path, name: str) -> bool:
    """Whether a directory of ``.builds`` is a build of ``name``: ``<name>-<suffix>`` with
    the suffix ``mkdtemp`` made (letters, digits, ``_``; never ``-``). ``fy2024-public-x``
    and ``fy2024-132039-x`` are builds of other names, not of ``fy2024``."""
    prefix = f"{name}-"
    return path.name.startswith(prefix) and "-" not in path.name[len(prefix):]


def remove_stale_builds(out_dir: Path, name: str) -> None:
    """Delete build directories of ``name`` that the live link no longer points to (those
    of other names, such as ``fy2024-public`` beside ``fy2024``, are left alone)."""
    live = Path(out_dir) / name
    current = live.resolve() if live.is_symlink() else None
    for path in (Path(out_dir) / BUILDS).glob(f"{name}-*"):
        if is_build_of(path, name) and path.resolve() != current:
            shutil.rmtree(path, ignore_errors=True)


def remove_leftovers(out_dir: Path) -> None:
    """Remove what killed builds left: build directories that no published link points to,
    and half-made links. Only safe while holding the output directory's build lock
    (``analysis.build.lock``): another build's directory would look unpublished too."""
    out_dir = Path(out_dir)
    builds = out_dir / BUILDS
    if not builds.is_dir():
        return
    links = [p for p in out_dir.iterdir() if p.is_symlink()]
    for link in links:
        if link.name.startswith(".") and link.name.endswith(".swap"):
            link.unlink(missing_ok=True)
    published = {link.resolve() for link in links if link.exists()}
    for path in builds.iterdir():
        if path.resolve() not in published:
            shutil.rmtree(path, ignore_errors=True)


def discard(build_dir: Path) -> None:
    """Remove an unfinished build."""
    shutil.rmtree(build_dir, ignore_errors=True)
