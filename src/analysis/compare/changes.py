"""What changed between two editions, by ``entity_key``."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.compare.evidence import join_ids, with_entity, with_names
from analysis.core.formats import format_number
from analysis.dataset.scope import documented_municipalities, edition_dataset
from analysis.dataset.tables import CODE, Dataset
from analysis.text.fold import fold_name

CHANGE_KINDS = ("municipality_added", "municipality_removed", "added", "removed", "renamed",
                "discrepancy")



CHANGE_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "services": ("service_id", ("established_year",)),
    "network_bodies": ("body_id", ("established_year", "member_count")),
    "meetings": ("meeting_id", ("per_year",)),
}



def _values(rows: pd.DataFrame, field: str) -> tuple[str, str, str]:
    """The distinct values of a field in some rows (``/``-joined), their quotes, ids."""
    stated = rows.assign(value=rows[field].map(format_number))
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
        if not set(o["name"].map(fold_name)) & set(n["name"].map(fold_name)):
            rows.append(_change_row("renamed", table, code, key, "name", o, n, "name"))
        for field in fields:
            o_stated, n_stated = o.loc[o[field].notna()], n.loc[n[field].notna()]
            o_values = set(o_stated[field].map(format_number))
            n_values = set(n_stated[field].map(format_number))
            if o_values and n_values and o_values != n_values:
                rows.append(_change_row("discrepancy", table, code, key, field, o_stated,
                                        n_stated, field))
    return rows



def _age_values(rows: pd.DataFrame, field: str) -> set[str]:
    """Stated boundaries; an empty minimum is age 0 (18歳未満 = 0歳から18歳未満), so the two
    phrasings are not a discrepancy, while an empty maximum stays open."""
    values = rows[field].fillna(0) if field == "age_min" else rows[field]
    return set(values.map(format_number))



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
    ages = [scoped(d.target_ages, "service_id").pipe(with_entity, d.services)
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
