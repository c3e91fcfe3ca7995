"""What every result frame carries: the municipality's code and names, and the ids of the
rows it came from (``evidence``, space-separated, sorted), so a report can cite the quotes
behind any number."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analysis.core.labels import labels
from analysis.dataset.tables import CODE


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



def names_frame(municipalities: pd.DataFrame) -> pd.DataFrame:
    romaji = (municipalities["name_romaji"] if "name_romaji" in municipalities
              else municipalities["name"])
    return pd.DataFrame({CODE: municipalities[CODE], "name": municipalities["name"],
                         "name_en": romaji}).drop_duplicates(CODE)



def with_names(frame: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Add ``name`` and ``name_en`` of each row's municipality (left join on the code)."""
    return frame.merge(names_frame(municipalities), how="left", on=CODE)



def in_label_order(values: Iterable[str], group: str) -> list[str]:
    """Values in the label table's order (the curation guide's order); unknown ones last."""
    present = set(values)
    known = [key for key in labels(group) if key in present]
    return known + sorted(present - set(known))



def with_entity(frame: pd.DataFrame, services: pd.DataFrame | None) -> pd.DataFrame:
    """Attach the service's ``entity_key``; without ``services`` each service id is its own
    entity (then a fact stated by two sources counts twice — pass ``services``)."""
    if services is None:
        return frame.assign(entity_key=frame["service_id"])
    keys = services.loc[:, ["service_id", "entity_key"]].drop_duplicates("service_id")
    merged = frame.drop(columns=["entity_key"], errors="ignore").merge(
        keys, how="left", on="service_id")
    # A service id missing from services (a dangling reference) still counts once.
    return merged.assign(entity_key=merged["entity_key"].fillna(merged["service_id"]))
