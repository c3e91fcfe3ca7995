"""Japanese font set-up, in one place, for charts and PDF alike.

japanize-matplotlib (the design card's choice) ships IPAexGothic and registers it with
matplotlib on import. It imports ``distutils``, which exists on the Python 3.11 we pin
(requires-python in pyproject.toml); setuptools is a dependency so that its distutils shim
is present should the standard library one be missing.
"""

from __future__ import annotations

import functools
from pathlib import Path

from analysis.core.errors import EnvironmentProblem

FONT_FAMILY = "IPAexGothic"


@functools.cache
def setup_matplotlib() -> str:
    """Register the Japanese font with matplotlib and make it the default; return its family."""
    import japanize_matplotlib  # noqa: F401  (registers IPAexGothic on import)
    import matplotlib

    font_path()  # the font file is there (else the charts silently use another font)
    japanize_matplotlib.japanize()
    matplotlib.rcParams["font.family"] = FONT_FAMILY
    matplotlib.rcParams["axes.unicode_minus"] = False
    return FONT_FAMILY


def font_path() -> Path:
    """The IPAexGothic TTF used both by the charts and embedded in the PDF.

    Raises EnvironmentProblem if the file is missing: the PDF and the charts would fall
    back to another font without a word (and show no Japanese).
    """
    import japanize_matplotlib

    path = Path(japanize_matplotlib.get_font_ttf_path())
    if not path.is_file():
        raise _missing_font(path)
    return path


def font_problem() -> EnvironmentProblem | None:
    """The font file's absence as a problem, found without importing matplotlib (which
    japanize_matplotlib imports): the check runs before every build."""
    path = expected_font_file()
    if path is None:
        return EnvironmentProblem("japanize_matplotlib: the package of the Japanese font is "
                                  "not installed — run `make setup`")
    return None if path.is_file() else _missing_font(path)


def expected_font_file() -> Path | None:
    """Where japanize_matplotlib keeps the TTF (as its ``get_font_ttf_path`` says; a test
    checks that they agree), found without importing it; ``None``: not installed."""
    import importlib.util

    spec = importlib.util.find_spec("japanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(spec.submodule_search_locations[0]) / "fonts" / "ipaexg.ttf"


def _missing_font(path: Path) -> EnvironmentProblem:
    return EnvironmentProblem(f"{path}: the Japanese font {FONT_FAMILY} is missing — reinstall "
                              "japanize-matplotlib (`make setup`, or `.venv/bin/pip install "
                              "--force-reinstall japanize-matplotlib`)")
