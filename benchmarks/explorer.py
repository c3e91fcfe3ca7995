"""Explorer benchmark: file size and time until the page answers a search, for a data
directory (the shipped data by default; synthetic national data with
``python -m analysis synth --out /tmp/japan --municipalities 1741`` and ``--data``).

    .venv/bin/python benchmarks/explorer.py [--data DIR] [--query はちまる] [--runs 5]

Prints one line per measure. Times are from headless Chromium (Debian's, offline): ``load``
is navigation start to the page's ready mark (HTML parsed, JSON parsed, every fact folded
for search, first render); ``search`` is typing a query to the result count on screen;
``answer`` is their sum, what a reader waits for. Not part of the test suite: timing on a
shared machine is noisy, so report the median of several runs and the machine's load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.core.paths import DATA_DIR  # noqa: E402
from analysis.dataset.tables import load_dataset  # noqa: E402
from analysis.present.explorer import explorer_payload, write_explorer  # noqa: E402
from tests.browser import offline_chromium, open_page  # noqa: E402

SEARCH = """
const box = document.getElementById('q');
const start = performance.now();
box.value = arguments[0];
box.dispatchEvent(new Event('input', {bubbles: true}));
const count = document.getElementById('status').getAttribute('data-count');
return [performance.now() - start, Number(count)];
"""
READY = """
const nav = performance.getEntriesByType('navigation')[0];
return [window.explorerReadyAt - nav.startTime, nav.domContentLoadedEventEnd - nav.startTime];
"""


def measure(data_dir: Path, query: str, runs: int, edition: str = "fy2024") -> dict:
    started = time.perf_counter()
    payload = explorer_payload(load_dataset(data_dir), edition)
    built = time.perf_counter() - started
    folder = Path(tempfile.mkdtemp(prefix="explorer-bench-"))
    page = write_explorer(payload, folder / "explorer.html")
    loads, searches, counts = [], [], set()
    with offline_chromium() as driver:
        for _ in range(runs):
            driver.get("about:blank")
            open_page(driver, page.as_uri(), timeout=120)
            loads.append(driver.execute_script(READY)[0])
            took, count = driver.execute_script(SEARCH, query)
            searches.append(took)
            counts.add(count)
    return {"data": str(data_dir), "facts": len(payload["facts"]["rows"]),
            "municipalities": len(payload["municipalities"]),
            "size_mb": page.stat().st_size / 1e6, "payload_s": built,
            "load_ms": statistics.median(loads), "search_ms": statistics.median(searches),
            "answer_ms": statistics.median(a + b for a, b in zip(loads, searches,
                                                                   strict=True)),
            "answer_best_ms": min(a + b for a, b in zip(loads, searches, strict=True)),
            "hits": sorted(counts), "runs": runs, "load_average": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--query", default="はちまる")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for key, value in measure(args.data, args.query, args.runs).items():
        print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")


if __name__ == "__main__":
    main()
