"""Consultation channels: which municipality can be reached how."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.compare.coverage import feature_grid
from analysis.compare.evidence import in_label_order, with_entity, with_names
from analysis.dataset.tables import CODE


def channel_coverage(channels: pd.DataFrame, municipalities: pd.DataFrame,
                     services: pd.DataFrame | None = None,
                     peers: Sequence[str] | None = None) -> pd.DataFrame:
    """Municipality × channel: whether any service offers it, how many, and the evidence.

    Rows: the municipalities in ``channels`` (and in ``services``, when given: a
    municipality whose services state no channel is a row of ``offered`` False). Channel
    columns: the channels seen in ``channels``, in the curation guide's order.
    ``n_services`` counts entities (pass ``services`` so that a service stated in two
    sources of one edition counts once). ``prevalence``: the share of the peers
    (``peers``, default every row municipality) offering the channel; ``n_peers`` its
    denominator.

    Columns: municipality_code, name, name_en, channel, offered, n_services, prevalence,
    n_peers, evidence.
    """
    universe = set(channels[CODE])
    if services is not None:
        universe |= set(services[CODE])
    found = (channels.pipe(with_entity, services)
             .rename(columns={"channel": "feature", "service_id": "row_id"}))
    return (
        feature_grid(found, sorted(universe), in_label_order(channels["channel"], "channel"), peers)
        .rename(columns={"feature": "channel", "has": "offered", "n": "n_services"})
        .pipe(with_names, municipalities)
        .loc[:, [CODE, "name", "name_en", "channel", "offered", "n_services", "prevalence",
                 "n_peers", "evidence"]]
    )
