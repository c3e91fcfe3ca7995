"""The feature catalogue of the peer comparison: every channel, fully covered age band,
meeting kind, body kind, national menu and programme category a municipality documents."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.compare.ages import AGE_BANDS, age_band_coverage, age_band_key, age_coverage
from analysis.compare.coverage import feature_grid
from analysis.compare.evidence import with_entity
from analysis.core.labels import label, labels
from analysis.dataset.scope import documented_municipalities
from analysis.dataset.tables import CODE, Dataset

FEATURE_FAMILIES = ("channel", "age_band", "meeting_kind", "body_kind", "national_menu",
                    "service_category")



NOT_FEATURES = frozenset({"none", "other"})



def _kind_coverage(frame: pd.DataFrame, universe: Sequence[str], group: str,
                   id_column: str) -> pd.DataFrame:
    found = frame.rename(columns={"kind": "feature", id_column: "row_id"})
    keys = [k for k in labels(group) if k not in NOT_FEATURES]
    return feature_grid(found, universe, keys, None)



def municipality_features(dataset: Dataset) -> pd.DataFrame:
    """Every feature of every documented municipality: channels, fully covered age
    bands, meeting kinds, body kinds, national menus and programme categories.

    Columns: municipality_code, family, feature, has, evidence.
    """
    universe = documented_municipalities(dataset)
    services = dataset.services
    channels = (dataset.channels.pipe(with_entity, services)
                .rename(columns={"channel": "feature", "service_id": "row_id"}))
    menus = services.rename(columns={"national_menu": "feature", "service_id": "row_id"})
    categories = services.rename(columns={"category": "feature", "service_id": "row_id"})
    bands = (age_band_coverage(age_coverage(dataset.target_ages, dataset.municipalities,
                                            services))
             .assign(has=lambda df: df["status"] == "covered",
                     feature=lambda df: df["band"],
                     evidence=lambda df: df["evidence"].where(df["has"], "")))
    band_grid = pd.DataFrame([(c, age_band_key(lo, hi)) for c in universe
                              for lo, hi in AGE_BANDS], columns=[CODE, "feature"])
    bands = (band_grid.merge(bands.loc[:, [CODE, "feature", "has", "evidence"]], how="left",
                             on=[CODE, "feature"])
             .assign(has=lambda df: df["has"].fillna(False).astype(bool),
                     evidence=lambda df: df["evidence"].fillna("").astype(object)))

    def keyed(group: str) -> list[str]:
        return [k for k in labels(group) if k not in NOT_FEATURES]

    families = {
        "channel": feature_grid(channels, universe, keyed("channel"), None),
        "age_band": bands,
        "meeting_kind": _kind_coverage(dataset.meetings, universe, "meeting_kind",
                                       "meeting_id"),
        "body_kind": _kind_coverage(dataset.network_bodies, universe, "body_kind", "body_id"),
        "national_menu": feature_grid(menus, universe, keyed("national_menu"), None),
        "service_category": feature_grid(categories, universe, keyed("service_category"), None),
    }
    return pd.concat(
        [frame.assign(family=family).loc[:, [CODE, "family", "feature", "has", "evidence"]]
         for family, frame in families.items()],
        ignore_index=True,
    ).astype({"has": bool, "evidence": object})



def feature_label(family: str, feature: str, lang: str = "ja") -> str:
    """Plain label of a feature, e.g. ``相談チャネル：訪問・アウトリーチ``."""
    return label("template", "feature", lang).format(
        family=label("feature_family", family, lang),
        # each family's keys are a label group of the same name
        feature=labels(family, lang).get(feature, feature))
