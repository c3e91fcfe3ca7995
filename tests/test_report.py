"""The end-to-end build of the shipped data: papermill + nbconvert + WeasyPrint."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

NETWORK_RESOURCE = re.compile(
    r"""<script[^>]+src=["']?(?!data:)[^"'\s>]+|<link[^>]+rel=["']?stylesheet[^>]*>"""
    r"""|<img[^>]+src=["'](?!data:)|url\(\s*["']?(?:https?:)?//|@import""",
    re.IGNORECASE,
)

needs_poppler = pytest.mark.skipif(shutil.which("pdffonts") is None,
                                   reason="poppler-utils missing (make test installs it)")


def pdf_tool(tool: str, *args: str | Path) -> str:
    return subprocess.run([tool, *map(str, args)], capture_output=True, text=True,
                          check=True).stdout


def test_build_writes_html_and_pdf(built_report: Path) -> None:
    assert (built_report / "report.html").stat().st_size > 0
    assert (built_report / "report.pdf").read_bytes().startswith(b"%PDF")


def test_html_is_offline(built_report: Path) -> None:
    html = (built_report / "report.html").read_text(encoding="utf-8")
    assert NETWORK_RESOURCE.findall(html) == []
    assert "require.js" not in html and "mathjax" not in html.lower()


def test_html_hides_code_and_embeds_the_chart(built_report: Path) -> None:
    html = (built_report / "report.html").read_text(encoding="utf-8")
    assert "import " not in html  # no code cell was rendered
    assert "jp-InputArea" not in html
    assert re.search(r'<img[^>]+src="data:image/png;base64,', html)
    assert 'lang="ja"' in html


def test_network_pattern_catches_remote_resources() -> None:
    """The offline check itself must fail on the things it guards against."""
    for bad in ['<script src="https://cdn.example/x.js"></script>',
                '<link rel="stylesheet" href="https://x/y.css">',
                '<img src="http://x/y.png">', "body { background: url(//x/y.png) }"]:
        assert NETWORK_RESOURCE.search(bad), bad
    assert not NETWORK_RESOURCE.search('<img src="data:image/png;base64,AAAA">')
    assert not NETWORK_RESOURCE.search('<a href="https://www.city.example.jp/">link</a>')


@needs_poppler
def test_pdf_embeds_a_japanese_font(built_report: Path) -> None:
    lines = pdf_tool("pdffonts", built_report / "report.pdf").splitlines()[2:]
    assert lines, "no fonts in the PDF"
    assert all(line.split()[-5] == "yes" for line in lines), lines  # the 'emb' column
    assert any("IPAexGothic" in line for line in lines), lines


@needs_poppler
def test_pdf_is_a4_with_expected_pages(built_report: Path) -> None:
    info = pdf_tool("pdfinfo", built_report / "report.pdf")
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 1 <= pages <= 60, pages


@needs_poppler
def test_pdf_text_is_japanese(built_report: Path) -> None:
    text = pdf_tool("pdftotext", "-enc", "UTF-8", built_report / "report.pdf", "-")
    assert "比較レポート" in text
