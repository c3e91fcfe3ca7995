"""A one-municipality copy of data/: the fault and fuzz tests run on it, because validating
~100 rows is quick enough to do hundreds of times."""

from __future__ import annotations

import shutil
from pathlib import Path

from analysis.dataset import schema
from analysis.dataset.validate import load, municipality_of_row
from tests.conftest import ROOT

CODE = "132039"  # 武蔵野市: rows from three sources, every tidy table


def write_subset(target: Path, code: str = CODE) -> Path:
    """A data directory with data/raw and data/reference as shipped and, of every tidy
    table, the rows of municipality ``code`` only (its rows keep their bytes' format:
    UTF-8, ``\\n`` line ends, pandas' quoting)."""
    target = Path(target)
    for part in ("raw", "reference"):
        shutil.copytree(ROOT / "data" / part, target / part)
    (target / "tidy").mkdir(parents=True)
    data, problems = load(ROOT / "data")
    assert problems == [], problems
    for table in schema.TIDY:
        frame = data[table.name]
        rows = frame[municipality_of_row(data, table, frame) == code]
        rows.to_csv(target / table.path, index=False, lineterminator="\n", encoding="utf-8")
    return target
