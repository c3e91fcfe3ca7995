"""Who a municipality is, beside what it documents: its area, kind, size band, population
and the estimated number of people in 広義のひきこもり — the context every comparison,
profile and gap review shows, so that a town of 7,000 is never read like a ward of
900,000.

The estimate is a national rate applied locally (``analysis.dataset.population``): 2.05 %
of residents aged 15–39 plus 2.02 % of those aged 40–64 (内閣府「こども・若者の意識と
生活に関する調査」令和4年度), with the residents of 1 January 2026 (住民基本台帳).
Per-capita measures divide by the population of the same date.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.compare.evidence import names_frame
from analysis.dataset.population import estimated_hikikomori
from analysis.dataset.tables import CODE

PER_RESIDENTS = 100_000  # per-capita measures are per 100,000 residents
CONTEXT_COLUMNS = [CODE, "name", "name_en", "name_kana", "area", "kind", "size_band",
                   "population", "population_15_39", "population_40_64", "estimated_need"]


def _estimate(pop_15_39: object, pop_40_64: object) -> float | None:
    if pd.isna(pop_15_39) or pd.isna(pop_40_64):
        return None
    return estimated_hikikomori(int(pop_15_39), int(pop_40_64))


def municipality_context(municipalities: pd.DataFrame,
                         codes: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per municipality (``codes``, default all) with its context; population
    figures are missing (not 0) where the reference table has none.

    Columns: see ``CONTEXT_COLUMNS``; ``estimated_need`` is the exact estimate (shown
    rounded, ``analysis.dataset.population.estimate_text``).
    """
    table = municipalities if codes is None else municipalities.loc[
        municipalities[CODE].isin(set(codes))]
    for column in ("size_band", "population", "population_15_39", "population_40_64"):
        if column not in table.columns:
            table = table.assign(**{column: pd.NA})
    return (
        table.merge(names_frame(table).loc[:, [CODE, "name_en"]], on=CODE)
        .assign(estimated_need=lambda df: [
            _estimate(a, b) for a, b in zip(df["population_15_39"], df["population_40_64"],
                                            strict=True)])
        .astype({"estimated_need": "Float64"})
        .sort_values(CODE, ignore_index=True)
        .loc[:, CONTEXT_COLUMNS]
    )


def per_residents(count: pd.Series, population: pd.Series) -> pd.Series:
    """``count`` per 100,000 residents (missing where the population is unknown)."""
    population = population.astype("Float64")
    return (count.astype("Float64") * PER_RESIDENTS / population).where(population > 0)
