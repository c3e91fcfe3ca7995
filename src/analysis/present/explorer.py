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
- The comparison uses the chosen edition only, as the gap-review handout does: a feature
  matrix (``compare.features.municipality_features``) and, per focus municipality, the
  peer groups of ``compare.peers.peer_group`` restricted to the documented
  municipalities, as ``compare.peers.peer_benchmark`` restricts them. The page's sums and
  shares are tested equal to ``peer_benchmark``.
- Search folding (``search_fold``) is one rule written twice, here and in
  ``explorer.js`` (``fold``); a browser test holds the two equal on tricky strings.
- Size: columns of arrays, not one object per fact, and peer groups stored once per
  distinct set (a focus's group plus the focus itself): 1,741 municipalities' "all"
  groups would otherwise be 3 million codes.
"""

from __future__ import annotations

import bisect
import json
import re
import string
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analysis.compare.ages import AGE_AXIS_MAX, AGE_BANDS, age_band_key
from analysis.compare.features import THEMES, feature_label, municipality_features, theme_label
from analysis.compare.peers import peer_group
from analysis.core.labels import label, labels
from analysis.core.paths import TEMPLATES_DIR
from analysis.dataset.scope import (
    documented_municipalities,
    edition_dataset,
    editions,
    municipality_source_ids,
)
from analysis.dataset.tables import CODE, Dataset

TEMPLATE_DIR = TEMPLATES_DIR / "explorer"
CODE = CODE
PAYLOAD_VERSION = 1
# Peer groups offered in the comparison view, each computed by ``compare.peers.peer_group``.
# A new kind of group (size, nearest) is added here once ``peer_group`` knows it.
PEER_KEYS: tuple[str, ...] = ("all", "area", "kind")
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
BASES = ("main", "supplementary")
# Columns with few distinct values, stored as indices into ``facts.values`` (a fifth of
# the national payload's size otherwise).
ENCODED_COLUMNS = ("table", "category", "menu", "regular")


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


def _records(frame: pd.DataFrame):
    """Rows as named tuples (object columns: pandas' string arrays iterate slowly)."""
    return frame.astype(object).itertuples(index=False)


def _kept(frame: pd.DataFrame, allowed: set[tuple[str, str]]):
    """The rows of ``frame`` whose (municipality, source) pair is allowed, as tuples."""
    pairs = zip(frame[CODE], frame["source_id"], strict=True)
    return _records(frame.loc[[pair in allowed for pair in pairs]])


def _age_interval(low: object, high: object) -> list[int | None]:
    return [_number(low), _number(high)]


def _age_phrase(low: object, high: object, written: str, lang: str) -> str:
    """``15–49歳（15歳から49歳まで）``: the derived range and the words of the source."""
    low, high = _number(low), _number(high)
    if low is None and high is None:
        derived = label("template", "age_all", lang)
    elif high is None:
        derived = label("template", "age_open", lang).format(start=low)
    elif low is None:
        derived = label("explorer", "age_upto", lang).format(end=high)
    else:
        derived = label("template", "age_range", lang).format(start=low, end=high)
    return label("explorer", "age_phrase", lang).format(range=derived, text=written) \
        if written else derived


def _facts(dataset: Dataset, edition: str, lang: str,
           source_index: dict[str, int], muni_index: dict[str, int]) -> list[list]:
    """One row per fact, columns ``FACT_COLUMNS`` (indices into the payload's lists)."""
    codes = sorted({c for name in FACT_TABLES if CODE in getattr(dataset, name)
                    for c in getattr(dataset, name)[CODE]})
    allowed = {(c, s) for c in codes for s in fact_sources(dataset, c, edition)}
    services = {sid: (name, category, menu) for sid, name, category, menu in zip(
        dataset.services["service_id"], dataset.services["name"],
        dataset.services["category"], dataset.services["national_menu"], strict=True)}
    channels_of: dict[str, list[str]] = {}
    for sid, channel in zip(dataset.channels["service_id"], dataset.channels["channel"],
                            strict=True):
        if channel not in channels_of.setdefault(sid, []):
            channels_of[sid].append(channel)
    ages = dataset.target_ages
    ages_of: dict[str, list[tuple]] = {}
    for record in _records(ages):
        ages_of.setdefault(record.service_id, []).append(
            (_age_interval(record.age_min, record.age_max),
             _age_phrase(record.age_min, record.age_max, record.age_text, lang)))
    body_names = dict(zip(dataset.network_bodies["body_id"], dataset.network_bodies["name"],
                          strict=True))
    body_code = dict(zip(dataset.network_bodies["body_id"],
                         dataset.network_bodies[CODE], strict=True))
    meeting_names = dict(zip(dataset.meetings["meeting_id"], dataset.meetings["name"],
                             strict=True))
    operator_labels = labels("operator_type", lang)
    rows: list[list] = []

    def row(table: str, code: str, name: str, detail: str, category: str, menu: str,
            channels: list[str], intervals: list, age_text: str, record) -> None:
        rows.append([table, muni_index[code], name, detail, category, menu, channels,
                     intervals, age_text, _text(getattr(record, "frequency_text", "")),
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
    for record in _kept(dataset.channels, allowed):
        name, category, menu, intervals, age_text = service_context(record.service_id)
        row("channels", record.municipality_code, name, "", category, menu,
            [record.channel], intervals, age_text, record)
    for record in _kept(ages, allowed):
        name, category, menu, _, _ = service_context(record.service_id)
        row("target_ages", record.municipality_code, name, "", category, menu,
            channels_of.get(record.service_id, []),
            [_age_interval(record.age_min, record.age_max)],
            _age_phrase(record.age_min, record.age_max, record.age_text, lang), record)
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


def _municipalities(dataset: Dataset, codes: Sequence[str],
                    profiles: set[str]) -> list[dict]:
    table = dataset.municipalities.set_index(CODE)
    has_size = "size_band" in table.columns
    found = []
    for code in codes:
        record = table.loc[code]
        entry = {"code": code, "name": record["name"], "kana": record["name_kana"],
                 "name_en": record.get("name_romaji", record["name"]),
                 "area": _text(record.get("area", "")), "kind": record["kind"],
                 "profile": code in profiles}
        if has_size:
            entry["size_band"] = _text(record["size_band"])
        found.append(entry)
    return found


def _options(group: str, keys: Sequence[str], lang: str) -> list[dict]:
    """Filter options in the label table's order, each with its label (a key without a
    label, e.g. a size band before its labels exist, shows as itself)."""
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
        {"key": "size", "options": _options("size_band", [m.get("size_band", "") for m in
                                                          municipalities
                                                          if m.get("size_band")], lang)},
        {"key": "table", "options": _options("fact_table", used("table"), lang)},
        {"key": "category", "options": categories},
        {"key": "menu", "options": _options("national_menu", used("menu"), lang)},
        {"key": "channel", "options": _options("channel", used("channels"), lang)},
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
    sets: dict[tuple[str, ...], int] = {}
    groups: dict[str, list[list]] = {}
    documented_set = set(documented)
    reference = data.municipalities.astype(object)  # the same rows; object columns are faster
    for code in documented:
        groups[code] = []
        for key in PEER_KEYS:
            # peer_benchmark's peers: the group among the documented municipalities
            members = [c for c in peer_group(reference, code, key)
                       if c in documented_set]
            bisect.insort(members, code)  # stored with the focus: one set for many focuses
            groups[code].append([key, sets.setdefault(tuple(members), len(sets))])
    return {
        "edition": edition,
        "families": {f: theme_label(f, lang) for f in THEMES},
        "features": features,
        "has": {code: sorted(found) for code, found in feature_has.items()},
        "peer_labels": {key: label("peers", key, lang) for key in PEER_KEYS},
        "peer_sets": [[muni_index[c] for c in s] for s in sets],
        "peer_groups": groups,
    }


def explorer_payload(dataset: Dataset, edition: str, lang: str = "ja",
                     profile_format: str = "html") -> dict:
    """Everything the explorer page shows, as plain JSON-ready data.

    Keys: ``version``, ``lang``, ``edition`` (of the comparison), ``title``, ``words``
    (the page's own labels), ``tables`` (fact table key → label), ``category_labels``,
    ``menu_labels``, ``channel_labels``, ``regular_labels``, ``municipalities`` (code,
    name, kana, name_en, area, kind, profile, and size_band when the reference table has
    it), ``sources`` (id, title, edition, edition_label, basis), ``filters`` (key, label,
    options [{key, label, group?, lo?, hi?}]), ``links`` (href templates), ``facts``
    ({columns: ``FACT_COLUMNS``, rows}; ``muni`` and ``source`` are indices into
    ``municipalities`` and ``sources``; ``ages`` a list of [min, max] with null for an
    open end; ``table``, ``category``, ``menu`` and ``regular`` indices into
    ``facts.values[column]``, see ``decoded_facts``), ``age_axis_max`` and
    ``comparison`` (edition, families, features [{family, key, label}], has {code:
    [feature index]}, peer_labels, peer_sets [[municipality index]], peer_groups {code:
    [[key, peer_set index]]}: a peer set holds the group and the focus itself, which the
    page removes).
    """
    edition_names = labels("edition", lang)
    sources = [
        {"id": s.source_id, "title": s.title, "edition": s.edition,
         "edition_label": edition_names.get(s.edition, s.edition) if s.edition
         else label("explorer", "no_edition", lang),
         "basis": "main" if s.edition else "supplementary"}
        for s in dataset.sources.sort_values("source_id").itertuples()]
    source_index = {s["id"]: i for i, s in enumerate(sources)}
    feature_codes = documented_municipalities(edition_dataset(dataset, edition))
    fact_codes = documented_municipalities(dataset)
    codes = sorted(set(feature_codes) | set(fact_codes))
    muni_index = {code: i for i, code in enumerate(codes)}
    in_edition = set(dataset.sources.loc[dataset.sources["edition"] == edition, "source_id"])
    # the build writes a profile for each municipality with services in the edition
    profiles = set(dataset.services.loc[dataset.services["source_id"].isin(in_edition), CODE])
    municipalities = _municipalities(dataset, codes, profiles)
    facts = _facts(dataset, edition, lang, source_index, muni_index)
    category_labels = {f"{group}:{key}": text for _, group in CATEGORY_COLUMNS.values()
                       for key, text in labels(group, lang).items()}
    return {
        "version": PAYLOAD_VERSION,
        "lang": lang,
        "edition": edition,
        "title": label("explorer", "title", lang),
        "words": labels("explorer", lang) | {
            "yes": label("boolean", "true", lang), "no": label("boolean", "false", lang),
            "gap_lead": label("view", "gap_lead", lang),
            "list_separator": label("template", "list_separator", lang)},
        "tables": labels("fact_table", lang),
        "category_labels": category_labels,
        "menu_labels": labels("national_menu", lang),
        "channel_labels": labels("channel", lang),
        "regular_labels": labels("regular", lang),
        "municipalities": municipalities,
        "sources": sources,
        "filters": _filters(facts, municipalities, sources, lang),
        "links": {"profile": f"profiles/{{code}}.{profile_format}"},
        "age_axis_max": AGE_AXIS_MAX,
        "facts": _encoded(facts),
        "comparison": _comparison(dataset, edition, lang, muni_index),
    }


def _encoded(facts: list[list]) -> dict:
    """``{columns, values, rows}``: the columns of ``ENCODED_COLUMNS`` replaced by an
    index into ``values[column]``."""
    values: dict[str, list[str]] = {}
    rows = [list(row) for row in facts]
    for column in ENCODED_COLUMNS:
        at = FACT_COLUMNS.index(column)
        values[column] = sorted({row[at] for row in rows})
        index = {value: i for i, value in enumerate(values[column])}
        for row in rows:
            row[at] = index[row[at]]
    return {"columns": list(FACT_COLUMNS), "values": values, "rows": rows}


def decoded_facts(payload: dict) -> list[dict]:
    """The payload's facts as dicts with every value spelled out (the page does the same
    on load)."""
    facts = payload["facts"]
    rows = []
    for row in facts["rows"]:
        fact = dict(zip(facts["columns"], row, strict=True))
        for column, values in facts["values"].items():
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
    ``audience`` public leaves internal sources out."""
    from analysis.dataset.scope import for_audience
    from analysis.dataset.tables import load_dataset

    profile_format = "html" if "html" in formats else "pdf"
    dataset = for_audience(load_dataset(data_dir), audience)
    payload = explorer_payload(dataset, edition, lang, profile_format)
    return write_explorer(payload, Path(work) / "explorer.html")
