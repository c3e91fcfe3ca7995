"""Japanese font set-up, in one place, for charts and PDF alike.

japanize-matplotlib (the design card's choice) ships IPAexGothic and registers it with
matplotlib on import. It imports ``distutils``, which exists on the Python 3.11 we pin
(requires-python in pyproject.toml); setuptools is a dependency so that its distutils shim
is present should the standard library one be missing.
"""

from __future__ import annotations

import functools
from pathlib import Path

FONT_FAMILY = "IPAexGothic"


@functools.cache
def setup_matplotlib() -> str:
    """Register the Japanese font with matplotlib and make it the default; return its family."""
    import japanize_matplotlib  # noqa: F401  (registers IPAexGothic on import)
    import matplotlib

    japanize_matplotlib.japanize()
    matplotlib.rcParams["font.family"] = FONT_FAMILY
    matplotlib.rcParams["axes.unicode_minus"] = False
    return FONT_FAMILY


def font_path() -> Path:
    """The IPAexGothic TTF used both by the charts and embedded in the PDF."""
    import japanize_matplotlib

    return Path(japanize_matplotlib.get_font_ttf_path())
