"""Every PDF is tagged for assistive technology (WeasyPrint's ``pdf_tags``): a structure
tree, the document's language and title, bookmarks by section, figures with alt text.
Read back with pikepdf from the session's build; the same checks fail on an untagged PDF
and on a figure without alt text."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pikepdf
import pytest

from analysis.build.render import html_to_pdf

CODE = "132039"
DOCUMENTS = ("report", f"profiles/{CODE}", f"gap_reviews/{CODE}")


def structure_elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every structure element below the StructTreeRoot, depth first."""
    found: list[pikepdf.Dictionary] = []
    stack = [pdf.Root.StructTreeRoot.get("/K")]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(reversed(list(node)))
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            found.append(node)
            stack.append(node.get("/K"))
    return found


def outline(pdf: pikepdf.Pdf) -> list[tuple[str, list[str]]]:
    """The top-level bookmarks, each with the titles of its children."""
    with pdf.open_outline() as tree:
        return [(item.title, [child.title for child in item.children]) for item in tree.root]


def tagging_problems(path: Path, *, lang: str, title: str) -> list[str]:
    """What keeps the PDF from being a tagged document in ``lang`` titled ``title`` whose
    figures all carry alt text; [] when nothing does."""
    problems = []
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        if not bool(root.get("/MarkInfo", {}).get("/Marked", False)):
            problems.append("not marked as tagged (/MarkInfo /Marked)")
        if "/StructTreeRoot" not in root:
            return [*problems, "no structure tree (/StructTreeRoot)"]
        if (found := str(root.get("/Lang", ""))) != lang:
            problems.append(f"/Lang is {found!r}, not {lang!r}")
        if (found := str(pdf.docinfo.get("/Title", ""))) != title:
            problems.append(f"/Title is {found!r}, not {title!r}")
        if not bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)):
            problems.append("the viewer is not asked to show the title (DisplayDocTitle)")
        elements = structure_elements(pdf)
        if not any(e.S == "/H1" for e in elements):
            problems.append("no heading in the structure tree")
        problems += [f"a /Figure without /Alt on page {pdf.pages.index(e.Pg) + 1}"
                     for e in elements if e.S == "/Figure" and not str(e.get("/Alt", ""))]
    return problems


def page_facts(page: Path) -> tuple[str, str, int]:
    """The HTML page's language, title and number of images."""
    text = page.read_text(encoding="utf-8")
    lang = re.search(r'<html[^>]*\blang="([^"]+)"', text).group(1)
    title = html.unescape(re.search(r"<title>([^<]*)</title>", text).group(1))
    return lang, title, text.count("<img ")


@pytest.mark.parametrize("stem", DOCUMENTS)
def test_pdf_is_tagged_with_language_title_and_figure_alt(built_report: Path,
                                                          stem: str) -> None:
    lang, title, images = page_facts(built_report / f"{stem}.html")
    pdf_path = built_report / f"{stem}.pdf"
    assert tagging_problems(pdf_path, lang=lang, title=title) == []
    with pikepdf.open(pdf_path) as pdf:
        figures = [e for e in structure_elements(pdf) if e.S == "/Figure"]
    assert len(figures) == images  # every chart is a figure of the structure tree


def test_report_outline_has_one_bookmark_per_section(built_report: Path) -> None:
    """The report's bookmarks: its title, then each section of the table of contents, in
    order, with the section's headings below it."""
    page = (built_report / "report.html").read_text(encoding="utf-8")
    _, title, _ = page_facts(built_report / "report.html")
    toc = re.search(r'<nav class="toc">(.*?)</nav>', page, re.S).group(1)
    sections = [html.unescape(t) for t in re.findall(r'<a href="#sec-[^"]+">([^<]+)</a>', toc)]
    # comparison, changes, the profiles, sources and method: one entry per section marker
    assert len(sections) == page.count('class="section-start"') >= 4
    with pikepdf.open(built_report / "report.pdf") as pdf:
        bookmarks = outline(pdf)
    assert [name for name, _ in bookmarks] == [title, *sections]
    assert all(children for _, children in bookmarks[1:]), bookmarks


def test_handout_outline_follows_its_headings(built_report: Path) -> None:
    """A profile's bookmarks: its title; the guidebook part, the supplementary part and
    the appendix below it; the kinds of fact below each part."""
    from analysis.core.labels import label

    _, title, _ = page_facts(built_report / f"profiles/{CODE}.html")
    with pikepdf.open(built_report / f"profiles/{CODE}.pdf") as pdf, \
            pdf.open_outline() as tree:
        (top,) = tree.root
        parts = [(item.title, [child.title for child in item.children])
                 for item in top.children]
    assert top.title == title
    assert [name for name, _ in parts][:2] == [label("profile", "guidebook_title"),
                                               label("profile", "supplementary_title")]
    assert parts[2][0].startswith("付録")
    assert len(parts[0][1]) >= 5 and label("view", "profile_services") in parts[0][1]


def test_tag_checks_fail_on_untagged_pdf_and_missing_alt(tmp_path: Path) -> None:
    """The checks can fail: a PDF written without tags, and a tagged one whose image has
    no alt text (WeasyPrint logs an error for it and writes the figure without /Alt)."""
    png = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4"
           "2mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    page = (f'<!DOCTYPE html><html lang="ja"><head><title>試験</title></head>'
            f'<body><h1>見出し</h1><img src="{png}"></body></html>')
    import weasyprint

    untagged = tmp_path / "untagged.pdf"
    weasyprint.HTML(string=page).write_pdf(untagged)
    problems = tagging_problems(untagged, lang="ja", title="試験")
    assert "not marked as tagged (/MarkInfo /Marked)" in problems
    assert "no structure tree (/StructTreeRoot)" in problems

    no_alt = tmp_path / "no-alt.pdf"
    html_to_pdf(page, no_alt)
    assert tagging_problems(no_alt, lang="ja", title="試験") == [
        "a /Figure without /Alt on page 1"]
    assert tagging_problems(no_alt, lang="en", title="other") == [
        "/Lang is 'ja', not 'en'", "/Title is '試験', not 'other'",
        "a /Figure without /Alt on page 1"]
