"""Cheap structural checks of built files: nothing empty or truncated is cached or published.

A file cut short by a crash or a full disk is recognised by its ends: an HTML page ends
with ``</html>``, a PDF starts with ``%PDF-`` and ends with ``%%EOF``, a notebook is a JSON
object with cells, a PNG ends with its IEND chunk, an SVG with ``</svg>``, a CSV with a
line break. Only the ends are read (a few bytes), except for notebooks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from analysis.core.errors import BuildError

_TAIL = 64
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"


def structural_problem(name: str, content: bytes) -> str | None:
    """What is wrong with a built file's bytes (``None``: looks complete). ``name`` gives
    the kind by its suffix; unknown kinds are only checked for being non-empty."""
    if not content.strip():
        return "is empty"
    suffix = Path(name).suffix.lower()
    tail = content[-_TAIL:].rstrip()
    if suffix == ".html" and not tail.lower().endswith(b"</html>"):
        return "is truncated (it does not end with </html>)"
    if suffix == ".pdf" and not (content.startswith(b"%PDF-") and tail.endswith(b"%%EOF")):
        return "is truncated (a PDF starts with %PDF- and ends with %%EOF)"
    if suffix == ".svg" and not tail.endswith(b"</svg>"):
        return "is truncated (it does not end with </svg>)"
    if suffix == ".png" and not (content.startswith(_PNG_SIGNATURE)
                                 and content.endswith(_PNG_END)):
        return "is truncated (a PNG ends with its IEND chunk)"
    if suffix == ".csv" and not content.endswith(b"\n"):
        return "is truncated (it does not end with a line break)"
    if suffix == ".ipynb":
        try:
            notebook = json.loads(content)
        except ValueError:
            return "is truncated (not a complete JSON notebook)"
        if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
            return "is not a notebook (no list of cells)"
    return None


def file_problem(path: Path) -> str | None:
    """``structural_problem`` of a file, reading only its ends unless it is a notebook."""
    path = Path(path)
    size = path.stat().st_size
    if path.suffix.lower() == ".ipynb" or size <= 2 * _TAIL:
        return structural_problem(path.name, path.read_bytes())
    with open(path, "rb") as file:
        head = file.read(_TAIL)
        file.seek(-_TAIL, 2)
        tail = file.read()
    # the ends stand for the whole: every check above looks at the first or last bytes only
    return structural_problem(path.name, head + tail)


CHECKED_SUFFIXES = (".html", ".pdf", ".ipynb", ".svg", ".png", ".csv")


def damaged_files(root: Path, paths: Iterable[Path] | None = None) -> list[str]:
    """``relative path: problem`` of every damaged output below ``root``."""
    root = Path(root)
    if paths is None:
        paths = sorted(p for p in root.rglob("*")
                       if p.is_file() and p.suffix.lower() in CHECKED_SUFFIXES)
    found = []
    for path in paths:
        problem = file_problem(path)
        if problem:
            found.append(f"{Path(path).relative_to(root)} {problem}")
    return found


class DamagedOutput(BuildError):
    """A built file is empty or truncated: the build is not published."""


def verify_build(work: Path, shown: int = 5) -> None:
    """Refuse to publish a build with an empty or truncated output (DamagedOutput)."""
    found = damaged_files(work)
    if found:
        listed = "; ".join(found[:shown]) + (f"; … and {len(found) - shown} more"
                                             if len(found) > shown else "")
        raise DamagedOutput(f"the new build has damaged files ({listed}); nothing was "
                         "published and the previous report is unchanged; build again with "
                         "--force")
