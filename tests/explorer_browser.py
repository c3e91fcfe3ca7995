"""A minimal headless-Chromium harness for the explorer's tests: selenium driving Debian's
``chromium`` through ``chromium-driver`` (no browser download), with the network cut off.

Kept in its own file so it can be merged with the shared browser harness
(``tests/browser.py``) being built beside it: ``offline_chromium`` is the driver,
``open_page`` loads a file and waits for the page to say it is ready,
``fetched_resources`` lists what the page asked for, ``axe_violations`` runs axe-core
when its script is at hand.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# axe-core's script: $AXE_CORE_JS, or an npm install into the git-ignored .axe/
# (npm install --prefix .axe axe-core); the shared harness brings its own.
AXE_PATHS = [Path(p) for p in (os.environ.get("AXE_CORE_JS", ""),) if p] + [
    ROOT / ".axe" / "node_modules" / "axe-core" / "axe.min.js"]


def missing_browser() -> str:
    """Why the browser tests cannot run here ('' when they can)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium missing (make setup installs the test extra)"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return f"{path} missing (make setup runs tools/system-deps.sh)"
    return ""


needs_browser = pytest.mark.skipif(bool(missing_browser()), reason=missing_browser() or "-")


@contextlib.contextmanager
def offline_chromium(width: int = 1400, height: int = 1000) -> Iterator:
    """A headless Chromium that cannot reach any network: every host name resolves to
    nothing and the DevTools network emulation is offline. ``file://`` pages load."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", f"--window-size={width},{height}",
                     "--host-resolver-rules=MAP * ~NOTFOUND",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": -1,
            "uploadThroughput": -1})
        yield driver
    finally:
        driver.quit()


def open_page(driver, url: str, timeout: float = 30) -> None:
    """Load ``url`` (a ``file://`` URI, fragment allowed) and wait until the page sets
    ``data-ready`` on its root element."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script(
        "return document.documentElement.getAttribute('data-ready') === 'true'"))


def fetched_resources(driver) -> list[str]:
    """Every resource the page asked for after the document itself (images, scripts,
    styles, fonts, fetches), failed ones included."""
    return driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"]


def axe_script() -> Path | None:
    return next((p for p in AXE_PATHS if p.is_file()), None)


def axe_violations(driver, tags: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a",
                                                   "wcag21aa", "wcag22aa")) -> list[dict]:
    """axe-core's violations on the current page (id, impact, nodes' targets)."""
    script = axe_script()
    if script is None:
        pytest.skip("axe-core not found (npm install --prefix .axe axe-core, or set "
                    "AXE_CORE_JS)")
    driver.execute_script(script.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' '))})))))"
        ".catch(e => done(JSON.stringify([{id: 'axe-error', impact: String(e), nodes: []}])));",
        list(tags))
    return json.loads(result)
