"""Limits on what a user hands over — workbooks, text and PDF sources, data-directory
files — and the inspection that enforces them before any parser sees the input.

Stewards' workbooks arrive by e-mail from many offices, so a bad or hostile file must end
in seconds, in a bounded amount of memory, with one line: the file, what was measured and
the limit, e.g.::

    bomb.xlsx: sheet services (xl/worksheets/sheet2.xml) unpacks to 800 MB (limit 25 MB a
    member); nothing was written

Every check here runs before the input is parsed and before the command writes anything
(callers call them first), so the ``nothing was written`` of the message is true.

How a workbook is checked (:func:`check_workbook`), cheapest first:

1. the file's size on disk;
2. the zip's central directory: the number of members and their compression methods;
3. each sheet's declared dimension (``<dimension ref="A1:N30"/>``, read from a bounded
   prefix of the sheet's XML): rows and columns;
4. each member's declared unpacked size and compression ratio, and their total;
5. every member decompressed as a stream with a hard byte cap, because the declared sizes
   are written by whoever made the file: a member whose header lies is stopped at the cap
   all the same, and a member that unpacks to other than its declared size is refused.

openpyxl opens the file only afterwards, read-only (rows streamed, never all in memory),
and the reader stops at :data:`MAX_SHEET_ROWS` when a sheet declares no dimension.

Why these numbers. The limits must never refuse a workbook the project itself writes, so
they are set against the largest ones, measured on 2026-11-30:

* ``export --xlsx`` of the synthetic data of all 1,741 municipalities of Japan
  (``synth --municipalities 1741``): a 2.8 MB file of 54 members that unpacks to
  32.0 MB; its largest member is the services sheet, 10.7 MB with 11,889 rows and
  15 columns (A1:O11889); its highest compression ratio 15.7 to 1;
* the fill-in template (``template 132039``): 42 KB, 42 members, 0.2 MB unpacked, at most
  30 rows a sheet, its widest sheet (選択肢, the drop-down lists) 20 columns.

A megabyte (MB) is 2**20 bytes throughout, as in every message of the project.
"""

from __future__ import annotations

import copy
import io
import posixpath
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from analysis.core.errors import UserError

MB = 2**20
KB = 2**10

# ---------------------------------------------------------------- workbooks (.xlsx) ------

# 3.6 times the all-Japan export (2.8 MB): no workbook the project writes comes near it.
MAX_WORKBOOK_FILE_BYTES = 10 * MB
# The all-Japan export has 54 members (about four a sheet); 500 is room for 100+ sheets.
MAX_WORKBOOK_MEMBERS = 500
# 2.3 times the largest member the project writes (the all-Japan services sheet, 10.7 MB).
MAX_MEMBER_BYTES = 25 * MB
# Twice the all-Japan export unpacked (32.0 MB).
MAX_UNPACKED_BYTES = 64 * MB
# The project's workbooks compress at most 15.7 to 1; a zip bomb compresses about 1,000 to
# 1. As Apache POI does (ZipSecureFile), the ratio is checked only for members that unpack
# to more than RATIO_GRACE_BYTES: small XML parts of repeated markup compress further.
MAX_COMPRESSION_RATIO = 100
RATIO_GRACE_BYTES = 1 * MB
# 1.7 times the longest sheet the project writes (11,889 rows); a template has at most 30.
MAX_SHEET_ROWS = 20_000
# 5 times the widest sheet the project writes (20 columns, the template's 選択肢).
MAX_SHEET_COLUMNS = 100
# How far into a sheet's XML its <dimension> is looked for. Excel, LibreOffice and
# openpyxl write it within the first few hundred bytes; a sheet that does not is read as
# one without a declared dimension (the streaming reader then enforces MAX_SHEET_ROWS).
DIMENSION_PREFIX_BYTES = 64 * KB
_WORKBOOK_PART_BYTES = 1 * MB  # xl/workbook.xml and its rels: a few KB in any real file
_CHUNK = 1 * MB  # decompressed bytes held at a time while a member is streamed

# ---------------------------------------------------------------- text sources -----------

# The largest source text the project has is 212 KB (the synthetic guidebook of Hokkaido,
# 179 municipalities; the real FY2024 appendix is 70.6 KB): 2 MB is 9.6 times that. The
# finders cost about 1 µs a character, so the worst text of this size — 2 million ASCII
# characters on one line — is extracted in about 4 s of CPU (tests/test_limits.py).
MAX_TEXT_SOURCE_BYTES = 2 * MB
# The longest sentence of every source, real and synthetic, is 220 characters. A stretch
# with no sentence end longer than this is cut into pieces of this length, so that one
# 5 MB line cannot become one 5 MB "sentence" (memory grows with a sentence's length).
MAX_SENTENCE_CHARS = 2_000
# The real FY2024 appendix gives 184 candidate facts, the largest synthetic source 1,487.
MAX_CANDIDATES = 50_000

# ---------------------------------------------------------------- PDF sources -----------

# PDFs are read by poppler (pdfinfo here; pdftotext for their text: pass it
# ``-l MAX_PDF_PAGES`` so that it never reads further than was checked). A guidebook
# appendix is a few dozen pages of text with some flyer images; 500 pages and 64 MB leave
# room for a whole guidebook with scanned pages.
MAX_PDF_BYTES = 64 * MB
MAX_PDF_PAGES = 500
PDF_INSPECTION_SECONDS = 30  # pdfinfo on a 500-page PDF takes well under a second
PDF_INSPECTION_MEMORY = 1024 * MB  # address space allowed to pdfinfo

# ---------------------------------------------------------------- data directories -------

# The largest table of the all-Japan synthetic data is services.csv, 3.3 MB (the shipped
# Tokyo data: 101 KB).
MAX_CSV_BYTES = 5 * MB

NOTHING_WRITTEN = "nothing was written"


class LimitError(UserError):
    """An input over a documented limit: one line naming the file, what was measured and
    the limit."""

    def __init__(self, name: str, measured: str, limit: str,
                 consequence: str = NOTHING_WRITTEN) -> None:
        super().__init__(limit_message(name, measured, limit, consequence))
        self.detail = f"{measured} (limit {limit})"  # for a located problem of a data dir


def limit_message(name: str, measured: str, limit: str,
                  consequence: str = NOTHING_WRITTEN) -> str:
    """``name: measured (limit …); consequence`` — the one form of every refusal."""
    return f"{name}: {measured} (limit {limit}); {consequence}"


def format_size(size: int) -> str:
    """Bytes as people read them: 512 bytes, 41 KB, 10.7 MB, 800 MB."""
    if size < KB:
        return f"{size} bytes"
    if size < MB:
        return f"{size / KB:.0f} KB"
    megabytes = size / MB
    return f"{megabytes:.0f} MB" if megabytes >= 100 else f"{megabytes:.1f} MB".replace(
        ".0 MB", " MB")


def format_over(size: int, limit: int) -> str:
    """A size over ``limit``, precise enough not to read as the limit itself: 10.7 MB, but
    2,097,153 bytes for a file one byte over 2 MB."""
    text = format_size(size)
    return f"{size:,} bytes" if text == format_size(limit) else text


def check_file_size(path: Path, limit: int, kind: str) -> int:
    """The size of a regular file, refused if it is larger than ``limit``."""
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    size = path.stat().st_size
    if size > limit:
        raise LimitError(str(path), f"the file is {format_over(size, limit)}",
                         f"{format_size(limit)} {kind}")
    return size


def read_bounded(path: Path, limit: int, kind: str) -> bytes:
    """A file's bytes, refused when larger than ``limit`` — also when it grows after the
    size was checked or reports no size (at most ``limit + 1`` bytes are ever read)."""
    check_file_size(path, limit, kind)
    with path.open("rb") as handle:
        content = handle.read(limit + 1)
    if len(content) > limit:
        raise LimitError(str(path), f"the file is larger than {format_size(limit)}",
                         f"{format_size(limit)} {kind}")
    return content


# ---------------------------------------------------------------- workbooks --------------

@dataclass(frozen=True)
class SheetPart:
    """One worksheet of a workbook as its archive describes it."""

    name: str  # the sheet's name as Excel shows it; "" when the workbook does not say
    member: str  # its XML in the archive, e.g. xl/worksheets/sheet2.xml
    rows: int | None  # the last row of its declared dimension; None: not declared
    columns: int | None
    merged: tuple[str, ...] = ()  # its merged ranges, e.g. ("B21:C21",)

    @property
    def label(self) -> str:
        return f"sheet {self.name} ({self.member})" if self.name else f"sheet {self.member}"


@dataclass(frozen=True)
class WorkbookLayout:
    """What the inspection learned: the sheets, the number of members, the unpacked size."""

    sheets: tuple[SheetPart, ...]
    members: int
    unpacked: int

    def sheet(self, name: str) -> SheetPart | None:
        return next((s for s in self.sheets if s.name == name), None)


_WORKSHEET_RE = re.compile(r"(?:^|/)worksheets/[^/]+\.xml$")
_PREFIX = r"<(?:[A-Za-z_][\w.-]{0,15}:)?"  # an element, with or without a namespace prefix
_DIMENSION_RE = re.compile(
    (_PREFIX + r"dimension\s[^>]{0,200}?\bref\s*=\s*[\"']([A-Z]{1,3})([0-9]{1,7})"
     r"(?::([A-Z]{1,3})([0-9]{1,7}))?[\"']").encode())
_MERGE_RE = re.compile(
    (_PREFIX + r"mergeCell\s[^>]{0,200}?\bref\s*=\s*[\"']"
     r"([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)[\"']").encode())
_MERGE_MATCH_MAX = 300  # bytes: longer than any match of _MERGE_RE
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError,
                OSError, ValueError)


def read_workbook(path: Path) -> tuple[bytes, WorkbookLayout]:
    """A workbook's bytes and layout, refused (LimitError, UserError) unless it is within
    every limit. The bytes are what was checked: callers parse these, not the path."""
    if path.suffix.lower() != ".xlsx":
        raise UserError(f"{path}: not an .xlsx workbook (save it as Excel ブック (.xlsx))")
    content = read_bounded(path, MAX_WORKBOOK_FILE_BYTES, "a workbook")
    return content, check_workbook(content, str(path))


def check_workbook(content: bytes, name: str) -> WorkbookLayout:
    """Inspect an .xlsx archive against the limits (see the module's docstring)."""
    if len(content) > MAX_WORKBOOK_FILE_BYTES:
        raise LimitError(name, f"the file is {format_over(len(content), MAX_WORKBOOK_FILE_BYTES)}",
                         f"{format_size(MAX_WORKBOOK_FILE_BYTES)} a workbook")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except _READ_ERRORS as error:
        raise _unreadable(name, error) from error
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_WORKBOOK_MEMBERS:
            raise LimitError(name, f"the archive has {len(infos):,} members",
                             f"{MAX_WORKBOOK_MEMBERS:,} members")
        for info in infos:
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise UserError(f"{name}: not a readable Excel workbook (.xlsx): member "
                                f"{info.filename} uses compression method "
                                f"{info.compress_type}, which Excel never writes; save the "
                                f"file again from Excel; {NOTHING_WRITTEN}")
        try:
            names = _sheet_names(archive)
            sheets = [_declared_sheet(archive, info, names.get(info.filename, ""))
                      for info in infos if _WORKSHEET_RE.search(info.filename)]
            for sheet in sheets:
                _check_dimension(name, sheet)
            _check_declared_sizes(name, infos, {s.member: s for s in sheets})
            merged, unpacked = _stream_members(name, archive, infos, {s.member: s
                                                                       for s in sheets})
        except _READ_ERRORS as error:
            raise _unreadable(name, error) from error
    parts = tuple(SheetPart(s.name, s.member, s.rows, s.columns, merged.get(s.member, ()))
                  for s in sheets)
    return WorkbookLayout(parts, len(infos), unpacked)


def _unreadable(name: str, error: BaseException) -> UserError:
    return UserError(f"{name}: not a readable Excel workbook (.xlsx): {error}; "
                     f"{NOTHING_WRITTEN}")


def _open_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int):
    """A member opened for reading up to ``cap`` bytes whatever its header declares.

    zipfile stops a member at its declared size (and then checks the CRC), so a lying
    header would cut the member short and hide its real size: a copy of the entry is
    opened instead, declaring more than the caller ever reads (``cap`` and one more
    chunk). A member that really ends is still CRC-checked at its end.
    """
    probe = copy.copy(info)
    probe.file_size = cap + 2 * _CHUNK
    return archive.open(probe)


def _member_chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo,
                   cap: int) -> Iterator[bytes]:
    with _open_capped(archive, info, cap) as member:
        while chunk := member.read(_CHUNK):
            yield chunk


def _read_prefix(archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int) -> bytes:
    with _open_capped(archive, info, size) as member:
        return member.read(size)


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet XML member → the sheet's name, from xl/workbook.xml and its relationships;
    empty when these parts are missing, oversized or unreadable (the messages then name
    the member instead of the sheet, and openpyxl judges the parts later)."""
    try:
        book = _small_xml(archive, "xl/workbook.xml")
        rels = _small_xml(archive, "xl/_rels/workbook.xml.rels")
    except (KeyError, ElementTree.ParseError, ValueError):
        return {}
    targets = {}
    for element in rels.iter():
        if _local(element.tag) == "Relationship" and element.get("Target"):
            target = element.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            targets[element.get("Id", "")] = path
    names = {}
    for element in book.iter():
        if _local(element.tag) != "sheet":
            continue
        ids = [v for k, v in element.attrib.items() if _local(k) == "id" and k.startswith("{")]
        if ids and ids[0] in targets:
            names[targets[ids[0]]] = element.get("name", "")
    return names


def _small_xml(archive: zipfile.ZipFile, member: str) -> ElementTree.Element:
    info = archive.getinfo(member)
    data = _read_prefix(archive, info, _WORKBOOK_PART_BYTES + 1)
    if len(data) > _WORKBOOK_PART_BYTES or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ValueError(f"{member} is not a plain workbook part")
    return ElementTree.fromstring(data)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _declared_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> SheetPart:
    """A sheet with its declared dimension, from the first DIMENSION_PREFIX_BYTES."""
    prefix = _read_prefix(archive, info, DIMENSION_PREFIX_BYTES)
    match = _DIMENSION_RE.search(prefix)
    if match is None:
        return SheetPart(name, info.filename, None, None)
    first_column, first_row, last_column, last_row = match.groups()
    rows = int(last_row or first_row)
    columns = column_number((last_column or first_column).decode())
    return SheetPart(name, info.filename, rows, columns)


def column_number(letters: str) -> int:
    """Excel's column letters as a number: A → 1, Z → 26, AA → 27, XFD → 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _check_dimension(name: str, sheet: SheetPart) -> None:
    if sheet.rows is not None and sheet.rows > MAX_SHEET_ROWS:
        raise LimitError(name, f"{sheet.label} has {sheet.rows:,} rows",
                         f"{MAX_SHEET_ROWS:,} rows a sheet")
    if sheet.columns is not None and sheet.columns > MAX_SHEET_COLUMNS:
        raise LimitError(name, f"{sheet.label} has {sheet.columns:,} columns",
                         f"{MAX_SHEET_COLUMNS:,} columns a sheet")


def _member_label(member: str, sheets: dict[str, SheetPart]) -> str:
    return sheets[member].label if member in sheets else f"member {member}"


def _check_declared_sizes(name: str, infos: list[zipfile.ZipInfo],
                          sheets: dict[str, SheetPart]) -> None:
    """What the central directory declares: each member's size and ratio, the total."""
    for info in infos:
        label = _member_label(info.filename, sheets)
        if info.file_size > MAX_MEMBER_BYTES:
            raise LimitError(name, f"{label} unpacks to "
                             f"{format_over(info.file_size, MAX_MEMBER_BYTES)}",
                             f"{format_size(MAX_MEMBER_BYTES)} a member")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_GRACE_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise LimitError(name, f"{label} is compressed {ratio:,.0f} to 1",
                             f"{MAX_COMPRESSION_RATIO} to 1 for a member over "
                             f"{format_size(RATIO_GRACE_BYTES)}")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNPACKED_BYTES:
        raise LimitError(name, "the workbook unpacks to "
                         f"{format_over(total, MAX_UNPACKED_BYTES)}",
                         f"{format_size(MAX_UNPACKED_BYTES)} a workbook")


def _stream_members(name: str, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo],
                    sheets: dict[str, SheetPart]) -> tuple[dict[str, tuple[str, ...]], int]:
    """Decompress every member as a stream with hard caps: the sizes actually unpacked,
    whatever the headers say. Returns the sheets' merged ranges and the total size."""
    total = 0
    merged: dict[str, tuple[str, ...]] = {}
    for info in infos:
        label = _member_label(info.filename, sheets)
        size = 0
        scanner = _MergeScanner() if info.filename in sheets else None
        for chunk in _member_chunks(archive, info, MAX_MEMBER_BYTES):
            size += len(chunk)
            if size > MAX_MEMBER_BYTES:
                raise LimitError(name, f"{label} unpacks to more than "
                                 f"{format_size(MAX_MEMBER_BYTES)} although its header "
                                 f"says {format_size(info.file_size)}",
                                 f"{format_size(MAX_MEMBER_BYTES)} a member")
            if total + size > MAX_UNPACKED_BYTES:
                raise LimitError(name, "the workbook unpacks to more than "
                                 f"{format_size(MAX_UNPACKED_BYTES)}",
                                 f"{format_size(MAX_UNPACKED_BYTES)} a workbook")
            if scanner is not None:
                scanner.feed(chunk)
        if size != info.file_size:
            raise UserError(f"{name}: not a readable Excel workbook (.xlsx): {label} unpacks "
                            f"to {size:,} bytes but its header says {info.file_size:,}; the "
                            f"file is damaged; {NOTHING_WRITTEN}")
        total += size
        if scanner is not None:
            scanner.close()
            merged[info.filename] = tuple(scanner.found)
    return merged, total


class _MergeScanner:
    """The ``<mergeCell ref="…">`` of a sheet's XML, fed in chunks: a match cut by a chunk
    boundary is found in the next round (the last bytes are carried over)."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self._carry = b""

    def feed(self, chunk: bytes) -> None:
        buffer = self._carry + chunk
        cut = max(len(buffer) - _MERGE_MATCH_MAX, 0)
        for match in _MERGE_RE.finditer(buffer):
            if match.start() >= cut:
                break
            self.found.append(match.group(1).decode())
        self._carry = buffer[cut:]

    def close(self) -> None:
        self.found += [m.group(1).decode() for m in _MERGE_RE.finditer(self._carry)]
        self._carry = b""


def too_many_rows(name: str, sheet: str) -> LimitError:
    """The refusal of a sheet that turned out, while it was read, to be too long."""
    return LimitError(name, f"sheet {sheet} has more than {MAX_SHEET_ROWS:,} rows",
                      f"{MAX_SHEET_ROWS:,} rows a sheet")


# ---------------------------------------------------------------- text sources -----------

def read_text_source(path: Path) -> str:
    """A source text (UTF-8), refused when it is too large, binary, a PDF or not UTF-8."""
    return check_text_bytes(read_bounded(path, MAX_TEXT_SOURCE_BYTES, "a text source"),
                            str(path))


def check_text_bytes(data: bytes, name: str) -> str:
    """Bytes that claim to be a source text — a file, or what pdftotext wrote — as text."""
    if len(data) > MAX_TEXT_SOURCE_BYTES:
        raise LimitError(name, f"the text is {format_over(len(data), MAX_TEXT_SOURCE_BYTES)}",
                         f"{format_size(MAX_TEXT_SOURCE_BYTES)} a text source")
    if data.startswith(b"%PDF-"):
        raise UserError(f"{name}: is a PDF; give its text (a UTF-8 .txt file) instead; "
                        f"{NOTHING_WRITTEN}")
    if b"\x00" in data:
        raise UserError(f"{name}: is binary, not text (it contains NUL bytes); give a UTF-8 "
                        f"text file; {NOTHING_WRITTEN}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise UserError(f"{name}: line {line}: bytes {data[error.start:error.start + 4]!r} "
                        f"are not UTF-8; save the text as UTF-8; {NOTHING_WRITTEN}") from None


def too_many_candidates(name: str) -> LimitError:
    return LimitError(name, f"the text gives more than {MAX_CANDIDATES:,} candidate facts",
                      f"{MAX_CANDIDATES:,} candidates a source")


# ---------------------------------------------------------------- PDF sources -----------

@dataclass(frozen=True)
class PdfInfo:
    pages: int
    size: int


def check_pdf(path: Path) -> PdfInfo:
    """A PDF source within MAX_PDF_BYTES and MAX_PDF_PAGES, read by poppler's pdfinfo in a
    subprocess with a time and memory ceiling (a hostile PDF cannot hang this process).

    The page count is the one poppler uses: pdftotext run with ``-l MAX_PDF_PAGES`` reads
    no page beyond it even if the document's page tree lies about its length.
    """
    size = check_file_size(path, MAX_PDF_BYTES, "a PDF")
    with path.open("rb") as handle:
        if b"%PDF-" not in handle.read(1024):
            raise UserError(f"{path}: not a PDF (no %PDF- header); {NOTHING_WRITTEN}")
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        raise UserError("pdfinfo is not installed (Debian package poppler-utils); run "
                        "tools/system-deps.sh")
    try:
        result = subprocess.run([pdfinfo, str(path)], capture_output=True, text=True,
                                errors="replace", timeout=PDF_INSPECTION_SECONDS,
                                preexec_fn=_limit_memory, check=False)
    except subprocess.TimeoutExpired:
        raise LimitError(str(path), f"reading its page count took more than "
                         f"{PDF_INSPECTION_SECONDS} s", f"{PDF_INSPECTION_SECONDS} s to "
                         "inspect a PDF") from None
    match = re.search(r"^Pages:\s+([0-9]+)\s*$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or match is None:
        detail = (result.stderr.strip().splitlines() or ["no page count"])[-1]
        raise UserError(f"{path}: not a readable PDF ({detail}); {NOTHING_WRITTEN}")
    pages = int(match.group(1))
    if pages > MAX_PDF_PAGES:
        raise LimitError(str(path), f"the PDF has {pages:,} pages",
                         f"{MAX_PDF_PAGES:,} pages a PDF")
    return PdfInfo(pages, size)


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (PDF_INSPECTION_MEMORY, PDF_INSPECTION_MEMORY))
