"""Meetings and how often they are held.

A meeting's frequency has a status: ``counted`` (times per year known), a recurring one
``regular_unquantified`` (定期的に, 年数回), ``irregular`` (随時・不定期), ``unstated`` (no
frequency given), or it is a ``single_event`` (a lecture on one day, a one-time forum:
``meetings.occurrence``). Only counted meetings have a number, never zero for the others,
and single events are shown as events, not in frequency statistics.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.compare.evidence import join_ids, with_names
from analysis.dataset.tables import CODE

FREQUENCY_STATUSES = ("counted", "regular_unquantified", "irregular", "unstated",
                      "single_event")
NO_MEETING = ""  # the kind of the row of a municipality that documents no meeting


def _frequency_status(meetings: pd.DataFrame) -> np.ndarray:
    regular = meetings["regular"].astype(object)
    known_rate = meetings["per_year"].notna().to_numpy(dtype=bool)
    single = (meetings["occurrence"] == "single_event").to_numpy(dtype=bool) if (
        "occurrence" in meetings.columns) else np.zeros(len(meetings), dtype=bool)
    return np.select(
        [single, (regular == "true").to_numpy() & known_rate, (regular == "true").to_numpy(),
         (regular == "false").to_numpy()],
        ["single_event", "counted", "regular_unquantified", "irregular"], "unstated")


def meeting_frequencies(meetings: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """One row per meeting entity with its frequency status (see the module's docstring).
    When sources of one edition differ, the most informative row wins (then the lowest
    meeting id: the main file before the flyers).

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
        .assign(per_year=lambda df: df["per_year"].astype("Float64")
                .where(df["status"] == "counted"),
                approximate=lambda df: df["approximate"].fillna(False).astype(bool))
        .pipe(with_names, municipalities)
        .sort_values([CODE, "entity_key"], ignore_index=True)
        .loc[:, [CODE, "name", "name_en", "entity_key", "meeting_name", "kind", "status",
                 "per_year", "approximate", "frequency_text", "evidence"]]
    )


def meeting_intensity(meetings: pd.DataFrame, municipalities: pd.DataFrame,
                      universe: Sequence[str] = ()) -> pd.DataFrame:
    """Meetings by kind per municipality: how many, and how many of each frequency
    status. No sum of frequencies: two drop-in spaces open 182 days a year each are not
    one held 364 times. Every municipality of ``universe`` appears; one documenting no
    meeting is one row of kind ``""`` and 0 meetings.

    Columns: municipality_code, name, name_en, kind, n_meetings, n_counted,
    n_regular_unquantified, n_irregular, n_unstated, n_single_event, evidence.
    """
    frequencies = meeting_frequencies(meetings, municipalities)
    counts = pd.crosstab([frequencies[CODE], frequencies["kind"]], frequencies["status"])
    counts = counts.reindex(columns=list(FREQUENCY_STATUSES), fill_value=0)
    counts.columns = [f"n_{status}" for status in FREQUENCY_STATUSES]
    columns = [CODE, "kind", "n_meetings", *counts.columns, "evidence"]
    found = (
        frequencies.groupby([CODE, "kind"], as_index=False, dropna=False)
        .agg(n_meetings=("entity_key", "size"), evidence=("evidence", join_ids))
        .merge(counts.reset_index(), how="left", on=[CODE, "kind"])
    )
    missing = sorted(set(universe) - set(found[CODE]))
    none = pd.DataFrame({CODE: missing, "kind": NO_MEETING, "evidence": ""}).assign(
        **{c: 0 for c in ("n_meetings", *counts.columns)})
    return (
        pd.concat([found.loc[:, columns], none.loc[:, columns]], ignore_index=True)
        .astype({c: int for c in ("n_meetings", *counts.columns)})
        .sort_values([CODE, "kind"], ignore_index=True)
        .pipe(with_names, municipalities)
        .loc[:, [CODE, "name", "name_en", *columns[1:]]]
    )
