"""Target ages: which ages each municipality's services cover, on a 0–80 axis.

What a stated age means depends on its kind (``target_ages.age_kind``):

- a **limit** (15歳から49歳まで) and an **all-ages** statement (年齢を問わず) say who is
  served: they cover their ages;
- an **addition** (40代以上の相談についても受け付けています) says these ages are served
  too: it covers its ages, and says nothing about the others;
- a **main group** (50代・60代の中高年層を中心に, 主に10代～20代) says whom the service
  focuses on, not whom it turns away: shown as such (``main_group``), never as a limit
  and never as coverage.

An age no statement covers is ``uncovered`` only in the sense "no stated age reaches it";
a municipality that states no age at all is ``no_data``. Every count is over the
municipalities the edition documents, with ``no_data`` counted apart (one denominator for
the report and the handouts).
"""

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
COVERING_KINDS = frozenset({"limit", "all_ages", "addition"})
MAIN_GROUP = "main_group"
SEGMENT_STATUSES = ("covered", MAIN_GROUP, "uncovered", "no_data")


def _age_spans(target_ages: pd.DataFrame, services: pd.DataFrame | None) -> pd.DataFrame:
    """Target-age rows as closed intervals on the 0–80 axis: an empty minimum is 0, an
    empty maximum (open-ended, or "all ages" with both empty) runs to 80+; ``covers``
    says whether the row covers its ages (a limit, all ages or an addition) or names a
    main group."""
    kinds = (target_ages["age_kind"] if "age_kind" in target_ages.columns
             else pd.Series("limit", index=target_ages.index))
    return (
        target_ages.pipe(with_entity, services)
        .assign(lo=lambda df: df["age_min"].fillna(0).clip(0, AGE_AXIS_MAX).astype(int),
                hi=lambda df: df["age_max"].fillna(AGE_AXIS_MAX).clip(0, AGE_AXIS_MAX)
                .astype(int),
                approximate=lambda df: df["approximate"].fillna(False).astype(bool),
                covers=kinds.isin(COVERING_KINDS).to_numpy())
        .loc[lambda df: df["lo"] <= df["hi"]]
    )


def age_coverage(target_ages: pd.DataFrame, municipalities: pd.DataFrame,
                 services: pd.DataFrame | None = None,
                 universe: Sequence[str] | None = None) -> pd.DataFrame:
    """Per municipality, segments that partition the 0–80 axis (80 = 80 and over), each
    ``covered``, ``main_group`` (a stated main group reaches it, no covering statement
    does), ``uncovered`` or, for a municipality stating no age, ``no_data``.

    ``universe``: every municipality to list (default those with services, or with ages):
    one stating no age gets one ``no_data`` segment. Evidence of a covered or main-group
    segment: the services reaching it; of an uncovered one: all the municipality's age
    rows (what the claim "no stated age reaches it" rests on).

    Columns: municipality_code, name, name_en, start, end, status, approximate, evidence.
    """
    spans = _age_spans(target_ages, services)
    codes = sorted(set(spans[CODE]))
    grid = pd.DataFrame([(c, a) for c in codes for a in range(AGE_AXIS_MAX + 1)],
                        columns=[CODE, "age"], dtype=object).astype({"age": int})

    def reach(rows: pd.DataFrame, prefix: str) -> pd.DataFrame:
        return (
            rows.loc[:, [CODE, "service_id", "lo", "hi", "approximate"]]
            .merge(pd.DataFrame({"age": range(AGE_AXIS_MAX + 1)}), how="cross")
            .loc[lambda df: (df["lo"] <= df["age"]) & (df["age"] <= df["hi"])]
            .groupby([CODE, "age"], as_index=False)
            .agg(**{f"{prefix}_ids": ("service_id", join_ids),
                    f"{prefix}_approximate": ("approximate", "any")})
        )

    all_ids = spans.groupby(CODE)["service_id"].agg(join_ids)
    per_age = (
        grid.merge(reach(spans.loc[spans["covers"]], "cover"), how="left", on=[CODE, "age"])
        .merge(reach(spans.loc[~spans["covers"]], "main"), how="left", on=[CODE, "age"])
        .assign(status=lambda df: np.select(
                    [df["cover_ids"].notna(), df["main_ids"].notna()],
                    ["covered", MAIN_GROUP], "uncovered"),
                ids=lambda df: df["cover_ids"].fillna(df["main_ids"]),
                approximate=lambda df: np.where(df["cover_ids"].notna(),
                                                df["cover_approximate"].fillna(False),
                                                df["main_approximate"].fillna(False)))
        # a new segment starts where the status or the municipality changes
        .assign(run=lambda df: ((df["status"] != df["status"].shift())
                                | (df[CODE] != df[CODE].shift())).cumsum())
    )
    segments = (
        per_age.groupby([CODE, "run"], as_index=False)
        .agg(start=("age", "min"), end=("age", "max"), status=("status", "first"),
             approximate=("approximate", "any"), ids=("ids", join_ids))
        .assign(evidence=lambda df: np.where(df["status"] == "uncovered",
                                             df[CODE].map(all_ids).fillna(""), df["ids"]))
    )
    if universe is None:
        universe = sorted(set(services[CODE]) if services is not None else set(codes))
    no_data = sorted(set(universe) - set(codes))
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
    ages covered and a status (``covered`` all of it, ``partial``, ``main_group`` (no
    covering statement, a main group reaches it), ``uncovered``, ``no_data``).

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
        # flags first, then built-in aggregations (a lambda per group took 3 s a call at
        # national scale)
        .assign(covered=lambda df: df["status"] == "covered",
                main=lambda df: df["status"] == MAIN_GROUP,
                no_data=lambda df: df["status"] == "no_data")
        .groupby([CODE, "name", "name_en", "band", "start", "end"], as_index=False,
                 sort=False, dropna=False)
        .agg(covered_share=("covered", "mean"), main=("main", "any"),
             no_data=("no_data", "all"), evidence=("evidence", join_ids))
    )
    status = np.select(
        [per_band["no_data"].astype(bool), per_band["covered_share"] >= 1,
         per_band["covered_share"] > 0, per_band["main"].astype(bool)],
        ["no_data", "covered", "partial", MAIN_GROUP], "uncovered")
    return (
        per_band.assign(status=status)
        .sort_values([CODE, "start"], kind="stable", ignore_index=True)
        .loc[:, [CODE, "name", "name_en", "band", "start", "end", "covered_share", "status",
                 "evidence"]]
    )


def age_coverage_summary(coverage: pd.DataFrame,
                         bands: Sequence[tuple[int, int]] = AGE_BANDS) -> pd.DataFrame:
    """Tokyo-wide, per age band, over every municipality of the coverage (the edition's
    documented municipalities: one denominator, ``n_municipalities``): how many cover it
    fully, partly, name it only as a main group, and how many state no age at all.

    Columns: band, start, end, n_municipalities, n_covered, n_partial, n_main_group,
    n_uncovered (ages stated, this band outside them), n_no_data, share_covered, evidence.
    The counts add up to n_municipalities.
    """
    per_band = age_band_coverage(coverage, bands)

    def count(status: str):
        return ("status", lambda s: int((s == status).sum()))

    summary = (
        per_band.groupby(["band", "start", "end"], as_index=False, sort=False)
        .agg(n_municipalities=(CODE, "nunique"), n_covered=count("covered"),
             n_partial=count("partial"), n_main_group=count(MAIN_GROUP),
             n_uncovered=count("uncovered"), n_no_data=count("no_data"),
             evidence=("evidence", join_ids))
    )
    bands_frame = pd.DataFrame([(age_band_key(lo, hi), lo, hi) for lo, hi in bands],
                               columns=["band", "start", "end"])
    counts = ["n_municipalities", "n_covered", "n_partial", "n_main_group", "n_uncovered",
              "n_no_data"]
    return (
        bands_frame.merge(summary, how="left", on=["band", "start", "end"])
        # float first: with no age rows the counts come back as empty text columns
        .assign(**{c: (lambda df, c=c: df[c].astype(float).fillna(0).astype(int))
                   for c in counts})
        .assign(share_covered=lambda df: (df["n_covered"] / df["n_municipalities"])
                .where(df["n_municipalities"] > 0),
                evidence=lambda df: df["evidence"].fillna("").astype(object))
        .loc[:, ["band", "start", "end", *counts, "share_covered", "evidence"]]
    )
