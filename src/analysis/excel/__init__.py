"""Excel workbooks for data stewards: ``export`` (every table and the report's comparison
matrices, for reading), ``template`` (one municipality's facts, for filling in) and
``import`` (a filled template, validated by the same rules as ``validate``, appended as a
new ``steward_submission`` source).

Layout shared by all workbooks: row 1 holds the Japanese column names (for people), row 2
the English keys (what the importer reads and the tidy CSVs use), data start on row 3, so
a row number in a message is the row number Excel shows.

``submission_text`` is registered as the source reader of ``.xlsx`` files (an entry point,
see ``analysis.dataset.source_readers``): the "source text" of a ``steward_submission``
is its archived workbook's evidence cells.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["submission_text"]


def submission_text(path: Path) -> str:
    """The source text of an archived submission workbook: its evidence cells, one per line.

    Imported lazily so that ``python -m analysis`` does not load openpyxl for other commands.
    """
    from analysis.excel.reader import evidence_text

    return evidence_text(path)
