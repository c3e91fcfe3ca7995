"""The end-to-end build of the shipped data (papermill + nbconvert + WeasyPrint), made once
per session; every test here inspects that one build."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import escape
from pathlib import Path

import pytest

from analysis.core.labels import label
from analysis.dataset.tables import load_dataset, load_municipalities
from analysis.present.comparison import comparison_views
from analysis.present.display import figure_alt
from analysis.present.view import short_title
from tests.conftest import ROOT

NETWORK_RESOURCE = re.compile(
    r"""<script[^>]+src=["']?(?!data:)[^"'\s>]+|<link[^>]+rel=["']?stylesheet[^>]*>"""
    r"""|<img[^>]+src=["'](?!data:)|url\(\s*["']?(?:https?:)?//|@import""",
    re.IGNORECASE,
)


# Written out here, not taken from the code under test: a view that disappears must fail.
CHARTS = ("municipality_summary", "channel_coverage", "age_coverage", "meeting_frequencies",
          "national_menu_coverage", "network_body_composition", "establishment_timeline",
          "service_map", "collaborations")
TABLES = (*CHARTS, "age_coverage_summary", "meeting_intensity", "network_body_summary",
          "edition_changes", "edition_discrepancies")
BRIEFING_TABLES = ("documentation_coverage", "key_findings")  # the first page's data


def test_poppler_is_installed() -> None:
    """The PDF checks below need poppler-utils, which `make setup` installs: a missing
    tool is a broken set-up, never a reason to skip them."""
    missing = [tool for tool in ("pdffonts", "pdfinfo", "pdftotext", "pdftoppm")
               if shutil.which(tool) is None]
    assert missing == [], f"install poppler-utils (tools/system-deps.sh): {missing}"


def pdf_tool(tool: str, *args: str | Path) -> str:
    return subprocess.run([tool, *map(str, args)], capture_output=True, text=True,
                          check=True).stdout


def edition_codes() -> list[str]:
    dataset = load_dataset()
    fy2024 = set(dataset.sources.loc[dataset.sources["edition"] == "fy2024", "source_id"])
    return sorted(set(dataset.services.loc[dataset.services["source_id"].isin(fy2024),
                                           "municipality_code"]))


@pytest.fixture(scope="module")
def names() -> dict[str, str]:
    table = load_municipalities()
    return dict(zip(table["municipality_code"], table["name"], strict=True))


@pytest.fixture(scope="module")
def report_html(built_report: Path) -> str:
    return (built_report / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report_text(built_report: Path) -> str:
    return pdf_tool("pdftotext", "-enc", "UTF-8", built_report / "report.pdf", "-")


def test_build_writes_every_output(built_report: Path) -> None:
    for name in ("report.html", "report.pdf", "index.html", "manifest.json"):
        assert (built_report / name).stat().st_size > 0, name
    assert (built_report / "report.pdf").read_bytes().startswith(b"%PDF")
    tables = {p.stem for p in (built_report / "tables").glob("*.csv")}
    assert tables == {*TABLES, *BRIEFING_TABLES}
    figures = {p.name for p in (built_report / "figures").iterdir()}
    assert figures == {f"{name}.{ext}" for name in CHARTS for ext in ("png", "svg")}


def test_a_profile_and_a_gap_review_for_each_municipality(built_report: Path) -> None:
    for code in edition_codes():
        for folder in ("profiles", "gap_reviews"):
            for ext in ("html", "pdf"):
                assert (built_report / folder / f"{code}.{ext}").stat().st_size > 0, (folder,
                                                                                     code)


def test_report_html_names_every_municipality(report_html: str, names: dict) -> None:
    for code in edition_codes():
        assert names[code] in report_html, names[code]


def view_sections(report_html: str) -> dict[str, str]:
    """The comparison's views: name → the markup from its heading to the next heading or
    the next section of the report."""
    sections = {}
    for name in TABLES:
        start = report_html.index(f"<h2>{label('view', f'{name}_title')}</h2>")
        ends = [i for marker in ("<h2>", "<h1", 'class="section-start"')
                if (i := report_html.find(marker, start + 1)) != -1]
        sections[name] = report_html[start:min(ends, default=len(report_html))]
    return sections


def test_report_html_has_every_chart(report_html: str) -> None:
    sections = view_sections(report_html)
    charted = {view.name: view for view in comparison_views(load_dataset(), "fy2024")
               if view.figure is not None}
    assert set(charted) == set(CHARTS)
    for name in CHARTS:  # each chart in its own section, described by its title and lead
        assert f'alt="{escape(figure_alt(charted[name]))}"' in sections[name], name


def test_every_chart_and_table_names_its_sources(report_html: str) -> None:
    """Each view's own section carries its sources line, naming a source by its (short)
    title; a view showing population names the population and survey sources too."""
    titles = [short_title(t) for t in load_dataset().sources["title"]]
    for name, section in view_sections(report_html).items():
        notes = re.findall(r'<p class="source-note">(.*?)</p>', section, re.S)
        assert notes, name
        assert any(title in note for note in notes for title in titles), (name, notes)
        if name in ("municipality_summary", "service_map"):
            assert "住民基本台帳" in notes[-1] and "内閣府" in notes[-1], (name, notes)


def test_html_outputs_are_offline(built_report: Path) -> None:
    pages = [built_report / "report.html", built_report / "index.html",
             *(built_report / "profiles").glob("*.html"),
             *(built_report / "gap_reviews").glob("*.html")]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert NETWORK_RESOURCE.findall(html) == [], page
        assert "require.js" not in html and "mathjax" not in html.lower(), page


def test_network_pattern_catches_remote_resources() -> None:
    """The offline check itself must fail on the things it guards against."""
    for bad in ['<script src="https://cdn.example/x.js"></script>',
                '<link rel="stylesheet" href="https://x/y.css">',
                '<img src="http://x/y.png">', "body { background: url(//x/y.png) }"]:
        assert NETWORK_RESOURCE.search(bad), bad
    assert not NETWORK_RESOURCE.search('<img src="data:image/png;base64,AAAA">')
    assert not NETWORK_RESOURCE.search('<a href="https://www.city.example.jp/">link</a>')


def test_html_hides_code(report_html: str) -> None:
    assert 'class="jp-InputPrompt' not in report_html  # no code cell input or prompt
    assert '<div class="highlight' not in report_html
    assert 'class="jp-CodeMirrorEditor' not in report_html
    assert "load_dataset" not in report_html and "import " not in report_html
    assert 'lang="ja"' in report_html


def test_profile_facts_carry_their_quotes(built_report: Path) -> None:
    html = (built_report / "profiles" / "132039.html").read_text(encoding="utf-8")
    assert "それいゆ" in html
    entries = re.findall(r'<tr class="fact(?: part)?">', html)
    assert len(entries) == html.count('class="fact-quote"') > 10
    assert re.search(r"15\s*歳から49歳まで", html)  # the quote behind the target age
    assert "附属資料 令和6年度版（本文・武蔵野市の頁）・11 武蔵野市の取組" in html


ROW_ID = re.compile(r"fy20\d\d_[a-z_]+-\d{6}-[a-z]\d\d")


def test_row_ids_stay_in_the_appendix(built_report: Path, report_html: str) -> None:
    """Profiles cite sources; their row ids are in the appendix (of the handout, and
    gathered at the end of the combined report), and every id is there."""
    from tests.test_profile import visible

    handout = (built_report / "profiles" / "132039.html").read_text(encoding="utf-8")
    body, _, appendix = handout.partition('class="id-appendix"')
    assert ROW_ID.findall(visible(body)) == []
    assert "fy2024_musashino_flyers-132039-s02" in appendix
    start = report_html.index('id="sec-profile-')
    end = report_html.index('id="sec-method"')
    assert 'class="id-appendix"' not in report_html[start:end]
    assert ROW_ID.findall(visible(report_html[start:end])) == []
    appendix = report_html[report_html.index('id="sec-appendix"'):]
    assert appendix.count('class="id-appendix"') == len(edition_codes())
    assert "visit_musashino_20241203-132039-s01" in appendix


def test_default_build_marks_internal_facts(built_report: Path) -> None:
    html = (built_report / "profiles" / "132039.html").read_text(encoding="utf-8")
    supplementary = html[html.index("profile-supplementary"):]
    assert "総合支援調整会議" in supplementary  # stated by the visit record only
    assert label("profile", "internal_mark") in supplementary
    assert "総合支援調整会議" not in html[:html.index("profile-supplementary")]


def test_index_links_every_output(built_report: Path) -> None:
    index = (built_report / "index.html").read_text(encoding="utf-8")
    for link in re.findall(r'href="([^"]+)"', index):
        assert (built_report / link.partition("#")[0]).exists(), link
    for link in ('href="report.pdf"', 'href="profiles/132039.pdf"', 'href="explorer.html"',
                 'href="report.html#sec-method"', 'href="data/README.html"',
                 'href="tables/channel_coverage.csv"', 'href="notebooks/comparison.ipynb"'):
        assert link in index, link
    assert 'id="sec-method"' in (built_report / "report.html").read_text(encoding="utf-8")


def test_index_finds_every_handout_by_name_and_reading(built_report: Path,
                                                       names: dict) -> None:
    """Each handout's row holds the municipality's name, kana reading and English name,
    and the row's search key holds them folded (as the page's search folds input)."""
    from analysis.text.fold import fold

    index = (built_report / "index.html").read_text(encoding="utf-8")
    table = load_municipalities().set_index("municipality_code")
    rows = re.findall(r'<tr data-search="([^"]*)">(.*?)</tr>', index)
    assert len(rows) == len(edition_codes())
    for code in edition_codes():
        row = next((key, cells) for key, cells in rows if f"profiles/{code}.html" in cells)
        key, cells = row
        for text in (names[code], table.at[code, "name_kana"], table.at[code, "name_romaji"]):
            assert escape(text) in cells, (code, text)
            assert fold(text).lower() in key, (code, text)
        assert f"gap_reviews/{code}.pdf" in cells
    areas = [re.search(r"<td>([^<]*)</td>", cells).group(1) for _, cells in rows]
    assert areas == sorted(areas, key=["区部", "多摩地域", "島しょ部"].index)


def test_pdf_fonts_are_embedded_and_japanese(built_report: Path) -> None:
    for pdf in (built_report / "report.pdf", built_report / "profiles" / "132039.pdf"):
        lines = pdf_tool("pdffonts", pdf).splitlines()[2:]
        assert lines, "no fonts in the PDF"
        assert all(line.split()[-5] == "yes" for line in lines), lines  # the 'emb' column
        assert any("IPAexGothic" in line for line in lines), lines


def test_pdf_is_a4_with_page_numbers(built_report: Path, report_text: str) -> None:
    info = pdf_tool("pdfinfo", built_report / "report.pdf")
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 20 <= pages <= 200, pages
    assert f"1 / {pages}" in report_text and f"{pages} / {pages}" in report_text


def test_pdf_has_the_sections_and_every_municipality(report_text: str, names: dict) -> None:
    for heading in ("目次", "要点", "版による変化", "方法とコードブック", "コードブック",
                    "付録：事柄と行ID", "相談チャネル"):
        assert heading in report_text, heading
    for code in edition_codes():
        assert f"{names[code]}のひきこもり支援" in report_text, names[code]
    for sha in load_dataset().sources["sha256"]:
        assert sha[:16] in report_text.replace("\n", "")


def test_page_one_is_the_briefing(built_report: Path) -> None:
    """A policy officer's first page: what the report covers (n of 62 and the residents),
    the findings with their denominators, before the contents."""
    first = pdf_tool("pdftotext", "-f", "1", "-l", "1", "-layout",
                     built_report / "report.pdf", "-")
    codes = edition_codes()
    flat = re.sub(r"\s+", "", first)
    assert "要点" in flat and "この報告の範囲" in flat and "主な結果" in flat
    assert f"東京都の62区市町村のうち{len(codes)}区市町村" in flat
    assert "目次" not in flat or flat.index("要点") < flat.index("目次")


def test_no_internal_name_reaches_a_japanese_reader(report_html: str) -> None:
    """No enum value, table or column name, no snake_case in the report's visible text
    outside names, quotes and identifiers (file paths, row ids, hashes)."""
    from tests.test_build import internal_tokens

    assert internal_tokens(report_html) == []


def test_no_change_rebuild_is_skipped(built_report: Path, reports_dir: Path) -> None:
    from tests.conftest import run_cli

    before = (built_report / "manifest.json").resolve()
    result = run_cli("build", "--out", str(reports_dir), "--quiet")
    assert result.returncode == 0, result.stderr
    assert (built_report / "manifest.json").resolve() == before  # the same build, not redone


def test_notebooks_in_the_repository_stay_clean() -> None:
    import nbformat

    for path in (ROOT / "notebooks").glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")
