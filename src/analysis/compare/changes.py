"""What changed between two editions, field by field, for the municipalities both document.

The unit is the real-world thing (``entity_key``), as a careful reader putting the two
editions side by side would compare them:

- **things** (services and programmes, meetings, network bodies, milestones): added or
  removed (field ``entity``), renamed (no name in common, compared folded), and a field
  that changed: a start year or month, a designation, an operator, a frequency, whether a
  meeting recurs, a member count;
- **what a thing has**, for things in both editions: its channels (added, removed; a
  channel that is no way to consult under its own field, e.g. ``channel_publicity``), its
  target ages (a bound changed, stated then dropped, newly stated), its members' types;
- a municipality's **partners** (added, removed, by the name the source gives);
- **counts stated in the text** (``stated_counts``: sites, member organisations,
  sessions, co-hosts …), compared by thing, subject and time (``as_of``).

A fact a thing has is not listed again when the thing itself is added or removed. Values
are compared folded (``analysis.text.fold``): full- and half-width digits are no change.
A field stated in one edition only is ``added`` or ``stated_then_dropped``; a field
stated in both with different values is ``changed`` (for target ages, an open bound
stated in one edition and a number in the other is ``changed`` too: the wording of who is
served changed). A municipality documented in one edition only is one row
(``municipality_added`` / ``municipality_removed``).

Every row carries the thing's name (``thing``: as the newer edition names it), both
editions' values, quotes and row ids (``evidence``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.compare.coverage import CONSULTATION
from analysis.compare.evidence import join_ids, with_names
from analysis.core.formats import format_number
from analysis.dataset.scope import documented_municipalities, edition_dataset
from analysis.dataset.tables import CODE, Dataset
from analysis.text.fold import fold, fold_name

CHANGE_KINDS = ("municipality_added", "municipality_removed", "added", "removed", "renamed",
                "changed", "stated_then_dropped")
CHANGE_COLUMNS = ["change", "table", CODE, "name", "name_en", "entity_key", "thing", "field",
                  "old_value", "new_value", "old_quote", "new_quote", "evidence"]
ENTITY = "entity"  # the field of a whole thing added or removed


@dataclass(frozen=True)
class ThingTable:
    """A table of things: its row id, the column naming it, the fields compared."""

    id_column: str
    name_column: str
    fields: tuple[str, ...]


THINGS: dict[str, ThingTable] = {
    "services": ThingTable("service_id", "name",
                           ("designation", "operator_name", "established_year",
                            "established_month")),
    "meetings": ThingTable("meeting_id", "name", ("frequency_text", "occurrence")),
    "network_bodies": ThingTable("body_id", "name",
                                 ("established_year", "established_month", "member_count")),
    "milestones": ThingTable("milestone_id", "title", ("year", "month")),
}
# Facts a thing has: table → (the column compared, the row id cited).
HAS: dict[str, tuple[str, str]] = {
    "channels": ("channel", "service_id"),
    "network_body_members": ("member_type", "body_id"),
}
AGE_FIELDS = ("age_min", "age_max")


def _cell(value: object) -> str:
    return format_number(value)


def _joined(values: Iterable[str]) -> str:
    return " / ".join(dict.fromkeys(v for v in values if v))


def _row(change: str, table: str, code: str, key: str, field: str, old_value: str,
         new_value: str, old: pd.DataFrame, new: pd.DataFrame, id_column: str) -> dict:
    return {"change": change, "table": table, CODE: code, "entity_key": key, "field": field,
            "old_value": old_value, "new_value": new_value,
            "old_quote": _joined(old["quote"]) if len(old) else "",
            "new_quote": _joined(new["quote"]) if len(new) else "",
            "evidence": join_ids([*old[id_column], *new[id_column]])}


def _stated(rows: pd.DataFrame, column: str) -> list[str]:
    """The values a column states in some rows (first statement first), empty ones out."""
    return list(dict.fromkeys(v for v in rows[column].map(_cell) if v))


def _field_change(old_values: Sequence[str], new_values: Sequence[str]) -> str | None:
    """How a field changed between two editions' statements, or None."""
    if {fold(v) for v in old_values} == {fold(v) for v in new_values}:
        return None
    if not new_values:
        return "stated_then_dropped"
    if not old_values:
        return "added"
    return "changed"


def thing_changes(table: str, old: pd.DataFrame, new: pd.DataFrame) -> list[dict]:
    """Things of one table added, removed, renamed, and their fields that changed."""
    spec = THINGS[table]
    rows: list[dict] = []
    old_by, new_by = dict(tuple(old.groupby("entity_key"))), dict(tuple(new.groupby("entity_key")))
    for key in sorted(set(old_by) | set(new_by)):
        o, n = old_by.get(key, old.iloc[0:0]), new_by.get(key, new.iloc[0:0])
        code = (o if len(o) else n)[CODE].iloc[0]
        if not len(o) or not len(n):
            change = "added" if len(n) else "removed"
            name = (n if len(n) else o)[spec.name_column].iloc[0]
            rows.append(_row(change, table, code, key, ENTITY, "" if len(n) else name,
                             name if len(n) else "", o, n, spec.id_column))
            continue
        old_names, new_names = _stated(o, spec.name_column), _stated(n, spec.name_column)
        if not {fold_name(v) for v in old_names} & {fold_name(v) for v in new_names}:
            rows.append(_row("renamed", table, code, key, spec.name_column, old_names[0],
                             new_names[0], o, n, spec.id_column))
        for field in spec.fields:
            old_values, new_values = _stated(o, field), _stated(n, field)
            change = _field_change(old_values, new_values)
            if change is not None:
                rows.append(_row(change, table, code, key, field, _joined(old_values),
                                 _joined(new_values), o.loc[o[field].map(_cell) != ""],
                                 n.loc[n[field].map(_cell) != ""], spec.id_column))
    return rows


def channel_field(purpose: object) -> str:
    """The field of a channel change: ``channel`` for a way to consult, else
    ``channel_<purpose>`` (``channel_publicity``: an account that informs is no way to
    consult, and a change of it is told as such)."""
    return "channel" if purpose in (CONSULTATION, "") or pd.isna(purpose) else \
        f"channel_{purpose}"


def has_changes(table: str, old: pd.DataFrame, new: pd.DataFrame,
                kept: set[str]) -> list[dict]:
    """What things in both editions (``kept``) gained or lost: a channel (by its purpose),
    a member type."""
    if table == "channels" and "purpose" in old.columns and "purpose" in new.columns:
        fields = (old["purpose"].map(channel_field), new["purpose"].map(channel_field))
        return [row for field in sorted(set(fields[0]) | set(fields[1]))
                for row in _has_changes(table, old.loc[fields[0] == field],
                                        new.loc[fields[1] == field], kept, field)]
    return _has_changes(table, old, new, kept, HAS[table][0])


def _has_changes(table: str, old: pd.DataFrame, new: pd.DataFrame, kept: set[str],
                 field: str) -> list[dict]:
    column, id_column = HAS[table]
    rows: list[dict] = []
    old, new = (f.loc[f["entity_key"].isin(kept)] for f in (old, new))
    for key in sorted(set(old["entity_key"]) | set(new["entity_key"])):
        o, n = old.loc[old["entity_key"] == key], new.loc[new["entity_key"] == key]
        code = (o if len(o) else n)[CODE].iloc[0]
        had, has = set(o[column]), set(n[column])
        for value in sorted(had - has):
            rows.append(_row("removed", table, code, key, field, value, "",
                             o.loc[o[column] == value], n.iloc[0:0], id_column))
        for value in sorted(has - had):
            rows.append(_row("added", table, code, key, field, "", value,
                             o.iloc[0:0], n.loc[n[column] == value], id_column))
    return rows


def age_changes(old: pd.DataFrame, new: pd.DataFrame, kept: set[str]) -> list[dict]:
    """Target-age bounds of services in both editions: changed, dropped or newly stated.
    When both editions state ages, a bound left open in one and given in the other is a
    change of wording (18歳未満 → 0歳から18歳未満)."""
    rows: list[dict] = []
    old, new = (f.loc[f["entity_key"].isin(kept)] for f in (old, new))
    for key in sorted(set(old["entity_key"]) | set(new["entity_key"])):
        o, n = old.loc[old["entity_key"] == key], new.loc[new["entity_key"] == key]
        code = (o if len(o) else n)[CODE].iloc[0]
        for field in AGE_FIELDS:
            old_values, new_values = _stated(o, field), _stated(n, field)
            if len(o) and len(n):
                if set(o[field].map(_cell)) == set(n[field].map(_cell)):
                    continue
                change = "changed"
            else:
                change = _field_change(old_values, new_values)
                if change is None:
                    continue
            rows.append(_row(change, "target_ages", code, key, field, _joined(old_values),
                             _joined(new_values), o, n, "service_id"))
    return rows


def partner_changes(old: pd.DataFrame, new: pd.DataFrame) -> list[dict]:
    """Partners named in one edition only (by the name the source gives)."""
    rows: list[dict] = []
    for code in sorted(set(old[CODE]) | set(new[CODE])):
        o, n = old.loc[old[CODE] == code], new.loc[new[CODE] == code]
        had = {fold(t): t for t in o["partner_text"]}
        has = {fold(t): t for t in n["partner_text"]}
        for folded in sorted(set(had) - set(has)):
            rows.append(_row("removed", "collaborations", code, "", "partner_text",
                             had[folded], "", o.loc[o["partner_text"] == had[folded]],
                             n.iloc[0:0], "collaboration_id"))
        for folded in sorted(set(has) - set(had)):
            rows.append(_row("added", "collaborations", code, "", "partner_text", "",
                             has[folded], o.iloc[0:0], n.loc[n["partner_text"] == has[folded]],
                             "collaboration_id"))
    return rows


def count_changes(old: pd.DataFrame, new: pd.DataFrame, one_edition: set[str]) -> list[dict]:
    """Counts stated in the text, matched by (thing, subject, time); the field is the
    subject (sites, member_organisations …). The counts of a thing in one edition only
    (``one_edition``) went with it."""
    rows: list[dict] = []
    old, new = (f.loc[~f["entity_key"].isin(one_edition)] for f in (old, new))
    identity = [CODE, "entity_key", "subject", "as_of"]
    old_by = dict(tuple(old.groupby(identity)))
    new_by = dict(tuple(new.groupby(identity)))
    for ident in sorted(set(old_by) | set(new_by)):
        code, key, subject, _ = ident
        o, n = old_by.get(ident, old.iloc[0:0]), new_by.get(ident, new.iloc[0:0])
        old_values, new_values = _stated(o, "count"), _stated(n, "count")
        change = _field_change(old_values, new_values)
        if change is not None:
            rows.append(_row(change, "stated_counts", code, key, subject,
                             _joined(old_values), _joined(new_values), o, n, "count_id"))
    return rows


def _with_thing_key(frame: pd.DataFrame, things: pd.DataFrame, id_column: str) -> pd.DataFrame:
    """Rows of a table that belongs to a thing, with the thing's ``entity_key`` (and its
    municipality, for tables without one)."""
    keys = things.drop_duplicates(id_column).set_index(id_column)
    frame = frame.assign(entity_key=frame[id_column].map(keys["entity_key"]))
    if CODE not in frame.columns:
        frame = frame.assign(**{CODE: frame[id_column].map(keys[CODE])})
    return frame.dropna(subset=["entity_key"])


def edition_changes(dataset: Dataset, old: str = "fy2022", new: str = "fy2024") -> pd.DataFrame:
    """Every difference between two editions (see the module's docstring).

    Columns: change, table, municipality_code, name, name_en, entity_key, thing, field,
    old_value, new_value, old_quote, new_quote, evidence.
    """
    old_set, new_set = (edition_dataset(dataset, e) for e in (old, new))
    old_codes, new_codes = (set(documented_municipalities(d)) for d in (old_set, new_set))
    rows: list[dict] = []
    for change, edition_set, codes in (("municipality_added", new_set, new_codes - old_codes),
                                       ("municipality_removed", old_set, old_codes - new_codes)):
        for code in sorted(codes):
            ids = [getattr(edition_set, t).loc[lambda df, c=code: df[CODE] == c, spec.id_column]
                   for t, spec in THINGS.items()]
            rows.append({"change": change, "table": "", CODE: code, "entity_key": "",
                         "field": "", "old_value": "", "new_value": "", "old_quote": "",
                         "new_quote": "", "evidence": join_ids(pd.concat(ids))})
    both = old_codes & new_codes

    def scoped(data: Dataset, table: str) -> pd.DataFrame:
        frame = getattr(data, table)
        if table in ("channels", "target_ages"):
            frame = _with_thing_key(frame, data.services, "service_id")
        elif table == "network_body_members":
            frame = _with_thing_key(frame, data.network_bodies, "body_id")
        return frame.loc[frame[CODE].isin(both)]

    for table in THINGS:
        rows += thing_changes(table, scoped(old_set, table), scoped(new_set, table))

    def keys(data: Dataset, table: str) -> set[str]:
        return set(scoped(data, table)["entity_key"])

    def kept(table: str) -> set[str]:  # things in both editions
        return keys(old_set, table) & keys(new_set, table)

    one_edition = set().union(*(keys(old_set, t) ^ keys(new_set, t) for t in THINGS))

    rows += has_changes("channels", scoped(old_set, "channels"), scoped(new_set, "channels"),
                        kept("services"))
    rows += has_changes("network_body_members", scoped(old_set, "network_body_members"),
                        scoped(new_set, "network_body_members"), kept("network_bodies"))
    rows += age_changes(scoped(old_set, "target_ages"), scoped(new_set, "target_ages"),
                        kept("services"))
    rows += partner_changes(scoped(old_set, "collaborations"),
                            scoped(new_set, "collaborations"))
    rows += count_changes(scoped(old_set, "stated_counts"), scoped(new_set, "stated_counts"),
                          one_edition)
    order = {kind: i for i, kind in enumerate(CHANGE_KINDS)}
    columns = [c for c in CHANGE_COLUMNS if c not in ("name", "name_en", "thing")]
    thing_names = {key: name for data in (old_set, new_set) for table, spec in THINGS.items()
                   for key, name in zip(getattr(data, table)["entity_key"],
                                        getattr(data, table)[spec.name_column], strict=True)}
    return (
        pd.DataFrame(rows, columns=columns)
        .assign(thing=lambda df: df["entity_key"].map(thing_names).fillna(""))
        .pipe(with_names, dataset.municipalities)
        .assign(rank=lambda df: df["change"].map(order))
        .sort_values(["rank", CODE, "table", "entity_key", "field"], ignore_index=True)
        .loc[:, CHANGE_COLUMNS]
    )
