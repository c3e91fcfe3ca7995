"""Peer groups and the comparison of one municipality with its peers."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.compare.evidence import join_ids, names_frame
from analysis.compare.features import FEATURE_FAMILIES, feature_label
from analysis.core.labels import label
from analysis.dataset.tables import CODE

PeerSpec = str | Sequence[str] | None



def peer_group(municipalities: pd.DataFrame, focus: str | None = None,
               peers: PeerSpec = "all") -> list[str]:
    """Codes of a peer group, never including ``focus``.

    ``peers``: ``"all"`` (every municipality), ``"area"`` / ``"kind"`` (same
    ``municipalities.area`` / ``.kind`` as the focus) or an explicit list of codes.
    """
    if peers is None or (isinstance(peers, str) and peers == "all"):
        codes = municipalities[CODE]
    elif isinstance(peers, str) and peers in ("area", "kind"):
        match = municipalities.loc[municipalities[CODE] == focus, peers]
        if match.empty:
            raise KeyError(f"focus {focus!r} is not in municipalities")
        codes = municipalities.loc[municipalities[peers] == match.iloc[0], CODE]
    elif isinstance(peers, str):
        raise ValueError(f"peers must be 'all', 'area', 'kind' or a list of codes, not {peers!r}")
    else:
        codes = pd.Series(list(peers), dtype=object)
    return sorted(set(codes) - {focus})



def peer_benchmark(feature_frame: pd.DataFrame, municipalities: pd.DataFrame, focus: str,
                   peers: PeerSpec = "all", lang: str = "ja") -> pd.DataFrame:
    """For every feature, whether ``focus`` has it and the share of its peers that do.

    Peers: ``peer_group(municipalities, focus, peers)`` restricted to the documented
    municipalities (those in ``feature_frame``); the focus is never its own peer.
    ``gap``: the focus lacks a feature at least one peer has.

    Columns: focus_code, focus_name, focus_name_en, peer_group (all, area, kind or
    list), family, feature, label, focus_has, focus_evidence, n_peers, n_peers_with,
    peer_share, peer_evidence, gap.
    """
    names = names_frame(municipalities).set_index(CODE)
    group = peers if isinstance(peers, str) else ("all" if peers is None else "list")
    peer_codes = set(peer_group(municipalities, focus, peers)) & set(feature_frame[CODE])
    catalogue = feature_frame.loc[:, ["family", "feature"]].drop_duplicates()
    focus_rows = (feature_frame.loc[feature_frame[CODE] == focus,
                                    ["family", "feature", "has", "evidence"]]
                  .rename(columns={"has": "focus_has", "evidence": "focus_evidence"}))
    peer_rows = feature_frame.loc[feature_frame[CODE].isin(peer_codes)]
    peer_stats = (
        peer_rows.assign(cited=lambda df: df["evidence"].where(df["has"], ""))
        .groupby(["family", "feature"], as_index=False, sort=False)
        .agg(n_peers=(CODE, "nunique"), n_peers_with=("has", "sum"),
             peer_evidence=("cited", join_ids))
    )
    family_rank = {f: i for i, f in enumerate(FEATURE_FAMILIES)}
    return (
        catalogue.merge(focus_rows, how="left", on=["family", "feature"])
        .merge(peer_stats, how="left", on=["family", "feature"])
        .assign(focus_has=lambda df: df["focus_has"].fillna(False).astype(bool),
                focus_evidence=lambda df: df["focus_evidence"].fillna("").astype(object),
                n_peers=lambda df: df["n_peers"].fillna(0).astype(int),
                n_peers_with=lambda df: df["n_peers_with"].fillna(0).astype(int),
                peer_evidence=lambda df: df["peer_evidence"].fillna("").astype(object))
        .assign(peer_share=lambda df: (df["n_peers_with"] / df["n_peers"])
                .where(df["n_peers"] > 0),
                gap=lambda df: ~df["focus_has"] & (df["n_peers_with"] > 0),
                label=lambda df: [feature_label(f, k, lang) for f, k in
                                  zip(df["family"], df["feature"], strict=True)],
                family_rank=lambda df: df["family"].map(family_rank),
                focus_code=focus, peer_group=group,
                focus_name=names["name"].get(focus, focus),
                focus_name_en=names["name_en"].get(focus, focus))
        .sort_values("family_rank", kind="stable", ignore_index=True)
        .loc[:, ["focus_code", "focus_name", "focus_name_en", "peer_group", "family",
                 "feature", "label", "focus_has", "focus_evidence", "n_peers",
                 "n_peers_with", "peer_share", "peer_evidence", "gap"]]
    )



def peer_gaps(benchmark: pd.DataFrame, top: int | None = None,
              lang: str = "ja") -> pd.DataFrame:
    """The features the focus lacks, commonest among peers first, with a plain sentence.

    Columns: rank, family, feature, label, text, n_peers_with, n_peers, peer_share,
    peer_evidence.
    """
    template = label("template", "gap", lang)
    gaps = (
        benchmark.loc[benchmark["gap"]]
        .sort_values(["peer_share", "n_peers_with"], ascending=False, kind="stable")
        .head(top)
        .reset_index(drop=True)
    )
    return (
        gaps.assign(rank=range(1, len(gaps) + 1),
                    text=[template.format(label=lab, n=n, total=t, share=f"{s:.0%}")
                          for lab, n, t, s in zip(gaps["label"], gaps["n_peers_with"],
                                                  gaps["n_peers"], gaps["peer_share"],
                                                  strict=True)])
        .loc[:, ["rank", "family", "feature", "label", "text", "n_peers_with", "n_peers",
                 "peer_share", "peer_evidence"]]
    )
