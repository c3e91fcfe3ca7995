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

from analysis.core.codes import code_problem
from analysis.dataset import journal, schema
from analysis.dataset.tables import TableReadError, decode_csv_bytes
from analysis.text import normalize
from analysis.text.sources import normalize_for_match, quote_spans, split_sections

MAX_FILE_BYTES = 5 * 1024 * 1024
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
    if size > MAX_FILE_BYTES:
        return None, [Problem(name, 0, "", f"{size} bytes",
                              f"the file is larger than {MAX_FILE_BYTES // 2**20} MB, far more "
                              "than any real table", "check that it is the right file")]
    data = path.read_bytes()
    if b"\x00" in data:
        return None, [Problem(name, 0, "", "", "the file is binary, not CSV text",
                              "export the sheet as CSV (UTF-8)")]
    try:
        text = decode_csv_bytes(data, path)
    except TableReadError as error:
        return None, [Problem(name, 0, "", "", str(error).split(" — ", 1)[-1],
                              "save the file as CSV UTF-8")]
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
    return frame, column_problems(frame, table)


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
    """Read every table of a data directory; tables with unusable columns are left out."""
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
        if frame is not None and not found:
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


def identity_problems(data: DataSet) -> Iterator[Problem]:
    """entity_key starts with its row's municipality code, so it is never shared."""
    owners: dict[str, tuple[str, str, int]] = {}
    for name in ("services", "meetings", "network_bodies"):
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


# ---------------------------------------------------------------- provenance ------------

@dataclass(frozen=True)
class SourceText:
    text: str
    normalized: str
    sections: dict[str, list[tuple[int, int]]]  # municipality name → spans


def source_texts(data: DataSet) -> dict[str, SourceText]:
    """Each registered, readable source with its municipality sections."""
    result = {}
    if "sources" not in data.frames:
        return result
    names = {}
    if "municipalities" in data.frames:
        names = dict(zip(data["municipalities"]["municipality_code"],
                         data["municipalities"]["name"], strict=True))
    for row in data["sources"].itertuples():
        path = data.root / "raw" / row.file
        if not _safe_child(path, data.root / "raw") or not path.is_file():
            continue
        if row.kind == "steward_submission" and path.suffix == ".xlsx":
            # Extension point: a submission's source is its archived workbook, and its
            # text is the evidence cells the rows quote (analysis.excel).
            from analysis.excel import submission_text

            text = submission_text(path)
        else:
            text = path.read_text(encoding="utf-8", errors="replace")
        whole = names.get(row.municipality_code) if row.municipality_code else None
        sections: dict[str, list[tuple[int, int]]] = {}
        for section in split_sections(text, whole_file_municipality=whole):
            sections.setdefault(section.municipality_name, []).append(
                (section.start, section.end))
        result[row.source_id] = SourceText(text, normalize_for_match(text), sections)
    return result


def _safe_child(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


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
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if row["sha256"] and digest != row["sha256"]:
                yield Problem(table.path, index + 2, "sha256", row["sha256"],
                              f"does not match the file (its sha256 is {digest})",
                              "raw sources are immutable: restore the original file")


def provenance_problems(data: DataSet) -> Iterator[Problem]:
    texts = source_texts(data)
    names = {}
    if "municipalities" in data.frames:
        names = dict(zip(data["municipalities"]["municipality_code"],
                         data["municipalities"]["name"], strict=True))
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
    normalized_quote = normalize_for_match(quote)
    if not normalized_quote:
        return  # reported as a required cell
    if len(normalized_quote) < MIN_QUOTE_CHARS:
        yield Problem(table.path, row_number, "quote", quote,
                      f"is shorter than {MIN_QUOTE_CHARS} characters",
                      "quote the whole phrase that states the fact")
        return
    for column in table.columns:
        if column.endswith("_text") and row[column] and (
                normalize_for_match(row[column]) not in normalized_quote):
            yield Problem(table.path, row_number, column, row[column],
                          "does not appear in the row's quote",
                          "copy the phrase exactly as the quote writes it")
    source = texts.get(row["source_id"])
    if source is None:
        return  # unknown source: reported as a reference problem
    if normalized_quote not in source.normalized:
        yield Problem(table.path, row_number, "quote", quote,
                      f"is not verbatim in source {row['source_id']}",
                      "copy the passage exactly from the source file (line breaks may be "
                      "dropped; nothing else changed)")
        return
    name = names.get(code)
    spans = source.sections.get(name or "", [])
    if name and not any(start <= s and e <= end for s, e in quote_spans(source.text, quote)
                        for start, end in spans):
        others = _sections_containing(source, quote)
        where = f" (it is in the section of {', '.join(others)})" if others else ""
        yield Problem(table.path, row_number, "quote", quote,
                      f"is not in the section of {name} in {row['source_id']}{where}",
                      "quote the municipality's own section or correct municipality_code")


def _sections_containing(source: SourceText, quote: str) -> list[str]:
    found = []
    for span_start, span_end in quote_spans(source.text, quote):
        for name, spans in source.sections.items():
            if any(s <= span_start and span_end <= e for s, e in spans):
                found.append(name)
    return sorted(set(found))


# ---------------------------------------------------------------- derived values --------

def _fmt_number(value: float | int | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _fmt_bool(value: bool) -> str:
    return "true" if value else "false"


def derived_problems(data: DataSet) -> Iterator[Problem]:
    """Values must equal what the normalizers derive from the row's own text."""
    rules: list[tuple[schema.Table, str, Callable[[str], dict[str, str]]]] = [
        (schema.MEETINGS, "frequency_text", derived_frequency_columns),
        (schema.TARGET_AGES, "age_text", derived_age_columns),
        (schema.SERVICES, "established_text", _derive_date("established_year",
                                                           "established_month")),
        (schema.NETWORK_BODIES, "established_text", _derive_date("established_year",
                                                                 "established_month")),
        (schema.MILESTONES, "date_text", _derive_date("year", "month")),
        (schema.NETWORK_BODIES, "member_count_text", _derive_count),
    ]
    for table, text_column, derive in rules:
        if table.name not in data.frames:
            continue
        frame = data[table.name]
        for index, row in frame.iterrows():
            text = row[text_column]
            try:
                expected = derive(text)
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


def derived_frequency_columns(text: str) -> dict[str, str]:
    """regular / per_year / approximate as the normalizer derives them (the contract)."""
    if not text:
        return {"regular": "unknown", "per_year": ""}
    parsed = normalize.parse_frequency(text)
    return {"regular": _fmt_bool(parsed.regular), "per_year": _fmt_number(parsed.per_year),
            "approximate": _fmt_bool(parsed.approximate)}


def derived_age_columns(text: str) -> dict[str, str]:
    """age_min / age_max / approximate as the normalizer derives them."""
    parsed = normalize.parse_age_range(text)
    return {"age_min": _fmt_number(parsed.age_min), "age_max": _fmt_number(parsed.age_max),
            "approximate": _fmt_bool(parsed.approximate)}


def _derive_date(year_column: str, month_column: str) -> Callable[[str], dict[str, str]]:
    def derive(text: str) -> dict[str, str]:
        year, month = derived_date_columns(text)
        return {year_column: year, month_column: month}
    return derive


def derived_date_columns(text: str) -> tuple[str, str]:
    """(year, month) of a date phrase; both empty without a phrase (a date without the
    phrase it comes from is not sourced)."""
    if not text:
        return "", ""
    parsed = normalize.parse_japanese_date(text)
    return str(parsed.year), _fmt_number(parsed.month)


def _derive_count(text: str) -> dict[str, str]:
    if not text:
        return {"member_count": ""}
    return {"member_count": str(normalize.parse_count(text))}


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
        identity_problems(data), row_rule_problems(data),
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


def summary(data: DataSet) -> str:
    counts = ", ".join(f"{len(data[t.name])} {t.name}" for t in schema.TIDY
                       if t.name in data.frames)
    return f"valid: {counts}"
