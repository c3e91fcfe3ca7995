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

from analysis.compare.coverage import evidence_rows
from analysis.compare.evidence import join_ids, names_frame
from analysis.compare.meetings import meeting_frequencies
from analysis.dataset.population import estimated_hikikomori
from analysis.dataset.tables import CODE, TIDY_TABLES, Dataset

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


NETWORK_MEETING_KINDS = ("council", "network_meeting", "subcommittee", "case_conference")


def documentation_summary(data: Dataset, codes: Sequence[str]) -> pd.DataFrame:
    """Per documented municipality, its context beside what the edition documents, with
    the per-capita measures every count comparison needs:

    - ``n_services``: windows and programmes (each thing once); ``n_services_per_100k``;
    - ``n_windows``: consultation windows (the feature ``window``: a window, or a service
      assigned to the menu 相談支援); ``need_per_window``: the estimated number of people
      in 広義のひきこもり per window (empty without a window);
    - ``n_network_meetings``: councils, network meetings, sub-committees and case
      conferences; ``network_meetings_per_year``: how often those whose frequency is
      stated meet in a year, together (empty when none states one);
    - ``n_sources``: the edition's sources documenting it (武蔵野市: the appendix and
      its flyers — more evidence than a peer with one).

    Estimates are exact here; a reader sees them rounded (``estimate_text``).

    Columns: CONTEXT_COLUMNS, n_services, n_services_per_100k,
    n_windows, need_per_window, n_network_meetings, network_meetings_per_year,
    n_sources, evidence.
    """
    from analysis.compare.features import BY_KEY

    context = municipality_context(data.municipalities, codes)
    services = data.services.groupby(CODE)["entity_key"].nunique()
    windows = (evidence_rows(data, BY_KEY["window"].rules)
               .groupby(CODE)["entity_key"].nunique())
    frequencies = meeting_frequencies(data.meetings, data.municipalities)
    network = frequencies.loc[frequencies["kind"].isin(NETWORK_MEETING_KINDS)]
    counted = network.loc[network["status"] == "counted"]
    sources = pd.concat([getattr(data, name).loc[:, [CODE, "source_id"]]
                         for name in TIDY_TABLES if CODE in getattr(data, name).columns])
    evidence = pd.concat([
        data.services.loc[:, [CODE, "service_id"]].rename(columns={"service_id": "id"}),
        network.loc[:, [CODE, "evidence"]].rename(columns={"evidence": "id"})])
    return (
        context.assign(
            n_services=lambda df: df[CODE].map(services).fillna(0).astype(int),
            n_windows=lambda df: df[CODE].map(windows).fillna(0).astype(int),
            n_network_meetings=lambda df: df[CODE].map(network.groupby(CODE).size())
            .fillna(0).astype(int),
            network_meetings_per_year=lambda df: df[CODE].map(
                counted.groupby(CODE)["per_year"].sum()).astype("Float64"),
            n_sources=lambda df: df[CODE].map(sources.groupby(CODE)["source_id"].nunique())
            .fillna(0).astype(int),
            evidence=lambda df: df[CODE].map(evidence.groupby(CODE)["id"].agg(join_ids))
            .fillna(""))
        .assign(n_services_per_100k=lambda df: per_residents(df["n_services"],
                                                             df["population"]).round(1),
                need_per_window=lambda df: (df["estimated_need"] / df["n_windows"]
                                            .astype("Float64")).where(df["n_windows"] > 0)
                .round(1))
    )


def documentation_coverage(municipalities: pd.DataFrame,
                           codes: Sequence[str]) -> pd.DataFrame:
    """How much of the code list an edition documents, per area and in total: the
    denominator of every statement about "the municipalities" — the comparison speaks
    of the documented ones only, never of all of Tokyo.

    Columns: area (``""`` on the total row), n_municipalities, n_documented,
    population, population_documented, share_documented (of the residents, 0–1;
    missing where a population is unknown), not_documented (the names, code order).
    """
    table = municipalities.assign(documented=municipalities[CODE].isin(set(codes)))
    population = table["population"].astype("Float64") if "population" in table.columns \
        else pd.Series(pd.NA, index=table.index, dtype="Float64")
    table = table.assign(population=population).sort_values(CODE)

    def row(area: str, part: pd.DataFrame) -> dict:
        known = part["population"].notna().all()
        total = part["population"].sum() if known else pd.NA
        documented = part.loc[part["documented"], "population"].sum() if known else pd.NA
        return {"area": area, "n_municipalities": len(part),
                "n_documented": int(part["documented"].sum()),
                "population": total, "population_documented": documented,
                "share_documented": documented / total if known and total else pd.NA,
                "not_documented": "・".join(part.loc[~part["documented"], "name"])}

    areas = [a for a in dict.fromkeys(table["area"])]
    rows = [row(area, table.loc[table["area"] == area]) for area in areas]
    rows.append(row("", table))
    return pd.DataFrame(rows).astype({"population": "Float64",
                                      "population_documented": "Float64",
                                      "share_documented": "Float64"})
