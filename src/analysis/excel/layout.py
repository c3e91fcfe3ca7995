"""What the workbooks look like: sheet names, template columns, the two header rows and
how a cell is written.

Row 1: the Japanese column name (``labels.csv`` group ``data_column``), with the schema's
description as a cell comment. Row 2: the English key. Data from row 3.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analysis.core.cells import neutralize_cell
from analysis.core.labels import label
from analysis.dataset import schema

INSTRUCTIONS_SHEET = "説明"
LISTS_SHEET = "選択肢"
# The form on the instructions sheet: key in column B, value in column C.
META_KEYS = ("municipality_code", "municipality_name", "title", "publisher", "date",
             "template_version")
LABEL_ROW = 1
KEY_ROW = 2
FIRST_DATA_ROW = 3
EVIDENCE = "evidence"
EVIDENCE_DOCUMENT = "evidence_document"
PREFILLED_FROM = "prefilled_from"
# Columns of a drafted workbook (``python -m analysis draft``) around the template's own:
# the steward's verdict first, then the row's municipality; after the evidence, how the
# drafter found the row and the previous edition's row it carried the key from.
STATUS = "status"
DRAFT_RULE = "draft_rule"
MATCH_CONFIDENCE = "match_confidence"
PREVIOUS_ROW = "previous_row"
NEEDS_REVIEW, ACCEPTED, REJECTED = "要確認", "確認済", "却下"  # labels.csv group draft_status
DRAFT_SOURCE_ID = "draft_source_id"  # 説明 form key: the registered source a draft quotes
TEXT_FORMAT = "@"  # Excel's "text" number format: typed input stays text (no dates, formulas)

_HEADER_FONT = Font(bold=True)
_KEY_FONT = Font(color="666666", size=9)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_EVIDENCE_FILL = PatternFill("solid", fgColor="FFF2CC")
_INFO_FILL = PatternFill("solid", fgColor="EDEDED")


@dataclass(frozen=True)
class Reference:
    """A template column that names another row by its entity_key (stewards know keys,
    not row ids); the importer turns it into the tidy row-id column."""

    column: str
    tidy_column: str
    table: str


REFERENCES = {r.column: r for r in (
    Reference("service_key", "service_id", "services"),
    Reference("body_key", "body_id", "network_bodies"),
    Reference("parent_body_key", "parent_body_id", "network_bodies"),
)}


@dataclass(frozen=True)
class SheetSpec:
    """One fill-in sheet of the template: a tidy table seen by a steward.

    ``facts`` are the columns that state the fact (compared to find unchanged rows);
    the row id, municipality_code, source_id and quote are set by the importer.
    """

    table: schema.Table
    letter: str | None  # row-id letter (``s`` → ``<source>-<code>-s01``); None: no own id
    facts: tuple[str, ...]
    # What makes two rows the same thing, when not the entity_key (or, without one, the whole
    # fact): a stated count is the count of one subject of one thing at one time.
    identity: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def id_column(self) -> str | None:
        return self.table.fields[0].name if self.letter else None

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.facts, "note", EVIDENCE, EVIDENCE_DOCUMENT, PREFILLED_FROM)

    @property
    def draft_columns(self) -> tuple[str, ...]:
        """A drafted workbook's columns: every row names its municipality (one workbook
        holds a whole edition) and carries the steward's verdict."""
        return (STATUS, "municipality_code", *self.facts, "note", EVIDENCE, EVIDENCE_DOCUMENT,
                DRAFT_RULE, MATCH_CONFIDENCE, PREVIOUS_ROW)

    def field(self, column: str) -> schema.Field:
        return template_field(self.table, column)


TEMPLATE_SHEETS = (
    SheetSpec(schema.SERVICES, "s", (
        "entity_key", "name", "category", "national_menu", "designation", "operator_type",
        "operator_name", "established_text", "established_year", "established_month")),
    SheetSpec(schema.CHANNELS, None, ("service_key", "channel", "purpose")),
    SheetSpec(schema.TARGET_AGES, None, (
        "service_key", "age_text", "age_min", "age_max", "approximate", "age_kind")),
    SheetSpec(schema.MEETINGS, "m", (
        "entity_key", "name", "kind", "occurrence", "service_key", "frequency_text", "regular",
        "per_year", "approximate")),
    SheetSpec(schema.NETWORK_BODIES, "b", (
        "entity_key", "name", "kind", "established_text", "established_year",
        "established_month", "member_count_text", "member_count", "parent_body_key")),
    SheetSpec(schema.NETWORK_BODY_MEMBERS, None, ("body_key", "member_type", "member_text")),
    SheetSpec(schema.MILESTONES, "e", ("entity_key", "kind", "title", "date_text", "year",
                                       "month")),
    SheetSpec(schema.COLLABORATIONS, "c", ("partner_code", "partner_text", "activity")),
    SheetSpec(schema.STATED_COUNTS, "n", ("entity_key", "subject", "as_of", "count_text", "count"),
              identity=("entity_key", "subject", "as_of")),
)
SHEETS_BY_NAME = {spec.name: spec for spec in TEMPLATE_SHEETS}

_EXTRA_FIELDS = {
    EVIDENCE: schema.Field(
        EVIDENCE, "quote",
        "この行の事実を述べている文。自治体が公開している文書から、そのまま写してください",
        "the sentence of your published document that states this row's fact, copied as is",
        required=True),
    EVIDENCE_DOCUMENT: schema.Field(
        EVIDENCE_DOCUMENT, "text", "根拠となる文書：表題と、URLまたは発行日",
        "the document quoted: its title and URL or date", required=True),
    PREFILLED_FROM: schema.Field(
        PREFILLED_FROM, "text", "この行の元になった既存の行（参考。取り込みでは使いません）",
        "the existing row this line was prefilled from (for reference; not imported)"),
    # A draft holds every municipality of a source: each row names its own (the tables
    # without a code column reach it through their body).
    "municipality_code": schema.Field(
        "municipality_code", "code", "この行の区市町村コード（6桁、検査数字付き）",
        "the row's municipality: 6-digit code with check digit", required=True,
        pattern=schema.CODE_PATTERN),
    STATUS: schema.Field(
        STATUS, "enum", "確認の結果：要確認（取り込まれません）、確認済（取り込みます）、却下",
        "the steward's verdict: 要確認 (not imported), 確認済 (imported), 却下 (left out)",
        required=True, enum="draft_status"),
    DRAFT_RULE: schema.Field(
        DRAFT_RULE, "text", "下書きがこの行を提案した規則（参考。取り込みでは使いません）",
        "the rule that proposed this row (for reference; not imported)"),
    MATCH_CONFIDENCE: schema.Field(
        MATCH_CONFIDENCE, "number", "前の版の行と同じものとみなした名称の類似度（0〜1）",
        "name similarity with the previous edition's row whose key was carried over (0-1)"),
    PREVIOUS_ROW: schema.Field(
        PREVIOUS_ROW, "text", "キーを引き継いだ前の版の行ID（参考。取り込みでは使いません）",
        "the previous edition's row the key was carried over from (not imported)"),
}


def template_field(table: schema.Table, column: str) -> schema.Field:
    """The contract of a template column: the tidy field, or a reference / evidence field."""
    if column in _EXTRA_FIELDS:
        return _EXTRA_FIELDS[column]
    if column in REFERENCES:
        ref = REFERENCES[column]
        target = table.field(ref.tidy_column)
        title = schema.BY_NAME[ref.table].title_ja
        return schema.Field(column, "key", f"{title}のキー（{ref.table} シートの entity_key）",
                            f"the entity_key of a row of sheet {ref.table}",
                            required=target.required, pattern=schema.ENTITY_KEY_PATTERN)
    return table.field(column)


# ---------------------------------------------------------------- writing cells ---------

def put(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write one cell; text is always stored as text, never as a formula.

    openpyxl turns any string starting with "=" into a formula, so the data type is set
    explicitly; ``neutralize_cell`` adds the apostrophe the CSV exports use, so that a
    spreadsheet does not turn the text into a formula when someone edits the cell either.
    """
    cell = ws.cell(row=row, column=column)
    if value is None or _is_missing(value):
        return cell
    if isinstance(value, str):
        cell.value = neutralize_cell(value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def _is_missing(value: object) -> bool:
    try:
        return bool(value != value)  # NaN and pd.NA are not equal to themselves
    except TypeError:
        return True  # pd.NA raises on bool()


def write_header(ws: Worksheet, table: schema.Table | None, columns: Sequence[str],
                 headers: Sequence[str] | None = None) -> None:
    """Rows 1 and 2: Japanese names (with the schema description as a comment), keys."""
    for index, key in enumerate(columns, start=1):
        text = headers[index - 1] if headers else label("data_column", key)
        top = put(ws, LABEL_ROW, index, text)
        top.font = _HEADER_FONT
        top.fill = _EVIDENCE_FILL if key in (EVIDENCE, EVIDENCE_DOCUMENT) else (
            _INFO_FILL if key == PREFILLED_FROM else _HEADER_FILL)
        top.alignment = Alignment(wrap_text=True, vertical="top")
        if table is not None:
            field = template_field(table, key)
            required = "（必須）" if field.required else ""
            top.comment = Comment(f"{field.description_ja}{required}\n{field.description_en}",
                                  "analysis", width=320, height=110)
        put(ws, KEY_ROW, index, key).font = _KEY_FONT


def finish_sheet(ws: Worksheet, n_columns: int, n_rows: int, freeze: str = "A3") -> None:
    """Frozen header rows, an autofilter over the keys row and the data, column widths."""
    ws.freeze_panes = freeze
    if n_columns:
        last = get_column_letter(n_columns)
        ws.auto_filter.ref = f"A{KEY_ROW}:{last}{max(KEY_ROW, FIRST_DATA_ROW + n_rows - 1)}"
    for index in range(1, n_columns + 1):
        values = (ws.cell(row=r, column=index).value
                  for r in range(1, min(ws.max_row, 300) + 1))  # a sample is enough
        ws.column_dimensions[get_column_letter(index)].width = column_width(values)


def column_width(values: Iterable[object], low: int = 8, high: int = 60) -> float:
    """Width in Excel character units: East Asian wide characters count twice."""
    widest = max((display_width(str(v)) for v in values if v is not None), default=0)
    return float(min(high, max(low, widest + 2)))


def display_width(text: str) -> int:
    line = max(text.splitlines() or [""], key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
