"""Every path the project uses, defined once.

The project root is found from this file (src layout, editable install). A data
directory laid out like ``data/`` can be used instead of the shipped one by passing
``data_dir`` to the loaders or ``--data`` to the command line.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # src/analysis
ROOT = PACKAGE_DIR.parents[1]
DATA_DIR = ROOT / "data"
NOTEBOOKS_DIR = ROOT / "notebooks"
REPORTS_DIR = ROOT / "reports"
TEMPLATES_DIR = PACKAGE_DIR / "build" / "templates"
LABELS_FILE = PACKAGE_DIR / "core" / "labels.csv"


def raw_dir(data_dir: Path = DATA_DIR) -> Path:
    """Immutable source documents and ``sources.csv``."""
    return Path(data_dir) / "raw"


def tidy_dir(data_dir: Path = DATA_DIR) -> Path:
    """Curated, validated tables."""
    return Path(data_dir) / "tidy"


def reference_dir(data_dir: Path = DATA_DIR) -> Path:
    """Municipality reference table and boundaries."""
    return Path(data_dir) / "reference"


def refuse_parent_steps(path: Path, option: str) -> Path:
    """An output path a person typed, refused when it has ``..`` steps.

    ``..`` is refused outright rather than resolved: a path that climbs out of where it
    seems to point is a mistake or an attack, and a report or workbook must not land
    beside the inputs by accident.
    """
    from analysis.core.errors import UserError

    if ".." in Path(path).parts:
        raise UserError(f"{option} {path}: '..' is not allowed in an output path; give a "
                        "path without parent-directory steps")
    return Path(path)
