"""The gap-review handout of one municipality for its support-network meeting: what it
has, what its peers have that it is not documented to have, and discussion points."""

from __future__ import annotations

import pandas as pd

from analysis.compare.features import municipality_features
from analysis.compare.peers import peer_benchmark, peer_gaps
from analysis.core.labels import label
from analysis.dataset.scope import edition_dataset
from analysis.dataset.tables import Dataset
from analysis.present import charts
from analysis.present.view import View, make_view


def gap_review_views(dataset: Dataset, code: str, edition: str, peers: str | list[str],
                     lang: str = "ja") -> list[View]:
    data = edition_dataset(dataset, edition)
    benchmark = peer_benchmark(municipality_features(data), data.municipalities, code,
                                       peers, lang)
    gaps = peer_gaps(benchmark, lang=lang)
    return [
        make_view("peer_benchmark", dataset, benchmark, charts.peer_gap_chart(benchmark, lang),
              lang),
        make_view("peer_gaps", dataset, gaps, None, lang),
    ]



def focus_strengths(benchmark: pd.DataFrame) -> list[str]:
    """Labels of the features the focus municipality has, rarest among peers first."""
    has = benchmark.loc[benchmark["focus_has"].astype(bool)]
    return list(has.sort_values(["peer_share", "label"], kind="stable")["label"])



def discussion_points(gaps: pd.DataFrame, lang: str = "ja", top: int = 5) -> list[str]:
    """Questions derived from the commonest gaps: the data only, no advice."""
    template = label("view", "discussion_point", lang)
    return [template.format(text=text) for text in gaps["text"].head(top)]
