"""Shared fixtures. The real report is built once per test session (``built_report``)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property-based tests (hypothesis): "default" keeps the suite quick; the long run is
# HYPOTHESIS_PROFILE=long (see README, "When things go wrong"). No deadline: the examples
# validate data, whose time varies on a shared machine.
settings.register_profile("default", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parents[1]
EPOCH = "1735689600"  # 2025-01-01: fixed build date, so builds are comparable


def run_cli(*args: str, cwd: Path = ROOT, env: dict | None = None,
            timeout: float = 900) -> subprocess.CompletedProcess:
    """Run ``python -m analysis`` as a user would; capture text output."""
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **(env or {})},
    )


@pytest.fixture(scope="session")
def reports_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="session")
def built_report(reports_dir: Path) -> Path:
    """The default build of the shipped data, made once; every report test inspects it."""
    result = run_cli("build", "--out", str(reports_dir), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    return reports_dir / "fy2024"


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (tests/browser.py): pages open offline."""
    from tests.browser import Browser

    with Browser() as chromium:
        yield chromium


def tree_digest(root: Path) -> str:
    """One hash over every file's path and bytes below root: any write shows."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
