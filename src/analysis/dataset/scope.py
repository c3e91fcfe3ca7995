"""The scope of a comparison: which sources and municipalities an edition covers.

One definition serves the comparison, the handouts, the build's plan, the explorer and
the workbooks:

- **the evidence basis of the comparisons** is the guidebook appendix of the edition:
  its pages and a municipality's attached flyers of the same edition (sources of kind
  ``guidebook_appendix`` with that ``edition``). Every municipality is compared on what
  the Tokyo Metropolitan Government published about it, in the same way;
- **supplementary sources** are everything else about one municipality: the support
  network's visit record, a steward's submission (also one registered "for" an
  edition). Their facts appear in the municipality's profile, in a section of their own,
  and a gap of the comparison that they fill is marked as such — never counted, so a
  municipality with a visit record is not compared on more evidence than its peers;
- a municipality is **documented** in an edition when any tidy table has a row from the
  edition's guidebook sources;
- sources carry an **audience**: ``public``, or ``internal`` (the visit record). A build
  for partners (``--audience public``) leaves internal sources out of every output.
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


GUIDEBOOK = "guidebook_appendix"
BASES = ("guidebook", "supplementary")


def source_basis(sources: pd.DataFrame) -> pd.Series:
    """Per source: ``guidebook`` (the comparisons' evidence) or ``supplementary``."""
    return sources["kind"].map(lambda kind: "guidebook" if kind == GUIDEBOOK
                               else "supplementary")


def edition_source_ids(sources: pd.DataFrame, edition: str) -> list[str]:
    """The guidebook sources of one edition (the comparisons' basis), in registry order."""
    chosen = (sources["edition"] == edition) & (sources["kind"] == GUIDEBOOK)
    return list(sources.loc[chosen, "source_id"])


def supplementary_source_ids(sources: pd.DataFrame, code: str,
                             edition: str | None = None) -> list[str]:
    """The supplementary sources about one municipality (visit records, submissions):
    those of no edition, and with ``edition`` also those registered for it."""
    mine = (sources["kind"] != GUIDEBOOK) & (sources["municipality_code"] == code)
    editions = {"", edition} if edition else {""}
    return list(sources.loc[mine & sources["edition"].isin(editions), "source_id"])


def municipality_source_ids(sources: pd.DataFrame, code: str, edition: str) -> list[str]:
    """What a municipality's profile and fill-in workbook show: the edition's guidebook
    sources and the municipality's supplementary sources, in registry order."""
    chosen = (set(edition_source_ids(sources, edition))
              | set(supplementary_source_ids(sources, code, edition)))
    return [s for s in sources["source_id"] if s in chosen]


def for_audience(dataset: Dataset, audience: str) -> Dataset:
    """The dataset as an audience may see it: ``all`` (everything), or ``public`` (no
    internal source, and none of the rows quoting one)."""
    if audience == "all":
        return dataset
    if audience != "public":
        raise ValueError(f"audience must be 'all' or 'public', not {audience!r}")
    internal = set(dataset.sources.loc[dataset.sources["audience"] == "internal",
                                       "source_id"])
    frames = {name: getattr(dataset, name).loc[
        lambda df: ~df["source_id"].isin(internal)] for name in TIDY_TABLES}
    return dataclasses.replace(
        dataset, sources=dataset.sources.loc[~dataset.sources["source_id"].isin(internal)],
        **frames)


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
