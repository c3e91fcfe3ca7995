"""Services and windows: how many each municipality documents, and the designations the
sources state."""

from __future__ import annotations

import pandas as pd

from analysis.compare.evidence import join_ids, with_names
from analysis.dataset.tables import CODE


def service_counts(services: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Services and windows per municipality, each entity counted once.

    Columns: municipality_code, name, name_en, n_services, evidence.
    """
    return (
        services.groupby(CODE, as_index=False)
        .agg(n_services=("entity_key", "nunique"), evidence=("service_id", join_ids))
        .pipe(with_names, municipalities)
        .loc[:, [CODE, "name", "name_en", "n_services", "evidence"]]
    )



def designations(services: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Designations the sources state (ひきこもり地域支援センター, 重層的支援体制整備事業 …),
    one row per municipality, designation and service entity.

    Columns: municipality_code, name, name_en, designation, entity_key, service_name,
    evidence.
    """
    return (
        services.loc[services["designation"].fillna("") != ""]
        .groupby([CODE, "designation", "entity_key"], as_index=False)
        .agg(service_name=("name", "first"), evidence=("service_id", join_ids))
        .pipe(with_names, municipalities)
        .loc[:, [CODE, "name", "name_en", "designation", "entity_key", "service_name",
                 "evidence"]]
    )
