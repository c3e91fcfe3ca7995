"""The project's own files: dependencies declared twice agree, notebooks carry no outputs,
parameters cells hold literals only, raw sources are unchanged."""

from __future__ import annotations

import ast
import hashlib
import re
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

from analysis.dataset.tables import load_sources

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(>=\s*[\w.]+)?")


def _normalise(requirement: str) -> tuple[str, str]:
    match = REQUIREMENT.match(requirement)
    name = match.group(1).lower().replace("_", "-")
    return name, (match.group(2) or "").replace(" ", "")


def test_environment_yml_declares_the_same_dependencies_as_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_normalise(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        declared |= {_normalise(r) for r in extra}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda = [d for d in env if isinstance(d, str) and not d.startswith(("python=", "pip"))]
    pip = next(d["pip"] for d in env if isinstance(d, dict))
    in_env = {_normalise(r) for r in conda} | {_normalise(r) for r in pip
                                               if not r.startswith("-e")}
    assert in_env == declared


def test_constraints_pin_every_dependency() -> None:
    pinned = {line.split("==")[0].lower().replace("_", "-")
              for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_normalise(r)[0] for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        names |= {_normalise(r)[0] for r in extra}
    assert names - pinned == set()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_holds_literals_only(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    cells = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    for statement in ast.parse(cells[0].source).body:
        assert isinstance(statement, ast.Assign), ast.dump(statement)
        ast.literal_eval(statement.value)  # raises on anything but a literal


def test_raw_sources_are_unchanged() -> None:
    sources = load_sources()
    assert len(sources) == 5
    for row in sources.itertuples():
        digest = hashlib.sha256((ROOT / "data" / "raw" / row.file).read_bytes()).hexdigest()
        assert digest == row.sha256, f"{row.file} changed: data/raw is immutable"


def test_the_benchmarks_code_names_what_exists() -> None:
    """``benchmarks/run.py`` runs code in a subprocess (the compute floor, the profile of
    one notebook): a renamed function would only show when the benchmarks run."""
    import importlib
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for script in (bench.FLOOR, bench.PROFILE.format(one="132039", scratch="/tmp")):
        for node in ast.walk(ast.parse(script)):
            if isinstance(node, ast.ImportFrom) and node.module.startswith("analysis"):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    assert hasattr(module, alias.name) or importlib.util.find_spec(
                        f"{node.module}.{alias.name}"), f"{node.module}.{alias.name}"
