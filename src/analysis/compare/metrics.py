"""Comparison metrics: pure functions from the tidy tables to tidy result frames.

Conventions shared by every function:

- Inputs are the typed frames of ``analysis.dataset.tables.load_dataset`` (or a ``Dataset``).
  Restrict them to one edition first (``rows_of_edition`` / ``edition_dataset``): a
  metric counts what its input holds.
- A fact stated by several sources of one edition (the fy2024 main file and the 武蔵野市
  flyer file) is counted once per ``entity_key``; channels and target ages, which carry
  only a ``service_id``, reach their entity through ``services``.
- "Has it" means "the source documents it". A municipality absent from the input is
  not in the result (nothing is known), never a row of zeros.
- Every result keeps the ids of the rows it came from in ``evidence`` (space-separated,
  sorted row ids; for channels and target ages the ``service_id`` of the row), so a
  report can cite the quotes behind any number.
- Results carry the municipality's ``name`` and ``name_en`` (romaji) so charts need no
  other table.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.core.labels import label, labels
from analysis.dataset.tables import TIDY_TABLES, Dataset

CODE = "municipality_code"
AGE_AXIS_MAX = 80  # the age axis runs 0–80; 80 stands for "80 and over"
AGE_BANDS: tuple[tuple[int, int], ...] = (
    (0, 14), (15, 17), (18, 29), (30, 39), (40, 49), (50, 64), (65, 79), (80, 80),
)
FREQUENCY_STATUSES = ("counted", "regular_unquantified", "irregular", "unstated")
FEATURE_FAMILIES = ("channel", "age_band", "meeting_kind", "body_kind", "national_menu",
                    "service_category")
# Catch-all values are not features: "has その他" says nothing a peer could learn from.
NOT_FEATURES = frozenset({"none", "other"})
CHANGE_KINDS = ("municipality_added", "municipality_removed", "added", "removed", "renamed",
                "discrepancy")
# entity table → (row id column, fields compared across editions)
CHANGE_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "services": ("service_id", ("established_year",)),
    "network_bodies": ("body_id", ("established_year", "member_count")),
    "meetings": ("meeting_id", ("per_year",)),
}
PeerSpec = str | Sequence[str] | None


# ---------------------------------------------------------------------------- helpers

def join_ids(values: Iterable[object]) -> str:
    """Sorted, de-duplicated, space-separated ids; already-joined evidence is split first."""
    ids = {part for value in values if isinstance(value, str) for part in value.split()}
    return " ".join(sorted(ids))


def evidence_ids(frame: pd.DataFrame) -> list[str]:
    """Every row id cited by a result frame (``evidence`` and any ``*_evidence`` column)."""
    columns = [c for c in frame.columns if c == "evidence" or c.endswith("_evidence")]
    return join_ids(value for c in columns for value in frame[c]).split()


def compact_ids(ids: Iterable[str]) -> str:
    """Row ids grouped by source and municipality for captions:
    ``fy2024_main-132039-{s01,s02} fy2022_part2-132039-m01``. Ids without that shape are
    kept as they are."""
    groups: dict[str, list[str]] = {}
    for row_id in sorted(set(ids)):
        prefix, _, suffix = row_id.rpartition("-")
        groups.setdefault(prefix, []).append(suffix)
    parts = []
    for prefix, suffixes in groups.items():
        if not prefix:
            parts += suffixes
        elif len(suffixes) == 1:
            parts.append(f"{prefix}-{suffixes[0]}")
        else:
            parts.append(f"{prefix}-{{{','.join(suffixes)}}}")
    return " ".join(parts)


def normalise_text(text: object) -> str:
    """NFKC, no whitespace, no 「」: how names are compared across editions."""
    if not isinstance(text, str):
        return ""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "「」『』")


def _format_value(value: object) -> str:
    """A fact as text: whole numbers without ``.0``, missing as empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _names(municipalities: pd.DataFrame) -> pd.DataFrame:
    romaji = (municipalities["name_romaji"] if "name_romaji" in municipalities
              else municipalities["name"])
    return pd.DataFrame({CODE: municipalities[CODE], "name": municipalities["name"],
                         "name_en": romaji}).drop_duplicates(CODE)


def with_names(frame: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Add ``name`` and ``name_en`` of each row's municipality (left join on the code)."""
    return frame.merge(_names(municipalities), how="left", on=CODE)


def _order(values: Iterable[str], group: str) -> list[str]:
    """Values in the label table's order (the curation guide's order); unknown ones last."""
    present = set(values)
    known = [key for key in labels(group) if key in present]
    return known + sorted(present - set(known))


def _with_entity(frame: pd.DataFrame, services: pd.DataFrame | None) -> pd.DataFrame:
    """Attach the service's ``entity_key``; without ``services`` each service id is its own
    entity (then a fact stated by two sources counts twice — pass ``services``)."""
    if services is None:
        return frame.assign(entity_key=frame["service_id"])
    keys = services.loc[:, ["service_id", "entity_key"]].drop_duplicates("service_id")
    merged = frame.drop(columns=["entity_key"], errors="ignore").merge(
        keys, how="left", on="service_id")
    # A service id missing from services (a dangling reference) still counts once.
    return merged.assign(entity_key=merged["entity_key"].fillna(merged["service_id"]))


# ----------------------------------------------------------------- editions and scope

def rows_of_edition(table: pd.DataFrame, sources: pd.DataFrame, edition: str) -> pd.DataFrame:
    """Rows whose source belongs to ``edition`` (e.g. fy2024: the main file and the flyers)."""
    source_ids = sources.loc[sources["edition"] == edition, "source_id"]
    return table.loc[table["source_id"].isin(source_ids)]


def edition_dataset(dataset: Dataset, edition: str,
                    extra_sources: Sequence[str] = ()) -> Dataset:
    """The dataset with every tidy table restricted to one edition's sources (plus
    ``extra_sources``, e.g. the visit record, which belongs to no edition)."""
    source_ids = set(dataset.sources.loc[dataset.sources["edition"] == edition, "source_id"])
    source_ids |= set(extra_sources)
    frames = {name: getattr(dataset, name).loc[
        lambda df: df["source_id"].isin(source_ids)] for name in TIDY_TABLES}
    return dataclasses.replace(dataset, **frames)


def documented_municipalities(dataset: Dataset) -> list[str]:
    """Codes of the municipalities with at least one row in any tidy table."""
    codes: set[str] = set()
    for name in TIDY_TABLES:
        frame = getattr(dataset, name)
        if CODE in frame:
            codes |= set(frame[CODE].dropna())
    return sorted(codes)


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


def edition_presence(dataset: Dataset, editions: Sequence[str] | None = None) -> pd.DataFrame:
    """Which editions document each municipality.

    Columns: municipality_code, name, name_en, editions (e.g. ``fy2022+fy2024``), evidence.
    """
    editions = editions or sorted(e for e in dataset.sources["edition"].unique() if e)
    edition_of = dataset.sources.set_index("source_id")["edition"]
    rows = pd.concat(
        [getattr(dataset, name).loc[:, [CODE, "source_id", id_column]]
         .rename(columns={id_column: "row_id"})
         for name, (id_column, _) in CHANGE_FIELDS.items()] +
        [dataset.milestones.loc[:, [CODE, "source_id", "milestone_id"]]
         .rename(columns={"milestone_id": "row_id"})],
        ignore_index=True,
    ).assign(edition=lambda df: df["source_id"].map(edition_of))
    return (
        rows.loc[rows["edition"].isin(editions)]
        .groupby(CODE, as_index=False)
        .agg(editions=("edition", lambda e: "+".join(sorted(set(e)))),
             evidence=("row_id", join_ids))
        .pipe(with_names, dataset.municipalities)
        .loc[:, [CODE, "name", "name_en", "editions", "evidence"]]
    )


def service_counts(services: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Services and windows per municipality, each entity counted once.

    Columns: municipality_code, name, name_en, n_services, evidence.
    """
    return (
        services.groupby(CODE, as_index=False)
        .agg(n_services=("entity_key", "nunique"), evidence=("service_id", join_ids))
        .pipe(with_names, municipalities)
        .loc[:, [CODE, "name", "name_en", "n_services", "evidence"]]
    )


# ------------------------------------------------------------------ feature coverage

def _coverage(found: pd.DataFrame, universe: Sequence[str], features: Sequence[str],
              peers: Sequence[str] | None) -> pd.DataFrame:
    """Municipality × feature grid from ``found`` (municipality_code, feature, entity_key,
    row_id): has, n (distinct entities), evidence, and the feature's prevalence among the
    peers in the universe (``peers`` None: the whole universe)."""
    counted = (
        found.groupby([CODE, "feature"], as_index=False)
        .agg(n=("entity_key", "nunique"), evidence=("row_id", join_ids))
    )
    grid = pd.DataFrame(
        [(code, feature) for code in universe for feature in features],
        columns=[CODE, "feature"], dtype=object,
    )
    peer_set = set(universe) if peers is None else set(peers) & set(universe)
    out = (
        grid.merge(counted, how="left", on=[CODE, "feature"])
        .assign(n=lambda df: df["n"].fillna(0).astype(int),
                evidence=lambda df: df["evidence"].fillna("").astype(object),
                has=lambda df: df["n"] > 0)
    )
    prevalence = (
        out.loc[out[CODE].isin(peer_set)]
        .groupby("feature", as_index=False)
        .agg(prevalence=("has", "mean"), n_peers=("has", "size"))
    )
    return (out.merge(prevalence, how="left", on="feature")
            .assign(n_peers=lambda df: df["n_peers"].fillna(0).astype(int)))


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
    found = (channels.pipe(_with_entity, services)
             .rename(columns={"channel": "feature", "service_id": "row_id"}))
    return (
        _coverage(found, sorted(universe), _order(channels["channel"], "channel"), peers)
        .rename(columns={"feature": "channel", "has": "offered", "n": "n_services"})
        .pipe(with_names, municipalities)
        .loc[:, [CODE, "name", "name_en", "channel", "offered", "n_services", "prevalence",
                 "n_peers", "evidence"]]
    )


def _service_feature_coverage(services: pd.DataFrame, municipalities: pd.DataFrame,
                              column: str, peers: Sequence[str] | None,
                              features: Sequence[str]) -> pd.DataFrame:
    found = services.rename(columns={column: "feature", "service_id": "row_id"})
    return (_coverage(found, sorted(set(services[CODE])), features, peers)
            .pipe(with_names, municipalities))


def national_menu_coverage(services: pd.DataFrame, municipalities: pd.DataFrame,
                           peers: Sequence[str] | None = None) -> pd.DataFrame:
    """Municipality × the eight menus of the national ひきこもりサポート事業
    (``services.national_menu``; ``none`` is not a menu): whether the municipality runs
    it, with how many services, and the menu's prevalence among the peers.

    Columns: municipality_code, name, name_en, national_menu, runs, n_services,
    prevalence, n_peers, evidence.
    """
    menus = [key for key in labels("national_menu") if key != "none"]
    return (
        _service_feature_coverage(services, municipalities, "national_menu", peers, menus)
        .rename(columns={"feature": "national_menu", "has": "runs", "n": "n_services"})
        .loc[:, [CODE, "name", "name_en", "national_menu", "runs", "n_services",
                 "prevalence", "n_peers", "evidence"]]
    )


def category_coverage(services: pd.DataFrame, municipalities: pd.DataFrame,
                      peers: Sequence[str] | None = None) -> pd.DataFrame:
    """Municipality × programme category (``services.category``), like
    ``national_menu_coverage``.

    Columns: municipality_code, name, name_en, category, has, n_services, prevalence,
    n_peers, evidence.
    """
    categories = list(labels("service_category"))
    return (
        _service_feature_coverage(services, municipalities, "category", peers, categories)
        .rename(columns={"feature": "category", "n": "n_services"})
        .loc[:, [CODE, "name", "name_en", "category", "has", "n_services", "prevalence",
                 "n_peers", "evidence"]]
    )


def designations(services: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Designations the sources state (ひきこもり地域支援センター, 重層的支援体制整備事業 …),
    one row per municipality, designation and service entity.

    Columns: municipality_code, name, name_en, designation, entity_key, service_name,
    evidence.
    """
    return (
        services.loc[services["designation"].fillna("") != ""]
        .groupby([CODE, "designation", "entity_key"], as_index=False)
        .agg(service_name=("name", "first"), evidence=("service_id", join_ids))
        .pipe(with_names, municipalities)
        .loc[:, [CODE, "name", "name_en", "designation", "entity_key", "service_name",
                 "evidence"]]
    )


# ---------------------------------------------------------------------- target ages

def _age_spans(target_ages: pd.DataFrame, services: pd.DataFrame | None) -> pd.DataFrame:
    """Target-age rows as closed intervals on the 0–80 axis: an empty minimum is 0, an
    empty maximum (open-ended, or "all ages" with both empty) runs to 80+."""
    return (
        target_ages.pipe(_with_entity, services)
        .assign(lo=lambda df: df["age_min"].fillna(0).clip(0, AGE_AXIS_MAX).astype(int),
                hi=lambda df: df["age_max"].fillna(AGE_AXIS_MAX).clip(0, AGE_AXIS_MAX)
                .astype(int),
                approximate=lambda df: df["approximate"].fillna(False).astype(bool))
        .loc[lambda df: df["lo"] <= df["hi"]]
    )


def age_coverage(target_ages: pd.DataFrame, municipalities: pd.DataFrame,
                 services: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per municipality, the union of its services' target-age intervals as segments
    that partition the 0–80 axis (80 = 80 and over): ``covered`` or ``uncovered``.

    With ``services``, a municipality that has services but no stated ages gets one
    ``no_data`` segment (unknown, not uncovered). Evidence of a covered segment: the
    services covering it; of an uncovered one: all the municipality's age rows (what
    the claim "nobody serves this band" rests on).

    Columns: municipality_code, name, name_en, start, end, status, approximate, evidence.
    """
    spans = _age_spans(target_ages, services)
    codes = sorted(set(spans[CODE]))
    grid = pd.DataFrame([(c, a) for c in codes for a in range(AGE_AXIS_MAX + 1)],
                        columns=[CODE, "age"], dtype=object).astype({"age": int})
    hits = (
        spans.loc[:, [CODE, "service_id", "lo", "hi", "approximate"]]
        .merge(pd.DataFrame({"age": range(AGE_AXIS_MAX + 1)}), how="cross")
        .loc[lambda df: (df["lo"] <= df["age"]) & (df["age"] <= df["hi"])]
        .groupby([CODE, "age"], as_index=False)
        .agg(ids=("service_id", join_ids), approximate=("approximate", "any"))
    )
    all_ids = spans.groupby(CODE)["service_id"].agg(join_ids)
    per_age = (
        grid.merge(hits, how="left", on=[CODE, "age"])
        .assign(covered=lambda df: df["ids"].notna(),
                approximate=lambda df: df["approximate"].fillna(False).astype(bool))
        # a new segment starts where coverage or municipality changes
        .assign(run=lambda df: ((df["covered"] != df["covered"].shift())
                                | (df[CODE] != df[CODE].shift())).cumsum())
    )
    segments = (
        per_age.groupby([CODE, "run"], as_index=False)
        .agg(start=("age", "min"), end=("age", "max"), covered=("covered", "first"),
             approximate=("approximate", "any"), ids=("ids", join_ids))
        .assign(status=lambda df: np.where(df["covered"], "covered", "uncovered"),
                evidence=lambda df: np.where(df["covered"], df["ids"],
                                             df[CODE].map(all_ids).fillna("")))
    )
    no_data = sorted(set(services[CODE]) - set(codes)) if services is not None else []
    unknown = pd.DataFrame({CODE: no_data, "start": 0, "end": AGE_AXIS_MAX,
                            "status": "no_data", "approximate": False, "evidence": ""})
    return (
        pd.concat([segments.loc[:, unknown.columns], unknown], ignore_index=True)
        .astype({"start": int, "end": int, "approximate": bool, "evidence": object})
        .sort_values([CODE, "start"], kind="stable", ignore_index=True)
        .pipe(with_names, municipalities)
        .loc[:, [CODE, "name", "name_en", "start", "end", "status", "approximate",
                 "evidence"]]
    )


def age_band_key(start: int, end: int) -> str:
    """``50-64``; the top of the axis is open: ``80+``."""
    return f"{start}+" if end >= AGE_AXIS_MAX else f"{start}-{end}"


def age_band_coverage(coverage: pd.DataFrame,
                      bands: Sequence[tuple[int, int]] = AGE_BANDS) -> pd.DataFrame:
    """Municipality × age band from ``age_coverage`` segments: the share of the band's
    ages covered and a status (``covered`` all of it, ``partial``, ``uncovered``,
    ``no_data``).

    Columns: municipality_code, name, name_en, band, start, end, covered_share, status,
    evidence.
    """
    ages = (
        coverage.assign(age=[list(range(s, e + 1)) for s, e in
                             zip(coverage["start"], coverage["end"], strict=True)])
        .explode("age").astype({"age": int})
    )
    band_of_age = pd.DataFrame(
        [(age_band_key(lo, hi), lo, hi, age) for lo, hi in bands for age in range(lo, hi + 1)],
        columns=["band", "start", "end", "age"],
    )
    per_band = (
        ages.drop(columns=["start", "end"])
        .merge(band_of_age, on="age")
        .groupby([CODE, "name", "name_en", "band", "start", "end"], as_index=False,
                 sort=False, dropna=False)
        .agg(covered_share=("status", lambda s: (s == "covered").mean()),
             no_data=("status", lambda s: (s == "no_data").all()),
             evidence=("evidence", join_ids))
    )
    status = np.select(
        [per_band["no_data"].astype(bool), per_band["covered_share"] >= 1,
         per_band["covered_share"] > 0],
        ["no_data", "covered", "partial"], "uncovered")
    return (
        per_band.assign(status=status)
        .sort_values([CODE, "start"], kind="stable", ignore_index=True)
        .loc[:, [CODE, "name", "name_en", "band", "start", "end", "covered_share", "status",
                 "evidence"]]
    )


def age_coverage_summary(coverage: pd.DataFrame,
                         bands: Sequence[tuple[int, int]] = AGE_BANDS) -> pd.DataFrame:
    """Tokyo-wide, per age band: of the municipalities with stated ages, how many cover
    it fully or partly; ``n_covered == 0`` is a band nobody serves.

    Columns: band, start, end, n_municipalities, n_covered, n_partial, share_covered,
    n_no_data, evidence.
    """
    per_band = age_band_coverage(coverage, bands)
    known = per_band.loc[per_band["status"] != "no_data"]
    summary = (
        known.groupby(["band", "start", "end"], as_index=False, sort=False)
        .agg(n_municipalities=(CODE, "nunique"),
             n_covered=("status", lambda s: int((s == "covered").sum())),
             n_partial=("status", lambda s: int((s == "partial").sum())),
             evidence=("evidence", join_ids))
        # an empty group-by has text columns; make the counts numbers either way
        .astype({"n_municipalities": float, "n_covered": float, "n_partial": float})
    )
    bands_frame = pd.DataFrame([(age_band_key(lo, hi), lo, hi) for lo, hi in bands],
                               columns=["band", "start", "end"])
    n_no_data = per_band.loc[per_band["status"] == "no_data", CODE].nunique()
    return (
        bands_frame.merge(summary, how="left", on=["band", "start", "end"])
        .assign(n_municipalities=lambda df: df["n_municipalities"].fillna(0).astype(int),
                n_covered=lambda df: df["n_covered"].fillna(0).astype(int),
                n_partial=lambda df: df["n_partial"].fillna(0).astype(int),
                share_covered=lambda df: (df["n_covered"] / df["n_municipalities"])
                .where(df["n_municipalities"] > 0),
                n_no_data=n_no_data,
                evidence=lambda df: df["evidence"].fillna("").astype(object))
        .loc[:, ["band", "start", "end", "n_municipalities", "n_covered", "n_partial",
                 "share_covered", "n_no_data", "evidence"]]
    )


# -------------------------------------------------------------------------- meetings

def _frequency_status(meetings: pd.DataFrame) -> np.ndarray:
    regular = meetings["regular"].astype(object)
    known_rate = meetings["per_year"].notna().to_numpy(dtype=bool)
    return np.select(
        [(regular == "true").to_numpy() & known_rate, (regular == "true").to_numpy(),
         (regular == "false").to_numpy()],
        ["counted", "regular_unquantified", "irregular"], "unstated")


def meeting_frequencies(meetings: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """One row per meeting entity with its frequency.

    ``status``: ``counted`` (times per year known), ``regular_unquantified`` (定期的に),
    ``irregular`` (随時・不定期), ``unstated`` (no frequency given) — the last three have no
    ``per_year`` and are never zero. When sources of one edition differ, the most
    informative row wins (then the lowest meeting id: the main file before the flyers).

    Columns: municipality_code, name, name_en, entity_key, meeting_name, kind, status,
    per_year, approximate, frequency_text, evidence.
    """
    rank = {status: i for i, status in enumerate(FREQUENCY_STATUSES)}
    ranked = meetings.assign(status=_frequency_status(meetings)).assign(
        rank=lambda df: df["status"].map(rank))
    evidence = ranked.groupby("entity_key")["meeting_id"].agg(join_ids).rename("evidence")
    return (
        ranked.sort_values(["entity_key", "rank", "meeting_id"], kind="stable")
        .drop_duplicates("entity_key")
        .rename(columns={"name": "meeting_name"})
        .merge(evidence, how="left", left_on="entity_key", right_index=True)
        .assign(per_year=lambda df: df["per_year"].astype("Float64"),
                approximate=lambda df: df["approximate"].fillna(False).astype(bool))
        .pipe(with_names, municipalities)
        .sort_values([CODE, "entity_key"], ignore_index=True)
        .loc[:, [CODE, "name", "name_en", "entity_key", "meeting_name", "kind", "status",
                 "per_year", "approximate", "frequency_text", "evidence"]]
    )


def meeting_intensity(meetings: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Times per year by meeting kind per municipality.

    ``per_year`` sums the meetings whose frequency is counted and is empty (not 0) when
    none is; meetings that are regular without a number, irregular or without a stated
    frequency are counted in their own columns.

    Columns: municipality_code, name, name_en, kind, n_meetings, n_counted, per_year,
    n_regular_unquantified, n_irregular, n_unstated, approximate, evidence.
    """
    frequencies = meeting_frequencies(meetings, municipalities)
    counts = pd.crosstab([frequencies[CODE], frequencies["kind"]], frequencies["status"])
    counts = counts.reindex(columns=list(FREQUENCY_STATUSES), fill_value=0)
    counts.columns = [f"n_{status}" for status in FREQUENCY_STATUSES]
    return (
        frequencies.assign(counted_approx=lambda df: df["approximate"]
                           & (df["status"] == "counted"))
        .groupby([CODE, "name", "name_en", "kind"], as_index=False, dropna=False)
        .agg(n_meetings=("entity_key", "size"),
             per_year=("per_year", lambda s: s.sum() if s.notna().any() else pd.NA),
             approximate=("counted_approx", "any"),
             evidence=("evidence", join_ids))
        .merge(counts.reset_index(), how="left", on=[CODE, "kind"])
        .assign(per_year=lambda df: df["per_year"].astype("Float64"))
        .loc[:, [CODE, "name", "name_en", "kind", "n_meetings", "n_counted", "per_year",
                 "n_regular_unquantified", "n_irregular", "n_unstated", "approximate",
                 "evidence"]]
    )


# -------------------------------------------------------------------- network bodies

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
        .assign(member=lambda df: df["member_text"].map(normalise_text))
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
                         municipalities: pd.DataFrame) -> pd.DataFrame:
    """Per municipality: how many bodies, of which kinds (space-separated keys), the
    member organisations stated (sum; empty when no body states a count), the member
    types named, and the years bodies were established.

    Columns: municipality_code, name, name_en, n_bodies, kinds, member_count_total,
    n_member_types, first_established, last_established, evidence.
    """
    profile = network_body_profile(network_bodies, network_body_members, municipalities)
    composition = body_composition(network_bodies, network_body_members, municipalities)
    types = composition.groupby(CODE)["member_type"].nunique().rename("n_member_types")
    return (
        profile.groupby([CODE, "name", "name_en"], as_index=False, dropna=False)
        .agg(n_bodies=("entity_key", "size"),
             kinds=("kind", lambda k: " ".join(_order(k, "body_kind"))),
             member_count_total=("member_count", lambda s: s.sum() if s.notna().any()
                                 else pd.NA),
             first_established=("established_year", "min"),
             last_established=("established_year", "max"),
             evidence=("evidence", join_ids))
        .merge(types, how="left", left_on=CODE, right_index=True)
        .assign(n_member_types=lambda df: df["n_member_types"].fillna(0).astype(int),
                member_count_total=lambda df: df["member_count_total"].astype("Int64"),
                first_established=lambda df: df["first_established"].astype("Int64"),
                last_established=lambda df: df["last_established"].astype("Int64"))
        .loc[:, [CODE, "name", "name_en", "n_bodies", "kinds", "member_count_total",
                 "n_member_types", "first_established", "last_established", "evidence"]]
    )


# ------------------------------------------------------------ timeline, partnerships

def establishment_timeline(dataset: Dataset) -> pd.DataFrame:
    """Dated starts: services and windows (``established_year``), network bodies and
    milestones, each entity once (a milestone is the same when municipality, kind, date
    and normalised title agree).

    Columns: municipality_code, name, name_en, event (service, body, milestone), kind,
    title, year, month, evidence.
    """
    def entities(frame: pd.DataFrame, event: str, kind: str, id_column: str) -> pd.DataFrame:
        return (
            frame.loc[frame["established_year"].notna()]
            .sort_values(id_column, kind="stable")
            .groupby("entity_key", as_index=False)
            .agg(**{CODE: (CODE, "first"), "kind": (kind, "first"), "title": ("name", "first"),
                    "year": ("established_year", "first"),
                    "month": ("established_month", "first"),
                    "evidence": (id_column, join_ids)})
            .assign(event=event)
        )

    milestones = (
        dataset.milestones.loc[dataset.milestones["year"].notna()]
        .assign(same=lambda df: df["title"].map(normalise_text))
        .sort_values("milestone_id", kind="stable")
        .groupby([CODE, "kind", "year", "month", "same"], as_index=False, dropna=False)
        .agg(title=("title", "first"), evidence=("milestone_id", join_ids))
        .assign(event="milestone")
    )
    columns = [CODE, "event", "kind", "title", "year", "month", "evidence"]
    parts = [entities(dataset.services, "service", "category", "service_id"),
             entities(dataset.network_bodies, "body", "kind", "body_id"), milestones]
    return (
        pd.concat([part.loc[:, columns] for part in parts], ignore_index=True)
        .astype({"year": "Int64", "month": "Int64"})
        .pipe(with_names, dataset.municipalities)
        .sort_values([CODE, "year", "month", "event", "title"], ignore_index=True,
                     na_position="first")
        .loc[:, [CODE, "name", "name_en", *columns[1:]]]
    )


def collaboration_edges(collaborations: pd.DataFrame,
                        municipalities: pd.DataFrame) -> pd.DataFrame:
    """Inter-municipal partnerships as edges. A partner the source does not name (empty
    ``partner_code``) stays a separate, unnamed partner of that municipality, keyed by its
    text, never merged with another municipality's unnamed partner.

    Columns: municipality_code, name, name_en, partner_code, partner_name,
    partner_name_en, named, activity, evidence.
    """
    names = _names(municipalities).set_index(CODE)
    return (
        collaborations.assign(
            named=lambda df: df["partner_code"].fillna("") != "",
            partner=lambda df: df["partner_code"].where(
                df["named"], "?" + df["partner_text"].map(normalise_text)))
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


# ------------------------------------------------------------------- peer benchmark

def _kind_coverage(frame: pd.DataFrame, universe: Sequence[str], group: str,
                   id_column: str) -> pd.DataFrame:
    found = frame.rename(columns={"kind": "feature", id_column: "row_id"})
    keys = [k for k in labels(group) if k not in NOT_FEATURES]
    return _coverage(found, universe, keys, None)


def features(dataset: Dataset) -> pd.DataFrame:
    """Every feature of every documented municipality: channels, fully covered age
    bands, meeting kinds, body kinds, national menus and programme categories.

    Columns: municipality_code, family, feature, has, evidence.
    """
    universe = documented_municipalities(dataset)
    services = dataset.services
    channels = (dataset.channels.pipe(_with_entity, services)
                .rename(columns={"channel": "feature", "service_id": "row_id"}))
    menus = services.rename(columns={"national_menu": "feature", "service_id": "row_id"})
    categories = services.rename(columns={"category": "feature", "service_id": "row_id"})
    bands = (age_band_coverage(age_coverage(dataset.target_ages, dataset.municipalities,
                                            services))
             .assign(has=lambda df: df["status"] == "covered",
                     feature=lambda df: df["band"],
                     evidence=lambda df: df["evidence"].where(df["has"], "")))
    band_grid = pd.DataFrame([(c, age_band_key(lo, hi)) for c in universe
                              for lo, hi in AGE_BANDS], columns=[CODE, "feature"])
    bands = (band_grid.merge(bands.loc[:, [CODE, "feature", "has", "evidence"]], how="left",
                             on=[CODE, "feature"])
             .assign(has=lambda df: df["has"].fillna(False).astype(bool),
                     evidence=lambda df: df["evidence"].fillna("").astype(object)))

    def keyed(group: str) -> list[str]:
        return [k for k in labels(group) if k not in NOT_FEATURES]

    families = {
        "channel": _coverage(channels, universe, keyed("channel"), None),
        "age_band": bands,
        "meeting_kind": _kind_coverage(dataset.meetings, universe, "meeting_kind",
                                       "meeting_id"),
        "body_kind": _kind_coverage(dataset.network_bodies, universe, "body_kind", "body_id"),
        "national_menu": _coverage(menus, universe, keyed("national_menu"), None),
        "service_category": _coverage(categories, universe, keyed("service_category"), None),
    }
    return pd.concat(
        [frame.assign(family=family).loc[:, [CODE, "family", "feature", "has", "evidence"]]
         for family, frame in families.items()],
        ignore_index=True,
    ).astype({"has": bool, "evidence": object})


def feature_label(family: str, feature: str, lang: str = "ja") -> str:
    """Plain label of a feature, e.g. ``相談チャネル：訪問・アウトリーチ``."""
    return label("template", "feature", lang).format(
        family=label("feature_family", family, lang),
        # each family's keys are a label group of the same name
        feature=labels(family, lang).get(feature, feature))


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
    names = _names(municipalities).set_index(CODE)
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


# ------------------------------------------------------------------ edition changes

def _values(rows: pd.DataFrame, field: str) -> tuple[str, str, str]:
    """The distinct values of a field in some rows (``/``-joined), their quotes, ids."""
    stated = rows.assign(value=rows[field].map(_format_value))
    return (" / ".join(dict.fromkeys(stated["value"])),
            " / ".join(dict.fromkeys(stated["quote"])),
            join_ids(stated["row_id"]))


def _change_row(change: str, table: str, code: str, key: str, field: str,
                old: pd.DataFrame, new: pd.DataFrame, value_field: str) -> dict[str, str]:
    old_value, old_quote, old_ids = _values(old, value_field) if len(old) else ("", "", "")
    new_value, new_quote, new_ids = _values(new, value_field) if len(new) else ("", "", "")
    return {"change": change, "table": table, CODE: code, "entity_key": key, "field": field,
            "old_value": old_value, "new_value": new_value, "old_quote": old_quote,
            "new_quote": new_quote, "evidence": join_ids([old_ids, new_ids])}


def _entity_changes(table: str, old: pd.DataFrame, new: pd.DataFrame,
                    fields: Sequence[str]) -> list[dict[str, str]]:
    """Added, removed, renamed and discrepant entities of one table (both editions'
    rows of municipalities present in both)."""
    rows: list[dict[str, str]] = []
    old_by, new_by = dict(tuple(old.groupby("entity_key"))), dict(tuple(new.groupby("entity_key")))
    empty = old.iloc[0:0]
    for key in sorted(set(old_by) | set(new_by)):
        o, n = old_by.get(key, empty), new_by.get(key, empty)
        code = (o if len(o) else n)[CODE].iloc[0]
        if not len(o) or not len(n):
            change = "added" if len(n) else "removed"
            rows.append(_change_row(change, table, code, key, "name", o, n, "name"))
            continue
        if not set(o["name"].map(normalise_text)) & set(n["name"].map(normalise_text)):
            rows.append(_change_row("renamed", table, code, key, "name", o, n, "name"))
        for field in fields:
            o_stated, n_stated = o.loc[o[field].notna()], n.loc[n[field].notna()]
            o_values = set(o_stated[field].map(_format_value))
            n_values = set(n_stated[field].map(_format_value))
            if o_values and n_values and o_values != n_values:
                rows.append(_change_row("discrepancy", table, code, key, field, o_stated,
                                        n_stated, field))
    return rows


def _age_values(rows: pd.DataFrame, field: str) -> set[str]:
    """Stated boundaries; an empty minimum is age 0 (18歳未満 = 0歳から18歳未満), so the two
    phrasings are not a discrepancy, while an empty maximum stays open."""
    values = rows[field].fillna(0) if field == "age_min" else rows[field]
    return set(values.map(_format_value))


def _age_discrepancies(old: pd.DataFrame, new: pd.DataFrame) -> list[dict[str, str]]:
    """Age boundaries of the same service entity that differ between editions (an empty
    boundary is the open end, a value in its own right)."""
    rows: list[dict[str, str]] = []
    old_by, new_by = dict(tuple(old.groupby("entity_key"))), dict(tuple(new.groupby("entity_key")))
    for key in sorted(set(old_by) & set(new_by)):
        o, n = old_by[key], new_by[key]
        for field in ("age_min", "age_max"):
            if _age_values(o, field) != _age_values(n, field):
                rows.append(_change_row("discrepancy", "target_ages", o[CODE].iloc[0], key,
                                        field, o, n, field))
    return rows


CHANGE_COLUMNS = ["change", "table", CODE, "name", "name_en", "entity_key", "field",
                  "old_value", "new_value", "old_quote", "new_quote", "evidence"]


def edition_changes(dataset: Dataset, old: str = "fy2022", new: str = "fy2024") -> pd.DataFrame:
    """What changed between two editions, by ``entity_key``.

    - ``municipality_added`` / ``municipality_removed``: a municipality documented in one
      edition only (one row; its entities are not listed one by one, since everything
      about it is new or gone).
    - ``added`` / ``removed``: an entity of a municipality documented in both.
    - ``renamed``: same entity, no name in common (compared NFKC, without spaces).
    - ``discrepancy``: the same fact stated with different values — a start year
      (services, bodies), a member count (bodies), times per year (meetings), an age
      boundary (target ages) — with both quotes.

    Columns: change, table, municipality_code, name, name_en, entity_key, field,
    old_value, new_value, old_quote, new_quote, evidence.
    """
    old_set, new_set = (edition_dataset(dataset, e) for e in (old, new))
    old_codes, new_codes = (set(documented_municipalities(d)) for d in (old_set, new_set))
    rows: list[dict[str, str]] = []
    for change, edition_set, codes in (("municipality_added", new_set, new_codes - old_codes),
                                       ("municipality_removed", old_set, old_codes - new_codes)):
        for code in sorted(codes):
            ids = [getattr(edition_set, t).loc[lambda df, c=code: df[CODE] == c, column]
                   for t, (column, _) in CHANGE_FIELDS.items()]
            rows.append({"change": change, "table": "", CODE: code, "entity_key": "",
                         "field": "", "old_value": "", "new_value": "", "old_quote": "",
                         "new_quote": "", "evidence": join_ids(pd.concat(ids))})
    both = old_codes & new_codes

    def scoped(frame: pd.DataFrame, id_column: str) -> pd.DataFrame:
        return frame.loc[frame[CODE].isin(both)].assign(row_id=lambda df: df[id_column])

    for table, (id_column, fields) in CHANGE_FIELDS.items():
        rows += _entity_changes(table, scoped(getattr(old_set, table), id_column),
                                scoped(getattr(new_set, table), id_column), fields)
    ages = [scoped(d.target_ages, "service_id").pipe(_with_entity, d.services)
            for d in (old_set, new_set)]
    rows += _age_discrepancies(*ages)
    order = {kind: i for i, kind in enumerate(CHANGE_KINDS)}
    return (
        pd.DataFrame(rows, columns=[c for c in CHANGE_COLUMNS if c not in ("name", "name_en")])
        .pipe(with_names, dataset.municipalities)
        .assign(rank=lambda df: df["change"].map(order))
        .sort_values(["rank", CODE, "table", "entity_key", "field"], ignore_index=True)
        .loc[:, CHANGE_COLUMNS]
    )


# --------------------------------------------------------------------------- findings

def _finding(key: str, lang: str, evidence: Iterable[object], **values: object) -> dict:
    return {"finding": key, "text": label("finding", key, lang).format(**values),
            "evidence": join_ids(evidence)}


def _name(municipalities: pd.DataFrame, code: str, lang: str) -> str:
    names = _names(municipalities).set_index(CODE)
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
                                                data.services))
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
                     n_counted=len(per_year), low=_format_value(per_year.min()),
                     high=_format_value(per_year.max()),
                     median=_format_value(round(per_year.median(), 1)),
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
    gaps = peer_gaps(peer_benchmark(features(data), data.municipalities, focus, peers, lang),
                     top=1, lang=lang)
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
        lambda: _ranked_finding("channels", channel_coverage(
            data.channels, data.municipalities, data.services), "channel", "offered",
            "channel", lang),
        lambda: _age_finding(data, lang),
        lambda: _meeting_finding(data, lang),
        lambda: _ranked_finding("menus", national_menu_coverage(
            data.services, data.municipalities), "national_menu", "runs", "national_menu",
            lang),
        lambda: _body_finding(data, lang),
        lambda: _gap_finding(data, focus, peers, lang),
        lambda: _change_finding(dataset, previous, edition, lang),
    ]
    rows = [row for build in builders for row in build()]
    return pd.DataFrame(rows, columns=["finding", "text", "evidence"])
