"""One municipality's data in the template's form: one frame per template sheet, with
references written as entity keys. The template is prefilled from it, and the importer
compares a filled workbook with it to find what is new.
"""

from __future__ import annotations

import pandas as pd

from analysis.dataset import schema
from analysis.dataset.scope import latest_edition, municipality_source_ids
from analysis.dataset.validate import DataSet, municipality_of_row
from analysis.excel.layout import (
    EVIDENCE,
    EVIDENCE_DOCUMENT,
    PREFILLED_FROM,
    REFERENCES,
    SheetSpec,
)

SOURCE = "_source"  # helper column: the row's source_id (never written to a workbook)
_RANK = "_rank"
_ORDER = "_order"


def source_ranks(data: DataSet) -> dict[str, tuple[str, int]]:
    """How recent each source is: its date, then its place in the registry (later wins).

    Dates are ISO text, possibly intervals ("2024-11/2025-03"); comparing them as text
    orders them by their start, which is all "the latest statement" needs.
    """
    sources = data["sources"]
    return {sid: (date, index)
            for index, (sid, date) in enumerate(zip(sources["source_id"], sources["date"],
                                                    strict=True))}


def current_sources(data: DataSet, code: str) -> list[str]:
    """The sources a template shows: the latest guidebook edition, plus the sources about
    this municipality alone that belong to no edition (visit records, submissions)."""
    sources = data["sources"]
    return municipality_source_ids(sources, code, latest_edition(sources) or "")


def _entity_keys(data: DataSet, table_name: str) -> dict[str, str]:
    table = schema.BY_NAME[table_name]
    frame = data[table_name]
    return dict(zip(frame[table.fields[0].name], frame["entity_key"], strict=True))


def sheet_frame(data: DataSet, spec: SheetSpec, code: str) -> pd.DataFrame:
    """Every row of the municipality, from every source, in the sheet's columns."""
    table = spec.table
    frame = data[table.name]
    frame = frame.loc[municipality_of_row(data, table, frame) == code]
    columns: dict[str, object] = {}
    for column in spec.facts:
        ref = REFERENCES.get(column)
        if ref is None:
            columns[column] = frame[column]
        else:
            keys = _entity_keys(data, ref.table)
            columns[column] = frame[ref.tidy_column].map(lambda v, keys=keys: keys.get(v, ""))
    # The note is the curator's doubt about the original source, not part of the fact, and
    # the evidence is the steward's own: both start empty.
    columns.update({"note": "", EVIDENCE: "", EVIDENCE_DOCUMENT: ""})
    columns[PREFILLED_FROM] = frame[spec.id_column] if spec.id_column else frame["source_id"]
    columns[SOURCE] = frame["source_id"]
    return pd.DataFrame(columns, index=frame.index)


def fact_tuple(values: pd.Series | dict[str, str], spec: SheetSpec) -> tuple[str, ...]:
    return tuple(str(values[column]) for column in spec.facts)


def known_facts(data: DataSet, spec: SheetSpec, code: str) -> set[tuple[str, ...]]:
    """The facts already recorded for the municipality, from any source."""
    frame = sheet_frame(data, spec, code)
    return {fact_tuple(row, spec) for _, row in frame.iterrows()}


def _identity(spec: SheetSpec) -> list[str]:
    """What makes two rows the same thing: the sheet's own rule, the entity, or the whole
    fact."""
    if spec.identity:
        return list(spec.identity)
    return ["entity_key"] if "entity_key" in spec.facts else list(spec.facts)


def prefill(data: DataSet, spec: SheetSpec, code: str) -> pd.DataFrame:
    """The rows a template shows: the current sources' rows, each thing once, as the most
    recent source states it, in the order the sources first mention them."""
    ranks = source_ranks(data)
    frame = sheet_frame(data, spec, code)
    frame = frame.loc[frame[SOURCE].isin(current_sources(data, code))]
    frame = frame.assign(**{_RANK: frame[SOURCE].map(ranks)})
    identity = _identity(spec)
    in_order = frame.assign(**{_ORDER: frame[SOURCE].map(lambda s: ranks[s][1])}).sort_values(
        _ORDER, kind="stable")
    first_seen = {key: n for n, key in enumerate(
        in_order.drop_duplicates(identity)[identity].itertuples(index=False, name=None))}
    latest = frame.sort_values(_RANK, ascending=False, kind="stable").drop_duplicates(identity)
    order = [first_seen[key] for key in latest[identity].itertuples(index=False, name=None)]
    return (latest.assign(**{_ORDER: order}).sort_values(_ORDER)
            .drop(columns=[_RANK, _ORDER]).reset_index(drop=True))


def latest_row_ids(data: DataSet, table_name: str, code: str) -> dict[str, str]:
    """entity_key → the row id of its most recent statement, for references to things the
    workbook does not restate."""
    table = schema.BY_NAME[table_name]
    frame = data[table_name]
    frame = frame.loc[frame["municipality_code"] == code]
    ranks = source_ranks(data)
    ordered = frame.assign(**{_RANK: frame["source_id"].map(ranks)}).sort_values(_RANK)
    return dict(zip(ordered["entity_key"], ordered[table.fields[0].name], strict=True))
