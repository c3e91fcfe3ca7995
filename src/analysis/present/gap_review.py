"""The gap-review handout of one municipality for its support-network meeting: what it
has, what its peers have that it is not documented to have, and discussion points.

Everything the handout shows is computed here, once, by ``gap_review``; the notebook
only displays it, and the build does not choose the peer group.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.compare.features import municipality_features
from analysis.compare.peers import (
    PeerSpec,
    default_peer_group,
    peer_benchmark,
    peer_gaps,
    peer_group_name,
)
from analysis.core.labels import label
from analysis.dataset.scope import documented_municipalities, edition_dataset
from analysis.dataset.tables import Dataset
from analysis.present import charts
from analysis.present.view import View, make_view, municipality_name


@dataclass(frozen=True)
class GapReview:
    """One municipality's handout: its name, the peer group, the lead sentence, what it
    has, the comparison with its peers (chart and table) and the discussion points."""

    code: str
    name: str
    peer_group: PeerSpec
    n_peers: int
    lead: str
    strengths: list[str]
    benchmark: View
    gaps: View
    discussion: list[str]


def gap_review(dataset: Dataset, code: str, edition: str, peer_group: PeerSpec = "",
               lang: str = "ja") -> GapReview:
    """The handout of ``code`` in ``edition`` against ``peer_group`` (empty: the default,
    ``default_peer_spec``)."""
    peers = peer_group or default_peer_spec(dataset, code, edition)
    benchmark_view, gaps_view = gap_review_views(dataset, code, edition, peers, lang)
    table = benchmark_view.table
    n_peers = int(table["n_peers"].max()) if len(table) else 0
    return GapReview(
        code=code, name=municipality_name(dataset, code, lang), peer_group=peers,
        n_peers=n_peers,
        lead=label("view", "gap_lead", lang).format(
            peers=peer_group_name(dataset.municipalities, code, peers, lang), n=n_peers),
        strengths=focus_strengths(table), benchmark=benchmark_view, gaps=gaps_view,
        discussion=discussion_points(gaps_view.table, lang))


def default_peer_spec(dataset: Dataset, code: str, edition: str) -> PeerSpec:
    """The handout's default peer group (``compare.peers.default_peer_group`` among the
    edition's documented municipalities): the build's plan computes the same group to key
    the handout's cache on its peers' rows (``analysis.build.plan``)."""
    data = edition_dataset(dataset, edition)
    return default_peer_group(data.municipalities, code, documented_municipalities(data)).spec


def gap_review_views(dataset: Dataset, code: str, edition: str, peers: PeerSpec,
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
