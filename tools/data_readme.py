"""Rewrite the generated sections of data/README.md (row counts and the data dictionary)
from the shipped data and the schema: ``.venv/bin/python tools/data_readme.py``.

tests/test_dataset.py fails when the README and a fresh generation differ.
"""

from pathlib import Path

from analysis.core.paths import DATA_DIR
from analysis.dataset.datapackage import refresh_readme

if __name__ == "__main__":
    path = Path(DATA_DIR) / "README.md"
    path.write_text(refresh_readme(path.read_text(encoding="utf-8"), DATA_DIR),
                    encoding="utf-8")
    print(f"wrote {path}")
