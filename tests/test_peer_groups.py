"""Peer groups of every municipality at once (``compare.peers.peer_groups`` and
``default_peer_groups``), held equal to the one-focus functions on the shipped data and on
synthetic populations full of ties; peer groups and the default's reason in words."""

from __future__ import annotations

import random
import re

import pandas as pd
import pytest

from analysis.compare.peers import (
    PEER_KINDS,
    PeerChoice,
    default_peer_group,
    default_peer_groups,
    peer_choice_reason,
    peer_group,
    peer_group_name,
    peer_groups,
)
from analysis.dataset.scope import edition_municipalities
from analysis.dataset.tables import CODE, load_dataset


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def synthetic_table(seed: int, n: int = 120) -> pd.DataFrame:
    """Municipalities with many equal populations (ties by ratio and code), a zero, some
    missing populations and bands, in shuffled order."""
    rng = random.Random(seed)
    populations = [rng.choice([0, 500, 1_000, 2_000, 2_000, 4_000, 8_000, 8_000, 16_000])
                   for _ in range(n)]
    rows = []
    for i, population in enumerate(populations):
        rows.append({CODE: f"{100_000 + i * 7:06d}",
                     "area": rng.choice(["ku", "tama", "islands", ""]),
                     "kind": rng.choice(["city", "town", "village"]),
                     "size_band": rng.choice(["a", "b", "c", None]),
                     "population": None if rng.random() < 0.05 else population})
    rng.shuffle(rows)
    return pd.DataFrame(rows).astype({"population": "Int64"})


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", PEER_KINDS)
def test_every_focus_at_once_equals_one_at_a_time(seed: int, kind: str) -> None:
    table = synthetic_table(seed)
    codes = list(table[CODE])
    candidates = random.Random(seed).sample(codes, 80)
    for k in (1, 3, 5):
        batch = peer_groups(table, kind, candidates, codes, k=k)
        assert batch == {focus: peer_group(table, focus, kind, candidates, k=k)
                         for focus in codes}, (kind, k)


@pytest.mark.parametrize("kind", PEER_KINDS)
def test_shipped_groups_equal_peer_group(dataset, kind: str) -> None:
    documented = edition_municipalities(dataset, "fy2024")
    batch = peer_groups(dataset.municipalities, kind, documented)
    assert list(batch) == documented
    assert batch == {c: peer_group(dataset.municipalities, c, kind, documented)
                     for c in documented}


def test_default_groups_equal_default_peer_group(dataset) -> None:
    documented = edition_municipalities(dataset, "fy2024")
    batch = default_peer_groups(dataset.municipalities, documented)
    assert batch == {c: default_peer_group(dataset.municipalities, c, documented)
                     for c in documented}
    table = synthetic_table(5)
    candidates = list(table[CODE])[::2]
    assert default_peer_groups(table, candidates) == {
        c: default_peer_group(table, c, candidates) for c in candidates}


def test_unknown_kind_or_focus_is_refused(dataset) -> None:
    with pytest.raises(ValueError, match="peers must be one of"):
        peer_groups(dataset.municipalities, "prefecture")
    with pytest.raises(KeyError, match="999999"):
        peer_groups(dataset.municipalities, "area", focuses=["999999"])


def test_group_names_are_plain_words_and_the_size_group_names_its_band(dataset) -> None:
    table = dataset.municipalities
    assert peer_group_name(table, "132080", "size") == "同じ人口規模の区分（一般市（15万人以上））"
    assert peer_group_name(table, "132080", "size", "en") == (
        "municipalities of the same size band (City, 150,000 and over)")
    assert peer_group_name(table, "132080", "nearest") == "人口の近い区市町村（近い順に5）"
    assert peer_group_name(table, "132080", "all") == "掲載された全区市町村"
    assert peer_group_name(table, "132080", ["131016"]) == "指定した区市町村"
    for spec in PEER_KINDS:  # never a raw key: Japanese words, English sentences
        assert not re.search("[A-Za-z{}]", peer_group_name(table, "133612", spec)), spec
        english = peer_group_name(table, "133612", spec, "en")
        assert english != spec and " " in english and "{" not in english, spec


def test_the_default_says_why_in_words(dataset) -> None:
    table = dataset.municipalities
    documented = edition_municipalities(dataset, "fy2024")
    oshima = default_peer_group(table, "133612", documented)
    assert oshima.spec == "all"
    assert peer_choice_reason(table, "133612", oshima) == (
        "同じ人口規模の区分（町村（5千人以上1万人未満））では0区市町村・同じ地域の区市町村では"
        "0区市町村と、掲載された比較対象が3未満のため、既定ではこの区分まで広げています。")
    ward = default_peer_group(table, "131041", documented)
    assert peer_choice_reason(table, "131041", ward, "en") == (
        "The default: the most specific group with at least 3 documented peers.")
    assert "2" in peer_choice_reason(table, "132080",
                                     PeerChoice("area", [], (("size", 2),)), "en")
