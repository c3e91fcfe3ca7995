"""Target ages: which ages each municipality's services cover, on a 0–80 axis."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.compare.evidence import join_ids, with_entity, with_names
from analysis.dataset.tables import CODE

AGE_AXIS_MAX = 80  # the age axis runs 0–80; 80 stands for "80 and over"



AGE_BANDS: tuple[tuple[int, int], ...] = (
    (0, 14), (15, 17), (18, 29), (30, 39), (40, 49), (50, 64), (65, 79), (80, 80),
)



def _age_spans(target_ages: pd.DataFrame, services: pd.DataFrame | None) -> pd.DataFrame:
    """Target-age rows as closed intervals on the 0–80 axis: an empty minimum is 0, an
    empty maximum (open-ended, or "all ages" with both empty) runs to 80+."""
    return (
        target_ages.pipe(with_entity, services)
        .assign(lo=lambda df: df["age_min"].fillna(0).clip(0, AGE_AXIS_MAX).astype(int),
                hi=lambda df: df["age_max"].fillna(AGE_AXIS_MAX).clip(0, AGE_AXIS_MAX)
                .astype(int),
                approximate=lambda df: df["approximate"].fillna(False).astype(bool))
        .loc[lambda df: df["lo"] <= df["hi"]]
    )



def age_coverage(target_ages: pd.DataFrame, municipalities: pd.DataFrame,
                 services: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per municipality, the union of its services' target-age intervals as segments
    that partition the 0–80 axis (80 = 80 and over): ``covered`` or ``uncovered``.

    With ``services``, a municipality that has services but no stated ages gets one
    ``no_data`` segment (unknown, not uncovered). Evidence of a covered segment: the
    services covering it; of an uncovered one: all the municipality's age rows (what
    the claim "nobody serves this band" rests on).

    Columns: municipality_code, name, name_en, start, end, status, approximate, evidence.
    """
    spans = _age_spans(target_ages, services)
    codes = sorted(set(spans[CODE]))
    grid = pd.DataFrame([(c, a) for c in codes for a in range(AGE_AXIS_MAX + 1)],
                        columns=[CODE, "age"], dtype=object).astype({"age": int})
    hits = (
        spans.loc[:, [CODE, "service_id", "lo", "hi", "approximate"]]
        .merge(pd.DataFrame({"age": range(AGE_AXIS_MAX + 1)}), how="cross")
        .loc[lambda df: (df["lo"] <= df["age"]) & (df["age"] <= df["hi"])]
        .groupby([CODE, "age"], as_index=False)
        .agg(ids=("service_id", join_ids), approximate=("approximate", "any"))
    )
    all_ids = spans.groupby(CODE)["service_id"].agg(join_ids)
    per_age = (
        grid.merge(hits, how="left", on=[CODE, "age"])
        .assign(covered=lambda df: df["ids"].notna(),
                approximate=lambda df: df["approximate"].fillna(False).astype(bool))
        # a new segment starts where coverage or municipality changes
        .assign(run=lambda df: ((df["covered"] != df["covered"].shift())
                                | (df[CODE] != df[CODE].shift())).cumsum())
    )
    segments = (
        per_age.groupby([CODE, "run"], as_index=False)
        .agg(start=("age", "min"), end=("age", "max"), covered=("covered", "first"),
             approximate=("approximate", "any"), ids=("ids", join_ids))
        .assign(status=lambda df: np.where(df["covered"], "covered", "uncovered"),
                evidence=lambda df: np.where(df["covered"], df["ids"],
                                             df[CODE].map(all_ids).fillna("")))
    )
    no_data = sorted(set(services[CODE]) - set(codes)) if services is not None else []
    unknown = pd.DataFrame({CODE: no_data, "start": 0, "end": AGE_AXIS_MAX,
                            "status": "no_data", "approximate": False, "evidence": ""})
    return (
        pd.concat([segments.loc[:, unknown.columns], unknown], ignore_index=True)
        .astype({"start": int, "end": int, "approximate": bool, "evidence": object})
        .sort_values([CODE, "start"], kind="stable", ignore_index=True)
        .pipe(with_names, municipalities)
        .loc[:, [CODE, "name", "name_en", "start", "end", "status", "approximate",
                 "evidence"]]
    )



def age_band_key(start: int, end: int) -> str:
    """``50-64``; the top of the axis is open: ``80+``."""
    return f"{start}+" if end >= AGE_AXIS_MAX else f"{start}-{end}"



def age_band_coverage(coverage: pd.DataFrame,
                      bands: Sequence[tuple[int, int]] = AGE_BANDS) -> pd.DataFrame:
    """Municipality × age band from ``age_coverage`` segments: the share of the band's
    ages covered and a status (``covered`` all of it, ``partial``, ``uncovered``,
    ``no_data``).

    Columns: municipality_code, name, name_en, band, start, end, covered_share, status,
    evidence.
    """
    ages = (
        coverage.assign(age=[list(range(s, e + 1)) for s, e in
                             zip(coverage["start"], coverage["end"], strict=True)])
        .explode("age").astype({"age": int})
    )
    band_of_age = pd.DataFrame(
        [(age_band_key(lo, hi), lo, hi, age) for lo, hi in bands for age in range(lo, hi + 1)],
        columns=["band", "start", "end", "age"],
    )
    per_band = (
        ages.drop(columns=["start", "end"])
        .merge(band_of_age, on="age")
        .groupby([CODE, "name", "name_en", "band", "start", "end"], as_index=False,
                 sort=False, dropna=False)
        .agg(covered_share=("status", lambda s: (s == "covered").mean()),
             no_data=("status", lambda s: (s == "no_data").all()),
             evidence=("evidence", join_ids))
    )
    status = np.select(
        [per_band["no_data"].astype(bool), per_band["covered_share"] >= 1,
         per_band["covered_share"] > 0],
        ["no_data", "covered", "partial"], "uncovered")
    return (
        per_band.assign(status=status)
        .sort_values([CODE, "start"], kind="stable", ignore_index=True)
        .loc[:, [CODE, "name", "name_en", "band", "start", "end", "covered_share", "status",
                 "evidence"]]
    )



def age_coverage_summary(coverage: pd.DataFrame,
                         bands: Sequence[tuple[int, int]] = AGE_BANDS) -> pd.DataFrame:
    """Tokyo-wide, per age band: of the municipalities with stated ages, how many cover
    it fully or partly; ``n_covered == 0`` is a band nobody serves.

    Columns: band, start, end, n_municipalities, n_covered, n_partial, share_covered,
    n_no_data, evidence.
    """
    per_band = age_band_coverage(coverage, bands)
    known = per_band.loc[per_band["status"] != "no_data"]
    summary = (
        known.groupby(["band", "start", "end"], as_index=False, sort=False)
        .agg(n_municipalities=(CODE, "nunique"),
             n_covered=("status", lambda s: int((s == "covered").sum())),
             n_partial=("status", lambda s: int((s == "partial").sum())),
             evidence=("evidence", join_ids))
        # an empty group-by has text columns; make the counts numbers either way
        .astype({"n_municipalities": float, "n_covered": float, "n_partial": float})
    )
    bands_frame = pd.DataFrame([(age_band_key(lo, hi), lo, hi) for lo, hi in bands],
                               columns=["band", "start", "end"])
    n_no_data = per_band.loc[per_band["status"] == "no_data", CODE].nunique()
    return (
        bands_frame.merge(summary, how="left", on=["band", "start", "end"])
        .assign(n_municipalities=lambda df: df["n_municipalities"].fillna(0).astype(int),
                n_covered=lambda df: df["n_covered"].fillna(0).astype(int),
                n_partial=lambda df: df["n_partial"].fillna(0).astype(int),
                share_covered=lambda df: (df["n_covered"] / df["n_municipalities"])
                .where(df["n_municipalities"] > 0),
                n_no_data=n_no_data,
                evidence=lambda df: df["evidence"].fillna("").astype(object))
        .loc[:, ["band", "start", "end", "n_municipalities", "n_covered", "n_partial",
                 "share_covered", "n_no_data", "evidence"]]
    )
