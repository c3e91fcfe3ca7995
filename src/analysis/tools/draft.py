"""``python -m analysis draft SOURCE --edition fy2026 [--previous fy2024] --xlsx draft.xlsx``:
a new guidebook edition drafted into a workbook for review.

Steps, each a function below:

1. **Read** the source: a UTF-8 text file, or a PDF whose text ``pdftotext`` (poppler)
   extracts (:func:`pdf_text`, normalised by :func:`normalise_extracted_text`).
2. **Register** it (:func:`register_source`): the file is copied unchanged into
   ``data/raw/`` and a row (source_id, file, title, edition, publisher, date, sha256) is
   appended to ``raw/sources.csv`` — both written to temporary files first, then renamed.
   A source whose sha256 is already registered is *recognised* instead: drafted again,
   never registered twice. For a PDF the registered source is the extracted text (the
   quotes are checked against it); the PDF is archived beside it and
   ``raw/pdf_sources.csv`` links the two (pdf file, its sha256, the source_id, the text
   file, how it was extracted), so the same PDF is recognised next time.
3. **Propose** rows for every municipality section (``tools.draft_rules``): quotes are
   whole sentences, values are found phrases and what the normalizers derive from them.
4. **Carry keys over** from the previous edition (:func:`assign_keys`): a proposal whose
   name is similar enough to a previous row of the same municipality and table takes that
   row's entity_key (confidence and row id shown); every other one gets a new key
   ``<code>-<ascii slug of the reading>``.
5. **Write** one workbook for the whole source in the template's layout (same sheets,
   header rows and drop-downs as ``python -m analysis template``), every row 要確認.

``python -m analysis import DRAFT.xlsx --apply`` takes the reviewed workbook: rows marked
確認済 are appended with the registered source as their source_id (``excel.submit``).
"""

from __future__ import annotations

import csv
import difflib
import functools
import hashlib
import io
import os
import re
import subprocess
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.core.errors import UserError
from analysis.core.limits import MAX_PDF_PAGES, check_pdf, check_text_bytes
from analysis.core.paths import DATA_DIR, raw_dir
from analysis.dataset import schema
from analysis.dataset.validate import DataSet
from analysis.text import normalize
from analysis.text.fold import fold_key
from analysis.text.sources import SectionOrderError, split_sections
from analysis.tools.draft_rules import Proposal, propose_section

__all__ = [
    "DEFAULT_PUBLISHER",
    "KEY_THRESHOLD",
    "PDF_SOURCES",
    "Draft",
    "RegisteredSource",
    "assign_keys",
    "draft_source",
    "normalise_extracted_text",
    "pdf_text",
    "register_source",
    "write_draft_workbook",
]

EDITION_RE = re.compile(r"fy[0-9]{4}")
SOURCE_ID_RE = re.compile(r"[a-z0-9][a-z0-9_]*")
KIND = "guidebook_appendix"
DEFAULT_PUBLISHER = "東京都"  # the guidebook appendix is the Tokyo Metropolitan Government's
PDF_SOURCES = "pdf_sources.csv"  # under data/raw: which PDF a registered text came from
PDF_SOURCES_COLUMNS = ("pdf_file", "pdf_sha256", "source_id", "text_file", "extraction")
# A previous row's key is carried over when the names are at least this similar
# (difflib ratio or character-bigram Dice on NFKC-folded names, whichever is higher).
KEY_THRESHOLD = 0.6
KEYED_TABLES = ("services", "meetings", "network_bodies", "milestones")
_LETTER = {"services": "s", "meetings": "m", "network_bodies": "b", "milestones": "e"}


# ---------------------------------------------------------------- PDF -------------------

def _run_poppler(command: list[str], path: Path) -> str:
    try:
        result = subprocess.run(command, capture_output=True, timeout=120, check=False)
    except FileNotFoundError as error:
        raise UserError(f"{command[0]} is not installed (poppler-utils); run "
                        "tools/system-deps.sh") from error
    except subprocess.TimeoutExpired as error:
        raise UserError(f"{path}: {command[0]} did not finish in 120 s") from error
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UserError(f"{path}: not a readable PDF ({command[0]}: "
                        f"{detail[-1] if detail else 'exit ' + str(result.returncode)})")
    return result.stdout.decode("utf-8", "replace")


def pdf_text(path: Path, *, layout: bool = False) -> tuple[str, str]:
    """The text of a PDF and how it was extracted (``pdftotext -raw`` or ``-layout``).

    ``-raw`` (the default) keeps the content stream's reading order, which is what the
    shipped sources look like; ``-layout`` keeps columns side by side, which mixes the
    sentences of two-column pages.
    """
    check_pdf(path)
    mode = "-layout" if layout else "-raw"
    # -l: never read past the pages check_pdf counted, whatever the page tree claims
    text = _run_poppler(["pdftotext", mode, "-l", str(MAX_PDF_PAGES), "-enc", "UTF-8",
                         str(path), "-"], path)
    check_text_bytes(text.encode("utf-8"), f"{path} (its text)")
    return normalise_extracted_text(text), f"pdftotext {mode} -enc UTF-8 (poppler-utils)"


def normalise_extracted_text(text: str) -> str:
    """Extracted text in the form of the shipped sources: LF line ends, a page break as a
    line break, no trailing spaces, at most two blank lines in a row, one final newline.

    Characters are left as extracted (full-width digits, Kangxi radicals, doubled bold
    characters): quotes are copied verbatim, and the readers undo those quirks.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    text = re.sub(r"\n{4,}", "\n\n\n", "\n".join(lines)).strip("\n")
    return text + "\n" if text else ""


# ---------------------------------------------------------------- reading ---------------

@dataclass(frozen=True)
class SourceFile:
    """The document as given: its bytes, its text (extracted for a PDF) and hashes."""

    path: Path
    content: bytes
    text: str
    sha256: str
    pdf: bool
    extraction: str = ""


def read_source(path: Path, *, layout: bool = False) -> SourceFile:
    """The source document; a user error for a missing, empty, binary or non-UTF-8 file."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: no such file (give the new edition as a .txt or .pdf file)")
    if not path.is_file():
        raise UserError(f"{path}: not a file (give the new edition as a .txt or .pdf file)")
    content = path.read_bytes()
    if not content.strip():
        raise UserError(f"{path}: the file is empty; nothing to draft")
    pdf = content.startswith(b"%PDF-")
    if pdf:
        text, extraction = pdf_text(path, layout=layout)
        if not text.strip():
            raise UserError(f"{path}: pdftotext found no text (a scanned PDF needs OCR first)")
    else:
        text = check_text_bytes(content, str(path))
        extraction = ""
    return SourceFile(path, content, text, hashlib.sha256(content).hexdigest(), pdf,
                      extraction)


# ---------------------------------------------------------------- the header ------------

_ERA_YEAR_RE = re.compile(r"(令和|平成)(元|[0-9]{1,2})年度")
_ERA_START = {"令和": 2018, "平成": 1988}


@dataclass(frozen=True)
class Header:
    """What the text before the first section says about the document."""

    title: str = ""
    edition: str = ""
    date: str = ""


def document_header(text: str, first_section_start: int) -> Header:
    """Title (the 「…」 line, with the 年度 line after it), edition and date of the header."""
    lines = [normalize.normalize_text(line, join_split_words=True)
             for line in text[:first_section_start].splitlines()]
    lines = [line for line in lines if line]
    title_parts = [line.strip("「」") for line in lines if "ガイドブック" in line
                   or "実例" in line or "附属資料" in line]
    edition = ""
    for line in lines:
        match = _ERA_YEAR_RE.search(line)
        if match:
            era_year = 1 if match.group(2) == "元" else int(match.group(2))
            edition = f"fy{_ERA_START[match.group(1)] + era_year}"
            title_parts.append(f"（{match.group(0)}版）" if "版" not in line else line)
            break
    date = ""
    for line in lines:
        if re.search(r"発行|作成", line):
            try:
                parsed = normalize.parse_japanese_date(line)
            except normalize.NormalizeError:
                continue
            if parsed.month:
                date = f"{parsed.year}-{parsed.month:02d}"
                break
    return Header(" ".join(title_parts).replace(" （", "（"), edition, date)


# ---------------------------------------------------------------- registration ----------

@dataclass(frozen=True)
class RegisteredSource:
    source_id: str
    file: str
    title: str
    edition: str
    newly_registered: bool
    pdf_file: str = ""


def _sources_frame(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(raw_dir(data_dir) / "sources.csv", dtype=str, keep_default_na=False)


def _pdf_sources(data_dir: Path) -> list[dict[str, str]]:
    path = raw_dir(data_dir) / PDF_SOURCES
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def find_registered(data_dir: Path, source: SourceFile) -> RegisteredSource | None:
    """The registered source with this document's sha256 (a PDF: through pdf_sources.csv)."""
    sources = _sources_frame(data_dir)
    sha_to_row = {row["sha256"]: row for row in sources.to_dict("records")}
    by_id = {row["source_id"]: row for row in sources.to_dict("records")}
    row = sha_to_row.get(source.sha256)
    pdf_file = ""
    if row is None and source.pdf:
        link = next((r for r in _pdf_sources(data_dir) if r["pdf_sha256"] == source.sha256),
                    None)
        if link is not None:
            row, pdf_file = by_id.get(link["source_id"]), link["pdf_file"]
    if row is None:
        return None
    return RegisteredSource(row["source_id"], row["file"], row["title"], row["edition"], False,
                            pdf_file)


def _atomic_write(target: Path, content: bytes) -> Path:
    """Write to a temporary file beside ``target``; the caller renames it into place."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(content)
    return temporary


def _append_csv_rows(path: Path, rows: Iterable[Mapping[str, str]],
                     header: Iterable[str]) -> bytes:
    """The file's bytes followed by the rows (the file is created with ``header``)."""
    from analysis.excel.submit import append_rows  # one appender for every registry write

    rows = list(rows)
    if path.is_file():
        return append_rows(path.read_bytes(), rows, str(path))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return buffer.getvalue().encode("utf-8")


def _new_source_id(requested: str, edition: str, known: set[str]) -> str:
    if requested:
        if not SOURCE_ID_RE.fullmatch(requested) or len(requested) > 64:
            raise UserError(f"--source-id {requested!r}: use lowercase ascii letters, digits "
                            "and '_' only, e.g. fy2026_main")
        if requested in known:
            raise UserError(f"--source-id {requested}: already registered in raw/sources.csv "
                            "for another file; choose a new id")
        return requested
    candidate, number = f"{edition}_main", 2
    while candidate in known:
        candidate, number = f"{edition}_main_{number}", number + 1
    return candidate


@dataclass(frozen=True)
class SourceOptions:
    edition: str
    source_id: str = ""
    title: str = ""
    date: str = ""
    publisher: str = DEFAULT_PUBLISHER


def register_source(data_dir: Path, source: SourceFile, options: SourceOptions,
                    header: Header) -> RegisteredSource:
    """Copy the document into data/raw and register it, or recognise it (same sha256)."""
    found = find_registered(data_dir, source)
    if found is not None:
        if found.edition != options.edition:
            raise UserError(f"{source.path}: already registered as {found.source_id} of edition "
                            f"{found.edition or '(none)'}, not {options.edition}; give "
                            f"--edition {found.edition}" if found.edition else
                            f"{source.path}: already registered as {found.source_id}, which "
                            "is not a guidebook edition")
        return found
    if header.edition and header.edition != options.edition:
        raise UserError(f"{source.path}: the document header says {header.edition}, but "
                        f"--edition is {options.edition}; give --edition {header.edition}")
    title = options.title or header.title
    if not title:
        raise UserError(f"{source.path}: the document header names no title; give --title "
                        "\"…（令和N年度版）\"")
    date, basis = _source_date(options, header)
    sources = _sources_frame(data_dir)
    source_id = _new_source_id(options.source_id, options.edition, set(sources["source_id"]))
    raw = raw_dir(data_dir)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", source.path.stem).strip("-.") or source_id
    text_name = f"{stem}.txt"
    files: dict[Path, bytes] = {raw / text_name: source.text.encode("utf-8")}
    link: dict[str, str] = {}
    if source.pdf:
        pdf_name = f"{stem}.pdf"
        files[raw / pdf_name] = source.content
        link = {"pdf_file": pdf_name, "pdf_sha256": source.sha256, "source_id": source_id,
                "text_file": text_name, "extraction": source.extraction}
    for target in files:
        if target.exists():
            raise UserError(f"{target}: a different file of that name is already in data/raw "
                            "(raw sources are never replaced); rename the new document")
    text_sha = hashlib.sha256(files[raw / text_name]).hexdigest()
    row = {"source_id": source_id, "file": text_name, "title": title, "kind": KIND,
           "edition": options.edition, "publisher": options.publisher, "date": date,
           "sha256": text_sha, "date_basis": basis, "municipality_code": "",
           "audience": "public"}
    files[raw / "sources.csv"] = _append_csv_rows(raw / "sources.csv", [row], sources.columns)
    if link:
        files[raw / PDF_SOURCES] = _append_csv_rows(raw / PDF_SOURCES, [link],
                                                    PDF_SOURCES_COLUMNS)
    _write_all(files)
    return RegisteredSource(source_id, text_name, title, options.edition, True,
                            link.get("pdf_file", ""))


def _source_date(options: SourceOptions, header: Header) -> tuple[str, str]:
    if options.date:
        if not re.fullmatch(schema.SOURCES.field("date").pattern or "", options.date):
            raise UserError(f"--date {options.date!r}: write an ISO date such as 2026-11 or "
                            "2026-11-01 (an interval 2026-11/2027-03 is allowed)")
        return options.date, "given with --date"
    if header.date:
        return header.date, "the document header's 発行 date"
    year = int(options.edition[2:])
    return f"{year}-04/{year + 1}-03", (f"the fiscal year of edition {options.edition}; the "
                                         "document header gives no date")


def _write_all(files: Mapping[Path, bytes]) -> None:
    """All files to temporary paths first, then renamed into place."""
    staged: list[tuple[Path, Path]] = []
    try:
        for target, content in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            staged.append((_atomic_write(target, content), target))
        for temporary, target in staged:
            os.replace(temporary, target)
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)


# ---------------------------------------------------------------- keys ------------------

def name_similarity(a: str, b: str) -> float:
    """How alike two names are: difflib's ratio or the Dice coefficient of their character
    bigrams, whichever is higher, on NFKC-folded names (0–1); a parenthetical qualifier
    may be left out ("くにサポ（子ども家庭部）" is くにサポ)."""
    return max(_similarity(x, y) for x in _variants(a) for y in _variants(b))


def _variants(name: str) -> set[str]:
    """The name, the name without its parenthetical, and the parenthetical alone
    ("子どもと家庭に関する総合相談（子ども家庭支援センター）" also names the センター)."""
    text = normalize.normalize_text(name)
    inner = re.findall(r"\(([^()]*)\)", text)
    return {text, re.sub(r"\([^()]*\)", "", text), *inner} - {""} or {text}


def _similarity(a: str, b: str) -> float:
    fa, fb = fold_key(a), fold_key(b)
    if not fa or not fb:
        return 0.0
    ratio = difflib.SequenceMatcher(None, fa, fb).ratio()
    grams_a = {fa[i:i + 2] for i in range(len(fa) - 1)} or {fa}
    grams_b = {fb[i:i + 2] for i in range(len(fb) - 1)} or {fb}
    dice = 2 * len(grams_a & grams_b) / (len(grams_a) + len(grams_b))
    return max(ratio, dice)


@functools.cache
def _kakasi() -> object:
    import pykakasi

    return pykakasi.kakasi()


def slug(name: str) -> str:
    """An ascii slug of a name's reading (pykakasi, Hepburn), at most 40 characters."""
    text = normalize.normalize_text(name, join_split_words=True)
    parts = [item["hepburn"].replace("-", "") for item in _kakasi().convert(text)]
    ascii_text = unicodedata.normalize("NFKD", "-".join(parts)).encode("ascii", "ignore")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.decode().lower()).strip("-")
    while len(words) > 40 and "-" in words:
        words = words.rsplit("-", 1)[0]
    return words[:40].strip("-")


def assign_keys(proposals: list[Proposal], previous: Mapping[str, pd.DataFrame],
                existing_keys: set[str]) -> None:
    """entity_key of every keyed proposal: carried over or new; references filled in.

    ``previous``: the previous edition's rows of each keyed table. Per municipality and
    table, the most similar (proposal, previous entity) pairs at or above KEY_THRESHOLD are
    taken first, one proposal per entity; the rest get new keys that no row uses yet.
    """
    taken = set(existing_keys)
    for table in KEYED_TABLES:
        frame = previous.get(table, pd.DataFrame())
        id_column = schema.BY_NAME[table].fields[0].name
        for code in sorted({p.code for p in proposals if p.table == table}):
            mine = [p for p in proposals if p.table == table and p.code == code]
            rows = (frame.loc[frame["municipality_code"] == code].to_dict("records")
                    if len(frame) else [])
            name_column = "title" if table == "milestones" else "name"
            pairs = sorted(((name_similarity(p.name, row[name_column]), n, row)
                            for n, p in enumerate(mine) for row in rows),
                           key=lambda item: (-item[0], item[1]))
            used_keys: set[str] = set()
            for score, index, row in pairs:
                proposal = mine[index]
                if score < KEY_THRESHOLD:
                    break
                if proposal.values.get("entity_key") or row["entity_key"] in used_keys:
                    continue
                proposal.values["entity_key"] = row["entity_key"]
                proposal.confidence = f"{score:.2f}"
                proposal.previous_row = row[id_column]
                used_keys.add(row["entity_key"])
            suffix = "-mtg" if table == "meetings" else ""  # a meeting of a service's name
            for number, proposal in enumerate(mine, start=1):
                if not proposal.values.get("entity_key"):
                    proposal.values["entity_key"] = _new_key(
                        code, proposal.name, f"{_LETTER[table]}{number}", taken, suffix)
                taken.add(proposal.values["entity_key"])
    for proposal in proposals:
        if proposal.parent is None:
            continue
        reference = {"network_body_members": "body_key",
                     "network_bodies": "parent_body_key"}.get(proposal.table, "service_key")
        if proposal.parent.table in ("services", "network_bodies"):
            proposal.values[reference] = proposal.parent.values.get("entity_key", "")


def _new_key(code: str, name: str, fallback: str, taken: set[str], suffix: str = "") -> str:
    """``<code>-<slug><suffix>``, or ``<code>-draft-<letter><n>`` without a readable name;
    a counter is added when the key is taken."""
    base = f"{code}-{slug(name) or 'draft-' + fallback}{suffix}"
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


# ---------------------------------------------------------------- drafting --------------

@dataclass
class Draft:
    """A drafted source: where it is registered and the proposals of every section."""

    source: RegisteredSource
    text: str
    previous_edition: str
    proposals: list[Proposal] = field(default_factory=list)
    skipped_sections: list[str] = field(default_factory=list)
    municipality_names: dict[str, str] = field(default_factory=dict)  # code → name

    def count(self, table: str) -> int:
        return sum(1 for p in self.proposals if p.table == table)


def _check_edition(option: str, value: str) -> None:
    if not EDITION_RE.fullmatch(value):
        raise UserError(f"{option} {value!r}: unknown edition format; write fy and the "
                        "fiscal year, e.g. fy2026")


def previous_edition(data: DataSet, edition: str, requested: str | None) -> str:
    """The edition whose keys carry over: as requested, else the latest one before."""
    editions = sorted({e for e in data["sources"]["edition"] if e and e < edition})
    if requested is not None:
        _check_edition("--previous", requested)
        if requested >= edition:
            raise UserError(f"--previous {requested}: not before --edition {edition}")
        if requested not in editions:
            known = ", ".join(editions) or "none"
            raise UserError(f"--previous {requested}: no registered source has that edition "
                            f"(editions before {edition}: {known})")
        return requested
    return editions[-1] if editions else ""


def previous_rows(data: DataSet, edition: str) -> dict[str, pd.DataFrame]:
    """The keyed tables' rows from the sources of one edition."""
    sources = data["sources"]
    ids = set(sources.loc[sources["edition"] == edition, "source_id"]) if edition else set()
    return {table: data[table].loc[data[table]["source_id"].isin(ids)]
            for table in KEYED_TABLES}


def _existing_keys(data: DataSet) -> set[str]:
    return {key for table in KEYED_TABLES for key in data[table]["entity_key"]}


def draft_source(path: Path, options: SourceOptions, data_dir: Path = DATA_DIR, *,
                 previous: str | None = None, layout: bool = False) -> Draft:
    """Register (or recognise) a source and propose the rows of every section."""
    from analysis.excel.output import valid_data

    _check_edition("--edition", options.edition)
    data = valid_data(data_dir)
    before = previous_edition(data, options.edition, previous)
    source = read_source(path, layout=layout)
    try:
        sections = split_sections(source.text)
    except SectionOrderError as error:
        raise UserError(f"{path}: {error}") from error
    if not sections:
        raise UserError(f"{path}: no municipality section headings (lines such as "
                        "'1 新宿区の取組'); is it a guidebook appendix?")
    header = document_header(source.text, sections[0].start)
    registered = register_source(Path(data_dir), source, options, header)
    municipalities = data["municipalities"]
    codes = dict(zip(municipalities["name"], municipalities["municipality_code"], strict=True))
    result = Draft(registered, source.text, before,
                   municipality_names={c: n for n, c in codes.items()})
    for section in sections:
        code = codes.get(section.municipality_name)
        if code is None:
            result.skipped_sections.append(section.municipality_name)
            continue
        result.proposals += propose_section(source.text, section, code, codes)
    assign_keys(result.proposals, previous_rows(data, before), _existing_keys(data))
    return result


# ---------------------------------------------------------------- workbook --------------

DRAFT_INSTRUCTIONS = (
    "確認のしかた",
    "1. このワークブックは出典の文章から規則で作った下書きです。すべての行は「要確認」です。",
    "2. 各行の「根拠となる文」（evidence）は出典の文そのものです。変えないでください。"
    "文と値が合っていれば「確認」列を「確認済」に、誤りや不要な行は「却下」にします。",
    "3. 空いている必須の列（＊）は、文を読んで記入してください（名称、分類、運営形態など）。"
    "年・月・年齢・回数は「…の記載」の言い回しから規則で読み取った値です。",
    "4. 「キー」（entity_key）は、前の版の同じものと名称が似ていれば引き継いでいます"
    "（類似度と前の版の行ID）。別のものなら新しいキーに、同じものならそのキーに直してください。",
    "5. 足りない行は、同じ形で行を追加できます（根拠となる文は出典の文をそのまま写します）。",
    "6. 取り込み：python -m analysis import このファイル で確認し、--apply で取り込みます。"
    "行の出典（source_id）は登録済みの出典です。",
)


def write_draft_workbook(result: Draft, out: Path) -> dict[str, int]:
    """The draft in the template's layout; return the number of rows per sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from analysis.excel.layout import (
        DRAFT_RULE,
        DRAFT_SOURCE_ID,
        EVIDENCE,
        EVIDENCE_DOCUMENT,
        INSTRUCTIONS_SHEET,
        LISTS_SHEET,
        MATCH_CONFIDENCE,
        NEEDS_REVIEW,
        PREVIOUS_ROW,
        STATUS,
        TEMPLATE_SHEETS,
        TEXT_FORMAT,
        put,
    )
    from analysis.excel.output import save_workbook
    from analysis.excel.template import (
        META_FIRST_ROW,
        TEMPLATE_VERSION,
        write_fill_in_sheet,
        write_lists,
    )

    workbook = Workbook()
    instructions = workbook.active
    instructions.title = INSTRUCTIONS_SHEET
    source = result.source
    put(instructions, 1, 1, f"下書き：{source.title}").font = Font(bold=True, size=14)
    previous = result.previous_edition or "なし"
    put(instructions, 2, 1, f"出典 {source.source_id}（data/raw/{source.file}）、版 "
                            f"{source.edition}、キーの引き継ぎ元 {previous}")
    meta = (("下書きの出典ID（変更しないでください）", DRAFT_SOURCE_ID, source.source_id),
            ("版", "edition", source.edition), ("出典の表題", "title", source.title),
            ("ひな形の版", "template_version", TEMPLATE_VERSION))
    for row, (text, key, value) in enumerate(meta, start=META_FIRST_ROW):
        put(instructions, row, 1, text)
        put(instructions, row, 2, key).font = Font(color="666666", size=9)
        put(instructions, row, 3, value).number_format = TEXT_FORMAT
    first = META_FIRST_ROW + len(meta) + 1
    for offset, text in enumerate(DRAFT_INSTRUCTIONS):
        cell = put(instructions, first + offset, 1, text)
        if offset == 0:
            cell.font = Font(bold=True)
    for letter, width in (("A", 46), ("B", 20), ("C", 60)):
        instructions.column_dimensions[letter].width = width
    ranges = write_lists(workbook.create_sheet(LISTS_SHEET), ("draft_status",))
    counts = {}
    document = f"{source.source_id}: {source.title}"
    for spec in TEMPLATE_SHEETS:
        rows = []
        for proposal in (p for p in result.proposals if p.table == spec.name):
            row = {column: proposal.values.get(column, "") for column in spec.facts}
            row.update({STATUS: NEEDS_REVIEW, "municipality_code": proposal.code, "note": "",
                        EVIDENCE: proposal.quote, EVIDENCE_DOCUMENT: document,
                        DRAFT_RULE: proposal.rule, MATCH_CONFIDENCE: proposal.confidence,
                        PREVIOUS_ROW: proposal.previous_row})
            rows.append(row)
        frame = pd.DataFrame(rows, columns=list(spec.draft_columns))
        write_fill_in_sheet(workbook.create_sheet(spec.name), spec, frame, ranges,
                            spec.draft_columns)
        counts[spec.name] = len(frame)
    workbook.move_sheet(LISTS_SHEET, offset=len(TEMPLATE_SHEETS))
    save_workbook(workbook, out)
    return counts


# ---------------------------------------------------------------- command line ----------

def run(source: Path, *, edition: str, xlsx: Path, data_dir: Path = DATA_DIR,
        previous: str | None = None, source_id: str = "", title: str = "", date: str = "",
        publisher: str = DEFAULT_PUBLISHER, layout: bool = False) -> int:
    """``python -m analysis draft``: register or recognise, propose, write the workbook."""
    from analysis.excel.output import checked_output

    out = checked_output(xlsx, "--xlsx")
    if not Path(data_dir).is_dir():
        raise UserError(f"{data_dir}: not a directory (give a data directory laid out like "
                        "data/)")
    options = SourceOptions(edition, source_id, title, date, publisher)
    result = draft_source(source, options, Path(data_dir), previous=previous, layout=layout)
    counts = write_draft_workbook(result, out)
    registered = result.source
    if registered.newly_registered:
        print(f"registered {registered.source_id}: data/raw/{registered.file}"
              + (f" (text of data/raw/{registered.pdf_file})" if registered.pdf_file else ""))
    else:
        print(f"recognised {registered.source_id} (data/raw/{registered.file}, already "
              "registered): drafted again, not registered twice")
    if result.skipped_sections:
        print("sections of unknown municipalities, not drafted: "
              + ", ".join(result.skipped_sections))
    carried = sum(1 for p in result.proposals if p.previous_row)
    rows = ", ".join(f"{n} {name}" for name, n in counts.items())
    print(f"wrote {out}: {rows}; {carried} entity key(s) carried over from "
          f"{result.previous_edition or 'no previous edition'}; every row is 要確認")
    return 0
