"""Peer groups and the comparison of one municipality with its peers.

A peer group is chosen among the municipalities an edition documents (``candidates``):

- ``size``: the same size band, modelled on the population classes of 総務省's
  類似団体 (``analysis.dataset.population.size_band``; not the official classification);
- ``area``: the same area (区部, 多摩地域, 島しょ部);
- ``kind``: the same kind (特別区, 市, 町, 村);
- ``nearest``: the ``NEAREST_K`` nearest in population (by ratio);
- ``all``: every documented municipality;
- or an explicit list of codes.

The default of a gap review (``default_peer_group``) is the most specific group with at
least ``MIN_PEERS`` documented peers, stepping out size → area → all, and says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.compare.evidence import join_ids, names_frame
from analysis.compare.features import THEMES, feature_label
from analysis.core.labels import label
from analysis.dataset.population import nearest_by_population
from analysis.dataset.tables import CODE

PeerSpec = str | Sequence[str] | None
PEER_KINDS = ("size", "area", "kind", "nearest", "all")
DEFAULT_STEPS = ("size", "area", "all")
MIN_PEERS = 3
NEAREST_K = 5


def _group_value(municipalities: pd.DataFrame, focus: str | None, column: str) -> object:
    match = municipalities.loc[municipalities[CODE] == focus, column]
    if match.empty:
        raise KeyError(f"focus {focus!r} is not in municipalities")
    return match.iloc[0]


def peer_group(municipalities: pd.DataFrame, focus: str | None = None,
               peers: PeerSpec = "all", candidates: Sequence[str] | None = None,
               k: int = NEAREST_K) -> list[str]:
    """Codes of a peer group among ``candidates`` (default: every municipality of the
    table), never including ``focus``; see the module's docstring for ``peers``. A group
    that needs a column the table lacks (``size_band``, ``population``) is empty."""
    pool = municipalities if candidates is None else municipalities.loc[
        municipalities[CODE].isin(set(candidates))]
    if peers is None or (isinstance(peers, str) and peers == "all"):
        codes = list(pool[CODE])
    elif isinstance(peers, str) and peers in ("area", "kind", "size"):
        column = "size_band" if peers == "size" else peers
        if column not in municipalities.columns:
            return []
        value = _group_value(municipalities, focus, column)
        codes = [] if pd.isna(value) or value == "" else list(
            pool.loc[pool[column] == value, CODE])
    elif isinstance(peers, str) and peers == "nearest":
        if "population" not in municipalities.columns:
            return []
        population = {code: int(p) for code, p in zip(
            municipalities[CODE], municipalities["population"], strict=True) if pd.notna(p)}
        if focus not in population:
            return []
        known = {c: population[c] for c in pool[CODE] if c in population}
        codes = nearest_by_population(focus, known | {focus: population[focus]}, k)
    elif isinstance(peers, str):
        raise ValueError(f"peers must be one of {', '.join(PEER_KINDS)} or a list of codes, "
                         f"not {peers!r}")
    else:
        codes = list(peers)
    return sorted(set(codes) - {focus})


@dataclass(frozen=True)
class PeerChoice:
    """The peer group a gap review uses: its key, its codes, and the groups tried before
    it with their sizes (why it stepped out)."""

    spec: PeerSpec
    codes: list[str]
    stepped_over: tuple[tuple[str, int], ...] = ()


def default_peer_group(municipalities: pd.DataFrame, focus: str,
                       candidates: Sequence[str]) -> PeerChoice:
    """The most specific of size → area → all with at least MIN_PEERS documented peers
    (``all`` whatever its size)."""
    tried: list[tuple[str, int]] = []
    for spec in DEFAULT_STEPS[:-1]:
        codes = peer_group(municipalities, focus, spec, candidates)
        if len(codes) >= MIN_PEERS:
            return PeerChoice(spec, codes, tuple(tried))
        tried.append((spec, len(codes)))
    last = DEFAULT_STEPS[-1]
    return PeerChoice(last, peer_group(municipalities, focus, last, candidates), tuple(tried))


def peer_benchmark(feature_frame: pd.DataFrame, municipalities: pd.DataFrame, focus: str,
                   peers: PeerSpec = "all", lang: str = "ja") -> pd.DataFrame:
    """For every feature, whether ``focus`` has it and the share of its peers that do.

    Peers: ``peer_group(municipalities, focus, peers)`` among the documented
    municipalities (those in ``feature_frame``); the focus is never its own peer.
    ``n_peers`` is the denominator of every share. ``gap``: the focus is not documented
    to have a feature at least one peer has.

    Columns: focus_code, focus_name, focus_name_en, peer_group (a kind or ``list``),
    family (the theme), feature, label, focus_has, focus_evidence, n_peers, n_peers_with,
    peer_share, peer_evidence, gap.
    """
    names = names_frame(municipalities).set_index(CODE)
    group = peers if isinstance(peers, str) else ("all" if peers is None else "list")
    documented = sorted(set(feature_frame[CODE]))
    peer_codes = set(peer_group(municipalities, focus, peers, documented))
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
    theme_rank = {theme: i for i, theme in enumerate(THEMES)}
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
                theme_rank=lambda df: df["family"].map(theme_rank),
                focus_code=focus, peer_group=group,
                focus_name=names["name"].get(focus, focus),
                focus_name_en=names["name_en"].get(focus, focus))
        .sort_values("theme_rank", kind="stable", ignore_index=True)
        .loc[:, ["focus_code", "focus_name", "focus_name_en", "peer_group", "family",
                 "feature", "label", "focus_has", "focus_evidence", "n_peers",
                 "n_peers_with", "peer_share", "peer_evidence", "gap"]]
    )


# ------------------------------------------------------------------ every focus at once

def peer_groups(municipalities: pd.DataFrame, peers: str,
                candidates: Sequence[str] | None = None,
                focuses: Sequence[str] | None = None,
                k: int = NEAREST_K) -> dict[str, list[str]]:
    """``peer_group(municipalities, focus, peers, candidates, k)`` for every focus (default:
    every candidate) in one pass over the table: the explorer and the build's plan need
    the groups of all municipalities (5,223 single calls took ~5 s at national scale).
    ``peers`` is one of ``PEER_KINDS``; held equal to ``peer_group`` by a test."""
    if peers not in PEER_KINDS:
        raise ValueError(f"peers must be one of {', '.join(PEER_KINDS)}, not {peers!r}")
    codes = list(municipalities[CODE])
    chosen = None if candidates is None else set(candidates)
    pool = codes if chosen is None else [c for c in codes if c in chosen]
    focuses = pool if focuses is None else list(focuses)
    unknown = sorted(set(focuses) - set(codes))
    if unknown:
        raise KeyError(f"focus {unknown[0]!r} is not in municipalities")
    if peers == "all":
        everyone = sorted(set(pool))
        return {focus: [c for c in everyone if c != focus] for focus in focuses}
    if peers == "nearest":
        return _nearest_groups(municipalities, pool, focuses, k)
    column = "size_band" if peers == "size" else peers
    if column not in municipalities.columns:
        return {focus: [] for focus in focuses}
    value_of = dict(zip(codes, municipalities[column], strict=True))
    members: dict[object, list[str]] = {}
    for code in sorted(set(pool)):
        value = value_of[code]
        if not (pd.isna(value) or value == ""):
            members.setdefault(value, []).append(code)
    found = {}
    for focus in focuses:
        value = value_of[focus]
        group = [] if pd.isna(value) or value == "" else members.get(value, [])
        found[focus] = [c for c in group if c != focus]
    return found


def _nearest_groups(municipalities: pd.DataFrame, pool: Sequence[str],
                    focuses: Sequence[str], k: int) -> dict[str, list[str]]:
    """The ``k`` nearest in population of every focus: a window around the focus's place
    in the pool sorted by population, ordered exactly as ``nearest_by_population`` orders
    (ratio, then code). The window holds the k nearest by position on each side plus
    every pool member of the same population as the window's last, so ties by code are
    decided as they are there."""
    import bisect

    from analysis.dataset.population import nearest_by_population

    if "population" not in municipalities.columns:
        return {focus: [] for focus in focuses}
    population = {code: int(p) for code, p in zip(
        municipalities[CODE], municipalities["population"], strict=True) if pd.notna(p)}
    ranked = sorted({c for c in pool if c in population}, key=lambda c: (population[c], c))
    values = [population[c] for c in ranked]
    found = {}
    for focus in focuses:
        if focus not in population:
            found[focus] = []
            continue
        own = population[focus]
        at = bisect.bisect_left(values, own)
        left, right = max(0, at - k - 1), min(len(ranked), at + k + 1)
        if own == 0:  # every populated place is infinitely far: ties by code, whole pool
            left, right = 0, len(ranked)
        while left > 0 and values[left - 1] == values[left]:
            left -= 1
        while right < len(ranked) and values[right] == values[right - 1]:
            right += 1
        window = {c: population[c] for c in ranked[left:right]}
        found[focus] = sorted(nearest_by_population(focus, window | {focus: own}, k))
    return found


def default_peer_groups(municipalities: pd.DataFrame, candidates: Sequence[str],
                        focuses: Sequence[str] | None = None) -> dict[str, PeerChoice]:
    """``default_peer_group`` of every focus (default: every candidate), from one pass per
    group kind; held equal to ``default_peer_group`` by a test."""
    focuses = list(candidates) if focuses is None else list(focuses)
    steps = {spec: peer_groups(municipalities, spec, candidates, focuses)
             for spec in DEFAULT_STEPS}
    chosen = {}
    for focus in focuses:
        tried: list[tuple[str, int]] = []
        for spec in DEFAULT_STEPS[:-1]:
            codes = steps[spec][focus]
            if len(codes) >= MIN_PEERS:
                chosen[focus] = PeerChoice(spec, codes, tuple(tried))
                break
            tried.append((spec, len(codes)))
        else:
            last = DEFAULT_STEPS[-1]
            chosen[focus] = PeerChoice(last, steps[last][focus], tuple(tried))
    return chosen


# ------------------------------------------------------------------ in words

def peer_group_name(municipalities: pd.DataFrame, focus: str, peers: PeerSpec,
                    lang: str = "ja") -> str:
    """A peer group in plain words (labels group ``peers``): the size group names the
    focus's band (「同じ人口規模の区分（一般市（15万人以上））」), the nearest group its size;
    a raw key never reaches a reader."""
    if peers is None:
        peers = "all"
    if not isinstance(peers, str):
        return label("peers", "list", lang)
    if peers == "size" and "size_band" in municipalities.columns:
        band = _group_value(municipalities, focus, "size_band")
        if not (pd.isna(band) or band == ""):
            return label("peers", "named", lang).format(
                group=label("peers", "size", lang), detail=label("size_band", band, lang))
    if peers == "nearest":
        return label("peers", "named", lang).format(
            group=label("peers", "nearest", lang),
            detail=label("peers", "nearest_detail", lang).format(k=NEAREST_K))
    return label("peers", peers, lang)


def peer_choice_reason(municipalities: pd.DataFrame, focus: str, choice: PeerChoice,
                       lang: str = "ja") -> str:
    """Why the default group is the one chosen, in words: the most specific group with at
    least ``MIN_PEERS`` documented peers, and the groups stepped over with their sizes."""
    if not choice.stepped_over:
        return label("peers", "default_reason_kept", lang).format(min=MIN_PEERS)
    separator = label("template", "list_separator", lang)
    steps = separator.join(
        label("peers", "stepped_item", lang).format(
            group=peer_group_name(municipalities, focus, spec, lang), n=n)
        for spec, n in choice.stepped_over)
    return label("peers", "default_reason_stepped", lang).format(steps=steps, min=MIN_PEERS)
