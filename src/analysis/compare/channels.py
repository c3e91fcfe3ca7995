"""Consultation channels: which municipality can be reached how.

Only ways to consult count (``analysis.compare.coverage.consultation_channels``), over
every municipality the edition documents. A home visit is also evidenced by an outreach
programme, a mobile consultation also by a consultation day (出張相談会, 個別相談会): the
same idea, whichever way the source records it. ``channel_rules`` is the one rule: the
comparison's channel grid and the gap review's 相談の入口・経路 lines both use it, with
the same denominator.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.compare.coverage import Rule, evidence_rows, feature_grid
from analysis.compare.evidence import with_names
from analysis.core.labels import labels
from analysis.dataset.scope import documented_municipalities
from analysis.dataset.tables import CODE, Dataset


def channels() -> list[str]:
    """Every consultation channel, in the curation guide's order."""
    return list(labels("channel"))


# Other facts that evidence a channel (the same idea recorded as a programme or meeting).
ALSO_EVIDENCED_BY: dict[str, tuple[Rule, ...]] = {
    "home_visit": (Rule.of("services", "category", "outreach"),),
    "mobile_consultation": (Rule.of("services", "category", "consultation_event"),
                            Rule.of("meetings", "kind", "consultation_event")),
}


def channel_rules(channel: str) -> tuple[Rule, ...]:
    """Every rule that evidences ``channel``: a consultation channel of that kind, and the
    facts of ``ALSO_EVIDENCED_BY``."""
    return (Rule.of("channels", "channel", channel), *ALSO_EVIDENCED_BY.get(channel, ()))


def channel_coverage(data: Dataset, peers: Sequence[str] | None = None) -> pd.DataFrame:
    """Documented municipality × channel: whether a service of it can be consulted that
    way, through how many services, the evidence, and the channel's prevalence among the
    peers (default every documented municipality; ``n_peers`` is the denominator).

    Columns: municipality_code, name, name_en, channel, offered, n_services, prevalence,
    n_peers, evidence.
    """
    found = pd.concat([evidence_rows(data, channel_rules(c)).assign(feature=c)
                       for c in channels()], ignore_index=True)
    return (
        feature_grid(found, documented_municipalities(data), channels(), peers)
        .rename(columns={"feature": "channel", "has": "offered", "n": "n_services"})
        .pipe(with_names, data.municipalities)
        .loc[:, [CODE, "name", "name_en", "channel", "offered", "n_services", "prevalence",
                 "n_peers", "evidence"]]
    )
