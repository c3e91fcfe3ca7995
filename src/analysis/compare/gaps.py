"""The gap table of one municipality and the peer examples behind each gap: what the
gap-review handout shows, and what the explorer computes in the page.

``gap_table`` gives one row per feature of the catalogue (``analysis.compare.features``):
whether the municipality's guidebook pages document it, how many of its peers' do, and —
for a feature the guidebook does not document — whether one of the municipality's
supplementary sources (the visit record, a steward's submission) does, by the same rules
run on the supplementary rows alone. The comparison itself stays on the guidebook basis
(``analysis.dataset.scope``): a supplementary fact marks a gap, it never closes one.

``peer_examples`` names, for one feature, the peers' programmes that evidence it: the
municipality, the programme, how often, for whom, its operator, one quote and its source.

Both work on the dataset they are given: pass ``scope.for_audience(dataset, "public")``
for partners, and no internal source is read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from fractions import Fraction

import pandas as pd

from analysis.compare.ages import COVERING_KINDS, MAIN_GROUP
from analysis.compare.coverage import consultation_channels
from analysis.compare.features import BY_KEY, municipality_features, theme_label
from analysis.compare.peers import (
    PeerChoice,
    PeerSpec,
    default_peer_group,
    peer_benchmark,
    peer_group,
)
from analysis.dataset.scope import (
    edition_dataset,
    edition_municipalities,
    supplementary_source_ids,
)
from analysis.dataset.tables import CODE, TIDY_TABLES, Dataset

# The status of a feature for the focus municipality (labels group ``gap_status``).
DOCUMENTED = "documented"  # its guidebook pages document it
GAP = "gap"  # not documented; at least one peer's pages document it
GAP_SUPPLEMENTARY = "gap_supplementary"  # a gap that a supplementary source documents
GAP_SUPPLEMENTARY_MAIN_GROUP = "gap_supplementary_main_group"  # … names as a main age group
NOT_AMONG_PEERS = "not_among_peers"  # neither the focus nor any peer documents it
GAP_STATUSES = (GAP, GAP_SUPPLEMENTARY, GAP_SUPPLEMENTARY_MAIN_GROUP)

GAP_COLUMNS = ["focus_code", "theme", "theme_label", "feature", "label", "status",
               "focus_has", "n_peers", "n_peers_with", "peer_share", "peer_codes_with",
               "focus_evidence", "peer_evidence", "supplementary_evidence",
               "supplementary_sources", "main_group_ages"]


def review_peers(dataset: Dataset, code: str, edition: str,
                 peer_spec: PeerSpec = None) -> PeerChoice:
    """The peer group of ``code``'s gap review among the municipalities ``edition``
    documents: ``peer_spec`` when given (``size``, ``area``, ``kind``, ``nearest``,
    ``all`` or a list of codes), else the default (size → area → all, at least 3 peers)."""
    documented = edition_municipalities(dataset, edition)
    if peer_spec is None or (isinstance(peer_spec, str) and peer_spec == ""):
        return default_peer_group(dataset.municipalities, code, documented)
    if not isinstance(peer_spec, str):
        peer_spec = list(peer_spec)
    return PeerChoice(peer_spec, peer_group(dataset.municipalities, code, peer_spec,
                                            documented))


def _supplementary_data(dataset: Dataset, code: str, edition: str) -> tuple[Dataset, list[str]]:
    """The focus's rows from its supplementary sources that are in ``dataset`` (none of an
    internal source after ``for_audience(…, "public")``), and those sources' ids."""
    present = set(dataset.sources["source_id"])
    ids = [s for s in supplementary_source_ids(dataset.sources, code, edition) if s in present]
    frames = {name: getattr(dataset, name).loc[
        lambda df: df["source_id"].isin(ids) & (df[CODE] == code)
        if CODE in df.columns else df["source_id"].isin(ids)] for name in TIDY_TABLES}
    return dataclasses.replace(dataset, **frames), ids


def _main_group_ages(data: Dataset, code: str) -> list[tuple[int, int, str]]:
    """The focus's main-group age statements: (start, end, service id)."""
    ages = data.target_ages
    kinds = ages["age_kind"] if "age_kind" in ages.columns else pd.Series("", ages.index)
    rows = ages.loc[(kinds == MAIN_GROUP) & (ages[CODE] == code)]
    return [(0 if pd.isna(low) else int(low), 80 if pd.isna(high) else int(high), sid)
            for low, high, sid in zip(rows["age_min"], rows["age_max"], rows["service_id"],
                                      strict=True)]


def _overlapping(feature: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    group = BY_KEY[feature].ages
    if group is None:
        return []
    return [s for s in spans if s[0] <= group.end and group.start <= s[1]]


def gap_table(dataset: Dataset, code: str, edition: str, peer_spec: PeerSpec = None,
              lang: str = "ja", features: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per feature, in the catalogue's theme order: the focus's status and the
    peers that document it — the rows of the gap-review handout.

    ``peer_spec``: see ``review_peers`` (None or "" for the default). ``n_peers`` is the
    denominator of every share; ``peer_codes_with`` lists the peers that document the
    feature (space-separated codes). ``status``: ``documented``, ``gap``,
    ``gap_supplementary`` (a supplementary source documents it, by the same rules),
    ``gap_supplementary_main_group`` (a supplementary source names these ages as the
    main group of a service, which is no coverage) or ``not_among_peers``.
    ``supplementary_sources``: the sources of ``supplementary_evidence``;
    ``main_group_ages``: the main group's ages, e.g. ``50-69``. ``features``: the
    edition's ``municipality_features`` when the caller has them (they take a second).

    Columns: ``GAP_COLUMNS``.
    """
    choice = review_peers(dataset, code, edition, peer_spec)
    data = edition_dataset(dataset, edition)
    if features is None:
        features = municipality_features(data)
    benchmark = peer_benchmark(features, data.municipalities, code, choice.codes, lang)
    peer_set = set(choice.codes)
    with_codes = (features.loc[features[CODE].isin(peer_set) & features["has"]]
                  .groupby("feature")[CODE].agg(lambda c: " ".join(sorted(c))))

    supplementary, supplementary_ids = _supplementary_data(dataset, code, edition)
    extra = (municipality_features(supplementary).set_index("feature")
             if supplementary_ids else pd.DataFrame(columns=["has", "evidence"]))
    main_groups = _main_group_ages(supplementary, code) if supplementary_ids else []
    source_of = _source_of_rows(supplementary)

    rows = []
    for row in benchmark.itertuples(index=False):
        found = bool(row.feature in extra.index and extra.loc[row.feature, "has"])
        overlapping = [] if found else _overlapping(row.feature, main_groups)
        status = _status(bool(row.focus_has), int(row.n_peers_with), found, bool(overlapping))
        evidence = ""
        if status == GAP_SUPPLEMENTARY:
            evidence = extra.loc[row.feature, "evidence"]
        elif status == GAP_SUPPLEMENTARY_MAIN_GROUP:
            evidence = " ".join(sorted({sid for _, _, sid in overlapping}))
        rows.append({
            "focus_code": code, "theme": row.family,
            "theme_label": theme_label(row.family, lang), "feature": row.feature,
            "label": row.label, "status": status, "focus_has": bool(row.focus_has),
            "n_peers": int(row.n_peers), "n_peers_with": int(row.n_peers_with),
            "peer_share": row.peer_share, "peer_codes_with": with_codes.get(row.feature, ""),
            "focus_evidence": row.focus_evidence, "peer_evidence": row.peer_evidence,
            "supplementary_evidence": evidence,
            "supplementary_sources": " ".join(sorted(
                {source_of[i] for i in evidence.split() if i in source_of})),
            "main_group_ages": " ".join(f"{lo}-{hi}" for lo, hi, _ in overlapping)
            if status == GAP_SUPPLEMENTARY_MAIN_GROUP else "",
        })
    return pd.DataFrame(rows, columns=GAP_COLUMNS).astype(
        {"focus_has": bool, "n_peers": int, "n_peers_with": int, "peer_share": "Float64"})


def _status(focus_has: bool, n_peers_with: int, supplementary: bool,
            main_group: bool) -> str:
    if focus_has:
        return DOCUMENTED
    if n_peers_with == 0:
        return NOT_AMONG_PEERS
    if supplementary:
        return GAP_SUPPLEMENTARY
    return GAP_SUPPLEMENTARY_MAIN_GROUP if main_group else GAP


def _source_of_rows(data: Dataset) -> dict[str, str]:
    """Row id → source id, for the id columns features cite."""
    found: dict[str, str] = {}
    for table, id_column in (("services", "service_id"), ("meetings", "meeting_id"),
                             ("network_bodies", "body_id"), ("milestones", "milestone_id")):
        frame = getattr(data, table)
        found.update(zip(frame[id_column], frame["source_id"], strict=True))
    return found


# --- Peer examples -----------------------------------------------------------------

EXAMPLE_COLUMNS = [CODE, "row_id", "table", "entity_key", "name", "quote", "source_id",
                   "frequency_text", "age_text", "operator_type", "operator_name", "in_group"]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _first_by(frame: pd.DataFrame, key: str, value: str) -> dict[str, str]:
    """``key`` → the first non-empty ``value`` of the rows with that key."""
    found: dict[str, str] = {}
    for k, v in zip(frame[key], frame[value], strict=True):
        if _text(v).strip() and k not in found:
            found[k] = v
    return found


def feature_rows(data: Dataset, feature: str, evidence_ids: Sequence[str]) -> pd.DataFrame:
    """The rows behind ``evidence_ids`` of ``feature``, each with the quote that states
    the feature — a channel's own quote for a way to consult, the age statement for an
    age group, else the row's quote — and the frequency, ages and operator of its
    programme. Ids that are no row of ``data`` are skipped.

    Columns: ``EXAMPLE_COLUMNS`` but ``in_group``.
    """
    spec = BY_KEY[feature]
    ages = data.target_ages
    covering = ages.loc[ages["age_kind"].isin(COVERING_KINDS)] if "age_kind" in ages else ages
    if spec.all_ages:
        covering = covering.loc[covering["age_kind"] == "all_ages"]
    channels = consultation_channels(data.channels)
    channels = channels.loc[channels["channel"] == feature]
    body_meetings = data.meeting_bodies.loc[:, ["meeting_id", "body_id"]].merge(
        data.meetings.loc[:, ["meeting_id", "frequency_text"]], on="meeting_id")
    facts = {table: getattr(data, table).set_index(id_column).to_dict("index")
             for table, id_column in (("services", "service_id"), ("meetings", "meeting_id"),
                                      ("network_bodies", "body_id"),
                                      ("milestones", "milestone_id"))}
    services = facts["services"]
    channel_quote = _first_by(channels, "service_id", "quote")
    age_quote = _first_by(covering, "service_id", "quote")
    age_text = _first_by(covering, "service_id", "age_text")
    service_frequency = _first_by(data.meetings, "service_id", "frequency_text")
    body_frequency = _first_by(body_meetings, "body_id", "frequency_text")
    is_age = spec.ages is not None or spec.all_ages
    rows = []
    for row_id in evidence_ids:
        table = next((t for t, rows_of in facts.items() if row_id in rows_of), None)
        if table is None:
            continue
        fact = facts[table][row_id]
        service_id = row_id if table == "services" else _text(fact.get("service_id"))
        quote = fact["quote"]
        if spec.theme == "entry" and table == "services":
            quote = channel_quote.get(row_id, quote)
        if is_age:
            quote = age_quote.get(service_id, quote)
        frequency = {"meetings": _text(fact.get("frequency_text")),
                     "network_bodies": body_frequency.get(row_id, ""),
                     "milestones": _text(fact.get("date_text"))}.get(
                         table, service_frequency.get(service_id, ""))
        operator = services.get(service_id, {})
        rows.append({
            CODE: fact[CODE], "row_id": row_id, "table": table,
            "entity_key": _text(fact.get("entity_key")) or row_id,
            "name": fact["title"] if table == "milestones" else fact["name"],
            "quote": quote, "source_id": fact["source_id"],
            "frequency_text": frequency, "age_text": age_text.get(service_id, ""),
            "operator_type": _text(operator.get("operator_type")),
            "operator_name": _text(operator.get("operator_name")),
        })
    return pd.DataFrame(rows, columns=EXAMPLE_COLUMNS[:-1])


def _closeness(population: dict[str, int], focus: str, code: str) -> Fraction | float:
    """How far apart two populations are, as a ratio (1 = equal); unknown: last."""
    if focus not in population or code not in population:
        return float("inf")
    a, b = population[focus], population[code]
    return Fraction(max(a, b), max(min(a, b), 1))


def peer_examples(dataset: Dataset, code: str, edition: str, feature: str,
                  peers: Sequence[str], limit: int = 3,
                  features: pd.DataFrame | None = None,
                  exclude: Collection[str] = ()) -> pd.DataFrame:
    """Up to ``limit`` programmes of other municipalities whose guidebook pages document
    ``feature``, one per municipality: peers of the group first, then the other
    documented municipalities; within each, nearest in population first, then by code.
    Of one municipality's rows, the one that says most (a quote naming the programme, a
    stated frequency and ages, a named operator) is chosen, then the first by row id.

    ``exclude``: entity keys already shown (an example of another gap): a municipality
    whose every row is one of them comes after the others of its tier (peers, others).
    ``features``: the edition's ``municipality_features``, if the caller has them.

    Columns: ``EXAMPLE_COLUMNS`` (``in_group``: the municipality is a peer of the group).
    """
    data = edition_dataset(dataset, edition)
    if features is None:
        features = municipality_features(data)
    having = features.loc[(features["feature"] == feature) & features["has"]
                          & (features[CODE] != code)]
    municipalities = dataset.municipalities
    population = ({c: int(p) for c, p in zip(municipalities[CODE], municipalities["population"],
                                            strict=True) if pd.notna(p)}
                  if "population" in municipalities.columns else {})
    peer_set = set(peers)
    order = sorted(having[CODE], key=lambda c: (c not in peer_set,
                                                 _closeness(population, code, c), c))
    every = feature_rows(data, feature, sorted(" ".join(having["evidence"]).split()))
    shown = set(exclude)
    candidates = []  # (outside the group, only repeats, position, row)
    for position, other in enumerate(order):
        rows = every.loc[every[CODE] == other]
        if rows.empty:
            continue
        new = rows.loc[~rows["entity_key"].isin(shown)]
        best = _most_telling(new if len(new) else rows)
        candidates.append((other not in peer_set, new.empty, position,
                           {**best, "in_group": other in peer_set}))
    chosen = [row for *_, row in sorted(candidates, key=lambda c: c[:3])[:limit]]
    return pd.DataFrame(chosen, columns=EXAMPLE_COLUMNS)


def _compact(text: str) -> str:
    return "".join(text.split())


def _most_telling(rows: pd.DataFrame) -> dict:
    """The row that says most — a quote that names the programme, a stated frequency,
    ages, operator; a quote that is a postal address (〒) says less — then the first id."""
    names_it = [_compact(name) in _compact(quote)
                for name, quote in zip(rows["name"], rows["quote"], strict=True)]
    said = (pd.Series(names_it, index=rows.index, dtype=int)
            + (rows["frequency_text"] != "").astype(int) + (rows["age_text"] != "").astype(int)
            + (rows["operator_name"] != "").astype(int)
            - rows["quote"].str.contains("〒", regex=False).astype(int))
    return rows.assign(said=said).sort_values(
        ["said", "row_id"], ascending=[False, True], kind="stable").iloc[0].drop(
        "said").to_dict()
