"""The offline explorer: every fact with its quote, searchable and filterable, and the gap
review computed in the page — one self-contained HTML file (``explorer.html``).

``explorer_payload`` gathers everything the page needs from the package's own functions
(``compare.features.municipality_features`` and ``compare.peers.peer_group`` for the
comparison, ``dataset.scope.municipality_source_ids`` for which sources a municipality's
facts come from, ``labels`` for every word); the page only filters, counts and divides.
``write_explorer`` writes the page: the payload as inline JSON, the script and stylesheet
of ``build/templates/explorer/`` inline, no reference to anything outside the file but
the profiles beside it.

Decisions:

- Facts: every row of every tidy table whose source is a guidebook edition up to the
  chosen one (so the edition filter can compare fy2022 with fy2024), or a source about
  that municipality alone (the visit record: source basis "supplementary"), exactly the
  sources ``dataset.scope.municipality_source_ids`` gives a profile. A channel or
  target-age row carries its service's name, category and national menu (and the
  service's ages, or channels),
  so "LINE consultation for 40-year-olds" can be asked of the channel rows.
- The comparison uses the chosen edition's guidebook sources only, as the gap-review
  handout does: a feature matrix (``compare.features.municipality_features``, one line
  per idea, grouped by theme) and, per focus municipality, the peer groups of
  ``compare.peers`` (size, nearest, area, kind, all) among the documented
  municipalities, computed for every focus in one pass per kind
  (``compare.peers.peer_groups``). The page opens on the gap review's default group
  (``compare.peers.default_peer_groups``) and says why in words. The page's sums and
  shares are tested equal to ``peer_benchmark``. A feature the focus's supplementary
  sources (visit record, submissions) evidence is marked, never counted.
- Audience: ``explorer_payload(..., audience="public")`` leaves internal sources and their
  rows out (``dataset.scope.for_audience``); the default marks a fact from an internal
  source as such.
- Channels carry their purpose; the channel filter counts ways to consult by default (the
  comparisons' rule, ``compare.coverage.consultation_channels``), other purposes on
  request. The age filter reads covering statements only (a limit, all ages, an
  addition: ``compare.ages.COVERING_KINDS``); a main group is shown, never filtered as a
  limit.
- Search folding (``search_fold``) is one rule written twice, here and in
  ``explorer.js`` (``fold``); a browser test holds the two equal on tricky strings.
- Size: columns of arrays, not one object per fact, and peer groups stored once per
  distinct set (a focus's group plus the focus itself): 1,741 municipalities' "all"
  groups would otherwise be 3 million codes.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import re
import string
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analysis.compare.ages import AGE_AXIS_MAX, AGE_BANDS, COVERING_KINDS, age_band_key
from analysis.compare.context import municipality_context
from analysis.compare.coverage import CONSULTATION
from analysis.compare.features import THEMES, feature_label, municipality_features, theme_label
from analysis.compare.peers import (
    default_peer_groups,
    peer_choice_reason,
    peer_group_name,
    peer_groups,
)
from analysis.core.labels import label, labels
from analysis.core.paths import TEMPLATES_DIR
from analysis.dataset.population import estimate_text
from analysis.dataset.scope import (
    BASES,
    GUIDEBOOK,
    documented_municipalities,
    edition_dataset,
    editions,
    for_audience,
    municipality_source_ids,
    source_basis,
)
from analysis.dataset.tables import CODE, TIDY_TABLES, Dataset

TEMPLATE_DIR = TEMPLATES_DIR / "explorer"
CODE = CODE
PAYLOAD_VERSION = 2
# Peer groups offered in the comparison view (``compare.peers.peer_groups``), most
# specific first; the page opens on the gap review's default.
PEER_KEYS: tuple[str, ...] = ("size", "nearest", "area", "kind", "all")
# Fact tables in display order; the row id column of each (channels and target ages have
# none of their own: their service's id is the reference the profile prints too).
FACT_TABLES: dict[str, str] = {
    "services": "service_id", "channels": "service_id", "target_ages": "service_id",
    "meetings": "meeting_id", "network_bodies": "body_id", "meeting_bodies": "meeting_id",
    "network_body_members": "body_id", "milestones": "milestone_id",
    "collaborations": "collaboration_id", "stated_counts": "count_id",
}
# Category of a fact: (table, column, label group); the group names the kind of category.
CATEGORY_COLUMNS: dict[str, tuple[str, str]] = {
    "services": ("category", "service_category"),
    "meetings": ("kind", "meeting_kind"),
    "network_bodies": ("kind", "body_kind"),
    "network_body_members": ("member_type", "member_type"),
    "milestones": ("kind", "milestone_kind"),
    "stated_counts": ("subject", "count_subject"),
}
FACT_COLUMNS = ("table", "muni", "name", "detail", "category", "menu", "channels", "ages",
                "age_text", "frequency", "per_year", "regular", "source", "row_id", "quote")
# Columns with few distinct values, stored as indices into ``facts.values`` (a fifth of
# the national payload's size otherwise); ``channels`` is a list of indices into
# ``facts.values["channels"]``, each a [channel, purpose] pair.
ENCODED_COLUMNS = ("table", "category", "menu", "regular")
LIST_ENCODED_COLUMNS = ("channels",)


# ------------------------------------------------------------------------ search fold

_WIDE = re.compile("[\u3000\uff01-\uff9f]+")
# Katakana ァ (U+30A1) … ヶ (U+30F6) and the iteration marks ヽヾ → their hiragana.
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in
                         (*range(0x30A1, 0x30F7), 0x30FD, 0x30FE)}
_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}


def search_fold(text: str) -> str:
    """Text as the explorer's search compares it (``fold`` in ``explorer.js`` is the same
    rule, held equal by a browser test):

    1. NFKC on runs of the ideographic space and the half-/full-width forms block
       (U+3000, U+FF01–U+FF9F) only: full-width ASCII → ASCII, half-width katakana with
       its voicing marks → full-width katakana (ｻﾎﾟｰﾄ → サポート). Other characters are
       left alone, so the two engines' Unicode versions cannot disagree.
    2. Katakana → hiragana (ァ–ヶ, ヽヾ; ー and ヷ–ヺ stay).
    3. ASCII letters → lower case (only ASCII: ``str.lower`` and JavaScript's
       ``toLowerCase`` differ elsewhere).
    """
    text = _WIDE.sub(lambda match: unicodedata.normalize("NFKC", match.group()), text)
    return text.translate(_KATAKANA_TO_HIRAGANA).translate(_ASCII_LOWER)


# ------------------------------------------------------------------------------ payload

def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _number(value: object) -> float | int | None:
    if value is None or value is pd.NA or pd.isna(value):
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def fact_sources(dataset: Dataset, code: str, edition: str) -> list[str]:
    """The sources a municipality's facts come from: ``municipality_source_ids`` of every
    edition up to ``edition`` (each adds the municipality's own sources)."""
    known = [e for e in editions(dataset.sources) if e <= edition]
    return sorted({source for e in known
                   for source in municipality_source_ids(dataset.sources, code, e)})


def fact_source_pairs(sources: pd.DataFrame, edition: str) -> tuple[set[str], set[tuple]]:
    """``fact_sources`` of every municipality at once: the guidebook sources of every
    edition up to ``edition`` (any municipality) and the (municipality, source) pairs of
    the supplementary sources of no edition or of such an edition (held equal to
    ``fact_sources`` by a test; one call per municipality took 15 s at national scale)."""
    known = {e for e in editions(sources) if e <= edition}
    guidebook = set(sources.loc[(sources["kind"] == GUIDEBOOK)
                                & sources["edition"].isin(known), "source_id"])
    own = sources.loc[(sources["kind"] != GUIDEBOOK)
                      & sources["edition"].isin(known | {""})]
    pairs = set(zip(own["municipality_code"], own["source_id"], strict=True))
    return guidebook, pairs


def _records(frame: pd.DataFrame):
    """Rows as named tuples (object columns: pandas' string arrays iterate slowly)."""
    return frame.astype(object).itertuples(index=False)


def _kept(frame: pd.DataFrame, allowed: tuple[set[str], set[tuple]]):
    """The rows of ``frame`` from an allowed source (``fact_source_pairs``), as tuples."""
    guidebook, pairs = allowed
    keep = [source in guidebook or (code, source) in pairs
            for code, source in zip(frame[CODE], frame["source_id"], strict=True)]
    return _records(frame.loc[keep])


def _age_interval(low: object, high: object, kind: object) -> list:
    """[min, max, kind]: null for an open end; the kind (``target_ages.age_kind``) says
    whether the statement covers its ages (a limit, all ages, an addition) or names a main
    group."""
    return [_number(low), _number(high), _text(kind) or "limit"]


def _age_phrase(low: object, high: object, written: str, kind: object, lang: str) -> str:
    """``15–49歳（15歳から49歳まで）・対象年齢の限定``: the derived range, the words of the
    source and the kind of statement (a range that already says "all ages" is not said
    twice)."""
    low, high = _number(low), _number(high)
    if low is None and high is None:
        derived = label("template", "age_all", lang)
    elif high is None:
        derived = label("template", "age_open", lang).format(start=low)
    elif low is None:
        derived = label("explorer", "age_upto", lang).format(end=high)
    else:
        derived = label("template", "age_range", lang).format(start=low, end=high)
    phrase = label("explorer", "age_phrase", lang).format(range=derived, text=written) \
        if written else derived
    kind_label = label("age_kind", _text(kind) or "limit", lang)
    if kind_label == derived:
        return phrase
    return label("explorer", "age_phrase_kind", lang).format(phrase=phrase, kind=kind_label)


def _facts(dataset: Dataset, edition: str, lang: str,
           source_index: dict[str, int], muni_index: dict[str, int]) -> list[list]:
    """One row per fact, columns ``FACT_COLUMNS`` (indices into the payload's lists)."""
    allowed = fact_source_pairs(dataset.sources, edition)
    services = {sid: (name, category, menu) for sid, name, category, menu in zip(
        dataset.services["service_id"], dataset.services["name"],
        dataset.services["category"], dataset.services["national_menu"], strict=True)}
    channels = dataset.channels
    purposes = (channels["purpose"] if "purpose" in channels.columns
                else pd.Series(CONSULTATION, index=channels.index))
    channels_of: dict[str, list[tuple[str, str]]] = {}
    for sid, channel, purpose in zip(channels["service_id"], channels["channel"], purposes,
                                     strict=True):
        pair = (channel, _text(purpose) or CONSULTATION)
        if pair not in channels_of.setdefault(sid, []):
            channels_of[sid].append(pair)
    ages = dataset.target_ages
    if "age_kind" not in ages.columns:
        ages = ages.assign(age_kind="limit")
    ages_of: dict[str, list[tuple]] = {}
    for record in _records(ages):
        ages_of.setdefault(record.service_id, []).append(
            (_age_interval(record.age_min, record.age_max, record.age_kind),
             _age_phrase(record.age_min, record.age_max, record.age_text, record.age_kind,
                         lang)))
    body_names = dict(zip(dataset.network_bodies["body_id"], dataset.network_bodies["name"],
                          strict=True))
    body_code = dict(zip(dataset.network_bodies["body_id"],
                         dataset.network_bodies[CODE], strict=True))
    meeting_names = dict(zip(dataset.meetings["meeting_id"], dataset.meetings["name"],
                             strict=True))
    operator_labels = labels("operator_type", lang)
    rows: list[list] = []

    def row(table: str, code: str, name: str, detail: str, category: str, menu: str,
            channels: list, intervals: list, age_text: str, record) -> None:
        rows.append([table, muni_index[code], name, detail, category, menu,
                     [list(pair) for pair in channels], intervals, age_text,
                     _text(getattr(record, "frequency_text", "")),
                     _number(getattr(record, "per_year", None)),
                     _text(getattr(record, "regular", "")) if table == "meetings" else "",
                     source_index[record.source_id], getattr(record, FACT_TABLES[table]),
                     record.quote])

    def service_context(service_id: str) -> tuple[str, str, str, list, str]:
        name, category, menu = services.get(service_id, (service_id, "", ""))
        stated = ages_of.get(service_id, [])
        return (name, f"service_category:{category}" if category else "", menu,
                [interval for interval, _ in stated],
                " / ".join(phrase for _, phrase in stated))

    for record in _kept(dataset.services, allowed):
        name, category, menu, intervals, age_text = service_context(record.service_id)
        operator = record.operator_name or operator_labels.get(record.operator_type, "")
        detail = " / ".join(part for part in (operator, _text(record.established_text)) if part)
        row("services", record.municipality_code, name, detail, category, menu,
            channels_of.get(record.service_id, []), intervals, age_text, record)
    channel_rows = channels.assign(purpose=purposes)
    for record in _kept(channel_rows, allowed):
        name, category, menu, intervals, age_text = service_context(record.service_id)
        row("channels", record.municipality_code, name, "", category, menu,
            [(record.channel, _text(record.purpose) or CONSULTATION)], intervals, age_text,
            record)
    for record in _kept(ages, allowed):
        name, category, menu, _, _ = service_context(record.service_id)
        row("target_ages", record.municipality_code, name, "", category, menu,
            channels_of.get(record.service_id, []),
            [_age_interval(record.age_min, record.age_max, record.age_kind)],
            _age_phrase(record.age_min, record.age_max, record.age_text, record.age_kind,
                        lang), record)
    for record in _kept(dataset.meetings, allowed):
        row("meetings", record.municipality_code, record.name, "",
            f"meeting_kind:{record.kind}", "", [], [], "", record)
    for record in _kept(dataset.network_bodies, allowed):
        detail = " / ".join(p for p in (_text(record.established_text),
                                        _text(record.member_count_text)) if p)
        row("network_bodies", record.municipality_code, record.name, detail,
            f"body_kind:{record.kind}", "", [], [], "", record)
    links = dataset.meeting_bodies.assign(**{CODE: dataset.meeting_bodies["body_id"].map(
        body_code)}).dropna(subset=[CODE])
    for record in _kept(links, allowed):
        row("meeting_bodies", record.municipality_code,
            meeting_names.get(record.meeting_id, record.meeting_id),
            body_names.get(record.body_id, record.body_id), "", "", [], [], "", record)
    members = dataset.network_body_members.assign(
        **{CODE: dataset.network_body_members["body_id"].map(body_code)}).dropna(subset=[CODE])
    for record in _kept(members, allowed):
        row("network_body_members", record.municipality_code,
            body_names.get(record.body_id, record.body_id), record.member_text,
            f"member_type:{record.member_type}", "", [], [], "", record)
    for record in _kept(dataset.milestones, allowed):
        row("milestones", record.municipality_code, record.title, _text(record.date_text),
            f"milestone_kind:{record.kind}", "", [], [], "", record)
    for record in _kept(dataset.collaborations, allowed):
        # ``activity`` is the curator's Japanese summary: Japanese pages only (as profiles)
        row("collaborations", record.municipality_code, record.partner_text,
            record.activity if lang == "ja" else "", "", "", [], [], "", record)
    # a stated count is named for the thing it counts (or, for the municipality as a
    # whole, for what it counts)
    entity_names = {key: name for frame, column in (
        (dataset.services, "name"), (dataset.meetings, "name"),
        (dataset.network_bodies, "name"), (dataset.milestones, "title"))
        for key, name in zip(frame["entity_key"], frame[column], strict=True)}
    for record in _kept(dataset.stated_counts, allowed):
        subject = label("count_subject", record.subject, lang)
        row("stated_counts", record.municipality_code,
            entity_names.get(record.entity_key, subject), record.count_text,
            f"count_subject:{record.subject}", "", [], [], "", record)
    order = {name: i for i, name in enumerate(FACT_TABLES)}
    rows.sort(key=lambda r: (r[1], order[r[0]], r[13]))
    return rows


def _municipalities(dataset: Dataset, codes: Sequence[str], profiles: set[str],
                    lang: str) -> list[dict]:
    """Each municipality with its context: area, kind, size band, population and the
    estimated need (``compare.context.municipality_context``), as the page shows them."""
    context = municipality_context(dataset.municipalities, codes).set_index(CODE)
    kana = dataset.municipalities.set_index(CODE)["name_kana"]
    persons = label("explorer", "persons", lang)
    found = []
    for code in codes:
        record = context.loc[code]
        population = _number(record["population"])
        need = record["estimated_need"]
        found.append({
            "code": code, "name": record["name"], "kana": kana[code],
            "name_en": record["name_en"], "area": _text(record["area"]),
            "kind": record["kind"], "size_band": _text(record["size_band"]),
            "population": population,
            "population_text": "" if population is None
            else persons.format(n=f"{population:,}"),
            "estimate_text": "" if pd.isna(need) else estimate_text(float(need), lang),
            "profile": code in profiles})
    return found


def _options(group: str, keys: Sequence[str], lang: str) -> list[dict]:
    """Filter options in the label table's order, each with its label (a key without a
    label shows as itself)."""
    named = labels(group, lang)
    ordered = [k for k in named if k in set(keys)] + sorted(set(keys) - set(named))
    return [{"key": k, "label": named.get(k, k)} for k in ordered]


def _filters(facts: list[list], municipalities: list[dict], sources: list[dict],
             lang: str) -> list[dict]:
    """The filters, in order, each with its options; a filter without options is left
    out (e.g. size band when the reference table has none)."""
    def used(column: str) -> list:
        index = FACT_COLUMNS.index(column)
        return [value for fact in facts for value in
                (fact[index] if isinstance(fact[index], list) else [fact[index]]) if value]

    categories = []
    for _, group in CATEGORY_COLUMNS.values():
        keys = [c.split(":", 1)[1] for c in set(used("category"))
                if c.startswith(group + ":")]
        categories += [{"key": f"{group}:{o['key']}", "label": o["label"],
                        "group": label("explorer", f"category_group_{group}", lang)}
                       for o in _options(group, keys, lang)]
    fact_editions = sorted({s["edition"] for s in sources}, key=lambda e: (e == "", e))
    filters = [
        {"key": "muni", "options": [{"key": m["code"],
                                     "label": m["name"] if lang == "ja" else m["name_en"]}
                                    for m in municipalities]},
        {"key": "area", "options": _options("area", [m["area"] for m in municipalities
                                                     if m["area"]], lang)},
        {"key": "size", "options": _options("size_band", [m["size_band"] for m in
                                                          municipalities if m["size_band"]],
                                            lang)},
        {"key": "table", "options": _options("fact_table", used("table"), lang)},
        {"key": "category", "options": categories},
        {"key": "menu", "options": _options("national_menu", used("menu"), lang)},
        {"key": "channel", "options": _options(
            "channel", [channel for channel, _ in used("channels")], lang)},
        {"key": "age", "options": [
            {"key": age_band_key(lo, hi),
             "label": label("age_band", age_band_key(lo, hi), lang),
             "lo": lo, "hi": hi} for lo, hi in AGE_BANDS]},
        {"key": "regular", "options": _options("regular", used("regular"), lang)},
        {"key": "edition", "options": [
            {"key": e, "label": label("edition", e, lang) if e
             else label("explorer", "no_edition", lang)} for e in fact_editions]},
        {"key": "basis", "options": [{"key": b, "label": label("explorer", f"basis_{b}", lang)}
                                     for b in BASES if any(s["basis"] == b for s in sources)]},
    ]
    for entry in filters:
        entry["label"] = label("explorer", f"filter_{entry['key']}", lang)
    return [f for f in filters if f["options"]]


def _channel_purposes(facts: list[list], lang: str) -> dict:
    """The purposes a channel filter can ask for: ways to consult by default (the
    comparisons' rule), any other purpose the facts have, or all."""
    at = FACT_COLUMNS.index("channels")
    found = {purpose for fact in facts for _, purpose in fact[at]}
    return {"default": CONSULTATION,
            "options": _options("channel_purpose", sorted(found | {CONSULTATION}), lang)
            + [{"key": "any", "label": label("explorer", "purpose_any", lang)}],
            "label": label("explorer", "filter_channel_purpose", lang)}


def _supplementary_data(dataset: Dataset, edition: str) -> Dataset:
    """Each municipality's supplementary rows of the edition (visit records, submissions:
    ``dataset.scope.supplementary_source_ids``), which the comparison never counts."""
    sources = dataset.sources
    own = sources.loc[(sources["kind"] != GUIDEBOOK) & sources["edition"].isin({"", edition})]
    pairs = set(zip(own["municipality_code"], own["source_id"], strict=True))
    frames = {}
    for name in TIDY_TABLES:
        frame = getattr(dataset, name)
        if CODE not in frame.columns:  # members and links follow their body below
            continue
        frames[name] = frame.loc[[pair in pairs for pair in zip(
            frame[CODE], frame["source_id"], strict=True)]]
    ids = set(own["source_id"])
    for name in set(TIDY_TABLES) - set(frames):
        frame = getattr(dataset, name)
        frames[name] = frame.loc[frame["source_id"].isin(ids)]
    return dataclasses.replace(dataset, **frames)


def _comparison(dataset: Dataset, edition: str, lang: str,
                muni_index: dict[str, int]) -> dict:
    """The feature matrix and peer groups of the gap review, for the page to sum."""
    data = edition_dataset(dataset, edition)
    frame = municipality_features(data)
    catalogue = frame.loc[:, ["family", "feature"]].drop_duplicates()
    rank = {f: i for i, f in enumerate(THEMES)}
    catalogue = catalogue.assign(r=catalogue["family"].map(rank)).sort_values(
        "r", kind="stable")  # peer_benchmark's order
    features = [{"family": f, "key": k, "label": feature_label(f, k, lang)}
                for f, k in zip(catalogue["family"], catalogue["feature"], strict=True)]
    position = {(f["family"], f["key"]): i for i, f in enumerate(features)}
    documented = sorted(set(frame[CODE]))
    has = frame.loc[frame["has"]]
    feature_has = {code: [] for code in documented}
    for code, family, feature in zip(has[CODE], has["family"], has["feature"], strict=True):
        feature_has[code].append(position[(family, feature)])
    # features a supplementary source evidences and the guidebook does not: marked, not
    # counted (issue 16: 「附属資料には掲載なし（補足資料に記載あり）」)
    own = _supplementary_data(dataset, edition)
    extra = (municipality_features(own) if documented_municipalities(own)
             else frame.iloc[:0])  # none (synthetic data, a public build): nothing to mark
    extra = extra.loc[extra["has"] & extra[CODE].isin(set(documented))]
    supplementary: dict[str, list[int]] = {}
    for code, family, feature in zip(extra[CODE], extra["family"], extra["feature"],
                                     strict=True):
        index = position.get((family, feature))
        if index is not None and index not in feature_has[code]:
            supplementary.setdefault(code, []).append(index)
    reference = data.municipalities
    sets: dict[tuple[str, ...], int] = {}
    groups: dict[str, list[list]] = {code: [] for code in documented}
    for key in PEER_KEYS:
        # peer_benchmark's peers: the group among the documented municipalities
        for code, members in peer_groups(reference, key, documented).items():
            members = list(members)
            bisect.insort(members, code)  # stored with the focus: one set for many focuses
            groups[code].append([key, sets.setdefault(tuple(members), len(sets))])
    # A reason depends on the focus's band and the groups stepped over, a size group's
    # name on the band: each is worded once (5,000 look-ups took 9 s at national scale).
    bands = (dict(zip(reference[CODE], reference["size_band"].map(_text), strict=True))
             if "size_band" in reference.columns else {})
    reasons: dict[str, int] = {}
    worded: dict[tuple, int] = {}
    defaults = {}
    for code, choice in default_peer_groups(reference, documented).items():
        said = (bands.get(code, ""), choice.stepped_over)
        if said not in worded:
            reason = peer_choice_reason(reference, code, choice, lang)
            worded[said] = reasons.setdefault(reason, len(reasons))
        defaults[code] = [choice.spec, worded[said]]
    names = {key: peer_group_name(reference, documented[0], key, lang)
             for key in PEER_KEYS if key != "size"} if documented else {}
    for code in documented:  # the size group names the focus's band
        key = f"size:{bands.get(code, '')}"
        if key not in names:
            names[key] = peer_group_name(reference, code, "size", lang)
    return {
        "edition": edition,
        "families": {f: theme_label(f, lang) for f in THEMES},
        "features": features,
        "has": {code: sorted(found) for code, found in feature_has.items()},
        "supplementary": {code: sorted(found) for code, found in supplementary.items()},
        "peer_labels": names,
        "peer_sets": [[muni_index[c] for c in s] for s in sets],
        "peer_groups": groups,
        "defaults": defaults,
        "reasons": list(reasons),
    }


def peer_label(payload: dict, focus: str, key: str) -> str:
    """The name the page gives a focus's peer group (``compare.peers.peer_group_name``,
    looked up as ``explorer.js`` looks it up)."""
    names = payload["comparison"]["peer_labels"]
    if key != "size":
        return names[key]
    band = next(m["size_band"] for m in payload["municipalities"] if m["code"] == focus)
    return names[f"size:{band}"]


def explorer_payload(dataset: Dataset, edition: str, lang: str = "ja",
                     profile_format: str = "html", audience: str = "all") -> dict:
    """Everything the explorer page shows, as plain JSON-ready data.

    ``audience``: ``all`` (internal sources marked) or ``public`` (internal sources and
    their rows left out, ``dataset.scope.for_audience``).

    Keys: ``version``, ``lang``, ``edition`` (of the comparison), ``audience``, ``title``,
    ``words`` (the page's own labels), ``tables`` (fact table key → label),
    ``category_labels``, ``menu_labels``, ``channel_labels``, ``purpose_labels``,
    ``age_kind_labels``, ``regular_labels``, ``covering_kinds``, ``municipalities``
    (code, name, kana, name_en, area, kind, size_band, population, population_text,
    estimate_text, profile), ``sources`` (id, title, edition, edition_label, basis,
    internal), ``filters`` (key, label, options [{key, label, group?, lo?, hi?}]),
    ``channel_purposes`` (default, options, label), ``links`` (href templates), ``facts``
    ({columns: ``FACT_COLUMNS``, values, rows}; ``muni`` and ``source`` are indices into
    ``municipalities`` and ``sources``; ``ages`` a list of [min, max, kind] with null for
    an open end; ``table``, ``category``, ``menu`` and ``regular`` indices into
    ``facts.values[column]``, ``channels`` a list of indices into
    ``facts.values["channels"]`` ([channel, purpose] pairs), see ``decoded_facts``),
    ``age_axis_max`` and ``comparison`` (edition, families, features [{family, key,
    label}], has {code: [feature index]}, supplementary {code: [feature index]},
    peer_labels {key or "size:<band>": name}, peer_sets [[municipality index]],
    peer_groups {code: [[key, peer_set index]]}, defaults {code: [key, reason index]},
    reasons [text]: a peer set holds the group and the focus itself, which the page
    removes).
    """
    dataset = for_audience(dataset, audience)
    edition_names = labels("edition", lang)
    registry = dataset.sources.sort_values("source_id")
    basis = source_basis(registry)
    audiences = (registry["audience"] if "audience" in registry.columns
                 else pd.Series("public", index=registry.index))
    sources = [
        {"id": s.source_id, "title": s.title, "edition": s.edition,
         "edition_label": edition_names.get(s.edition, s.edition) if s.edition
         else label("explorer", "no_edition", lang),
         "basis": b, "internal": a == "internal"}
        for s, b, a in zip(registry.itertuples(), basis, audiences, strict=True)]
    source_index = {s["id"]: i for i, s in enumerate(sources)}
    feature_codes = documented_municipalities(edition_dataset(dataset, edition))
    fact_codes = documented_municipalities(dataset)
    codes = sorted(set(feature_codes) | set(fact_codes))
    muni_index = {code: i for i, code in enumerate(codes)}
    in_edition = set(dataset.sources.loc[dataset.sources["edition"] == edition, "source_id"])
    # the build writes a profile for each municipality with services in the edition
    profiles = set(dataset.services.loc[dataset.services["source_id"].isin(in_edition), CODE])
    municipalities = _municipalities(dataset, codes, profiles, lang)
    facts = _facts(dataset, edition, lang, source_index, muni_index)
    category_labels = {f"{group}:{key}": text for _, group in CATEGORY_COLUMNS.values()
                       for key, text in labels(group, lang).items()}
    return {
        "version": PAYLOAD_VERSION,
        "lang": lang,
        "edition": edition,
        "audience": audience,
        "title": label("explorer", "title", lang),
        "words": labels("explorer", lang) | {
            "compare_basis": label("explorer", "compare_basis", lang).format(
                edition=edition_names.get(edition, edition)),
            "gap_lead": label("view", "gap_lead", lang),
            "list_separator": label("template", "list_separator", lang),
            "internal": label("audience", "internal", lang),
            "population": label("population", "population", lang),
            "estimate": label("population", "estimated_hikikomori", lang),
            "estimate_citation": label("population", "estimate_citation", lang),
            "size_band_note": label("population", "size_band_note", lang),
            "default_peers": label("peers", "default", lang)},
        "tables": labels("fact_table", lang),
        "category_labels": category_labels,
        "menu_labels": labels("national_menu", lang),
        "channel_labels": labels("channel", lang),
        "purpose_labels": labels("channel_purpose", lang),
        "age_kind_labels": labels("age_kind", lang),
        "area_labels": labels("area", lang),
        "size_labels": labels("size_band", lang),
        "regular_labels": labels("regular", lang),
        "covering_kinds": sorted(COVERING_KINDS),
        "municipalities": municipalities,
        "sources": sources,
        "filters": _filters(facts, municipalities, sources, lang),
        "channel_purposes": _channel_purposes(facts, lang),
        "links": {"profile": f"profiles/{{code}}.{profile_format}"},
        "age_axis_max": AGE_AXIS_MAX,
        "facts": _encoded(facts),
        "comparison": _comparison(dataset, edition, lang, muni_index),
    }


def _encoded(facts: list[list]) -> dict:
    """``{columns, values, rows}``: the columns of ``ENCODED_COLUMNS`` replaced by an
    index into ``values[column]``, the lists of ``LIST_ENCODED_COLUMNS`` by lists of
    indices."""
    values: dict[str, list] = {}
    rows = [list(row) for row in facts]
    for column in ENCODED_COLUMNS:
        at = FACT_COLUMNS.index(column)
        values[column] = sorted({row[at] for row in rows})
        index = {value: i for i, value in enumerate(values[column])}
        for row in rows:
            row[at] = index[row[at]]
    for column in LIST_ENCODED_COLUMNS:
        at = FACT_COLUMNS.index(column)
        found = sorted({tuple(item) for row in rows for item in row[at]})
        values[column] = [list(item) for item in found]
        index = {item: i for i, item in enumerate(found)}
        for row in rows:
            row[at] = [index[tuple(item)] for item in row[at]]
    return {"columns": list(FACT_COLUMNS), "values": values, "rows": rows}


def decoded_facts(payload: dict) -> list[dict]:
    """The payload's facts as dicts with every value spelled out (the page does the same
    on load); ``channels`` as [channel, purpose] pairs."""
    facts = payload["facts"]
    rows = []
    for row in facts["rows"]:
        fact = dict(zip(facts["columns"], row, strict=True))
        for column, values in facts["values"].items():
            if column in LIST_ENCODED_COLUMNS:
                fact[column] = [values[i] for i in fact[column]]
            else:
                fact[column] = values[fact[column]]
        rows.append(fact)
    return rows


# ---------------------------------------------------------------------------- writing

def payload_json(payload: dict) -> str:
    """The payload as JSON that is safe inside ``<script type="application/json">``: no
    ``<`` (so no ``</script>`` or ``<!--``), ``>`` or ``&`` appears literally."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def render_explorer(payload: dict) -> str:
    """The page as one string: skeleton, stylesheet, script and data inline."""
    import html

    lang = payload["lang"]
    words = payload["words"]
    script = (TEMPLATE_DIR / "explorer.js").read_text(encoding="utf-8")
    style = (TEMPLATE_DIR / "explorer.css").read_text(encoding="utf-8")
    for inline in (script, style):
        if "</" in inline:
            raise ValueError("explorer template: '</' inside inline script or style")
    page = string.Template((TEMPLATE_DIR / "explorer.html").read_text(encoding="utf-8"))
    escaped = {f"w_{key}": html.escape(text) for key, text in words.items()}
    return page.substitute(escaped, lang=lang, title=html.escape(payload["title"]),
                           style=style, script=script, data=payload_json(payload))


def write_explorer(payload: dict, path: Path | str) -> Path:
    """Write the explorer page to ``path`` (UTF-8, written to a temporary name first)."""
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(render_explorer(payload), encoding="utf-8")
    temporary.replace(path)
    return path


def build_explorer(data_dir: Path, edition: str, work: Path, lang: str = "ja",
                   formats: Sequence[str] = ("html",), audience: str = "all") -> Path:
    """``explorer.html`` of a build: profiles linked as HTML when the build writes HTML;
    ``audience`` as the build's (``public``: no internal source)."""
    from analysis.dataset.tables import load_dataset

    profile_format = "html" if "html" in formats else "pdf"
    payload = explorer_payload(load_dataset(data_dir), edition, lang, profile_format,
                               audience)
    return write_explorer(payload, Path(work) / "explorer.html")
