"""The scope of a comparison: which sources and municipalities an edition covers.

One definition serves the comparison, the handouts, the build's plan and the workbooks:

- an edition's sources are the registered sources of that edition (the main appendix and
  a municipality's attached flyers);
- a municipality's own sources are those about it alone that belong to no edition (the
  support network's visit record, a steward's submission);
- a municipality is documented in an edition when any tidy table has a row from the
  edition's sources.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pandas as pd

from analysis.dataset.tables import CODE, TIDY_TABLES, Dataset


def editions(sources: pd.DataFrame) -> list[str]:
    """The guidebook editions of the source registry, oldest first (fy2022 < fy2024)."""
    return sorted(edition for edition in set(sources["edition"]) if edition)


def latest_edition(sources: pd.DataFrame) -> str | None:
    found = editions(sources)
    return found[-1] if found else None


def previous_edition(sources: pd.DataFrame, edition: str) -> str | None:
    """The latest edition before ``edition`` in the source registry, if any."""
    earlier = [e for e in editions(sources) if e < edition]
    return earlier[-1] if earlier else None


def edition_source_ids(sources: pd.DataFrame, edition: str) -> list[str]:
    """The sources of one edition, in registry order."""
    return list(sources.loc[sources["edition"] == edition, "source_id"])


def own_source_ids(sources: pd.DataFrame, code: str) -> list[str]:
    """Sources about one municipality alone that belong to no edition (visit records,
    submissions), in registry order."""
    own = (sources["edition"] == "") & (sources["municipality_code"] == code)
    return list(sources.loc[own, "source_id"])


def municipality_source_ids(sources: pd.DataFrame, code: str, edition: str) -> list[str]:
    """What a municipality's profile and fill-in workbook show: the edition's sources and
    the municipality's own sources, in registry order."""
    chosen = set(edition_source_ids(sources, edition)) | set(own_source_ids(sources, code))
    return [s for s in sources["source_id"] if s in chosen]


def edition_dataset(dataset: Dataset, edition: str,
                    extra_sources: Sequence[str] = ()) -> Dataset:
    """The dataset with every tidy table restricted to one edition's sources (plus
    ``extra_sources``, e.g. the visit record, which belongs to no edition)."""
    source_ids = set(edition_source_ids(dataset.sources, edition)) | set(extra_sources)
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


def edition_municipalities(dataset: Dataset, edition: str) -> list[str]:
    """The municipalities an edition documents, in code order: the comparison's rows and
    the build's handouts alike."""
    return documented_municipalities(edition_dataset(dataset, edition))


def restrict(data: Dataset, codes: Sequence[str]) -> Dataset:
    """The dataset cut to some municipalities (tables without a code follow their body)."""
    keep = set(codes)
    frames = {}
    for field in dataclasses.fields(data):
        frame = getattr(data, field.name)
        if CODE in frame.columns and field.name not in ("municipalities", "sources"):
            frame = frame.loc[frame[CODE].isin(keep)]
        frames[field.name] = frame
    bodies = set(frames["network_bodies"]["body_id"])
    frames["network_body_members"] = data.network_body_members.loc[
        data.network_body_members["body_id"].isin(bodies)]
    frames["meeting_bodies"] = data.meeting_bodies.loc[data.meeting_bodies["body_id"].isin(bodies)]
    return Dataset(**frames)
