"""A handful of short sentences for the report's first page, computed from the data."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from analysis.compare.ages import age_coverage, age_coverage_summary
from analysis.compare.bodies import network_body_summary
from analysis.compare.changes import CHANGE_KINDS, edition_changes
from analysis.compare.channels import channel_coverage
from analysis.compare.evidence import join_ids, names_frame
from analysis.compare.features import municipality_features
from analysis.compare.meetings import meeting_frequencies
from analysis.compare.menus import national_menu_coverage
from analysis.compare.peers import PeerSpec, peer_benchmark, peer_gaps
from analysis.core.formats import format_number
from analysis.core.labels import label, labels
from analysis.dataset.scope import documented_municipalities, edition_dataset
from analysis.dataset.tables import CODE, Dataset


def _finding(key: str, lang: str, evidence: Iterable[object], **values: object) -> dict:
    return {"finding": key, "text": label("finding", key, lang).format(**values),
            "evidence": join_ids(evidence)}



def _name(municipalities: pd.DataFrame, code: str, lang: str) -> str:
    names = names_frame(municipalities).set_index(CODE)
    return names.at[code, "name" if lang == "ja" else "name_en"]



def _edition_label(edition: str, lang: str) -> str:
    return labels("edition", lang).get(edition, edition)



def _scope_finding(data: Dataset, edition: str, lang: str) -> list[dict]:
    services = data.services
    return [_finding("scope", lang, services["service_id"],
                     edition=_edition_label(edition, lang),
                     n_municipalities=len(documented_municipalities(data)),
                     n_services=services["entity_key"].nunique())]



def _ranked_finding(key: str, coverage: pd.DataFrame, feature: str, has: str, group: str,
                    lang: str) -> list[dict]:
    """Most and least common feature among the municipalities of a coverage grid."""
    if coverage.empty:
        return []
    order = {k: i for i, k in enumerate(labels(group))}
    shares = (coverage.groupby(feature, as_index=False)
              .agg(n=(has, "sum"), total=(CODE, "nunique"), evidence=("evidence", join_ids))
              .assign(order=lambda df: df[feature].map(order))
              .sort_values(["n", "order"], ascending=[False, True], ignore_index=True))
    top, bottom = shares.iloc[0], shares.iloc[-1]
    names = labels(group, lang)
    return [_finding(key, lang, [top["evidence"], bottom["evidence"]],
                     top=names.get(top[feature], top[feature]), top_n=int(top["n"]),
                     bottom=names.get(bottom[feature], bottom[feature]),
                     bottom_n=int(bottom["n"]), total=int(top["total"]))]



def _age_finding(data: Dataset, lang: str) -> list[dict]:
    summary = age_coverage_summary(age_coverage(data.target_ages, data.municipalities,
                                                data.services,
                                                documented_municipalities(data)))
    summary = summary.loc[summary["n_municipalities"] > 0]
    if summary.empty:
        return []
    lowest = summary.sort_values(["n_covered", "start"], kind="stable").iloc[0]
    key = "age_nobody" if lowest["n_covered"] == 0 else "age_fewest"
    return [_finding(key, lang, [lowest["evidence"]],
                     band=label("age_band", lowest["band"], lang),
                     n=int(lowest["n_covered"]), total=int(lowest["n_municipalities"]))]



def _meeting_finding(data: Dataset, lang: str) -> list[dict]:
    frequencies = meeting_frequencies(data.meetings, data.municipalities)
    if frequencies.empty:
        return []
    counts = frequencies["status"].value_counts()
    per_year = frequencies.loc[frequencies["status"] == "counted", "per_year"].astype(float)
    if per_year.empty:
        return []
    return [_finding("meetings", lang, frequencies["evidence"],
                     n_counted=len(per_year), low=format_number(per_year.min()),
                     high=format_number(per_year.max()),
                     median=format_number(round(per_year.median(), 1)),
                     n_irregular=int(counts.get("irregular", 0)),
                     n_unstated=int(counts.get("unstated", 0)
                                    + counts.get("regular_unquantified", 0)))]



def _body_finding(data: Dataset, lang: str) -> list[dict]:
    summary = network_body_summary(data.network_bodies, data.network_body_members,
                                   data.municipalities)
    if summary.empty:
        return []
    return [_finding("bodies", lang, summary["evidence"], n_municipalities=len(summary),
                     n_bodies=int(summary["n_bodies"].sum()),
                     total=len(documented_municipalities(data)))]



def _gap_finding(data: Dataset, focus: str | None, peers: PeerSpec,
                 lang: str) -> list[dict]:
    if focus is None:
        return []
    benchmark = peer_benchmark(municipality_features(data), data.municipalities, focus,
                               peers, lang)
    gaps = peer_gaps(benchmark, top=1, lang=lang)
    if gaps.empty:
        return []
    top = gaps.iloc[0]
    return [_finding("gap", lang, [top["peer_evidence"]],
                     focus=_name(data.municipalities, focus, lang), label=top["label"],
                     n=int(top["n_peers_with"]), total=int(top["n_peers"]))]



def _change_finding(dataset: Dataset, previous: str | None, edition: str,
                    lang: str) -> list[dict]:
    if previous is None or previous not in set(dataset.sources["edition"]):
        return []
    changes = edition_changes(dataset, previous, edition)
    counts = changes["change"].value_counts()
    return [_finding("changes", lang, changes["evidence"],
                     previous=_edition_label(previous, lang),
                     **{kind: int(counts.get(kind, 0)) for kind in CHANGE_KINDS})]



def summary_findings(dataset: Dataset, edition: str = "fy2024", previous: str | None = None,
                     focus: str | None = None, peers: PeerSpec = "all",
                     lang: str = "ja") -> pd.DataFrame:
    """A handful of short sentences for the report's first page, computed from the data
    of ``edition`` (and its changes since ``previous``; the biggest gap of ``focus``
    against ``peers``). Templates: ``labels.csv`` group ``finding``.

    Columns: finding, text, evidence.
    """
    data = edition_dataset(dataset, edition)
    builders: list[Callable[[], list[dict]]] = [
        lambda: _scope_finding(data, edition, lang),
        lambda: _ranked_finding("channels", channel_coverage(data), "channel", "offered",
                                "channel", lang),
        lambda: _age_finding(data, lang),
        lambda: _meeting_finding(data, lang),
        lambda: _ranked_finding("menus", national_menu_coverage(data), "national_menu",
                                "runs", "national_menu", lang),
        lambda: _body_finding(data, lang),
        lambda: _gap_finding(data, focus, peers, lang),
        lambda: _change_finding(dataset, previous, edition, lang),
    ]
    rows = [row for build in builders for row in build()]
    return pd.DataFrame(rows, columns=["finding", "text", "evidence"])
