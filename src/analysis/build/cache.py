"""The build cache's entries, written so that a damaged entry is noticed and never used.

An entry is a directory ``<cache>/<key>/`` holding a job's outputs (``out.ipynb``,
``out.html``, ``out.pdf``) and, written last, ``sha256.json``: the hash of every output.
It is written under a temporary name, every file flushed to the disk, then renamed into
place. On reading, every output is hashed as it is copied out; an entry without its record,
with a missing file or with a file whose hash differs (a crash or a full disk mid-write, a
file edited by hand) is discarded, and the caller recomputes it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from analysis.build.integrity import structural_problem
from analysis.core.errors import BuildError
from analysis.core.files import fsync_directory, sha256_hex, write_synced

RECORD = "sha256.json"
TEMPORARY = ".tmp"  # suffix of entries being written; left over only by a killed build
RENDERS = "renders"  # the folder of rendered outputs (analysis.build.renders)


def store_entry(entry: Path, outputs: Mapping[str, Path]) -> None:
    """Copy ``outputs`` (entry file name → built file) into the cache entry ``entry``.

    A built file that is empty or truncated is not cached: BuildError.
    """
    entry = Path(entry)
    partial = entry.with_name(f".{entry.name}.{os.getpid()}{TEMPORARY}")
    try:
        partial.mkdir(parents=True, exist_ok=True)
        hashes = {}
        for name, source in outputs.items():
            content = Path(source).read_bytes()
            problem = structural_problem(name, content)
            if problem:
                raise BuildError(f"{source} {problem} just after it was built; it was not "
                                 "cached or published")
            write_synced(partial / name, content)
            hashes[name] = sha256_hex(content)
        # The record last: an entry with a record has every file it lists, complete.
        write_synced(partial / RECORD, json.dumps({"files": hashes}, indent=1,
                                                  sort_keys=True).encode())
        fsync_directory(partial)
        shutil.rmtree(entry, ignore_errors=True)
        os.replace(partial, entry)
        fsync_directory(entry.parent)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def restore_entry(entry: Path, targets: Mapping[str, Path]) -> str | None:
    """Copy a verified entry's files to ``targets`` (entry file name → destination).

    Returns ``None`` when done, or why the entry cannot be used — then nothing is written
    and a damaged entry is removed; an absent entry gives ``"absent"``.
    """
    entry = Path(entry)
    if not entry.is_dir():
        return "absent"
    problem, contents = _verified_contents(entry, set(targets))
    if problem:
        shutil.rmtree(entry, ignore_errors=True)
        return problem
    for name, target in targets.items():
        Path(target).write_bytes(contents[name])
    return None


def _verified_contents(entry: Path, names: set[str]) -> tuple[str | None, dict[str, bytes]]:
    try:
        record = json.loads((entry / RECORD).read_bytes())
        hashes = record["files"] if isinstance(record, dict) else None
    except FileNotFoundError:
        return f"has no {RECORD} (it was not written to the end)", {}
    except (ValueError, KeyError):
        hashes = None
    if not isinstance(hashes, dict):
        return f"has an unreadable {RECORD}", {}
    missing = sorted(names - set(hashes))
    if missing:
        return f"does not record {', '.join(missing)}", {}
    contents = {}
    for name in sorted(names):
        try:
            content = (entry / name).read_bytes()
        except FileNotFoundError:
            return f"has lost {name}", {}
        if sha256_hex(content) != hashes[name]:
            return f"{name} does not match its recorded sha256 ({len(content)} bytes)", {}
        contents[name] = content
    return None, contents


def remove_leftovers(cache_dir: Path) -> None:
    """Remove entries that a killed build left half-written (call with the build lock)."""
    for folder in (Path(cache_dir), Path(cache_dir) / RENDERS):
        if folder.is_dir():
            for path in folder.glob(f".*{TEMPORARY}"):
                shutil.rmtree(path, ignore_errors=True)
