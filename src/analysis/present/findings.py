"""The report's first page: a briefing a policy officer can quote.

What the edition covers (n of Tokyo's municipalities, their residents, per area), a few
findings that each carry their denominator, and the caveats that govern every number.
Every sentence is computed from the same tables as the comparison views (the denominator
of a finding is the edition's documented municipalities, as in the charts), and every
word is a template of ``labels.csv`` (groups ``finding`` and ``caveat``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.compare.ages import age_coverage, age_coverage_summary
from analysis.compare.bodies import network_body_summary
from analysis.compare.changes import CHANGE_KINDS, edition_changes
from analysis.compare.channels import channel_coverage
from analysis.compare.context import documentation_coverage, documentation_summary
from analysis.compare.evidence import join_ids, names_frame
from analysis.compare.menus import national_menu_coverage
from analysis.core.formats import format_number, is_missing
from analysis.core.labels import label, labels
from analysis.dataset.population import HIKIKOMORI_SURVEY, estimate_text
from analysis.dataset.scope import documented_municipalities, edition_dataset
from analysis.dataset.tables import CODE, Dataset
from analysis.present.view import View, edition_label, labelled

TOKYO = "13"  # prefecture code: the scope sentence names Tokyo when all are in it
FINDING_COLUMNS = ["section", "finding", "text", "evidence"]


@dataclass(frozen=True)
class Briefing:
    """The first page: a heading, the coverage table (as printed and as data), the
    findings and the caveats (``findings``: one row each, ``section`` finding|caveat)."""

    title: str
    lead: str
    coverage: View
    findings: pd.DataFrame


def _row(section: str, key: str, lang: str, evidence: Iterable[object] = (),
         **values: object) -> dict:
    group = "finding" if section == "finding" else "caveat"
    return {"section": section, "finding": key,
            "text": label(group, key, lang).format(**values), "evidence": join_ids(evidence)}


def _names(frame: pd.DataFrame, lang: str) -> pd.Series:
    return names_frame(frame).set_index(CODE)["name" if lang == "ja" else "name_en"]


def _range(values: pd.Series, lang: str) -> str:
    """「3〜64」, or one number when all are equal."""
    low, high = format_number(values.min()), format_number(values.max())
    return low if low == high else label("template", "range", lang).format(low=low, high=high)


def _share(value: object) -> str:
    return "—" if is_missing(value) else f"{float(value):.0%}"


# ------------------------------------------------------------------ findings

def _scope_finding(dataset: Dataset, data: Dataset, edition: str, codes: Sequence[str],
                   lang: str) -> list[dict]:
    coverage = documentation_coverage(dataset.municipalities, codes)
    total = coverage.iloc[-1]
    tokyo = (dataset.municipalities["prefecture_code"] == TOKYO).all()
    universe = label("template", "tokyo_universe", lang) if tokyo else ""
    key = "scope_no_population" if is_missing(total["share_documented"]) else "scope"
    return [_row("finding", key, lang, data.services["service_id"],
                 universe=universe, universe_en=universe,
                 edition=edition_label(edition, lang), n=int(total["n_documented"]),
                 total=int(total["n_municipalities"]),
                 share=_share(total["share_documented"]),
                 n_services=data.services["entity_key"].nunique())]


def _size_finding(data: Dataset, codes: Sequence[str], lang: str) -> list[dict]:
    """The range of per-capita documentation and of estimated need per window, named at
    both ends: what a raw count of services hides."""
    summary = documentation_summary(data, codes)
    per_capita = summary.dropna(subset=["n_services_per_100k"])
    windows = summary.dropna(subset=["need_per_window"])
    if len(per_capita) < 2 or len(windows) < 2:
        return []
    names = _names(data.municipalities, lang)
    low, high = (per_capita.sort_values(["n_services_per_100k", CODE]).iloc[i] for i in (0, -1))
    fewest, most = (windows.sort_values(["need_per_window", CODE]).iloc[i] for i in (0, -1))
    return [_row("finding", "size", lang, summary["evidence"],
                 high_name=names[high[CODE]], high=format_number(high["n_services_per_100k"]),
                 low_name=names[low[CODE]], low=format_number(low["n_services_per_100k"]),
                 n_windows=len(windows), total=len(summary),
                 most_name=names[most[CODE]],
                 most=estimate_text(float(most["need_per_window"]), lang),
                 fewest_name=names[fewest[CODE]],
                 fewest=estimate_text(float(fewest["need_per_window"]), lang))]


def _ranked_finding(key: str, coverage: pd.DataFrame, feature: str, has: str, group: str,
                    lang: str) -> list[dict]:
    """The commonest and the rarest feature some municipality has, and those none has,
    over every documented municipality (the grid's rows)."""
    if coverage.empty:
        return []
    order = {k: i for i, k in enumerate(labels(group))}
    shares = (coverage.groupby(feature, as_index=False)
              .agg(n=(has, "sum"), total=(CODE, "nunique"), evidence=("evidence", join_ids))
              .assign(order=lambda df: df[feature].map(order))
              .sort_values(["n", "order"], ascending=[False, True], ignore_index=True))
    present = shares.loc[shares["n"] > 0]
    if present.empty:
        return []
    names = labels(group, lang)
    sep = label("template", "list_separator", lang)

    def tied(n: int) -> tuple[str, list[str]]:
        """Every feature with ``n``: a tie is named whole, never cut to its first."""
        rows = present.loc[present["n"] == n]
        quoted = "「{}」" if lang == "ja" else "{}"
        return (sep.join(quoted.format(names.get(f, f)) for f in rows[feature]),
                list(rows["evidence"]))

    top_n, bottom_n = int(present["n"].iloc[0]), int(present["n"].iloc[-1])
    (top, top_evidence), (bottom, bottom_evidence) = tied(top_n), tied(bottom_n)
    none = sep.join(names.get(f, f) for f in shares.loc[shares["n"] == 0, feature])
    return [_row("finding", key, lang, [*top_evidence, *bottom_evidence],
                 top=top, top_n=top_n, bottom=bottom, bottom_n=bottom_n,
                 total=int(present["total"].iloc[0]),
                 none=none or label("template", "none_documented", lang))]


# The ages the estimate of need counts (15–64): the finding names the band of these that
# the fewest municipalities serve, not a band of children outside hikikomori support.
NEED_AGES = (15, 64)


def _age_finding(data: Dataset, codes: Sequence[str], lang: str) -> list[dict]:
    summary = age_coverage_summary(age_coverage(data.target_ages, data.municipalities,
                                                data.services, codes))
    summary = summary.loc[(summary["n_municipalities"] > 0)
                          & (summary["start"] >= NEED_AGES[0])
                          & (summary["end"] <= NEED_AGES[1])]
    if summary.empty:
        return []
    lowest = summary.sort_values(["n_covered", "start"], kind="stable").iloc[0]
    # the rest of the denominator, each part named, so that the counts add up to it
    parts = [label("finding_age_part", key, lang).format(n=int(lowest[key]))
             for key in ("n_partial", "n_main_group", "n_uncovered", "n_no_data")
             if int(lowest[key])]
    sep = label("template", "list_separator", lang)
    others = (label("finding_age_part", "others", lang).format(parts=sep.join(parts))
              if parts else "")
    return [_row("finding", "ages", lang, [lowest["evidence"]],
                 band=label("age_band", lowest["band"], lang),
                 n=int(lowest["n_covered"]), total=int(lowest["n_municipalities"]),
                 others=others)]


def _network_finding(data: Dataset, codes: Sequence[str], lang: str) -> list[dict]:
    bodies = network_body_summary(data.network_bodies, data.network_body_members,
                                  data.municipalities, codes)
    with_body = bodies.loc[bodies["n_bodies"] > 0]
    summary = documentation_summary(data, codes)
    per_year = summary["network_meetings_per_year"].dropna().astype(float)
    if with_body.empty:
        return []
    return [_row("finding", "network", lang, with_body["evidence"],
                 n=len(with_body), total=len(codes), n_stated=len(per_year),
                 times=_range(per_year, lang) if len(per_year) else "—")]


def _change_finding(dataset: Dataset, previous: str | None, edition: str,
                    lang: str) -> list[dict]:
    if previous is None or previous not in set(dataset.sources["edition"]):
        return []
    changes = edition_changes(dataset, previous, edition)
    counts = changes["change"].value_counts()
    both = len(set(documented_municipalities(edition_dataset(dataset, previous)))
               & set(documented_municipalities(edition_dataset(dataset, edition))))
    return [_row("finding", "changes", lang, changes["evidence"],
                 previous=edition_label(previous, lang), n_both=both,
                 **{kind: int(counts.get(kind, 0)) for kind in CHANGE_KINDS})]


def _caveats(dataset: Dataset, codes: Sequence[str], lang: str) -> list[dict]:
    coverage = documentation_coverage(dataset.municipalities, codes)
    missing = dataset.municipalities.loc[~dataset.municipalities[CODE].isin(set(codes))]
    names = _names(missing, lang).sort_index()
    sep = label("template", "list_separator", lang)
    method = label("method", "title", lang)
    rows = [_row("caveat", key, lang, method=method)
            for key in ("not_documented", "basis", "rules")]
    if "population" in missing.columns and dataset.municipalities["population"].notna().any():
        rows.insert(1, _row("caveat", "estimate", lang, survey=HIKIKOMORI_SURVEY))
    if len(names):
        rows.append(_row("caveat", "not_covered", lang, n=len(names),
                         total=int(coverage.iloc[-1]["n_municipalities"]),
                         names=sep.join(names)))
    return rows


def summary_findings(dataset: Dataset, edition: str = "fy2024", previous: str | None = None,
                     lang: str = "ja") -> pd.DataFrame:
    """The briefing's sentences for ``edition`` (and its changes since ``previous``):
    the findings, then the caveats. Columns: section, finding, text, evidence."""
    data = edition_dataset(dataset, edition)
    codes = documented_municipalities(data)
    builders: list[Callable[[], list[dict]]] = [
        lambda: _scope_finding(dataset, data, edition, codes, lang),
        lambda: _size_finding(data, codes, lang),
        lambda: _ranked_finding("channels", channel_coverage(data), "channel", "offered",
                                "channel", lang),
        lambda: _age_finding(data, codes, lang),
        lambda: _network_finding(data, codes, lang),
        lambda: _ranked_finding("menus", national_menu_coverage(data), "national_menu",
                                "runs", "national_menu", lang),
        lambda: _change_finding(dataset, previous, edition, lang),
        lambda: _caveats(dataset, codes, lang),
    ]
    rows = [row for build in builders for row in build()]
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


# ------------------------------------------------------------------ coverage table

def coverage_display(coverage: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The coverage table as printed: one row per area and the total."""
    areas = labels("area", lang)
    shown = coverage.rename(columns={"n_municipalities": "n_in_area"}).assign(
        area=[areas.get(a, a) if a else label("template", "total", lang)
              for a in coverage["area"]],
        share_documented=[_share(v) for v in coverage["share_documented"]])
    return labelled(shown, ["area", "n_in_area", "n_documented", "population",
                            "population_documented", "share_documented"], lang)


def briefing(dataset: Dataset, edition: str, previous: str | None = None,
             lang: str = "ja") -> Briefing:
    """The report's first page (see the module's docstring)."""
    data = edition_dataset(dataset, edition)
    codes = documented_municipalities(data)
    coverage = documentation_coverage(dataset.municipalities, codes)
    view = View("documentation_coverage", label("view", "documentation_coverage_title", lang),
                label("view", "documentation_coverage_lead", lang), coverage, None,
                label("view", "documentation_coverage_sources", lang),
                coverage_display(coverage, lang))
    return Briefing(label("view", "findings_title", lang),
                    label("view", "findings_lead", lang).format(
                        edition=edition_label(edition, lang)),
                    view, summary_findings(dataset, edition, previous, lang))
