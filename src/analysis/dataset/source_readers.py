"""The text of a registered source, by kind of file: what the validator checks quotes
against and the sections are cut from.

Text files are read here. Any other kind of file is read by a reader registered as an
entry point of group ``analysis.source_readers``, named after the file suffix (without
the dot): ``pyproject.toml`` registers ``xlsx`` → ``analysis.excel:submission_text``, the
text of a steward's archived workbook (its evidence cells). The registry keeps the layers
apart: the dataset layer never imports the Excel adapter that builds on it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

ENTRY_POINT_GROUP = "analysis.source_readers"
TEXT_SUFFIXES = (".txt",)


@functools.cache
def registered_readers() -> dict[str, Callable[[Path], str]]:
    """Suffix (``xlsx``) → reader, from the installed entry points (loaded once)."""
    return {point.name: point.load() for point in entry_points(group=ENTRY_POINT_GROUP)}


def read_source_text(path: Path) -> str:
    """The text of a source file: UTF-8 text as it is (undecodable bytes replaced), or
    what the registered reader of its suffix returns; ``""`` for an unknown kind of file
    (its quotes then fail as not verbatim, which names the source)."""
    path = Path(path)
    if path.suffix.lower() in TEXT_SUFFIXES:
        return path.read_text(encoding="utf-8", errors="replace")
    reader = registered_readers().get(path.suffix.lower().lstrip("."))
    return reader(path) if reader is not None else ""
