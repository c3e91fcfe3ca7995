"""Municipality × feature grids: who has a feature, how many entities, the evidence, and
the feature's prevalence among peers."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.compare.evidence import join_ids
from analysis.dataset.tables import CODE


def feature_grid(found: pd.DataFrame, universe: Sequence[str], features: Sequence[str],
              peers: Sequence[str] | None) -> pd.DataFrame:
    """Municipality × feature grid from ``found`` (municipality_code, feature, entity_key,
    row_id): has, n (distinct entities), evidence, and the feature's prevalence among the
    peers in the universe (``peers`` None: the whole universe)."""
    counted = (
        found.groupby([CODE, "feature"], as_index=False)
        .agg(n=("entity_key", "nunique"), evidence=("row_id", join_ids))
    )
    grid = pd.DataFrame(
        [(code, feature) for code in universe for feature in features],
        columns=[CODE, "feature"], dtype=object,
    )
    peer_set = set(universe) if peers is None else set(peers) & set(universe)
    out = (
        grid.merge(counted, how="left", on=[CODE, "feature"])
        .assign(n=lambda df: df["n"].fillna(0).astype(int),
                evidence=lambda df: df["evidence"].fillna("").astype(object),
                has=lambda df: df["n"] > 0)
    )
    prevalence = (
        out.loc[out[CODE].isin(peer_set)]
        .groupby("feature", as_index=False)
        .agg(prevalence=("has", "mean"), n_peers=("has", "size"))
    )
    return (out.merge(prevalence, how="left", on="feature")
            .assign(n_peers=lambda df: df["n_peers"].fillna(0).astype(int)))
