"""The HTML pages in a real browser: axe-core's WCAG 2.2 A/AA rules find no violation on
the report, the index, a profile and a gap review of the session's build, and the pages
work with the network cut off. The checks are shown to fail on pages built to fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import WCAG_TAGS, Browser, axe_violations, describe_violations

CODE = "132039"  # 武蔵野市: a profile and a gap review with charts and tables
PAGES = ("report.html", "index.html", f"profiles/{CODE}.html", f"gap_reviews/{CODE}.html")
TINY_PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42"
            "mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


@pytest.mark.parametrize("page", PAGES)
def test_page_has_no_axe_violations(built_report: Path, browser: Browser, page: str) -> None:
    violations = axe_violations(built_report / page, browser=browser)
    assert violations == [], f"axe-core ({', '.join(WCAG_TAGS)}) on {page}:\n" + \
        describe_violations(violations)


def test_axe_check_finds_known_violations(tmp_path: Path, browser: Browser) -> None:
    """The check can fail: an image without alt text, a page without language, and two
    small links stacked closer than 24 px."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>bad</title></head><body><main>"
        f'<img src="{TINY_PNG}">'
        '<ul style="line-height:12px;font-size:10px"><li><a href="#a">a</a></li>'
        '<li><a href="#b">b</a></li></ul></main></body></html>', encoding="utf-8")
    found = {v["id"] for v in axe_violations(page, browser=browser)}
    assert {"image-alt", "html-has-lang", "target-size"} <= found, found


@pytest.mark.parametrize("page", PAGES)
def test_page_works_offline(built_report: Path, browser: Browser, page: str) -> None:
    """Opened with the network cut off, the page asks for nothing outside its own files,
    and every image is decoded (the charts are embedded)."""
    opened = browser.open(built_report / page)
    assert opened.external_requests() == []
    assert opened.run("return document.readyState") == "complete"
    broken = opened.run("return [...document.images].filter(i => !i.complete || "
                        "i.naturalWidth === 0).map(i => i.alt)")
    assert broken == []
    assert opened.run("return document.documentElement.lang") in ("ja", "en")
    assert opened.text().strip()


def test_network_is_cut_off_and_every_request_recorded(tmp_path: Path,
                                                       browser: Browser) -> None:
    """A page that reaches out is seen doing so, and its requests fail because the
    browser is offline (not merely because a name does not resolve). Host names only:
    nothing here may send a packet to an outside address."""
    page = tmp_path / "online.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>online</title></head><body>'
        '<img alt="remote" src="http://example.com/chart.png">'
        "<script>fetch('https://example.org/data.json')"
        ".then(() => document.title = 'fetched', () => document.title = 'offline')"
        "</script></body></html>", encoding="utf-8")
    opened = browser.open(page)
    opened.driver.implicitly_wait(0)
    for _ in range(50):  # the fetch settles within a few milliseconds
        if opened.run("return document.title") != "online":
            break
        opened.run_async("setTimeout(arguments[0], 20)")
    assert opened.run("return document.title") == "offline"
    requests = {r.url: r.error for r in opened.external_requests()}
    assert requests == {"http://example.com/chart.png": "net::ERR_INTERNET_DISCONNECTED",
                        "https://example.org/data.json": "net::ERR_INTERNET_DISCONNECTED"}


def test_screenshot_is_a_png(built_report: Path, browser: Browser, tmp_path: Path) -> None:
    shot = browser.open(built_report / "index.html").screenshot(tmp_path / "index.png")
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert shot.stat().st_size > 5_000
