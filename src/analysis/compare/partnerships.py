"""Inter-municipal partnerships as a graph's edges."""

from __future__ import annotations

import pandas as pd

from analysis.compare.evidence import join_ids, names_frame, with_names
from analysis.dataset.tables import CODE
from analysis.text.fold import fold_name


def collaboration_edges(collaborations: pd.DataFrame,
                        municipalities: pd.DataFrame) -> pd.DataFrame:
    """Inter-municipal partnerships as edges. A partner the source does not name (empty
    ``partner_code``) stays a separate, unnamed partner of that municipality, keyed by its
    text, never merged with another municipality's unnamed partner.

    Columns: municipality_code, name, name_en, partner_code, partner_name,
    partner_name_en, named, activity, evidence.
    """
    names = names_frame(municipalities).set_index(CODE)
    return (
        collaborations.assign(
            named=lambda df: df["partner_code"].fillna("") != "",
            partner=lambda df: df["partner_code"].where(
                df["named"], "?" + df["partner_text"].map(fold_name)))
        .groupby([CODE, "partner"], as_index=False)
        .agg(partner_code=("partner_code", "first"), partner_text=("partner_text", "first"),
             named=("named", "first"),
             activity=("activity", lambda a: "／".join(dict.fromkeys(a))),
             evidence=("collaboration_id", join_ids))
        .assign(partner_name=lambda df: df["partner_code"].map(names["name"])
                .fillna(df["partner_text"]),
                partner_name_en=lambda df: df["partner_code"].map(names["name_en"])
                .fillna(df["partner_text"]))
        .pipe(with_names, municipalities)
        .loc[:, [CODE, "name", "name_en", "partner_code", "partner_name", "partner_name_en",
                 "named", "activity", "evidence"]]
    )
