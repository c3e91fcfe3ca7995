"""The package's layers (pyproject.toml, [tool.importlinter]): data flows one way, and no
module imports another that (directly or not) imports it back."""

from __future__ import annotations

import tomllib

import grimp
import networkx as nx
from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "analysis"


def layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    return contract["layers"]


def run_contract(config: str) -> int:
    return lint_imports(config_filename=config, no_cache=True, no_logo=True)


def test_no_module_imports_from_a_layer_above_it() -> None:
    assert run_contract(str(ROOT / "pyproject.toml")) == EXIT_STATUS_SUCCESS


def test_the_contract_sees_an_upward_import(tmp_path) -> None:
    """The same package against layers turned upside down: the CLI imports everything."""
    config = tmp_path / "upside-down.toml"
    config.write_text('[tool.importlinter]\nroot_package = "analysis"\n'
                      '[[tool.importlinter.contracts]]\nname = "upside down"\n'
                      'type = "layers"\nlayers = ["analysis.core", "analysis.cli"]\n')
    assert run_contract(str(config)) != EXIT_STATUS_SUCCESS


def test_every_subpackage_and_top_module_has_its_layer() -> None:
    """A new sub-package must be placed in the contract, or it would be unchecked."""
    subpackages = {f"analysis.{p.name}" for p in PACKAGE.iterdir()
                   if (p / "__init__.py").is_file()}
    top_modules = {f"analysis.{p.stem}" for p in PACKAGE.glob("*.py")
                   if p.stem not in ("__init__", "__main__")}
    assert subpackages | top_modules == set(layers())


def import_cycles(package: str = "analysis") -> list[list[str]]:
    graph = grimp.build_graph(package)
    imports = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            imports.add_edge(module, imported)
    return sorted(sorted(cycle) for cycle in nx.simple_cycles(imports))


def test_no_import_cycles() -> None:
    assert import_cycles() == []


def test_the_cycle_check_sees_a_cycle(tmp_path, monkeypatch) -> None:
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic import b\n")
    (package / "b.py").write_text("import cyclic.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("cyclic") == [["cyclic.a", "cyclic.b"]]
