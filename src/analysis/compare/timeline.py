"""When services, bodies and milestones began."""

from __future__ import annotations

import pandas as pd

from analysis.compare.evidence import join_ids, with_names
from analysis.dataset.tables import CODE, Dataset
from analysis.text.fold import fold_name


def establishment_timeline(dataset: Dataset) -> pd.DataFrame:
    """Dated starts: services and windows (``established_year``), network bodies and
    milestones, each entity once (a milestone is the same when municipality, kind, date
    and normalised title agree).

    Columns: municipality_code, name, name_en, event (service, body, milestone), kind,
    title, year, month, evidence.
    """
    def entities(frame: pd.DataFrame, event: str, kind: str, id_column: str) -> pd.DataFrame:
        return (
            frame.loc[frame["established_year"].notna()]
            .sort_values(id_column, kind="stable")
            .groupby("entity_key", as_index=False)
            .agg(**{CODE: (CODE, "first"), "kind": (kind, "first"), "title": ("name", "first"),
                    "year": ("established_year", "first"),
                    "month": ("established_month", "first"),
                    "evidence": (id_column, join_ids)})
            .assign(event=event)
        )

    milestones = (
        dataset.milestones.loc[dataset.milestones["year"].notna()]
        .assign(same=lambda df: df["title"].map(fold_name))
        .sort_values("milestone_id", kind="stable")
        .groupby([CODE, "kind", "year", "month", "same"], as_index=False, dropna=False)
        .agg(title=("title", "first"), evidence=("milestone_id", join_ids))
        .assign(event="milestone")
    )
    columns = [CODE, "event", "kind", "title", "year", "month", "evidence"]
    parts = [entities(dataset.services, "service", "category", "service_id"),
             entities(dataset.network_bodies, "body", "kind", "body_id"), milestones]
    return (
        pd.concat([part.loc[:, columns] for part in parts], ignore_index=True)
        .astype({"year": "Int64", "month": "Int64"})
        .pipe(with_names, dataset.municipalities)
        .sort_values([CODE, "year", "month", "event", "title"], ignore_index=True,
                     na_position="first")
        .loc[:, [CODE, "name", "name_en", *columns[1:]]]
    )
