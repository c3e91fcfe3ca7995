"""Validation of a data directory: schema, references, provenance and derived values.

Every problem is reported — never only the first — as
``file:row:column: value — what is wrong (how to fix)``. Row numbers are spreadsheet
row numbers: the header is row 1, the first record row 2.

Layers, in order: files can be read (encoding, size, CSV); columns match the contract
(``analysis.dataset.schema``); every cell has the right type, pattern, enum value and range
(pandera); keys are unique and references resolve; every quote is verbatim from its
source and lies in its municipality's section; derived values equal what
``analysis.text.normalize`` derives from the row's own text.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from analysis.core import limits
from analysis.core.codes import code_problem
from analysis.core.errors import UserError
from analysis.core.problems import is_cut, listing
from analysis.dataset import journal, schema
from analysis.dataset.source_readers import TEXT_SUFFIXES, read_source_text
from analysis.dataset.tables import TableReadError, csv_encoding
from analysis.text import normalize
from analysis.text.fold import fold
from analysis.text.sources import (
    Section,
    quote_in_section,
    quote_spans,
    section_of,
    split_sections,
)

MIN_QUOTE_CHARS = 6
_SPLIT = "||"  # pandera check errors carry "message||fix"


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    row: int  # spreadsheet row (header = 1); 0 = the file as a whole
    column: str
    value: str
    message: str
    fix: str

    def __str__(self) -> str:
        value = self.value if len(self.value) <= 60 else self.value[:57] + "…"
        return f"{self.file}:{self.row}:{self.column}: {value!r} — {self.message} ({self.fix})"

    @property
    def place(self) -> tuple[str, str]:
        """Where a long list groups it (``analysis.core.problems``): file and column."""
        return self.file, self.column


@dataclass(frozen=True)
class DataSet:
    """The tables of a data directory as read (all text), keyed by table name."""

    root: Path
    frames: dict[str, pd.DataFrame]

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]


# ---------------------------------------------------------------- reading ---------------

def read_table(root: Path, table: schema.Table) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one table as text; return problems instead of raising for a user's file."""
    path = root / table.path
    name = table.path
    if not path.exists():
        return None, [Problem(name, 0, "", "", "the file is missing",
                              f"create it with the header: {','.join(table.columns)}")]
    if path.is_symlink() or not path.is_file():
        return None, [Problem(name, 0, "", "", "is not a regular file",
                              "replace it with a CSV file")]
    size = path.stat().st_size
    if size > limits.MAX_CSV_BYTES:
        return None, [Problem(name, 0, "", "", size_over(size, limits.MAX_CSV_BYTES, "a table"),
                              "check that it is the right file: the largest table of all "
                              "1,741 municipalities of Japan is 3.3 MB")]
    data = path.read_bytes()
    if b"\x00" in data:
        return None, [Problem(name, 0, "", "", "the file is binary, not CSV text",
                              "export the sheet as CSV (UTF-8)")]
    try:
        encoding = csv_encoding(data, path)
    except TableReadError as error:
        return None, [Problem(name, 0, "", "", str(error).split(" — ", 1)[-1],
                              "save the file as CSV UTF-8")]
    text = data.decode(encoding)
    if not text.strip():
        return None, [Problem(name, 1, "", "", "the file is empty",
                              f"it needs at least the header: {','.join(table.columns)}")]
    try:
        import io

        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            na_filter=False)
    except (pd.errors.ParserError, ValueError) as error:
        return None, [Problem(name, 0, "", "", f"not readable as CSV: {error}",
                              "export the sheet as CSV with a header row")]
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas silently makes the first column the index when the rows have one cell
        # more than the header (e.g. a quote lost from a quoted cell shifts the commas)
        return None, [Problem(name, _first_long_row(text), "", "",
                              "has more cells than the header row",
                              "look for a stray comma or a missing quote in that row")]
    problems = column_problems(frame, table)
    if encoding == "cp932":
        problems += lost_character_problems(frame, table)
    return frame, problems


def lost_character_problems(frame: pd.DataFrame, table: schema.Table) -> list[Problem]:
    """Cells of a CSV saved as CP932 that hold "?": Excel writes "?" for every character
    CP932 cannot hold (☎, ✉, Kangxi-radical kanji such as ⽀, the en dash …), so such a
    cell may have lost a character of the source. Refused, with the way out."""
    return [Problem(table.path, index + 2, column, value,
                    "contains '?' in a file saved as CP932, which cannot hold every "
                    "character of the sources (Excel writes '?' for the ones it lacks)",
                    "save the file as 'CSV UTF-8' and copy the cell again from the source")
            for column in frame.columns for index, value in frame[column].items()
            if "?" in value]


def size_over(size: int, limit: int, kind: str) -> str:
    """The measured size and the limit, worded as every limit of the project is."""
    measured, allowed = limits.format_over(size, limit), limits.format_size(limit)
    return f"the file is {measured} (limit {allowed} {kind})"


def _first_long_row(text: str) -> int:
    """The spreadsheet row (header = 1) of the first record longer than the header."""
    import csv
    import io

    try:
        records = [record for record in csv.reader(io.StringIO(text, newline="")) if record]
    except csv.Error:
        return 0
    return next((number for number, record in enumerate(records, start=1)
                 if len(record) > len(records[0])), 0)


def column_problems(frame: pd.DataFrame, table: schema.Table) -> list[Problem]:
    """Missing, extra and misspelled columns."""
    problems = []
    present = list(frame.columns)
    missing = [c for c in table.columns if c not in present]
    for column in present:
        if column in table.columns:
            continue
        guess = difflib.get_close_matches(column, missing, n=1, cutoff=0.6)
        if guess:
            fix = f"misspelled? rename it to {guess[0]!r}"
        else:
            fix = f"remove it; the columns are {', '.join(table.columns)}"
        problems.append(Problem(table.path, 1, column, column, "unknown column", fix))
    guessed = {p.fix.split("'")[1] for p in problems if p.fix.startswith("misspelled")}
    for column in missing:
        if column not in guessed:
            problems.append(Problem(table.path, 1, column, "", "required column is missing",
                                    f"add a column named {column!r}"))
    if len(set(present)) != len(present):
        for column in sorted({c for c in present if present.count(c) > 1}):
            problems.append(Problem(table.path, 1, column, column, "column appears twice",
                                    "keep one of them"))
    return problems


def load(root: Path | str) -> tuple[DataSet, list[Problem]]:
    """Read every table of a data directory; tables that cannot be read or whose columns
    are unusable (a problem of the file, row 0, or of its header, row 1) are left out;
    problems of single cells leave the table in."""
    root = Path(root)
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    if journal.pending(root):  # some files may be the new ones, some the old
        problems.append(Problem(journal.JOURNAL_DIR, 0, "", "", "an import into this "
                                "directory is in progress or was interrupted",
                                "when no import is running, `python -m analysis validate` "
                                "finishes or undoes it"))
    for table in schema.ALL_TABLES:
        frame, found = read_table(root, table)
        problems += found
        if frame is not None and not any(p.row <= 1 for p in found):
            frames[table.name] = frame
    return DataSet(root, frames), problems


# ---------------------------------------------------------------- cells (pandera) -------

def _is_int(text: str) -> bool:
    return re.fullmatch(r"-?[0-9]+", text) is not None


def _is_number(text: str) -> bool:
    return re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text) is not None


def _check(fn: Callable[[str], bool], message: str, fix: str) -> pa.Check:
    """An element-wise check that lets empty cells through (emptiness is checked apart)."""
    return pa.Check(lambda v: v == "" or fn(v), element_wise=True,
                    error=f"{message}{_SPLIT}{fix}")


def field_checks(field: schema.Field) -> list[pa.Check]:
    checks = []
    if field.required:
        checks.append(pa.Check(lambda v: v.strip() != "", element_wise=True,
                               error=f"is empty but required{_SPLIT}fill it in"))
    if field.kind in ("integer", "number"):
        is_ok = _is_int if field.kind == "integer" else _is_number
        what = "a whole number" if field.kind == "integer" else "a number"
        checks.append(_check(is_ok, f"must be {what}", "write digits only, e.g. 12"))
        low, high = field.minimum, field.maximum
        if low is not None or high is not None:
            def in_range(v: str, low: float | None = low, high: float | None = high) -> bool:
                if not _is_number(v):
                    return True  # reported by the type check
                return (low is None or float(v) >= low) and (high is None or float(v) <= high)
            checks.append(_check(in_range, f"is out of range ({low:g} to {high:g})",
                                 "check the value against the source"))
    if field.enum:
        allowed = field.allowed()
        checks.append(_check(lambda v, allowed=allowed: v in allowed,
                             "is not an allowed value", f"use one of: {', '.join(allowed)}"))
    if field.pattern:
        pattern = re.compile(field.pattern)
        hint = {"code": "6 ASCII digits including the check digit, e.g. 132039",
                "key": "municipality code, a hyphen and an ascii slug, e.g. 132039-soreiyu",
                "id": "lowercase ascii letters, digits, '_' and '-' only"}.get(
                    field.kind, f"it must match {field.pattern}")
        checks.append(_check(lambda v, p=pattern: p.fullmatch(v) is not None,
                             "is not well formed", hint))
    return checks


@functools.cache
def pandera_schema(table: schema.Table) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {f.name: pa.Column(str, checks=field_checks(f), nullable=False) for f in table.fields},
        strict=False,
    )


def cell_problems(frame: pd.DataFrame, table: schema.Table) -> list[Problem]:
    try:
        pandera_schema(table).validate(frame, lazy=True)
    except SchemaErrors as errors:
        return list(_failures_to_problems(errors.failure_cases, table))
    return []


def _failures_to_problems(cases: pd.DataFrame, table: schema.Table) -> Iterator[Problem]:
    for case in cases.itertuples():
        message, _, fix = str(case.check).partition(_SPLIT)
        row = int(case.index) + 2 if pd.notna(case.index) else 0
        column = str(case.column)
        value = str(case.failure_case)
        if column == "quote" or column.endswith("_text"):
            value = value[:60]
        if message.startswith("is out of range"):
            message = message.replace("None", "-")
        yield Problem(table.path, row, column, value, message, fix or "see docs/curation.md")


def check_digit_problems(data: DataSet) -> Iterator[Problem]:
    """Well-formed codes whose check digit is wrong (the message gives the right one)."""
    for name, frame in data.frames.items():
        table = schema.BY_NAME[name]
        for field in table.fields:
            if field.kind != "code":
                continue
            for index, value in frame[field.name].items():
                if re.fullmatch(r"[0-9]{6}", value) and (problem := code_problem(value)):
                    yield Problem(table.path, index + 2, field.name, value, problem,
                                  "correct the code (data/reference/municipalities.csv)")


# ---------------------------------------------------------------- keys and references ---

def key_problems(data: DataSet) -> Iterator[Problem]:
    for table in schema.ALL_TABLES:
        if table.name not in data.frames or not table.primary_key:
            continue
        frame = data[table.name]
        key = list(table.primary_key)
        duplicated = frame.duplicated(subset=key, keep="first")
        for index in frame.index[duplicated]:
            value = "/".join(frame.loc[index, key])
            first = frame.index[(frame[key] == frame.loc[index, key]).all(axis=1)][0] + 2
            yield Problem(table.path, index + 2, "/".join(key), value,
                          f"duplicate id (first used on row {first})",
                          "give every row its own id")


def reference_problems(data: DataSet) -> Iterator[Problem]:
    for table in schema.ALL_TABLES:
        if table.name not in data.frames:
            continue
        frame = data[table.name]
        for fk in table.foreign_keys:
            if fk.table not in data.frames:
                continue
            known = set(data[fk.table][fk.target])
            for index, value in frame[fk.column].items():
                if value and value not in known:
                    target = schema.BY_NAME[fk.table].path
                    yield Problem(table.path, index + 2, fk.column, value,
                                  f"refers to a {fk.target} that is not in {target}",
                                  f"use an existing {fk.target} or add that row to {target}")


def municipality_of_row(data: DataSet, table: schema.Table, frame: pd.DataFrame) -> pd.Series:
    """The municipality of every row, through the body for tables without a code column."""
    if "municipality_code" in frame.columns:
        return frame["municipality_code"]
    bodies = data.frames.get("network_bodies")
    meetings = data.frames.get("meetings")
    if "body_id" in frame.columns and bodies is not None:
        return frame["body_id"].map(bodies.set_index("body_id")["municipality_code"]
                                    .loc[lambda s: ~s.index.duplicated()]).fillna("")
    if "meeting_id" in frame.columns and meetings is not None:
        return frame["meeting_id"].map(meetings.set_index("meeting_id")["municipality_code"]
                                       .loc[lambda s: ~s.index.duplicated()]).fillna("")
    return pd.Series("", index=frame.index)


ENTITY_TABLES = ("services", "meetings", "network_bodies", "milestones")


def identity_problems(data: DataSet) -> Iterator[Problem]:
    """entity_key starts with its row's municipality code, so it is never shared; a stated
    count's entity_key names a thing recorded for the same municipality."""
    owners: dict[str, tuple[str, str, int]] = {}
    for name in ENTITY_TABLES:
        if name not in data.frames:
            continue
        table = schema.BY_NAME[name]
        frame = data[name]
        for index, key, code in zip(frame.index, frame["entity_key"],
                                    frame["municipality_code"], strict=True):
            if not key:
                continue
            if not key.startswith(f"{code}-"):
                yield Problem(table.path, index + 2, "entity_key", key,
                              f"does not belong to municipality {code}",
                              f"entity keys start with the row's municipality code: {code}-…")
            owner = owners.setdefault(key, (code, table.path, index + 2))
            if owner[0] != code:
                yield Problem(table.path, index + 2, "entity_key", key,
                              f"is already used for municipality {owner[0]} "
                              f"({owner[1]} row {owner[2]})",
                              "give each municipality's things their own keys")
    if "stated_counts" not in data.frames:
        return
    table = schema.STATED_COUNTS
    frame = data["stated_counts"]
    for index, key, code in zip(frame.index, frame["entity_key"], frame["municipality_code"],
                                strict=True):
        if not key:
            continue
        if key not in owners:
            yield Problem(table.path, index + 2, "entity_key", key,
                          "names no service, meeting, network body or milestone",
                          "use the entity_key of the thing counted, or leave it empty for a "
                          "count of the whole municipality")
        elif owners[key][0] != code:
            yield Problem(table.path, index + 2, "entity_key", key,
                          f"belongs to municipality {owners[key][0]}, not {code}",
                          "count things of the row's own municipality")


def row_rule_problems(data: DataSet) -> Iterator[Problem]:
    """Rules between the cells of one row."""
    if "target_ages" in data.frames:
        table = schema.TARGET_AGES
        for index, low, high in data["target_ages"][["age_min", "age_max"]].itertuples():
            if _is_int(low) and _is_int(high) and int(low) > int(high):
                yield Problem(table.path, index + 2, "age_min", low,
                              f"is greater than age_max ({high})", "swap or correct them")
    if "meetings" in data.frames:
        table = schema.MEETINGS
        for index, regular, per_year in data["meetings"][["regular", "per_year"]].itertuples():
            if per_year and regular != "true":
                yield Problem(table.path, index + 2, "per_year", per_year,
                              f"is given for a meeting whose regular is {regular!r}",
                              "per_year is only for regular meetings; empty it or set regular")
        columns = ["occurrence", "frequency_text"]
        for index, occurrence, text in data["meetings"][columns].itertuples():
            if occurrence == "single_event" and text:
                yield Problem(table.path, index + 2, "occurrence", occurrence,
                              f"a single event has no frequency, but frequency_text is {text!r}",
                              "a meeting with a frequency is recurring; or empty "
                              "frequency_text")


# ---------------------------------------------------------------- notes -----------------

# Notes that deny a fact: "frequency not stated", "年齢の数値記載がないため target_ages には
# 記録せず" … A row whose own values state that fact contradicts its note (the FY2022
# はちまるサポート note said no age was recorded while a target-age row existed). Only
# denials are checked: what a note asserts cannot be read mechanically.
_DENIES_FREQUENCY = re.compile(
    r"(?i)frequency (?:is )?not stated|no frequency (?:is )?(?:stated|given)|gives no frequency"
    r"|(?:開催)?頻度の記載(?:が)?な")
_DENIES_AGE = re.compile(
    r"(?i)(?:no|without an?) (?:numeric )?age (?:is )?(?:stated|given)|age (?:is )?not stated"
    r"|年齢の(?:数値)?記載(?:が)?な|target_ages には記録せず|not recorded in target_ages")
_DENIES_DATE = re.compile(
    r"(?i)(?:establishment|opening|start|production) date (?:is )?not stated"
    r"|(?:設置|開設|開始)時期の記載(?:が)?な")
_DENIES_MEMBER_COUNT = re.compile(
    r"(?i)member count (?:is )?not stated|構成数の記載(?:が)?な")


def note_problems(data: DataSet) -> Iterator[Problem]:
    """A note that says a fact is not stated while the row (or its service's target-age
    rows) records that fact."""
    def denials(frame: pd.DataFrame, pattern: re.Pattern[str], filled: pd.Series,
                table: schema.Table, what: str, where: str) -> Iterator[Problem]:
        for index in frame.index[frame["note"].str.contains(pattern) & filled]:
            yield Problem(table.path, index + 2, "note", frame.loc[index, "note"],
                          f"says no {what} is stated, but {where}",
                          "make the note and the row agree (check the quote)")

    if "meetings" in data.frames:
        meetings = data["meetings"]
        yield from denials(meetings, _DENIES_FREQUENCY, meetings["frequency_text"] != "",
                           schema.MEETINGS, "frequency", "frequency_text is filled")
    if "services" in data.frames:
        services = data["services"]
        yield from denials(services, _DENIES_DATE, services["established_text"] != "",
                           schema.SERVICES, "start date", "established_text is filled")
        if "target_ages" in data.frames:
            aged = services["service_id"].isin(set(data["target_ages"]["service_id"]))
            yield from denials(services, _DENIES_AGE, aged, schema.SERVICES, "age",
                               "tidy/target_ages.csv has a row for this service")
    if "network_bodies" in data.frames:
        bodies = data["network_bodies"]
        yield from denials(bodies, _DENIES_DATE, bodies["established_text"] != "",
                           schema.NETWORK_BODIES, "establishment date",
                           "established_text is filled")
        yield from denials(bodies, _DENIES_MEMBER_COUNT, bodies["member_count_text"] != "",
                           schema.NETWORK_BODIES, "member count", "member_count_text is filled")


# ---------------------------------------------------------------- provenance ------------

@dataclass(frozen=True)
class SourceText:
    text: str
    folded: str  # the text in comparison form (analysis.text.fold)
    sections: list[Section]


def source_texts(data: DataSet) -> dict[str, SourceText]:
    """Each registered, readable source with its municipality sections."""
    result = {}
    if "sources" not in data.frames:
        return result
    names = _municipality_names(data)
    for row in data["sources"].itertuples():
        path = data.root / "raw" / row.file
        if not _safe_child(path, data.root / "raw") or not path.is_file():
            continue
        if path.suffix.lower() in TEXT_SUFFIXES and (
                path.stat().st_size > limits.MAX_TEXT_SOURCE_BYTES):
            continue  # reported by source_problems
        text = read_source_text(path)  # a workbook over a limit reads as ""
        whole = names.get(row.municipality_code) if row.municipality_code else None
        result[row.source_id] = SourceText(
            text, fold(text), split_sections(text, whole_file_municipality=whole))
    return result


def _municipality_names(data: DataSet) -> dict[str, str]:
    if "municipalities" not in data.frames:
        return {}
    return dict(zip(data["municipalities"]["municipality_code"],
                    data["municipalities"]["name"], strict=True))


def _safe_child(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


def raw_file_over_limit(path: Path) -> str:
    """Why a registered source file is over a limit (see ``analysis.core.limits``), or "".

    Checked before the file is hashed or read, so a huge file costs nothing.
    """
    if path.suffix.lower() == ".xlsx":
        try:
            limits.read_workbook(path)
        except limits.LimitError as error:
            return error.detail
        except UserError:
            return ""  # unreadable: its rows' quotes are reported as not found in it
        return ""
    size = path.stat().st_size
    if path.suffix.lower() == ".pdf":
        return size_over(size, limits.MAX_PDF_BYTES, "a PDF") if (
            size > limits.MAX_PDF_BYTES) else ""
    if size > limits.MAX_TEXT_SOURCE_BYTES:
        return size_over(size, limits.MAX_TEXT_SOURCE_BYTES, "a text source")
    return ""


def source_problems(data: DataSet) -> Iterator[Problem]:
    """Every registered file exists inside data/raw and has its recorded hash."""
    if "sources" not in data.frames:
        return
    table = schema.SOURCES
    raw = data.root / "raw"
    for index, row in data["sources"].iterrows():
        path = raw / row["file"]
        if not _safe_child(path, raw):
            yield Problem(table.path, index + 2, "file", row["file"],
                          "points outside data/raw", "name a file inside data/raw")
        elif not path.is_file():
            yield Problem(table.path, index + 2, "file", row["file"], "file not found in data/raw",
                          "copy the source document there unchanged")
        elif over := raw_file_over_limit(path):
            yield Problem(table.path, index + 2, "file", row["file"], over,
                          "check that it is the right file (README: Limits)")
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if row["sha256"] and digest != row["sha256"]:
                yield Problem(table.path, index + 2, "sha256", row["sha256"],
                              f"does not match the file (its sha256 is {digest})",
                              "raw sources are immutable: restore the original file")


def provenance_problems(data: DataSet) -> Iterator[Problem]:
    texts = source_texts(data)
    names = _municipality_names(data)
    for table in schema.TIDY:
        if table.name not in data.frames or "quote" not in table.columns:
            continue
        frame = data[table.name]
        codes = municipality_of_row(data, table, frame)
        for index, row in frame.iterrows():
            yield from _row_provenance(table, index + 2, row, codes[index], names, texts)


def _row_provenance(table: schema.Table, row_number: int, row: pd.Series, code: str,
                    names: dict[str, str], texts: dict[str, SourceText]) -> Iterator[Problem]:
    quote = row["quote"]
    folded_quote = fold(quote)
    if not folded_quote:
        return  # reported as a required cell
    if len(folded_quote) < MIN_QUOTE_CHARS:
        yield Problem(table.path, row_number, "quote", quote,
                      f"is shorter than {MIN_QUOTE_CHARS} characters",
                      "quote the whole phrase that states the fact")
        return
    for column in table.columns:
        if column.endswith("_text") and row[column] and fold(row[column]) not in folded_quote:
            yield Problem(table.path, row_number, column, row[column],
                          "does not appear in the row's quote",
                          "copy the phrase exactly as the quote writes it")
    source = texts.get(row["source_id"])
    if source is None:
        return  # unknown source: reported as a reference problem
    if folded_quote not in source.folded:
        yield Problem(table.path, row_number, "quote", quote,
                      f"is not verbatim in source {row['source_id']}",
                      "copy the passage exactly from the source file (line breaks may be "
                      "dropped; nothing else changed)")
        return
    name = names.get(code)
    if name and not quote_in_section(source.text, quote, name, source.sections):
        others = _sections_containing(source, quote)
        where = f" (it is in the section of {', '.join(others)})" if others else ""
        yield Problem(table.path, row_number, "quote", quote,
                      f"is not in the section of {name} in {row['source_id']}{where}",
                      "quote the municipality's own section or correct municipality_code")


def _sections_containing(source: SourceText, quote: str) -> list[str]:
    """Names of the sections an occurrence of the quote lies in."""
    found = {section.municipality_name
             for start, end in quote_spans(source.text, quote)
             if (section := section_of(source.sections, start)) and section.contains(start, end)}
    return sorted(found)


# ---------------------------------------------------------------- derived values --------

def derived_problems(data: DataSet) -> Iterator[Problem]:
    """Values must equal what the derivation rules (``analysis.text.derive``, declared per
    table in the schema) give for the row's own phrase."""
    for table in schema.TIDY:
        if table.name not in data.frames:
            continue
        frame = data[table.name]
        for derivation in table.derivations:
            yield from _derivation_problems(table, frame, derivation)


def _derivation_problems(table: schema.Table, frame: pd.DataFrame,
                         derivation: schema.Derivation) -> Iterator[Problem]:
    text_column = derivation.text_column
    for index, row in frame.iterrows():
        text = row[text_column]
        try:
            expected = derivation.cells(text)
        except normalize.NormalizeError as error:
            yield Problem(table.path, index + 2, text_column, text,
                          f"cannot be interpreted: {error}",
                          "write the phrase as the source does, or move doubt to note")
            continue
        for column, value in expected.items():
            if row[column] != value:
                yield Problem(table.path, index + 2, column, row[column],
                              f"differs from what {text_column} {text!r} gives "
                              f"({value or 'empty'})",
                              f"set it to {value!r}" if value else "leave it empty")


# ---------------------------------------------------------------- entry point -----------

def validate(root: Path | str) -> tuple[DataSet, list[Problem]]:
    """All problems of a data directory, sorted by file and row."""
    data, problems = load(root)
    cell = []
    for name, frame in data.frames.items():
        cell += cell_problems(frame, schema.BY_NAME[name])
    problems += cell
    checks: Iterable[Iterator[Problem]] = (
        source_problems(data), check_digit_problems(data), key_problems(data),
        reference_problems(data),
        identity_problems(data), row_rule_problems(data), note_problems(data),
    )
    for check in checks:
        problems += list(check)
    # Provenance and derivations read cells that must first be well formed.
    bad_cells = {(p.file, p.row, p.column) for p in cell}
    problems += [p for p in provenance_problems(data)
                 if (p.file, p.row, p.column) not in bad_cells]
    problems += [p for p in derived_problems(data)
                 if (p.file, p.row, p.column) not in bad_cells]
    return data, sorted(set(problems))


def require_valid(root: Path | str, consequence: str = limits.NOTHING_WRITTEN) -> DataSet:
    """The data directory's tables as text; refused, with its problems (a bounded list,
    ``analysis.core.problems``), when it does not validate. The one refusal of invalid
    data of every command that reads a data directory (build, export, template, import).
    """
    root = _data_dir(root)
    data, found = validate(root)
    if found:
        raise _refusal(root, found, consequence)
    return data


def require_readable(root: Path | str, consequence: str = limits.NOTHING_WRITTEN) -> DataSet:
    """Only the first layer of :func:`require_valid` — every table within its size limit,
    decodable, parsable, with its columns — for commands that read tables before the full
    validation has run (``build`` plans from them while it validates in a thread)."""
    root = _data_dir(root)
    data, found = load(root)
    if found:
        raise _refusal(root, found, consequence)
    return data


def _data_dir(root: Path | str) -> Path:
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"{root}: not a directory (give a data directory laid out like data/)")
    return root


def _refusal(root: Path, found: list[Problem], consequence: str) -> UserError:
    lines = "\n".join(f"  {line}" for line in listing(found))
    everything = " --all-problems" if is_cut(found) else ""
    return UserError(f"{root} does not validate ({len(found):,} problem(s)); {consequence}:"
                     f"\n{lines}\nrun: python -m analysis validate {root}{everything}")


def summary(data: DataSet) -> str:
    counts = ", ".join(f"{len(data[t.name])} {t.name}" for t in schema.TIDY
                       if t.name in data.frames)
    return f"valid: {counts}"
