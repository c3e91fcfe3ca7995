"""Property-based fuzzing (hypothesis) of what users hand us: tables and workbooks.

Valid inputs — a one-municipality copy of data/ and a filled 武蔵野市 template — are
mutated the ways files get damaged or mistyped: cells, encodings, quoting, column order,
truncation, rows; sheets, cells, bytes of a workbook. Whatever comes in:

- ``validate`` and ``import`` never raise anything but a UserError (no traceback), and
- they never accept a row whose quote is not in its source (checked here independently,
  by the contract of docs/curation.md: NFKC and all whitespace removed, on both sides).

Examples per run: the hypothesis profile (tests/conftest.py); the long run is
``HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from analysis.cli import main
from analysis.core.errors import UserError
from analysis.dataset import schema
from analysis.dataset.validate import validate
from analysis.excel import importing, submit
from analysis.excel.layout import EVIDENCE, FIRST_DATA_ROW, KEY_ROW
from analysis.excel.template import make_template
from tests.subset import CODE, write_subset
from tests.test_workbook import NEW_CHANNEL, NEW_MEETING, NEW_SERVICE, add_row

# No "explain" phase: it re-runs a failing example many times, each a validation (~0.5 s).
_PHASES = [phase for phase in Phase if phase is not Phase.explain]
TABLES = settings(max_examples=settings.default.max_examples * 3 // 2,  # 150 by default
                  phases=_PHASES)
WORKBOOKS = settings(max_examples=settings.default.max_examples * 3 // 4,  # 75 by default
                     phases=_PHASES)
FILES = [table.path for table in schema.TIDY] + [schema.SOURCES.path]
Draw = Callable[[st.SearchStrategy], object]


def match_form(text: str) -> str:
    """The contract's comparison form of a quote and its source (docs/curation.md)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def decode(content: bytes) -> str:
    """As the contract says tables may be saved: UTF-8 (with or without BOM) or CP932."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp932")


def quotes_not_in_their_source(root: Path) -> list[str]:
    """Every tidy row whose quote is not verbatim in the file of its source."""
    sources = {row["source_id"]: row for row in
               csv.DictReader(io.StringIO(decode((root / schema.SOURCES.path).read_bytes()),
                                          newline=""))}
    found = []
    for table in schema.TIDY:
        text = decode((root / table.path).read_bytes())
        for number, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
            source = sources[row["source_id"]]
            body = (root / "raw" / source["file"]).read_text(encoding="utf-8",
                                                             errors="replace")
            if match_form(row["quote"]) not in match_form(body):
                found.append(f"{table.path}:{number}: {row['quote']!r}")
    return found


# ---------------------------------------------------------------- table mutations -------

def parse(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))


def unparse(rows: list[list[str]], **dialect) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", **dialect).writerows(rows)
    return buffer.getvalue().encode("utf-8")


TRICKY = ["", " ", "　", "=1+1", "@SUM(A1)", '"', ",", "\n", "\r\n", "'", "phone", "pigeon",
          "fy2024_main", "132039", "１３２０３９", "13203９", "132038", "true", "TRUE", "1e3",
          "-1", "0", "NaN", "None", "null", "\ufeff", "\x00", "令和7年4月", "月1回", "..",
          "../../etc/passwd", "武蔵野市", "相談窓口"]
cell_values = st.one_of(st.sampled_from(TRICKY), st.text(max_size=40))


def mutate_cell(content: bytes, draw: Draw) -> bytes:
    rows = parse(content)
    if not rows:
        return content + draw(cell_values).encode()
    row = draw(st.integers(0, len(rows) - 1))
    if not rows[row]:
        return content
    column = draw(st.integers(0, len(rows[row]) - 1))
    same_column = [r[column] for r in rows[1:] if len(r) > column]
    rows[row][column] = draw(st.one_of(cell_values, st.sampled_from(same_column or [""])))
    return unparse(rows)


def mutate_quote(content: bytes, draw: Draw, sources_text: list[str]) -> bytes:
    rows = parse(content)
    if len(rows) < 2 or "quote" not in rows[0]:
        return mutate_cell(content, draw)
    column = rows[0].index("quote")
    row = draw(st.integers(1, len(rows) - 1))
    if len(rows[row]) <= column:
        return mutate_cell(content, draw)
    quote = rows[row][column]
    position = draw(st.integers(0, len(quote)))
    operation = draw(st.sampled_from(["insert", "delete", "replace", "slice", "other",
                                      "whitespace", "width"]))
    if operation == "insert":
        quote = quote[:position] + draw(st.characters()) + quote[position:]
    elif operation == "delete":
        quote = quote[:position] + quote[position + 1:]
    elif operation == "replace":
        quote = quote[:position] + draw(st.characters()) + quote[position + 1:]
    elif operation == "slice":  # a passage of some source: verbatim, but whose?
        text = draw(st.sampled_from(sources_text))
        start = draw(st.integers(0, len(text) - 1))
        quote = text[start:start + draw(st.integers(1, 80))]
    elif operation == "other":
        quote = draw(st.sampled_from([r[column] for r in rows[1:] if len(r) > column]))
    elif operation == "whitespace":  # allowed by the contract: must still be accepted
        quote = quote[:position] + draw(st.sampled_from([" ", "\n", "　", "\t"])) + \
            quote[position:]
    else:  # full-width ↔ half-width: NFKC makes them equal
        quote = unicodedata.normalize("NFKC", quote) if draw(st.booleans()) else \
            quote.replace("1", "１").replace("(", "（")
    rows[row][column] = quote
    return unparse(rows)


def mutate_encoding(content: bytes, draw: Draw) -> bytes:
    text = content.decode("utf-8")
    how = draw(st.sampled_from(["cp932", "utf-16", "bom", "latin-1", "bytes"]))
    if how == "cp932":
        return text.encode("cp932", errors="replace")
    if how == "utf-16":
        return text.encode("utf-16")
    if how == "bom":
        return b"\xef\xbb\xbf" + content
    if how == "latin-1":  # mojibake: UTF-8 bytes read as Latin-1, saved as UTF-8
        return content.decode("latin-1").encode("utf-8")
    position = draw(st.integers(0, len(content)))
    return content[:position] + draw(st.binary(min_size=1, max_size=4)) + content[position:]


def mutate_quoting(content: bytes, draw: Draw) -> bytes:
    how = draw(st.sampled_from(["all", "stray", "drop", "escape"]))
    if how == "all":
        return unparse(parse(content), quoting=csv.QUOTE_ALL)
    if how == "escape":
        return unparse(parse(content), doublequote=False, escapechar="\\")
    if how == "stray":
        position = draw(st.integers(0, len(content)))
        return content[:position] + b'"' + content[position:]
    quotes = [i for i, byte in enumerate(content) if byte == ord('"')]
    if not quotes:
        return content
    position = draw(st.sampled_from(quotes))
    return content[:position] + content[position + 1:]


def mutate_columns(content: bytes, draw: Draw) -> bytes:
    rows = parse(content)
    if not rows or not rows[0]:
        return content
    width = len(rows[0])
    how = draw(st.sampled_from(["permute", "drop", "duplicate", "rename", "misspell"]))
    column = draw(st.integers(0, width - 1))
    if how == "permute":
        order = draw(st.permutations(range(width)))
        return unparse([[r[i] if i < len(r) else "" for i in order] for r in rows])
    if how == "drop":
        return unparse([r[:column] + r[column + 1:] for r in rows])
    if how == "duplicate":
        return unparse([r + r[column:column + 1] for r in rows])
    name = rows[0][column]  # the header row is as wide as width
    rows[0][column] = draw(cell_values) if how == "rename" else name[1:2] + name[:1] + name[2:]
    return unparse(rows)


def mutate_truncate(content: bytes, draw: Draw) -> bytes:
    return content[:draw(st.integers(0, max(0, len(content) - 1)))]


def mutate_rows(content: bytes, draw: Draw) -> bytes:
    rows = parse(content)
    how = draw(st.sampled_from(["duplicate", "delete", "swap", "blank", "crlf", "cr",
                                "ragged"]))
    row = draw(st.integers(1, max(1, len(rows) - 1)))
    if how == "crlf":
        return content.replace(b"\n", b"\r\n")
    if how == "cr":
        return content.replace(b"\n", b"\r")
    if len(rows) < 2:
        return content + b"\n"
    if how == "duplicate":
        rows.insert(row, list(rows[row]))
    elif how == "delete":
        del rows[row]
    elif how == "swap":
        other = draw(st.integers(1, len(rows) - 1))
        rows[row], rows[other] = rows[other], rows[row]
    elif how == "blank":
        rows.insert(row, [])
    else:
        rows.insert(row, draw(st.lists(cell_values, max_size=len(rows[0]) + 2)))
    return unparse(rows)


@pytest.fixture(scope="module")
def table_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_subset(tmp_path_factory.mktemp("fuzz") / "data")


@contextlib.contextmanager
def replaced(files: dict[Path, bytes]) -> Iterator[None]:
    """Write mutated files for one example; put the originals back afterwards."""
    originals = {path: path.read_bytes() for path in files}
    try:
        for path, content in files.items():
            path.write_bytes(content)
        yield
    finally:
        for path, content in originals.items():
            path.write_bytes(content)


def run_main(*argv: str) -> int:
    """The command as a user runs it; anything but a UserError propagates (a traceback)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(list(argv))


def test_the_fuzzed_subset_is_valid_to_start_with(table_dir: Path) -> None:
    assert run_main("validate", str(table_dir)) == 0
    assert quotes_not_in_their_source(table_dir) == []


@TABLES
@given(st.data())
def test_validate_survives_damaged_tables_and_accepts_no_unsourced_quote(
        table_dir: Path, data: st.DataObject) -> None:
    raw_texts = [p.read_text(encoding="utf-8") for p in (table_dir / "raw").glob("*.txt")]
    mutations = {
        "cell": mutate_cell, "encoding": mutate_encoding, "quoting": mutate_quoting,
        "columns": mutate_columns, "truncate": mutate_truncate, "rows": mutate_rows,
        "quote": lambda content, draw: mutate_quote(content, draw, raw_texts),
    }
    files: dict[Path, bytes] = {}
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        path = table_dir / data.draw(st.sampled_from(FILES), label="file")
        kind = data.draw(st.sampled_from(sorted(mutations)), label="mutation")
        current = files.get(path, path.read_bytes())
        try:
            current.decode("utf-8")
        except UnicodeDecodeError:
            continue  # already re-encoded: the text mutations need UTF-8
        with contextlib.suppress(csv.Error):  # e.g. a NUL byte an earlier mutation put there
            files[path] = mutations[kind](current, data.draw)
    with replaced(files):
        code = run_main("validate", str(table_dir))  # raises on anything but a UserError
        assert code in (0, 1)
        if code == 0:
            assert quotes_not_in_their_source(table_dir) == []


# ---------------------------------------------------------------- workbook mutations ----

@pytest.fixture(scope="module")
def workbook_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The data (validated once: the import's own check of the unchanged data is replaced
    by its result) and a filled template with three new rows."""
    base = tmp_path_factory.mktemp("fuzz-workbook")
    data_dir = write_subset(base / "data")
    template = base / "template.xlsx"
    make_template(data_dir, CODE, template)
    workbook = openpyxl.load_workbook(template)
    for sheet, row in (("services", NEW_SERVICE), ("channels", NEW_CHANNEL),
                       ("meetings", NEW_MEETING)):
        add_row(workbook, sheet, row)
    workbook.save(base / "filled.xlsx")
    checked = importing.valid_data(data_dir)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importing, "valid_data", lambda directory: checked)
        yield {"data": data_dir, "workbook": base / "filled.xlsx", "dir": base}


def evidence_cells(content: bytes) -> list[str]:
    """Every evidence cell's text, read here with openpyxl, not by the importer."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    texts = []
    for ws in workbook.worksheets:
        keys = [cell.value for cell in next(ws.iter_rows(min_row=KEY_ROW, max_row=KEY_ROW),
                                            ())]
        if EVIDENCE in keys:
            column = keys.index(EVIDENCE) + 1
            texts += [str(cell.value) for (cell,) in ws.iter_rows(
                min_row=FIRST_DATA_ROW, min_col=column, max_col=column)
                if cell.value is not None]
    return texts


workbook_values = st.one_of(
    cell_values, st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.booleans(),
    st.datetimes(), st.none(),
    st.sampled_from(["=1+1", '=HYPERLINK("http://x")', "'=quoted", "line", "drop_in",
                     NEW_SERVICE[EVIDENCE], NEW_SERVICE[EVIDENCE][:-3] + "毎日。",
                     "132039-steward-cafe", "132039-soreiyu"]))


def mutate_workbook(content: bytes, draw: Draw) -> bytes:
    how = draw(st.sampled_from(["cells", "cells", "structure", "bytes"]))
    if how == "bytes":
        if not content:
            return content
        # not integers(0, len - 1): a re-saved workbook's length varies with the time of
        # saving (openpyxl stamps it), and hypothesis needs the same draws to replay
        position = draw(st.integers(0, 2**20)) % len(content)
        if draw(st.booleans()):
            return content[:position]
        return content[:position] + bytes([content[position] ^ 0xFF]) + content[position + 1:]
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content))
    except Exception:  # bytes already broken by an earlier mutation: leave them broken
        return content
    ws = workbook[draw(st.sampled_from(workbook.sheetnames))]
    if how == "cells":
        for _ in range(draw(st.integers(1, 4))):
            row = draw(st.integers(1, ws.max_row + 1))
            column = draw(st.integers(1, ws.max_column + 1))
            # Excel refuses those characters too; a merged cell (made by an earlier
            # mutation) has no value of its own
            with contextlib.suppress(IllegalCharacterError, AttributeError):
                ws.cell(row=row, column=column, value=draw(workbook_values))
    else:
        change = draw(st.sampled_from(["remove", "rename", "delete_row", "insert_column",
                                       "merge", "add_sheet"]))
        if change == "remove" and len(workbook.sheetnames) > 1:
            workbook.remove(ws)
        elif change == "rename":
            ws.title = draw(st.sampled_from(["channel", "Sheet1", "サービス", ws.title + " "]))
        elif change == "delete_row":
            ws.delete_rows(draw(st.integers(1, max(1, ws.max_row))))
        elif change == "insert_column":
            ws.insert_cols(draw(st.integers(1, ws.max_column + 1)))
        elif change == "merge":
            row = draw(st.integers(1, ws.max_row + 1))
            ws.merge_cells(start_row=row, start_column=1, end_row=row + 1, end_column=2)
        else:
            workbook.create_sheet(draw(st.sampled_from(["extra", "channels2", "メモ"])))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_fuzzed_workbook_imports_to_start_with(workbook_case: dict) -> None:
    plan = importing.plan_import(workbook_case["workbook"], "fuzz_submission",
                              workbook_case["data"], "fy2024")
    assert not plan.problems and len(plan.rows) == 3


@WORKBOOKS
@given(st.data())
def test_import_survives_damaged_workbooks_and_accepts_no_unsourced_quote(
        workbook_case: dict, data: st.DataObject) -> None:
    content = workbook_case["workbook"].read_bytes()
    for _ in range(data.draw(st.integers(1, 2), label="mutations")):
        content = mutate_workbook(content, data.draw)
    path = workbook_case["dir"] / "fuzzed.xlsx"
    path.write_bytes(content)
    edition = data.draw(st.sampled_from(["", "fy2024"]), label="edition")
    try:
        plan = importing.plan_import(path, "fuzz_submission", workbook_case["data"], edition)
    except UserError as error:
        assert str(error)
        return
    for problem in plan.problems:
        assert str(problem)  # every problem can be shown
    if plan.problems or not plan.rows:
        return
    assert submit.describe(plan)
    evidence = [match_form(text) for text in evidence_cells(plan.content)]
    for row in plan.rows:
        assert any(match_form(row.values["quote"]) in text for text in evidence), row.values
    assert set(plan.files) >= {schema.SOURCES.path,
                               f"raw/submissions/{plan.source_id}.xlsx"}


def test_a_workbook_with_damaged_compressed_data_is_a_user_error(workbook_case: dict) -> None:
    # Found by the fuzzing above: a flipped byte inside a compressed member raised
    # zlib.error (not a UserError) from openpyxl — a traceback for the steward.
    content = workbook_case["workbook"].read_bytes()
    start = content.index(b"xl/worksheets/sheet2.xml") + len(b"xl/worksheets/sheet2.xml")
    path = workbook_case["dir"] / "damaged.xlsx"
    for position in range(start, start + 40, 3):
        path.write_bytes(content[:position] + bytes([content[position] ^ 0xFF]) +
                         content[position + 1:])
        with pytest.raises(UserError, match="not a readable Excel workbook"):
            importing.plan_import(path, "fuzz_submission", workbook_case["data"])


def test_rows_longer_than_the_header_are_a_problem_not_a_traceback(table_dir: Path) -> None:
    # Found by the fuzzing above: with one quote of sources.csv lost, every row had one
    # cell more than the header; pandas then took the first column as the index, and
    # validate raised ValueError (int('fy2024_main')) instead of reporting a problem.
    sources = table_dir / schema.SOURCES.path
    content = sources.read_bytes()
    position = content.index(b'"')
    with replaced({sources: content[:position] + content[position + 1:]}):
        problems = validate(table_dir)[1]
    assert [(p.file, p.row, p.message) for p in problems] == [
        (schema.SOURCES.path, 2, "has more cells than the header row")]
