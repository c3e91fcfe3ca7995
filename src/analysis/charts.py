"""One function per chart: result frame in, matplotlib Figure out, one shared style.

Colours come from a colour-blind-safe palette whose steps differ in lightness, so the
charts survive grey-scale printing.
"""

from __future__ import annotations

import matplotlib
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from analysis.fonts import setup_matplotlib
from analysis.labels import label, labels

# Okabe–Ito blue and a light grey: distinct in colour and in lightness.
OFFERED_COLOUR = "#0072B2"
ABSENT_COLOUR = "#F2F2F2"


STYLE = {"figure.dpi": 100, "savefig.dpi": 150, "axes.spines.top": False,
         "axes.spines.right": False, "svg.hashsalt": "analysis"}


def _style() -> None:
    """Figures are made with ``Figure()``, not pyplot: no global figure registry, no leaks,
    and a notebook shows exactly the figure a cell returns."""
    setup_matplotlib()
    matplotlib.rcParams.update(STYLE)


def channel_coverage_heatmap(coverage: pd.DataFrame, lang: str = "ja") -> Figure:
    """Municipalities × channels, most-connected municipalities and commonest channels first."""
    _style()
    channel_labels = labels("channel", lang)
    matrix = coverage.pivot_table(index="name", columns="channel", values="offered",
                                  aggfunc="any", fill_value=False)
    channel_order = matrix.mean().sort_values(ascending=False, kind="stable").index
    row_order = matrix.sum(axis=1).sort_values(ascending=False, kind="stable").index
    matrix = matrix.loc[row_order, channel_order]

    fig = Figure(figsize=(1.0 + 0.75 * len(channel_order), 1.6 + 0.32 * len(row_order)))
    ax = fig.subplots()
    colours = ListedColormap([ABSENT_COLOUR, OFFERED_COLOUR])
    ax.imshow(matrix.to_numpy(dtype=int), cmap=colours, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(channel_order)),
                  [f"{channel_labels.get(c, c)}\n{matrix[c].mean():.0%}" for c in channel_order],
                  rotation=0, fontsize=8)
    ax.set_yticks(range(len(row_order)), list(row_order), fontsize=9)
    ax.set_xticks([x - 0.5 for x in range(1, len(channel_order))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(row_order))], minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="both", length=0)
    ax.set_title(label("chart", "channel_coverage_title", lang))
    ax.set_xlabel(f"{label('chart', 'channel', lang)} ({label('chart', 'prevalence', lang)})",
                  fontsize=8)
    fig.tight_layout()
    return fig
