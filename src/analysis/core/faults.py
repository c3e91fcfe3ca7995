"""Fault injection for the tests: ``ANALYSIS_FAULT=<point>`` kills the process at that point.

The tests use it to prove that a process killed at the worst moment (SIGKILL: no cleanup,
no ``finally``) leaves the data and the published report whole. The points are named
where they are placed; nothing happens unless the variable names that exact point.
"""

from __future__ import annotations

import os
import signal


def fault_point(name: str) -> None:
    """Die here, as a crash or a power cut would, when ``ANALYSIS_FAULT`` names this point."""
    if os.environ.get("ANALYSIS_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
