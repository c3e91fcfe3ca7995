"""Comparison metrics: pure functions from the tidy tables to tidy result frames.

Every result keeps the ids of the rows it came from (``evidence``: space-separated row
ids), so a report can cite the quotes behind any number.
"""

from __future__ import annotations

import pandas as pd


def rows_of_edition(table: pd.DataFrame, sources: pd.DataFrame, edition: str) -> pd.DataFrame:
    """Rows whose source belongs to ``edition`` (e.g. fy2024: the main file and the flyers)."""
    source_ids = sources.loc[sources["edition"] == edition, "source_id"]
    return table.loc[table["source_id"].isin(source_ids)]


def channel_coverage(channels: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Municipality × channel: whether any service offers it, how many, and the evidence.

    Only municipalities that appear in ``channels`` are rows; the channel columns are the
    channels seen anywhere in ``channels``. ``prevalence`` is the share of those
    municipalities offering the channel (the peer group is whatever ``channels`` holds).
    """
    offered = (
        channels.groupby(["municipality_code", "channel"], as_index=False)
        .agg(n_services=("service_id", "nunique"),
             evidence=("service_id", lambda ids: " ".join(sorted(set(ids)))))
    )
    grid = pd.MultiIndex.from_product(
        [sorted(channels["municipality_code"].unique()), sorted(channels["channel"].unique())],
        names=["municipality_code", "channel"],
    ).to_frame(index=False)
    return (
        grid.merge(offered, how="left", on=["municipality_code", "channel"])
        .assign(n_services=lambda df: df["n_services"].fillna(0).astype(int),
                evidence=lambda df: df["evidence"].fillna(""),
                offered=lambda df: df["n_services"] > 0)
        .assign(prevalence=lambda df: df.groupby("channel")["offered"].transform("mean"))
        .merge(municipalities[["municipality_code", "name"]], how="left",
               on="municipality_code")
        .loc[:, ["municipality_code", "name", "channel", "offered", "n_services", "prevalence",
                 "evidence"]]
    )
