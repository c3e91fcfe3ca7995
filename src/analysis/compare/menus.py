"""The eight menus of the national ひきこもりサポート事業: which municipality runs which."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.compare.coverage import feature_grid
from analysis.compare.evidence import with_names
from analysis.core.labels import labels
from analysis.dataset.tables import CODE


def _service_feature_coverage(services: pd.DataFrame, municipalities: pd.DataFrame,
                              column: str, peers: Sequence[str] | None,
                              features: Sequence[str]) -> pd.DataFrame:
    found = services.rename(columns={column: "feature", "service_id": "row_id"})
    return (feature_grid(found, sorted(set(services[CODE])), features, peers)
            .pipe(with_names, municipalities))



def national_menu_coverage(services: pd.DataFrame, municipalities: pd.DataFrame,
                           peers: Sequence[str] | None = None) -> pd.DataFrame:
    """Municipality × the eight menus of the national ひきこもりサポート事業
    (``services.national_menu``; ``none`` is not a menu): whether the municipality runs
    it, with how many services, and the menu's prevalence among the peers.

    Columns: municipality_code, name, name_en, national_menu, runs, n_services,
    prevalence, n_peers, evidence.
    """
    menus = [key for key in labels("national_menu") if key != "none"]
    return (
        _service_feature_coverage(services, municipalities, "national_menu", peers, menus)
        .rename(columns={"feature": "national_menu", "has": "runs", "n": "n_services"})
        .loc[:, [CODE, "name", "name_en", "national_menu", "runs", "n_services",
                 "prevalence", "n_peers", "evidence"]]
    )
