"""Early cut-off: a rendering whose exact input did not change is taken from the cache.

A one-row edit re-runs the notebooks that read the row (``analysis.build.inputs``); many of
them then show exactly what they showed before — a curator's note is in no output, a
peer's new row may change no feature. Rendering is the expensive part of a build (the
combined report's 60-page PDF, a handout's PDF, each chart as PNG), so every rendering is
keyed on its **own input** and on the renderer, not on the data:

- a handout's HTML and PDF on the executed notebook's bytes, title, language and formats;
- the combined report on the combined notebook it lays out (every section's cells, the
  table of contents, the sources and the build date), its title, language and formats;
- a chart's PNG on the chart's SVG (a complete vector description of the same figure: the
  same SVG is the same drawing, so the same PNG).

The renderer is the package's code and templates and the versions of the libraries that
draw (``RENDER_PACKAGES``). Entries live in ``<cache>/renders/<key>/`` and go with the
cache (``--force``).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

from analysis.build.cache import RENDERS, restore_entry, store_entry
from analysis.build.inputs import code_digest

RENDER_PACKAGES = ("nbconvert", "weasyprint", "pydyf", "fonttools", "matplotlib",
                   "japanize-matplotlib", "jinja2", "mistune", "pandas", "pillow")


@functools.cache
def renderer_digest() -> str:
    """The code and the drawing libraries' versions (once per process)."""
    versions = []
    for name in RENDER_PACKAGES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=none")
    return hashlib.sha256((code_digest() + ";".join(versions)).encode()).hexdigest()


def output_key(kind: str, *parts: bytes | str) -> str:
    """The key of one rendering: its kind, its input's parts and the renderer."""
    digest = hashlib.sha256(f"{kind}\0{renderer_digest()}".encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:32]


def take(cache_dir: Path, key: str, targets: Mapping[str, Path]) -> bool:
    """Copy the cached files of ``key`` (by name) to ``targets``; False if the entry is
    absent or damaged (then it is removed, and the caller renders again)."""
    return restore_entry(Path(cache_dir) / RENDERS / key, targets) is None


def keep(cache_dir: Path, key: str, made: Mapping[str, Path]) -> None:
    """Store the files just rendered under ``key``, as a notebook's results are stored
    (``analysis.build.cache``: verified on reading, never half an entry)."""
    store_entry(Path(cache_dir) / RENDERS / key, made)
