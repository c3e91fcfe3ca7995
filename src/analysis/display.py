"""What notebooks call to show results: figures as deterministic PNG, tables as HTML.

Figures are rendered here rather than by the inline backend so that the bytes are fixed
(no software/date metadata) and identical inputs give identical reports.
"""

from __future__ import annotations

import io

from IPython.display import Image, Markdown, display
from matplotlib.figure import Figure

PNG_METADATA = {"Software": None}


def figure_png(fig: Figure) -> bytes:
    """PNG bytes of a figure, with no metadata that changes between runs."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata=PNG_METADATA, bbox_inches="tight")
    return buffer.getvalue()


def show_figure(fig: Figure) -> None:
    """Display a figure in the notebook as an embedded PNG."""
    display(Image(data=figure_png(fig), format="png"))


def show_markdown(text: str) -> None:
    display(Markdown(text))
