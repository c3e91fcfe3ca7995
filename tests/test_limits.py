"""Oversized and hostile inputs are refused early, with one line, in bounded time and memory
(``analysis.core.limits``); long problem lists stay short (``analysis.core.problems``).

Every refusal is checked as a user meets it: the command's exact message, its exit code,
the data directory byte-identical afterwards, and the CPU time and peak memory of the
command's process (``resource.getrusage`` of a small parent), with bounds loose
enough for a busy 2-core machine — never a wall-clock race.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from analysis.core import limits
from analysis.core.errors import UserError
from analysis.core.limits import LimitError, check_pdf
from analysis.core.problems import PER_PLACE, SHOWN, listing
from analysis.excel.template import make_template
from tests.conftest import EPOCH, ROOT, tree_digest

DATA = ROOT / "data"
CODE = "132039"
MB = 2**20
MAX_CPU_SECONDS = 10  # a refusal takes 1–4 s of CPU; bounds for a busy 2-core machine
MAX_PEAK_MB = 300
# openpyxl writes the n-th sheet as sheetN.xml: 説明 is sheet1, services sheet2, channels 3
SERVICES = "xl/worksheets/sheet2.xml"
CHANNELS = "xl/worksheets/sheet3.xml"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    cpu: float  # seconds, user + system, of the command's process and its children
    peak_mb: float  # its peak resident memory


# A small Python process runs the command and reports its child's usage. Measuring the
# command as a direct child of pytest would not do: Linux counts the memory of the process
# that forked it, before exec, in the child's peak (ru_maxrss), and pytest is large.
_MEASURE = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[3:], timeout=float(sys.argv[2]))
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    out.write(f"{code} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
"""


def run_measured(*args: str, timeout: float = 300) -> Run:
    """``python -m analysis ARGS`` as a user runs it, with the CPU time and peak memory of
    its process (``resource.getrusage(RUSAGE_CHILDREN)`` in a small parent)."""
    with tempfile.TemporaryDirectory(prefix="limits-run-") as work:
        usage = Path(work) / "usage"
        result = subprocess.run(
            [sys.executable, "-c", _MEASURE, str(usage), str(timeout), sys.executable, "-m",
             "analysis", *args], cwd=ROOT, capture_output=True, text=True,
            env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH}, check=False)
        assert usage.exists(), result.stderr[-3000:]  # the command timed out
        code, cpu, peak_kb = usage.read_text().split()
    return Run(int(code), result.stdout, result.stderr, float(cpu), int(peak_kb) / 1024)


def assert_refused(run: Run, line: str) -> None:
    """Exit 1, exactly one line on standard error, nothing on standard output, bounded."""
    assert run.code == 1, (run.out[-2000:], run.err[-2000:])
    assert run.err == f"error: {line}\n"
    assert run.out == ""
    assert_bounded(run)


def assert_bounded(run: Run) -> None:
    assert run.cpu < MAX_CPU_SECONDS, run
    assert run.peak_mb < MAX_PEAK_MB, run


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("curation"))
    return target


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    make_template(DATA, CODE, path)
    return path


# ---------------------------------------------------------------- making workbooks -------

Change = Callable[[bytes], Iterable[bytes]]


def rewrite(source: Path, target: Path, changes: dict[str, Change],
            extra: dict[str, bytes] | None = None) -> Path:
    """A copy of ``source`` with members changed (streamed: a change yields chunks) and
    members added."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED,
                                                         compresslevel=9) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename not in changes:
                new.writestr(info.filename, data)
                continue
            with new.open(info.filename, "w") as member:  # streamed: 800 MB never in memory
                for chunk in changes[info.filename](data):
                    member.write(chunk)
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


def with_comment(megabytes: int) -> Change:
    """The sheet with an XML comment of ``megabytes`` MB of spaces before its data."""
    def change(xml: bytes) -> Iterable[bytes]:
        cut = xml.index(b"<sheetData")
        yield xml[:cut] + b"<!--"
        chunk = b" " * MB
        for _ in range(megabytes):
            yield chunk
        yield b"-->" + xml[cut:]
    return change


def with_junk_rows(count: int, dimension: str | None) -> Change:
    """``count`` junk rows after the sheet's last row; the declared dimension replaced by
    ``dimension`` (None: removed; "" : left as it was)."""
    def change(xml: bytes) -> Iterable[bytes]:
        last = max(int(n) for n in re.findall(rb'<row r="([0-9]+)"', xml))
        rows = b"".join(
            b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>junk</t></is></c>'
            b'<c r="B%d" t="inlineStr"><is><t>x%d</t></is></c></row>' % (n, n, n, n)
            for n in range(last + 1, last + 1 + count))
        if dimension is None:
            xml = re.sub(rb"<dimension [^>]*/>", b"", xml)
        elif dimension:
            xml = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="%s"' % dimension.encode(),
                         xml)
        cut = xml.index(b"</sheetData>")
        yield xml[:cut] + rows + xml[cut:]
    return change


def declare_size(path: Path, member: str, size: int) -> None:
    """Make the zip's headers (local and central) lie: ``member`` unpacks to ``size``."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    assert info.file_size < 2**32 and data[info.header_offset:info.header_offset + 4] == \
        b"PK\x03\x04"
    struct.pack_into("<I", data, info.header_offset + 22, size)
    # zip64: the real sizes are in the extra field, the 32-bit fields hold 0xFFFFFFFF
    assert struct.unpack_from("<I", data, info.header_offset + 18)[0] != 0xFFFFFFFF
    name = member.encode()
    for match in re.finditer(rb"PK\x01\x02", bytes(data)):
        start = match.start()
        if data[start + 46:start + 46 + len(name)] == name:
            struct.pack_into("<I", data, start + 24, size)
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def bomb(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The issue's zip bomb: the template whose services sheet carries an 800 MB comment;
    the file is well under 1 MB."""
    path = rewrite(template, tmp_path_factory.mktemp("bomb") / "bomb.xlsx",
                   {SERVICES: with_comment(800)})
    assert path.stat().st_size < MB
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(SERVICES).file_size > 800 * MB
    return path


def import_args(workbook: Path, data_dir: Path, *more: str) -> list[str]:
    return ["import", str(workbook), "--source-id", "x", "--data", str(data_dir), *more]


# ---------------------------------------------------------------- workbooks -------------

def test_zip_bomb_is_refused_in_seconds(bomb: Path, data_copy: Path) -> None:
    before = tree_digest(data_copy)
    run = run_measured(*import_args(bomb, data_copy))
    assert_refused(run, f"{bomb}: sheet services ({SERVICES}) unpacks to 800 MB (limit 25 MB "
                   "a member); nothing was written")
    assert tree_digest(data_copy) == before


def test_member_whose_header_lies_is_stopped_at_the_cap(template: Path, data_copy: Path,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "liar.xlsx"
    with zipfile.ZipFile(template) as archive:
        xml = archive.read(SERVICES)
    cut = xml.index(b"<sheetData")
    lie = xml[:cut] + b"<!--" + b" " * (60 * MB) + b"-->" + xml[cut:]
    with zipfile.ZipFile(template) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, lie if info.filename == SERVICES else old.read(info))
    del lie
    declare_size(path, SERVICES, 4096)
    with zipfile.ZipFile(path) as archive:  # what zipfile (and openpyxl) would believe
        assert archive.getinfo(SERVICES).file_size == 4096
    before = tree_digest(data_copy)
    run = run_measured(*import_args(path, data_copy))
    assert_refused(run, f"{path}: sheet services ({SERVICES}) unpacks to more than 25 MB "
                   "although its header says 4 KB (limit 25 MB a member); nothing was written")
    assert tree_digest(data_copy) == before


def test_member_whose_header_lies_within_the_cap_is_refused_as_damaged(
        template: Path, data_copy: Path, tmp_path: Path) -> None:
    path = rewrite(template, tmp_path / "damaged.xlsx", {SERVICES: with_comment(2)})
    with zipfile.ZipFile(path) as archive:
        real = archive.getinfo(SERVICES).file_size
    declare_size(path, SERVICES, 4096)
    before = tree_digest(data_copy)
    run = run_measured(*import_args(path, data_copy))
    assert_refused(run, f"{path}: not a readable Excel workbook (.xlsx): sheet services "
                   f"({SERVICES}) unpacks to {real:,} bytes but its header says 4,096; the "
                   "file is damaged; nothing was written")
    assert tree_digest(data_copy) == before


def test_too_many_members(template: Path, data_copy: Path, tmp_path: Path) -> None:
    extra = {f"customXml/item{n}.xml": b"<a/>" for n in range(600)}
    path = rewrite(template, tmp_path / "many.xlsx", {}, extra)
    with zipfile.ZipFile(path) as archive:
        count = len(archive.infolist())
    before = tree_digest(data_copy)
    run = run_measured(*import_args(path, data_copy))
    assert_refused(run, f"{path}: the archive has {count:,} members (limit 500 members); "
                   "nothing was written")
    assert tree_digest(data_copy) == before


@pytest.mark.parametrize(("rows", "dimension", "message"), [
    # the case: 200,000 junk rows appended, the dimension saying so
    (200_000, "A1:F200020", f"sheet channels ({CHANNELS}) has 200,020 rows (limit 20,000 rows "
                            "a sheet)"),
    # no dimension, or one that understates the rows: the streaming reader stops
    (30_000, None, "sheet channels has more than 20,000 rows (limit 20,000 rows a sheet)"),
    (30_000, "", "sheet channels has more than 20,000 rows (limit 20,000 rows a sheet)"),
], ids=["declared", "undeclared", "understated"])
def test_oversized_sheet(rows: int, dimension: str | None, message: str, template: Path,
                         data_copy: Path, tmp_path: Path) -> None:
    path = rewrite(template, tmp_path / "long.xlsx",
                   {CHANNELS: with_junk_rows(rows, dimension)})
    before = tree_digest(data_copy)
    run = run_measured(*import_args(path, data_copy))
    assert_refused(run, f"{path}: {message}; nothing was written")
    assert tree_digest(data_copy) == before


def test_a_dimension_that_understates_the_sheet_hides_nothing(template: Path, data_copy: Path,
                                                              tmp_path: Path) -> None:
    """Read-only openpyxl stops at the declared dimension; the reader must not."""
    def small(xml: bytes) -> Iterable[bytes]:
        yield re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B3"', xml)
    path = rewrite(template, tmp_path / "small.xlsx", {CHANNELS: small, SERVICES: small})
    run = run_measured(*import_args(path, data_copy))
    assert run.code == 0, run.out + run.err
    assert "no change" in run.out  # every column and row was read: all of them unchanged


def test_too_many_columns_declared(template: Path, tmp_path: Path) -> None:
    def wide(xml: bytes) -> Iterable[bytes]:
        yield re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD20"', xml)
    path = rewrite(template, tmp_path / "wide.xlsx", {CHANNELS: wide})
    with pytest.raises(LimitError) as refused:
        limits.read_workbook(path)
    assert str(refused.value) == (f"{path}: sheet channels ({CHANNELS}) has 16,384 columns "
                                  "(limit 100 columns a sheet); nothing was written")


def test_compression_ratio_over_the_limit(template: Path, tmp_path: Path) -> None:
    path = rewrite(template, tmp_path / "dense.xlsx", {SERVICES: with_comment(20)})
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(SERVICES)
    ratio = info.file_size / info.compress_size
    with pytest.raises(LimitError) as refused:
        limits.read_workbook(path)
    assert str(refused.value) == (f"{path}: sheet services ({SERVICES}) is compressed "
                                  f"{ratio:,.0f} to 1 (limit 100 to 1 for a member over 1 MB); "
                                  "nothing was written")


def test_total_unpacked_size_over_the_limit(template: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with zipfile.ZipFile(template) as archive:
        total = sum(info.file_size for info in archive.infolist())
    monkeypatch.setattr(limits, "MAX_UNPACKED_BYTES", 100 * 1024)
    with pytest.raises(LimitError) as refused:
        limits.read_workbook(template)
    assert str(refused.value) == (f"{template}: the workbook unpacks to {total / 1024:.0f} KB "
                                  "(limit 100 KB a workbook); nothing was written")


def test_the_template_is_within_every_limit_and_its_sheets_are_named(template: Path,
                                                            tmp_path: Path) -> None:
    _, layout = limits.read_workbook(template)
    services = layout.sheet("services")
    assert services is not None and services.member == SERVICES and services.rows
    assert layout.sheet("channels").member == CHANNELS
    assert layout.unpacked < limits.MAX_UNPACKED_BYTES


# ---------------------------------------------------------------- text sources ----------

def test_text_source_over_the_size_limit_is_refused_unread(data_copy: Path,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "one-line.txt"
    path.write_bytes("あ".encode() * (50 * MB // 3) + b"a" * (50 * MB % 3))  # 50 MB, one line
    before = tree_digest(data_copy)
    run = run_measured("extract", str(path), "--data", str(data_copy))
    assert_refused(run, f"{path}: the file is 50 MB (limit 2 MB a text source); nothing was "
                   "written")
    assert tree_digest(data_copy) == before


@pytest.mark.parametrize(("content", "message"), [
    (b"1 \xe6\x96\xb0\xe5\xae\xbf\xe5\x8c\xba\n\x00\x01\x02", "is binary, not text (it contains "
     "NUL bytes); give a UTF-8 text file"),
    (b"first line\n" + "相談は電話で".encode("cp932"),
     "line 2: bytes b'\\x91\\x8a\\x92k' are not UTF-8; save the text as UTF-8"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "is a PDF; give its text (a UTF-8 .txt file) instead"),
], ids=["binary", "cp932", "pdf"])
def test_text_source_that_is_not_utf8_text(content: bytes, message: str, data_copy: Path,
                                           tmp_path: Path) -> None:
    path = tmp_path / "source.txt"
    path.write_bytes(content)
    before = tree_digest(data_copy)
    run = run_measured("extract", str(path), "--data", str(data_copy))
    assert_refused(run, f"{path}: {message}; nothing was written")
    assert tree_digest(data_copy) == before


def test_largest_allowed_one_line_text_is_extracted_in_bounded_time(data_copy: Path,
                                                                    tmp_path: Path) -> None:
    """The slowest kind of text found (ASCII letters and spaces: the most characters a
    byte), one line, just under the limit."""
    heading = "1 新宿区の取組\n".encode()
    path = tmp_path / "one-line.txt"
    path.write_bytes(heading + b"a " * ((limits.MAX_TEXT_SOURCE_BYTES - len(heading)) // 2))
    assert path.stat().st_size <= limits.MAX_TEXT_SOURCE_BYTES
    before = tree_digest(data_copy)
    run = run_measured("extract", str(path), "--data", str(data_copy), "--out",
                       str(tmp_path / "candidates.csv"))
    assert run.code == 0, run.err
    assert_bounded(run)
    assert tree_digest(data_copy) == before


def test_too_many_candidates(tmp_path: Path, data_copy: Path) -> None:
    path = tmp_path / "phones.txt"
    path.write_text("1 新宿区の取組\n" + "電話。" * 60_000, encoding="utf-8")  # 540 KB
    run = run_measured("extract", str(path), "--data", str(data_copy))
    assert_refused(run, f"{path}: the text gives more than 50,000 candidate facts (limit "
                   "50,000 candidates a source); nothing was written")


def test_sentences_are_cut_at_the_limit_and_keep_their_offsets() -> None:
    from analysis.tools.extract import split_sentences

    text = "x" * (limits.MAX_SENTENCE_CHARS * 2 + 5) + "。次の文。"
    sentences = split_sentences(text)
    assert [len(s.quote) for s in sentences] == [limits.MAX_SENTENCE_CHARS,
                                                 limits.MAX_SENTENCE_CHARS, 6, 4]
    assert all(text[s.start:s.end] == s.quote for s in sentences)


# ---------------------------------------------------------------- PDF sources -----------

def write_pdf(path: Path, pages: int) -> Path:
    """A minimal valid PDF of ``pages`` empty A4 pages."""
    kids = b" ".join(b"%d 0 R" % (n + 3) for n in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def test_pdf_within_the_limits(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "ok.pdf", 3)
    assert check_pdf(path) == limits.PdfInfo(pages=3, size=path.stat().st_size)


def test_pdf_over_the_page_limit_is_refused(tmp_path: Path) -> None:
    import resource

    path = write_pdf(tmp_path / "long.pdf", 501)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with pytest.raises(LimitError) as refused:
        check_pdf(path)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert str(refused.value) == (f"{path}: the PDF has 501 pages (limit 500 pages a PDF); "
                                  "nothing was written")
    assert (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime) < 5


def test_pdf_over_the_size_limit_and_broken_pdfs(tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:  # sparse: 65 MB that take no disk space
        handle.write(b"%PDF-1.4\n")
        handle.truncate(65 * MB)
    with pytest.raises(LimitError) as refused:
        check_pdf(big)
    assert str(refused.value) == (f"{big}: the file is 65 MB (limit 64 MB a PDF); nothing "
                                  "was written")
    text = tmp_path / "text.pdf"
    text.write_text("not a pdf")
    with pytest.raises(UserError, match=re.escape(f"{text}: not a PDF (no %PDF- header)")):
        check_pdf(text)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\n")
    with pytest.raises(UserError, match=re.escape(f"{broken}: not a readable PDF (")):
        check_pdf(broken)


# ---------------------------------------------------------------- data directories -------

def test_data_directory_with_an_oversized_csv(data_copy: Path, template: Path) -> None:
    channels = data_copy / "tidy" / "channels.csv"
    with channels.open("ab") as handle:
        handle.write(b"x" * (7 * MB - channels.stat().st_size))
    line = ("tidy/channels.csv:0:: '' — the file is 7 MB (limit 5 MB a table) (check that it "
            "is the right file: the largest table of all 1,741 municipalities of Japan is "
            "3.3 MB)")
    before = tree_digest(data_copy)
    run = run_measured("validate", str(data_copy))
    assert (run.code, run.out, run.err) == (1, line + "\n", f"1 problem(s) in {data_copy}\n")
    assert_bounded(run)
    run = run_measured(*import_args(template, data_copy))  # the same refusal everywhere
    assert run.code == 1 and run.err == (
        f"error: {data_copy} does not validate (1 problem(s)); nothing was written:\n"
        f"  {line}\nrun: python -m analysis validate {data_copy}\n")
    assert_bounded(run)
    out = data_copy.parent / "reports"
    run = run_measured("build", "--data", str(data_copy), "--out", str(out), "--quiet")
    assert run.code == 1 and run.err == (
        f"error: {data_copy} does not validate (1 problem(s)); nothing was built and the "
        f"previous report is unchanged:\n  {line}\nrun: python -m analysis validate "
        f"{data_copy}\n")
    assert_bounded(run)
    assert not out.exists()
    assert tree_digest(data_copy) == before


def test_registered_submission_over_a_limit(data_copy: Path, bomb: Path) -> None:
    """An archived workbook in a data directory is checked like one handed to import."""
    archived = data_copy / "raw" / "submissions" / "bomb.xlsx"
    archived.parent.mkdir()
    shutil.copyfile(bomb, archived)
    sources = data_copy / "raw" / "sources.csv"
    text = sources.read_text(encoding="utf-8")
    header = text.splitlines()[0].split(",")
    row = {"source_id": "bomb", "file": "submissions/bomb.xlsx", "title": "回答",
           "kind": "steward_submission", "publisher": "武蔵野市", "date": "2025-01-01",
           "sha256": hashlib.sha256(archived.read_bytes()).hexdigest(),
           "municipality_code": CODE, "audience": "public"}
    sources.write_text(text + ",".join(row.get(c, "") for c in header) + "\n",
                       encoding="utf-8")
    rows = len(text.splitlines()) + 1
    before = tree_digest(data_copy)
    run = run_measured("validate", str(data_copy))
    assert run.code == 1
    assert run.out == (f"raw/sources.csv:{rows}:file: 'submissions/bomb.xlsx' — sheet services "
                       f"({SERVICES}) unpacks to 800 MB (limit 25 MB a member) (check that it "
                       "is the right file (README: Limits))\n")
    assert_bounded(run)
    assert tree_digest(data_copy) == before


def test_registered_source_over_the_size_limit(data_copy: Path) -> None:
    big = data_copy / "raw" / "big.txt"
    big.write_bytes(b"1 \xe6\x96\xb0\xe5\xae\xbf\xe5\x8c\xba\n" + b"a" * (3 * MB))
    sources = data_copy / "raw" / "sources.csv"
    text = sources.read_text(encoding="utf-8")
    header = text.splitlines()[0].split(",")
    row = {"source_id": "big", "file": "big.txt", "title": "大きな文書",
           "kind": "guidebook_appendix", "edition": "", "publisher": "東京都", "date": "2025-01-01",
           "sha256": hashlib.sha256(big.read_bytes()).hexdigest()}
    sources.write_text(text + ",".join(row.get(c, "") for c in header) + "\n", encoding="utf-8")
    rows = len(text.splitlines()) + 1
    before = tree_digest(data_copy)
    run = run_measured("validate", str(data_copy))
    assert run.code == 1
    assert (f"raw/sources.csv:{rows}:file: 'big.txt' — the file is 3 MB (limit 2 MB a text "
            "source) (check that it is the right file (README: Limits))\n") in run.out
    assert_bounded(run)
    assert tree_digest(data_copy) == before


# ---------------------------------------------------------------- problem lists ----------

@dataclass(frozen=True)
class Fake:
    where: str
    column: str
    row: int

    @property
    def place(self) -> tuple[str, str]:
        return self.where, self.column

    def __str__(self) -> str:
        return f"{self.where}:{self.row}:{self.column}"


def test_listing_short_lists_are_whole_long_ones_grouped_by_place() -> None:
    few = [Fake("a.csv", "x", n) for n in range(SHOWN)]
    assert listing(few) == [str(p) for p in few]
    many = ([Fake("a.csv", "x", n) for n in range(1000)] + [Fake("a.csv", "y", 1)]
            + [Fake(f"f{n}.csv", "z", 1) for n in range(60)])
    lines = listing(many)
    assert lines[:PER_PLACE] == [f"a.csv:{n}:x" for n in range(PER_PLACE)]
    assert lines[PER_PLACE] == f"… and {1000 - PER_PLACE:,} more of the same kind (a.csv [x])"
    assert lines[PER_PLACE + 1] == "a.csv:1:y"
    shown = [line for line in lines if not line.startswith("…")]
    assert len(shown) == SHOWN
    assert lines[-1] == f"… and {60 - (SHOWN - PER_PLACE - 1)} more in " \
        f"{60 - (SHOWN - PER_PLACE - 1)} other place(s)"
    assert listing(many, all_problems=True) == [str(p) for p in many]


def test_import_of_many_bad_rows_lists_the_first_and_counts_the_rest(
        template: Path, data_copy: Path, tmp_path: Path) -> None:
    path = rewrite(template, tmp_path / "junk.xlsx", {CHANNELS: with_junk_rows(1000, None)})
    before = tree_digest(data_copy)
    run = run_measured(*import_args(path, data_copy))
    assert run.code == 1
    lines = run.out.splitlines()
    assert len(lines) <= SHOWN + 5, run.out
    assert "… and 990 more of the same kind (channels [evidence])" in lines
    assert run.err == (f"error: 2,000 problem(s) in {path} (the first 50 shown by place; "
                       "every one: --all-problems); nothing was written\n")
    assert_bounded(run)
    everything = run_measured(*import_args(path, data_copy, "--all-problems"))
    assert everything.code == 1 and len(everything.out.splitlines()) == 2000
    assert everything.err == f"error: 2,000 problem(s) in {path}; nothing was written\n"
    assert tree_digest(data_copy) == before


def test_validate_and_the_refusal_of_invalid_data_are_bounded(data_copy: Path,
                                                             tmp_path: Path) -> None:
    channels = data_copy / "tidy" / "channels.csv"
    frame = pd.read_csv(channels, dtype=str, keep_default_na=False)
    frame.assign(channel="pigeon").to_csv(channels, index=False, lineterminator="\n")
    before = tree_digest(data_copy)
    run = run_measured("validate", str(data_copy))
    total = int(re.match(r"([0-9,]+) problem", run.err).group(1).replace(",", ""))
    assert run.code == 1 and total > SHOWN
    assert len(run.out.splitlines()) <= SHOWN + 5
    assert "more of the same kind (tidy/channels.csv [channel])" in run.out
    assert run.err == (f"{total:,} problem(s) in {data_copy} (the first 50 shown by place; "
                       "every one: --all-problems)\n")
    everything = run_measured("validate", str(data_copy), "--all-problems")
    assert len(everything.out.splitlines()) == total
    refused = run_measured("export", "--xlsx", str(tmp_path / "all.xlsx"), "--data",
                           str(data_copy))
    assert refused.code == 1
    assert refused.err.startswith(f"error: {data_copy} does not validate ({total:,} "
                                  "problem(s)); nothing was written:\n  tidy/channels.csv:")
    assert refused.err.endswith(f"\nrun: python -m analysis validate {data_copy} "
                                "--all-problems\n")
    assert len(refused.err.splitlines()) <= SHOWN + 7
    assert not (tmp_path / "all.xlsx").exists()
    assert tree_digest(data_copy) == before
