"""A real browser for the tests: Debian's headless Chromium, driven by selenium through
Debian's chromedriver (the two come from one source package, so their versions always
agree; nothing is downloaded), with axe-core injected from ``tools/axe`` (npm, pinned by
its package-lock).

Every page is opened with the network cut off (Chromium's offline emulation, and no host
name resolves), and every request the page makes to anything but a local file or inline
data is recorded, so a test can prove that a page works offline::

    with Browser() as browser:
        page = browser.open(path)
        assert page.external_requests() == []
        assert axe_violations(page) == []

One ``Browser`` has one tab: ``open`` navigates it, so a ``Page`` is valid until the next
``open``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE_JS = ROOT / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
# Chromium flags that work here (FIELD-NOTES): no GPU, no sandbox (root in a container),
# and none of the browser's own background traffic (updates, sync, QUIC probes).
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
    # A second wall behind the offline emulation: no host name resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
AXE_RUN = """
const [tags, done] = [arguments[0], arguments[arguments.length - 1]];
axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then(result => done({violations: result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => ({target: n.target, html: n.html.slice(0, 200),
                                summary: n.failureSummary}))}))}),
        error => done({error: String(error)}));
"""


class BrowserMissing(RuntimeError):
    """Chromium, its driver or axe-core is not installed: ``make setup`` installs them."""


@dataclass
class Request:
    """A request a page made to something other than a local file or inline data."""

    url: str
    error: str | None = None  # Chromium's net error, e.g. net::ERR_INTERNET_DISCONNECTED


@dataclass
class Page:
    """The document the browser's tab shows after ``Browser.open``."""

    browser: Browser
    url: str
    _requests: dict[str, Request] = field(default_factory=dict)

    @property
    def driver(self):
        """selenium's WebDriver, for what the helpers here do not cover (typing, keys)."""
        return self.browser.driver

    def run(self, script: str, *args: Any) -> Any:
        """Run JavaScript in the page; ``return x`` in the script gives x."""
        return self.driver.execute_script(script, *args)

    def run_async(self, script: str, *args: Any) -> Any:
        """Run JavaScript that calls its last argument with the result."""
        return self.driver.execute_async_script(script, *args)

    def find(self, css: str):
        """The first element matching ``css`` (selenium WebElement)."""
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def text(self) -> str:
        """The page's visible text, as a reader sees it."""
        return self.run("return document.body.innerText")

    def screenshot(self, target: Path, *, full_page: bool = True) -> Path:
        """A PNG of the viewport or of the whole page."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
            params |= {"captureBeyondViewport": True,
                       "clip": {"x": 0, "y": 0, "width": size["width"],
                                "height": size["height"], "scale": 1}}
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", params)
        target.write_bytes(base64.b64decode(shot["data"]))
        return target

    def external_requests(self) -> list[Request]:
        """Every request this page has made so far to anything but a local file or inline
        data (each one failed: the network is cut off)."""
        self.browser.collect_requests(self._requests)
        return list(self._requests.values())


class Browser:
    """One headless Chromium with one tab; ``open`` shows a local file in it offline."""

    def __init__(self, *, width: int = 1280, height: int = 1024) -> None:
        for path, what in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
            if not path.exists():
                raise BrowserMissing(f"{path} is missing: install Debian's {what} "
                                     "(make setup does it: tools/system-deps.sh)")
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self._profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={self._profile}",
                     f"--window-size={width},{height}"):
            options.add_argument(flag)
        # The performance log carries the DevTools network events: every request is seen.
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        try:
            self.driver = webdriver.Chrome(options=options,
                                           service=Service(str(CHROMEDRIVER)))
        except Exception:
            shutil.rmtree(self._profile, ignore_errors=True)
            raise
        self.driver.set_script_timeout(120)
        self.driver.get("about:blank")

    def open(self, target: Path | str) -> Page:
        """Show a local file (a path or a file:// URL) with the network cut off."""
        url = target if isinstance(target, str) else Path(target).resolve().as_uri()
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        self.driver.get_log("performance")  # what came before belongs to no page of ours
        self.driver.get(url)
        return Page(self, url)

    def collect_requests(self, into: dict[str, Request]) -> None:
        """Add the non-local requests of the performance log to ``into`` (by request id)."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message["method"] == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(LOCAL_SCHEMES):
                    into[params["requestId"]] = Request(url)
            elif message["method"] == "Network.webSocketCreated":
                into[params["requestId"]] = Request(params["url"])
            elif message["method"] == "Network.loadingFailed" and params["requestId"] in into:
                into[params["requestId"]].error = params.get("errorText")

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def axe_source() -> str:
    if not AXE_JS.exists():
        raise BrowserMissing(f"{AXE_JS.relative_to(ROOT)} is missing: run make setup "
                             "(npm ci in tools/axe)")
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(target: Page | Path, tags: Sequence[str] = WCAG_TAGS, *,
                   browser: Browser | None = None) -> list[dict]:
    """axe-core's violations of the rules with ``tags`` on a page (open, or a path opened
    in ``browser`` or in a browser of its own): id, impact, help and the failing nodes'
    CSS targets."""
    if not isinstance(target, Page):
        if browser is None:
            with Browser() as own:
                return axe_violations(own.open(target), tags)
        target = browser.open(target)
    target.run(axe_source())
    result = target.run_async(AXE_RUN, list(tags))
    if "error" in result:
        raise RuntimeError(f"axe-core failed on {target.url}: {result['error']}")
    return result["violations"]


def describe_violations(violations: Sequence[dict]) -> str:
    """One line per failing node: rule id, impact, CSS target — for assertion messages."""
    return "\n".join(
        f"{v['id']} ({v['impact']}): {' '.join(map(str, node['target']))}  {node['html'][:80]}"
        for v in violations for node in v["nodes"])


# ----------------------------------------------------------------- driver-level helpers
# For tests that drive the page themselves (the explorer's): one offline driver, pages
# that say when they are ready, and what a page fetched or logged.

@contextlib.contextmanager
def offline_chromium(width: int = 1400, height: int = 1000) -> Iterator:
    """The selenium driver of a ``Browser`` whose tab has the network cut off (the
    emulation stays on across navigations; no host name resolves either)."""
    with Browser(width=width, height=height) as browser:
        browser.driver.execute_cdp_cmd("Network.enable", {})
        browser.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": -1,
            "uploadThroughput": -1})
        yield browser.driver


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
    """Severe messages of the page's console (performance log entries are not these)."""
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"]


def driver_axe_violations(driver, tags: Sequence[str] = WCAG_TAGS) -> list[dict]:
    """``axe_violations`` of the page a driver shows."""
    driver.execute_script(axe_source())
    result = driver.execute_async_script(AXE_RUN, list(tags))
    if "error" in result:
        raise RuntimeError(f"axe-core failed on {driver.current_url}: {result['error']}")
    return result["violations"]
