"""Who has what: the rows that evidence a feature, and municipality × feature grids.

A feature is evidenced by **rules**: a value of a column of a tidy table (a service's
category, a meeting's kind, a consultation channel …). One rule, one place: the channel
rule (only ways to consult count, not an event's application form or a publicity account)
and the national-menu rules (``analysis.compare.menus``) are written once here or there
and used by the comparison's charts, the gap review and the explorer alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.compare.evidence import join_ids, with_entity
from analysis.dataset.tables import CODE, Dataset

CONSULTATION = "consultation"  # channels.purpose of a way to consult
# Tables a rule can read: the row id cited for each.
ROW_IDS = {"services": "service_id", "channels": "service_id", "meetings": "meeting_id",
           "network_bodies": "body_id", "milestones": "milestone_id"}


@dataclass(frozen=True)
class Rule:
    """Rows of ``table`` whose ``column`` holds one of ``values`` evidence a feature."""

    table: str
    column: str
    values: frozenset[str]

    @classmethod
    def of(cls, table: str, column: str, *values: str) -> Rule:
        return cls(table, column, frozenset(values))


def consultation_channels(channels: pd.DataFrame) -> pd.DataFrame:
    """The channels that are ways to consult (``purpose`` consultation): an event's
    application form, a lecture's venue or stream, a publicity account or an inquiry
    address are kept in the data and the profiles, but no comparison counts them."""
    if "purpose" not in channels.columns:
        return channels  # a table from before purposes were recorded: all are routes
    return channels.loc[channels["purpose"] == CONSULTATION]


def rule_rows(data: Dataset, rule: Rule) -> pd.DataFrame:
    """The rows a rule finds: municipality_code, entity_key, row_id."""
    frame = getattr(data, rule.table)
    if rule.table == "channels":
        frame = consultation_channels(frame).pipe(with_entity, data.services)
    found = frame.loc[frame[rule.column].isin(rule.values)]
    return pd.DataFrame({CODE: found[CODE], "entity_key": found["entity_key"],
                         "row_id": found[ROW_IDS[rule.table]]})


def evidence_rows(data: Dataset, rules: Iterable[Rule]) -> pd.DataFrame:
    """The rows any of ``rules`` finds (municipality_code, entity_key, row_id)."""
    frames = [rule_rows(data, rule) for rule in rules]
    if not frames:
        return pd.DataFrame(columns=[CODE, "entity_key", "row_id"])
    return pd.concat(frames, ignore_index=True).drop_duplicates(ignore_index=True)


def feature_grid(found: pd.DataFrame, universe: Sequence[str], features: Sequence[str],
                 peers: Sequence[str] | None) -> pd.DataFrame:
    """Municipality × feature grid from ``found`` (municipality_code, feature, entity_key,
    row_id): has, n (distinct entities), evidence, and the feature's prevalence among the
    peers in the universe (``peers`` None: the whole universe; ``n_peers`` its size, the
    denominator of every share)."""
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
