"""Network bodies: councils, network meetings, sub-committees and their members."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.compare.evidence import in_label_order, join_ids, with_names
from analysis.core.labels import labels
from analysis.dataset.tables import CODE
from analysis.text.fold import fold_name


def _body_entities(network_bodies: pd.DataFrame) -> pd.DataFrame:
    """One row per body entity; each fact the first one stated (main file first)."""
    parent_key = network_bodies.set_index("body_id")["entity_key"]
    return (
        network_bodies.sort_values("body_id", kind="stable")
        .assign(parent_entity_key=lambda df: df["parent_body_id"].map(parent_key).fillna(""))
        .groupby("entity_key", as_index=False)
        .agg(**{CODE: (CODE, "first"), "body_name": ("name", "first"),
                "kind": ("kind", "first"), "parent_entity_key": ("parent_entity_key", "max"),
                "established_year": ("established_year", "first"),
                "member_count": ("member_count", "first"),
                "evidence": ("body_id", join_ids)})
        .astype({"established_year": "Int64", "member_count": "Int64"})
    )



def body_composition(network_bodies: pd.DataFrame, network_body_members: pd.DataFrame,
                     municipalities: pd.DataFrame) -> pd.DataFrame:
    """Member-type composition of each body entity: the number of distinct members
    named (``member_text`` as normalised) per type, a member in two sources once.

    Columns: municipality_code, name, name_en, entity_key, body_name, member_type,
    n_members, evidence.
    """
    bodies = _body_entities(network_bodies)
    entity_of_body = network_bodies.loc[:, ["body_id", "entity_key"]]
    return (
        network_body_members.merge(entity_of_body, how="inner", on="body_id")
        .assign(member=lambda df: df["member_text"].map(fold_name))
        .groupby(["entity_key", "member_type"], as_index=False)
        .agg(n_members=("member", "nunique"), evidence=("body_id", join_ids))
        .merge(bodies.loc[:, [CODE, "entity_key", "body_name"]], on="entity_key")
        .pipe(with_names, municipalities)
        .assign(type_order=lambda df: df["member_type"].map(
            {k: i for i, k in enumerate(labels("member_type"))}))
        .sort_values([CODE, "entity_key", "type_order"], ignore_index=True)
        .loc[:, [CODE, "name", "name_en", "entity_key", "body_name", "member_type",
                 "n_members", "evidence"]]
    )



def network_body_profile(network_bodies: pd.DataFrame, network_body_members: pd.DataFrame,
                         municipalities: pd.DataFrame) -> pd.DataFrame:
    """One row per network body entity.

    Columns: municipality_code, name, name_en, entity_key, body_name, kind,
    parent_entity_key, established_year, member_count, n_member_types, evidence.
    """
    composition = body_composition(network_bodies, network_body_members, municipalities)
    types = composition.groupby("entity_key")["member_type"].nunique().rename("n_member_types")
    return (
        _body_entities(network_bodies)
        .merge(types, how="left", left_on="entity_key", right_index=True)
        .assign(n_member_types=lambda df: df["n_member_types"].fillna(0).astype(int))
        .pipe(with_names, municipalities)
        .sort_values([CODE, "entity_key"], ignore_index=True)
        .loc[:, [CODE, "name", "name_en", "entity_key", "body_name", "kind",
                 "parent_entity_key", "established_year", "member_count", "n_member_types",
                 "evidence"]]
    )



def network_body_summary(network_bodies: pd.DataFrame, network_body_members: pd.DataFrame,
                         municipalities: pd.DataFrame,
                         universe: Sequence[str] = ()) -> pd.DataFrame:
    """Per municipality: how many bodies (a sub-committee is counted as a part of its
    body, ``n_parts``, not as a body of its own), of which kinds (space-separated keys),
    the largest member count a body states (no sum: two bodies share members; empty when
    none states one), the member types named (empty, not 0, when no member is named),
    and the years bodies were established. Every municipality of ``universe`` appears
    (0 bodies when it documents none).

    Columns: municipality_code, name, name_en, n_bodies, n_parts, kinds,
    largest_member_count, n_member_types, first_established, last_established, evidence.
    """
    profile = network_body_profile(network_bodies, network_body_members, municipalities)
    composition = body_composition(network_bodies, network_body_members, municipalities)
    types = composition.groupby(CODE)["member_type"].nunique().rename("n_member_types")
    summary = (
        profile.assign(part=lambda df: df["parent_entity_key"].fillna("") != "")
        .groupby([CODE], as_index=False, dropna=False)
        .agg(n_bodies=("part", lambda p: int((~p).sum())),
             n_parts=("part", lambda p: int(p.sum())),
             kinds=("kind", lambda k: " ".join(in_label_order(k, "body_kind"))),
             largest_member_count=("member_count", lambda s: s.max() if s.notna().any()
                                   else pd.NA),
             first_established=("established_year", "min"),
             last_established=("established_year", "max"),
             evidence=("evidence", join_ids))
        .merge(types, how="left", left_on=CODE, right_index=True)
    )
    missing = pd.DataFrame({CODE: sorted(set(universe) - set(summary[CODE])), "n_bodies": 0,
                            "n_parts": 0, "kinds": "", "evidence": ""})
    return (
        pd.concat([summary, missing], ignore_index=True)
        .assign(n_bodies=lambda df: df["n_bodies"].astype(int),
                n_parts=lambda df: df["n_parts"].astype(int),
                n_member_types=lambda df: df["n_member_types"].astype("Int64"),
                largest_member_count=lambda df: df["largest_member_count"].astype("Int64"),
                first_established=lambda df: df["first_established"].astype("Int64"),
                last_established=lambda df: df["last_established"].astype("Int64"))
        .sort_values(CODE, ignore_index=True)
        .pipe(with_names, municipalities)
        .loc[:, [CODE, "name", "name_en", "n_bodies", "n_parts", "kinds",
                 "largest_member_count", "n_member_types", "first_established",
                 "last_established", "evidence"]]
    )
