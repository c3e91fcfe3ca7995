"""Meetings and how often they are held."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.compare.evidence import join_ids, with_names
from analysis.dataset.tables import CODE

FREQUENCY_STATUSES = ("counted", "regular_unquantified", "irregular", "unstated")



def _frequency_status(meetings: pd.DataFrame) -> np.ndarray:
    regular = meetings["regular"].astype(object)
    known_rate = meetings["per_year"].notna().to_numpy(dtype=bool)
    return np.select(
        [(regular == "true").to_numpy() & known_rate, (regular == "true").to_numpy(),
         (regular == "false").to_numpy()],
        ["counted", "regular_unquantified", "irregular"], "unstated")



def meeting_frequencies(meetings: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """One row per meeting entity with its frequency.

    ``status``: ``counted`` (times per year known), ``regular_unquantified`` (定期的に),
    ``irregular`` (随時・不定期), ``unstated`` (no frequency given) — the last three have no
    ``per_year`` and are never zero. When sources of one edition differ, the most
    informative row wins (then the lowest meeting id: the main file before the flyers).

    Columns: municipality_code, name, name_en, entity_key, meeting_name, kind, status,
    per_year, approximate, frequency_text, evidence.
    """
    rank = {status: i for i, status in enumerate(FREQUENCY_STATUSES)}
    ranked = meetings.assign(status=_frequency_status(meetings)).assign(
        rank=lambda df: df["status"].map(rank))
    evidence = ranked.groupby("entity_key")["meeting_id"].agg(join_ids).rename("evidence")
    return (
        ranked.sort_values(["entity_key", "rank", "meeting_id"], kind="stable")
        .drop_duplicates("entity_key")
        .rename(columns={"name": "meeting_name"})
        .merge(evidence, how="left", left_on="entity_key", right_index=True)
        .assign(per_year=lambda df: df["per_year"].astype("Float64"),
                approximate=lambda df: df["approximate"].fillna(False).astype(bool))
        .pipe(with_names, municipalities)
        .sort_values([CODE, "entity_key"], ignore_index=True)
        .loc[:, [CODE, "name", "name_en", "entity_key", "meeting_name", "kind", "status",
                 "per_year", "approximate", "frequency_text", "evidence"]]
    )



def meeting_intensity(meetings: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Times per year by meeting kind per municipality.

    ``per_year`` sums the meetings whose frequency is counted and is empty (not 0) when
    none is; meetings that are regular without a number, irregular or without a stated
    frequency are counted in their own columns.

    Columns: municipality_code, name, name_en, kind, n_meetings, n_counted, per_year,
    n_regular_unquantified, n_irregular, n_unstated, approximate, evidence.
    """
    frequencies = meeting_frequencies(meetings, municipalities)
    counts = pd.crosstab([frequencies[CODE], frequencies["kind"]], frequencies["status"])
    counts = counts.reindex(columns=list(FREQUENCY_STATUSES), fill_value=0)
    counts.columns = [f"n_{status}" for status in FREQUENCY_STATUSES]
    return (
        frequencies.assign(counted_approx=lambda df: df["approximate"]
                           & (df["status"] == "counted"))
        .groupby([CODE, "name", "name_en", "kind"], as_index=False, dropna=False)
        .agg(n_meetings=("entity_key", "size"),
             per_year=("per_year", lambda s: s.sum() if s.notna().any() else pd.NA),
             approximate=("counted_approx", "any"),
             evidence=("evidence", join_ids))
        .merge(counts.reset_index(), how="left", on=[CODE, "kind"])
        .assign(per_year=lambda df: df["per_year"].astype("Float64"))
        .loc[:, [CODE, "name", "name_en", "kind", "n_meetings", "n_counted", "per_year",
                 "n_regular_unquantified", "n_irregular", "n_unstated", "approximate",
                 "evidence"]]
    )
