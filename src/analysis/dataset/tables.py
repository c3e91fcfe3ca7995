"""Reading the tidy tables: CSV as data stewards save it (UTF-8, UTF-8 with BOM, CP932).

Everything is read as text; typing and every rule live in ``analysis.dataset.validate``.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.core.paths import DATA_DIR, reference_dir, tidy_dir
from analysis.dataset import schema

CODE = "municipality_code"  # the column that ties every table to a municipality
# The tidy tables, in the contract's order (analysis.dataset.schema): one list, defined there.
TIDY_TABLES = tuple(table.name for table in schema.TIDY)
ENCODINGS = ("utf-8-sig", "cp932")


class TableReadError(ValueError):
    """A table file that cannot be read as CSV text; the message says where and why."""


def csv_encoding(data: bytes, path: Path) -> str:
    """The encoding of a CSV file's bytes: UTF-8 (with or without BOM) or CP932, the
    encodings Excel and editors write; TableReadError (located) for anything else."""
    for encoding in ENCODINGS:
        try:
            data.decode(encoding)
            return encoding
        except UnicodeDecodeError as error:
            last = error
    line = data[: last.start].count(b"\n") + 1
    raise TableReadError(
        f"{path}:{line}: bytes {data[last.start:last.start + 4]!r} — not valid UTF-8 or CP932 "
        "(save the file as 'CSV UTF-8' or 'CSV (Shift-JIS / CP932)')"
    )


def decode_csv_bytes(data: bytes, path: Path) -> str:
    """The text of a CSV file's bytes (see ``csv_encoding``)."""
    return data.decode(csv_encoding(data, path))


def read_csv_text(path: Path) -> pd.DataFrame:
    """Read one CSV file as strings; empty cells stay empty strings, never NaN."""
    path = Path(path)
    text = decode_csv_bytes(path.read_bytes(), path)
    if not text.strip():
        raise TableReadError(f"{path}:1: the file is empty (it needs at least a header row)")
    return pd.read_csv(
        io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False
    )


def load_tidy(name: str, data_dir: Path | str = DATA_DIR) -> pd.DataFrame:
    """One tidy table by name (``services``, ``channels`` …) from a data directory."""
    if name not in TIDY_TABLES:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TIDY_TABLES)}")
    return read_csv_text(tidy_dir(Path(data_dir or DATA_DIR)) / f"{name}.csv")


def load_municipalities(data_dir: Path | str = DATA_DIR) -> pd.DataFrame:
    """The municipality reference table."""
    return read_csv_text(reference_dir(Path(data_dir or DATA_DIR)) / "municipalities.csv")


def load_sources(data_dir: Path | str = DATA_DIR) -> pd.DataFrame:
    """The source registry, ``raw/sources.csv``."""
    from analysis.core.paths import raw_dir

    return read_csv_text(raw_dir(Path(data_dir or DATA_DIR)) / "sources.csv")


@dataclass(frozen=True)
class Dataset:
    """Every table of a data directory, typed per ``analysis.dataset.schema``: integers as
    nullable ``Int64``, numbers as ``Float64``, booleans as ``boolean``, the rest text."""

    sources: pd.DataFrame
    municipalities: pd.DataFrame
    services: pd.DataFrame
    channels: pd.DataFrame
    target_ages: pd.DataFrame
    meetings: pd.DataFrame
    meeting_bodies: pd.DataFrame
    network_bodies: pd.DataFrame
    network_body_members: pd.DataFrame
    milestones: pd.DataFrame
    collaborations: pd.DataFrame
    # Defaults to an empty table, so that code building a Dataset by hand from the older
    # tables keeps working.
    stated_counts: pd.DataFrame = dataclasses.field(
        default_factory=lambda: empty_table("stated_counts"))


def empty_table(table_name: str) -> pd.DataFrame:
    """A table with the schema's columns and no rows, typed."""
    from analysis.dataset.schema import BY_NAME

    columns = BY_NAME[table_name].columns
    return typed(pd.DataFrame({c: pd.Series(dtype=str) for c in columns}), table_name)


def typed(frame: pd.DataFrame, table_name: str) -> pd.DataFrame:
    """Convert the text columns of a validated table to their schema types."""
    conversions = {}
    for field in schema.BY_NAME[table_name].fields:
        if field.name not in frame.columns:
            continue
        column = frame[field.name]
        if field.kind == "integer":
            conversions[field.name] = pd.to_numeric(column.replace("", None)).astype("Int64")
        elif field.kind == "number":
            conversions[field.name] = pd.to_numeric(column.replace("", None)).astype("Float64")
        elif field.kind == "boolean":
            conversions[field.name] = column.map({"true": True, "false": False}).astype(
                "boolean")
    return frame.assign(**conversions)


def load_population(data_dir: Path | str = DATA_DIR) -> pd.DataFrame:
    """``reference/population.csv``, typed: counts as ``Int64`` (missing where unknown)."""
    return typed(read_csv_text(reference_dir(Path(data_dir or DATA_DIR)) / "population.csv"),
                 "population")


def load_dataset(data_dir: Path | str = DATA_DIR) -> Dataset:
    """All tables of a data directory, typed. Validate first (``python -m analysis validate``):
    this loader trusts the files. ``municipalities`` carries each municipality's
    population figures (``population.csv``) beside its names, kind and area."""
    data_dir = Path(data_dir or DATA_DIR)
    frames = {name: typed(load_tidy(name, data_dir), name) for name in TIDY_TABLES}
    population = load_population(data_dir)
    municipalities = load_municipalities(data_dir).merge(
        population, how="left", on=CODE, validate="one_to_one")
    return Dataset(sources=load_sources(data_dir), municipalities=municipalities, **frames)
