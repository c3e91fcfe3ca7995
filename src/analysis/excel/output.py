"""Checks and writing shared by the commands: output paths, data directories, saving."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from analysis.core.errors import UserError
from analysis.core.files import write_atomically
from analysis.core.paths import refuse_parent_steps
from analysis.dataset.validate import DataSet, require_valid


def checked_output(path: Path, option: str) -> Path:
    """An output path a user gave: an .xlsx file in an existing directory, no '..' steps."""
    refuse_parent_steps(path, option)
    if path.suffix.lower() != ".xlsx":
        raise UserError(f"{option} {path}: the file name must end in .xlsx")
    if not path.parent.is_dir():
        raise UserError(f"{option} {path}: directory {path.parent} does not exist")
    if path.is_dir() or path.is_symlink():
        raise UserError(f"{option} {path}: is a directory or a link; name a new .xlsx file")
    return path


def valid_data(data_dir: Path) -> DataSet:
    """The data directory's tables as text, refusing a directory with problems."""
    return require_valid(data_dir)


def save_workbook(workbook: Workbook, path: Path) -> None:
    """Save through a temporary file, so an interrupted save leaves no half-written file."""
    write_atomically(path, workbook.save)
