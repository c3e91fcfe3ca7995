"""Shared fixtures. The real report is built once per test session (``built_report``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path = ROOT, env: dict | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``python -m analysis`` as a user would; capture text output."""
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="session")
def built_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default build of the shipped data, made once; every report test inspects it."""
    out = tmp_path_factory.mktemp("reports")
    result = run_cli("build", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out / "fy2024"
