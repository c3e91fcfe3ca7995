"""``python -m analysis draft``: registration, sections, proposals whose quotes and values
validate, key carry-over, the workbook, the PDF route, bad input, the measured recall, and
"adding an edition" end to end (docs/curation.md) on a held-out municipality section."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis.core.errors import UserError
from analysis.dataset import schema
from analysis.dataset.validate import (
    validate,
)
from analysis.excel.layout import (
    ACCEPTED,
    EVIDENCE,
    NEEDS_REVIEW,
    REFERENCES,
    REJECTED,
    STATUS,
    TEMPLATE_SHEETS,
)
from analysis.text.fold import fold
from analysis.text.sources import quote_spans, split_sections
from analysis.tools.draft import (
    PDF_SOURCES,
    Draft,
    SourceOptions,
    draft_source,
    name_similarity,
    normalise_extracted_text,
    write_draft_workbook,
)
from analysis.tools.draft_score import VALUE_COLUMNS, held_out_data, score
from tests.conftest import ROOT, run_cli, tree_digest

DATA = ROOT / "data"
FY2024 = "guidebook-appendix-fy2024.txt"
HINO = "132128"  # 日野市: in both editions, so its keys carry over from fy2022
HEADER = "「ひきこもり支援ガイドブック 附属資料」\n\n区市町村における 支援の実例\n\n(令和6年度)\n\n"


@pytest.fixture(scope="module")
def fy2024_draft(tmp_path_factory: pytest.TempPathFactory) -> Draft:
    """The FY2024 text drafted on a copy of the data without the FY2024 rows."""
    copy = held_out_data(DATA, tmp_path_factory.mktemp("held-out") / "data", "fy2022")
    return draft_source(copy / "raw" / FY2024, SourceOptions("fy2024"), copy,
                        previous="fy2022")


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def sources_rows(data_dir: Path) -> list[dict[str, str]]:
    with (data_dir / "raw" / "sources.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def section_text(code_name: str) -> str:
    """One municipality's section of the FY2024 text, verbatim."""
    text = (DATA / "raw" / FY2024).read_text(encoding="utf-8")
    section = next(s for s in split_sections(text) if s.municipality_name == code_name)
    return text[section.start:section.end]


# ---------------------------------------------------------------- proposals -------------

def test_already_registered_source_is_recognised_not_registered_twice(
        fy2024_draft: Draft) -> None:
    assert fy2024_draft.source.source_id == "fy2024_main"
    assert not fy2024_draft.source.newly_registered
    assert fy2024_draft.previous_edition == "fy2022"


def test_every_section_is_drafted_with_whole_sentence_quotes_inside_it(
        fy2024_draft: Draft) -> None:
    text = fy2024_draft.text
    sections = {s.municipality_name: s for s in split_sections(text)}
    names = fy2024_draft.municipality_names
    assert {names[p.code] for p in fy2024_draft.proposals} == set(sections)
    for proposal in fy2024_draft.proposals:
        section = sections[names[proposal.code]]
        assert section.start <= proposal.start < proposal.end <= section.end
        # the quote is the source between start and end with line breaks removed
        assert proposal.quote == "".join(ch for ch in text[proposal.start:proposal.end]
                                         if ch not in "\r\n"), proposal.quote
        assert (proposal.start, proposal.end) in quote_spans(text, proposal.quote)
        for column, value in proposal.values.items():
            if column.endswith("_text") and value:
                assert fold(value) in fold(proposal.quote)


def test_values_are_what_the_normalizers_derive_from_the_phrases(fy2024_draft: Draft) -> None:
    """Every derived cell of a proposal is what the table's derivation rule (the one the
    validator checks) gives for its phrase."""
    checked = 0
    for proposal in fy2024_draft.proposals:
        values = proposal.values
        for derivation in schema.BY_NAME[proposal.table].derivations:
            text = values.get(derivation.text_column, "")
            if not text and derivation.rule != "frequency":
                continue  # no phrase, nothing derived (a meeting without one: unknown)
            expected = derivation.cells(text)
            assert {k: values.get(k, "") for k in expected} == expected, values
            checked += 1
    assert checked > 50


def test_known_facts_are_proposed_with_their_values(fy2024_draft: Draft) -> None:
    def rows(table: str, code: str) -> list[dict[str, str]]:
        return [p.values for p in fy2024_draft.proposals if p.table == table and p.code == code]

    # 新宿区: the window opened on 令和５年 11月１日, reachable by phone, in person, visit
    shinjuku = rows("services", "131041")
    window = next(v for v in shinjuku if v["name"] == "ひきこもり総合相談窓口")
    assert (window["established_year"], window["established_month"]) == ("2023", "11")
    assert window["category"] == "consultation_window"
    assert {"phone", "in_person", "home_visit"} <= {v["channel"]
                                                    for v in rows("channels", "131041")}
    # 武蔵野市: 年に 7回 家族セミナー; それいゆ for ages 15 to 49
    seminar = next(v for v in rows("meetings", "132039") if v.get("frequency_text") == "年に 7回")
    assert (seminar["per_year"], seminar["regular"]) == ("7", "true")
    ages = next(v for v in rows("target_ages", "132039") if "49" in v["age_text"])
    assert (ages["age_min"], ages["age_max"]) == ("15", "49")
    # 調布市: a network of 29 member organisations; 文京区 partners 千代田区 and 台東区
    network = next(v for v in rows("network_bodies", "132080") if v.get("member_count"))
    assert network["member_count"] == "29"
    assert {"131016", "131067"} <= {v["partner_code"] for v in rows("collaborations", "131059")}


def test_keys_carry_over_from_the_previous_edition_by_name(fy2024_draft: Draft) -> None:
    center = next(p for p in fy2024_draft.proposals
                  if p.table == "services" and p.name == "文京区ひきこもり支援センター")
    assert center.values["entity_key"] == "131059-hikikomori-shien-center"
    assert center.previous_row == "fy2022_part1-131059-s01"
    assert float(center.confidence) >= 0.6
    # a municipality without a previous edition gets new keys only
    shinjuku = [p for p in fy2024_draft.proposals
                if p.code == "131041" and p.table in ("services", "meetings")]
    assert shinjuku and not any(p.previous_row for p in shinjuku)
    assert all(p.values["entity_key"].startswith("131041-") for p in shinjuku)
    # children name their parent's key
    for proposal in fy2024_draft.proposals:
        if proposal.parent is not None and proposal.table == "channels":
            assert proposal.values["service_key"] == proposal.parent.values["entity_key"]


def test_name_similarity() -> None:
    assert name_similarity("ひきこもり支援センター", "ひきこもり支援センター") == 1.0
    assert name_similarity("ＳＴＥＰ 事業", "STEP事業") == 1.0  # NFKC and spaces folded
    assert name_similarity("家族会", "ひきこもり支援協議会") < 0.6


def test_measured_recall_is_at_least_half(fy2024_draft: Draft) -> None:
    """The figure in docs/benchmarks.md: at least half of the curated FY2024 rows."""
    scored = score(fy2024_draft, DATA, "fy2024_main")
    assert {t.table for t in scored.tables} == set(VALUE_COLUMNS)
    assert scored.matched / scored.curated >= 0.5
    assert scored.matched / scored.proposed >= 0.35


# ---------------------------------------------------------------- workbook --------------

def test_workbook_has_the_template_layout_and_every_row_needs_review(
        fy2024_draft: Draft, tmp_path: Path) -> None:
    out = tmp_path / "draft.xlsx"
    counts = write_draft_workbook(fy2024_draft, out)
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["説明", *(s.name for s in TEMPLATE_SHEETS), "選択肢"]
    for spec in TEMPLATE_SHEETS:
        ws = workbook[spec.name]
        keys = [c.value for c in ws[2]]
        assert keys == list(spec.draft_columns)
        assert ws.max_row - 2 == counts[spec.name]
        assert counts[spec.name] == fy2024_draft.count(spec.name)
        statuses = {ws.cell(row=r, column=1).value for r in range(3, ws.max_row + 1)}
        assert statuses <= {NEEDS_REVIEW}
        validated = {str(v.sqref).split(":")[0] for v in ws.data_validations.dataValidation}
        assert "A3" in validated  # the status drop-down
        for column, key in enumerate(keys, start=1):
            if spec.field(key).enum:
                letter = openpyxl.utils.get_column_letter(column)
                assert f"{letter}3" in validated, key


def test_import_refuses_rows_still_to_be_reviewed(data_copy: Path, tmp_path: Path) -> None:
    source = tmp_path / "hino.txt"
    source.write_text(HEADER + section_text("日野市"), encoding="utf-8")
    out = tmp_path / "draft.xlsx"
    assert run_cli("draft", str(source), "--edition", "fy2024", "--xlsx", str(out),
                   "--data", str(data_copy)).returncode == 0
    before = tree_digest(data_copy)
    result = run_cli("import", str(out), "--data", str(data_copy))
    assert result.returncode == 1
    assert "services!A3 [status]: '要確認' — is still to be reviewed" in result.stdout
    other = run_cli("import", str(out), "--source-id", "fy2024_main", "--data", str(data_copy))
    assert other.returncode == 1 and "leave --source-id out" in other.stderr
    assert tree_digest(data_copy) == before


# ---------------------------------------------------------------- registration ----------

def test_new_source_is_registered_once_with_its_hash(data_copy: Path, tmp_path: Path) -> None:
    source = tmp_path / "next-edition.txt"
    source.write_text(HEADER + section_text("国立市"), encoding="utf-8")
    before = len(sources_rows(data_copy))
    first = run_cli("draft", str(source), "--edition", "fy2024", "--xlsx",
                    str(tmp_path / "a.xlsx"), "--data", str(data_copy))
    assert first.returncode == 0, first.stderr
    assert "registered fy2024_main_2: data/raw/next-edition.txt" in first.stdout
    rows = sources_rows(data_copy)
    assert len(rows) == before + 1
    row = rows[-1]
    content = (data_copy / "raw" / "next-edition.txt").read_bytes()
    assert content == source.read_bytes()  # copied unchanged
    assert row["sha256"] == hashlib.sha256(content).hexdigest()
    assert row["edition"] == "fy2024" and row["kind"] == "guidebook_appendix"
    assert row["title"] == ("ひきこもり支援ガイドブック附属資料 区市町村における支援の実例"
                            "（令和6年度版）")
    assert row["date"] == "2024-04/2025-03" and "fiscal year" in row["date_basis"]
    second = run_cli("draft", str(source), "--edition", "fy2024", "--xlsx",
                     str(tmp_path / "b.xlsx"), "--data", str(data_copy))
    assert second.returncode == 0 and "recognised fy2024_main_2" in second.stdout
    assert len(sources_rows(data_copy)) == before + 1
    assert validate(data_copy)[1] == []


def test_pdf_is_archived_and_its_text_registered(data_copy: Path, tmp_path: Path) -> None:
    import weasyprint

    from analysis.core.fonts import font_path

    body = "".join(f"<p>{line}</p>" for line in (
        "「ひきこもり支援ガイドブック 附属資料」", "区市町村における支援の実例", "(令和8年度)",
        "1 武蔵野市の取組", "ひきこもりカフェの開設",
        "　武蔵野市では、令和８年４月に「ひきこもりカフェ」を開設しました。",
        "　ひきこもりカフェでは、電話と来所で相談を受け付けています。",
        "2 国立市の取組", "　国立市では、家族会を年に6回開催しています。"))
    html = (f"<html><head><style>@font-face{{font-family:J;src:url(file://{font_path()})}}"
            f"body{{font-family:J}}</style></head><body>{body}</body></html>")
    pdf = tmp_path / "guide-fy2026.pdf"
    weasyprint.HTML(string=html).write_pdf(pdf)
    result = draft_source(pdf, SourceOptions("fy2026"), data_copy)
    registered = result.source
    assert registered.newly_registered and registered.pdf_file == "guide-fy2026.pdf"
    raw = data_copy / "raw"
    assert (raw / "guide-fy2026.pdf").read_bytes() == pdf.read_bytes()
    text = (raw / registered.file).read_text(encoding="utf-8")
    assert "\f" not in text and "武蔵野市では" in text
    link = list(csv.DictReader((raw / PDF_SOURCES).open(encoding="utf-8")))
    assert link == [{"pdf_file": "guide-fy2026.pdf",
                     "pdf_sha256": hashlib.sha256(pdf.read_bytes()).hexdigest(),
                     "source_id": registered.source_id, "text_file": registered.file,
                     "extraction": "pdftotext -raw -enc UTF-8 (poppler-utils)"}]
    cafe = next(p for p in result.proposals if p.table == "services" and "カフェ" in p.name)
    assert cafe.values["established_year"] == "2026"
    assert cafe.quote in text.replace("\n", "")
    assert any(p.values.get("per_year") == "6" for p in result.proposals
               if p.table == "meetings" and p.code == "132152")
    assert validate(data_copy)[1] == []  # the registered text and its hash are valid
    again = draft_source(pdf, SourceOptions("fy2026"), data_copy)  # recognised by the PDF hash
    assert not again.source.newly_registered
    assert again.source.source_id == registered.source_id


def test_normalise_extracted_text() -> None:
    assert normalise_extracted_text("a  \r\nb\fc\n\n\n\n\nd\n") == "a\nb\nc\n\n\nd\n"
    assert normalise_extracted_text("  \n") == ""


@pytest.mark.parametrize(("make", "args", "message"), [
    (None, ["--edition", "fy2026"], "no such file"),
    ("", ["--edition", "fy2026"], "the file is empty"),
    ("x", ["--edition", "2026"], "unknown edition format"),
    ("x", ["--edition", "fy2026", "--previous", "fy2020"], "no registered source has that"),
    ("本文だけで見出しのない文章。", ["--edition", "fy2026"], "no municipality section headings"),
    ("%PDF-1.4 broken", ["--edition", "fy2026"], "not a readable PDF"),
    (HEADER + " 1 新宿区の取組\n本文。\n", ["--edition", "fy2026"],
     "the document header says fy2024"),
    (" 1 新宿区の取組\n本文。\n", ["--edition", "fy2026"], "the document header names no title"),
])
def test_bad_input_gives_one_line_errors_and_writes_nothing(
        make: str | None, args: list[str], message: str, data_copy: Path,
        tmp_path: Path) -> None:
    source = tmp_path / ("source.pdf" if make and make.startswith("%PDF") else "source.txt")
    if make is not None:
        source.write_text(make, encoding="utf-8")
    before = tree_digest(data_copy)
    result = run_cli("draft", str(source), *args, "--xlsx", str(tmp_path / "d.xlsx"),
                     "--data", str(data_copy))
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert tree_digest(data_copy) == before
    assert not (tmp_path / "d.xlsx").exists()


def test_registration_refuses_a_different_file_of_the_same_name(data_copy: Path,
                                                                tmp_path: Path) -> None:
    source = tmp_path / FY2024  # same name as a registered file, different content
    source.write_text(HEADER + section_text("国立市"), encoding="utf-8")
    with pytest.raises(UserError, match="already in data/raw"):
        draft_source(source, SourceOptions("fy2024"), data_copy)


# ---------------------------------------------------------------- adding an edition -----

def remove_municipality(data_dir: Path, source_id: str, code: str) -> dict[str, pd.DataFrame]:
    """Take one municipality's rows of a source out of a data directory; return them."""
    tidy = data_dir / "tidy"
    frames = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
              for p in tidy.glob("*.csv")}
    bodies = frames["network_bodies"].set_index("body_id")["municipality_code"]
    meetings = frames["meetings"].set_index("meeting_id")["municipality_code"]
    removed = {}
    for name, frame in frames.items():
        if "municipality_code" in frame.columns:
            codes = frame["municipality_code"]
        elif "body_id" in frame.columns:
            codes = frame["body_id"].map(bodies)
        else:
            codes = frame["meeting_id"].map(meetings)
        out = (frame["source_id"] == source_id) & (codes == code)
        removed[name] = frame.loc[out].reset_index(drop=True)
        frame.loc[~out].to_csv(tidy / f"{name}.csv", index=False, lineterminator="\n")
    return removed


_STEWARD_COLUMNS = {  # what a steward types in from reading the source (not derivable)
    "services": ("entity_key", "name", "category", "national_menu", "designation",
                 "operator_type", "operator_name"),
    "channels": ("purpose",),
    "meetings": ("entity_key", "name", "kind", "occurrence"),
    "network_bodies": ("entity_key", "name", "kind"),
    "network_body_members": ("member_text",),
    "milestones": ("entity_key", "kind", "title"),
    "collaborations": ("partner_text", "activity"),
}


def review_as_steward(workbook_path: Path, curated: dict[str, pd.DataFrame],
                      text: str) -> dict[str, int]:
    """Mark the draft's correct rows 確認済 and the others 却下, as a steward comparing the
    draft with the source would; ``curated`` stands for the steward's own reading.

    A row is correct when a curated row of its sheet has an overlapping quote and the same
    derived values (one row each); the steward then types in what no rule derives (names,
    categories, keys as the curated row has them). A row whose service or body was
    rejected is rejected too. Returns the accepted rows per sheet."""
    workbook = openpyxl.load_workbook(workbook_path)
    keys_of = {name: dict(zip(curated[name][column], curated[name]["entity_key"], strict=True))
               for name, column in (("services", "service_id"), ("network_bodies", "body_id"))}
    accepted: dict[str, int] = {}
    accepted_keys: dict[str, set[str]] = {"services": set(), "network_bodies": set()}
    for spec in TEMPLATE_SHEETS:
        ws = workbook[spec.name]
        columns = {c.value: c.column for c in ws[2]}
        frame = curated[spec.name]
        spans = [quote_spans(text, q) for q in frame["quote"]]
        used: set[int] = set()
        accepted[spec.name] = 0
        for row in range(3, ws.max_row + 1):
            cell = {key: ws.cell(row=row, column=col) for key, col in columns.items()}
            value = {key: str(c.value or "") for key, c in cell.items()}
            (start, end), = quote_spans(text, value[EVIDENCE])[:1]
            match = next((i for i, r in enumerate(frame.to_dict("records"))
                          if i not in used and any(a < end and start < b for a, b in spans[i])
                          and all(str(r.get(c, "")) == value.get(c, "")
                                  for c in VALUE_COLUMNS[spec.name])), None)
            verdict = REJECTED
            if match is not None:
                used.add(match)
                curated_row = frame.loc[match]
                for column in _STEWARD_COLUMNS.get(spec.name, ()):
                    typed = str(curated_row[column])
                    if column.endswith("_text") and fold(typed) not in (
                            fold(value[EVIDENCE])):
                        continue  # the draft's own phrase stays: it is in the evidence
                    cell[column].value = typed
                for key, ref in REFERENCES.items():
                    if key in cell:
                        target = keys_of[ref.table].get(curated_row[ref.tidy_column], "")
                        cell[key].value = target
                dangling = any(cell[key].value not in accepted_keys[ref.table]
                               for key, ref in REFERENCES.items()
                               if key in cell and cell[key].value)
                missing = any(key in cell and not cell[key].value and spec.field(key).required
                              for key in ("service_key", "body_key"))
                verdict = REJECTED if dangling or missing else ACCEPTED
            cell[STATUS].value = verdict
            if verdict == ACCEPTED:
                accepted[spec.name] += 1
                if spec.name in accepted_keys:
                    accepted_keys[spec.name].add(cell["entity_key"].value)
    workbook.save(workbook_path)
    return accepted


def test_adding_an_edition_end_to_end_on_a_held_out_section(data_copy: Path,
                                                            tmp_path: Path) -> None:
    """docs/curation.md "Adding an edition": 日野市's FY2024 rows are taken out of the data,
    its FY2024 section is drafted as a new source, reviewed, imported and validated."""
    curated = remove_municipality(data_copy, "fy2024_main", HINO)
    assert validate(data_copy)[1] == []
    source = tmp_path / "hino-fy2024.txt"
    source.write_text(HEADER + section_text("日野市"), encoding="utf-8")
    text = source.read_text(encoding="utf-8")
    draft = tmp_path / "draft.xlsx"
    # 1. register and draft
    result = run_cli("draft", str(source), "--edition", "fy2024", "--previous", "fy2022",
                     "--xlsx", str(draft), "--data", str(data_copy))
    assert result.returncode == 0, result.stderr
    assert "entity key(s) carried over from fy2022" in result.stdout
    # 2. review (as a steward in Excel)
    accepted = review_as_steward(draft, curated, text)
    assert accepted["services"] >= 8 and accepted["meetings"] >= 4 and accepted["channels"] >= 3
    # 3. import: a dry run, then --apply
    dry = run_cli("import", str(draft), "--data", str(data_copy))
    assert dry.returncode == 0, dry.stdout[-2000:] + dry.stderr
    assert "of registered source fy2024_main_2 (a reviewed draft" in dry.stdout
    applied = run_cli("import", str(draft), "--data", str(data_copy), "--apply")
    assert applied.returncode == 0, applied.stdout[-2000:] + applied.stderr
    # 4. validate: every imported row quotes the registered text inside 日野市's section
    data, problems = validate(data_copy)
    assert problems == []
    for name, n in accepted.items():
        rows = data[name].loc[data[name]["source_id"] == "fy2024_main_2"]
        assert len(rows) == n, name
    services = data["services"].loc[data["services"]["source_id"] == "fy2024_main_2"]
    assert "132128-safetynet-callcenter" in set(services["entity_key"])  # carried from fy2022
    assert set(services["service_id"]) >= {"fy2024_main_2-132128-s01"}
    # importing the same workbook again adds nothing
    again = run_cli("import", str(draft), "--data", str(data_copy))
    assert again.returncode == 0 and "no change" in again.stdout


def test_stated_counts_are_proposed_with_the_phrase_and_its_number() -> None:
    """A count phrase gives a stated-counts row: the phrase, the number the table's rule
    derives, what the counter says is counted, and the edition's own time."""
    from analysis.tools.draft_rules import propose_section

    text = " 1 新宿区の取組\n新宿区では、コンビニエンスストア全 110店舗にチラシを掲示しました。\n"
    section = split_sections(text)[0]
    counts = [p for p in propose_section(text, section, "131041", {"新宿区": "131041"})
              if p.table == "stated_counts"]
    assert [p.values for p in counts] == [{"subject": "cooperating_businesses",
                                           "as_of": "current", "count_text": "全 110店舗",
                                           "count": "110"}]
