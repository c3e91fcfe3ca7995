"""Scale benchmark: the comparison notebook on synthetic data of N municipalities.

For each N, ``python -m analysis synth`` writes a data directory (N = 62 is all of Tokyo,
``--prefecture 13``, so the map is drawn; larger N are drawn from all of Japan), then
papermill executes ``notebooks/comparison.ipynb`` on it, exactly as the build's comparison
job does. Measured per run:

- wall-clock seconds of the papermill process (kernel start to saved notebook);
- peak RSS of the largest single process (papermill or the kernel) from ``os.wait4``'s
  rusage (exact; the kernel is reaped by papermill, so it is included);
- peak RSS of the whole process tree, summed, sampled every 0.1 s with psutil (what the
  machine must hold at once; a sample can miss a spike shorter than that).

Usage::

    .venv/bin/python benchmarks/scale.py [--sizes 62,200,500,1741] [--seed 0] [--markdown]

``--markdown`` prints the table as docs/benchmarks.md records it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "comparison.ipynb"
SIZES = (62, 200, 500, 1741)
LIMIT_SECONDS = 120
LIMIT_MIB = 2048


@dataclass(frozen=True)
class Result:
    n: int
    scope: str
    seconds: float
    largest_mib: float
    tree_mib: float
    notebook_kib: float


def synth_command(out: Path, n: int, seed: int) -> list[str]:
    command = [sys.executable, "-m", "analysis", "synth", "--out", str(out),
               "--municipalities", str(n), "--seed", str(seed)]
    return command + (["--prefecture", "13"] if n == 62 else [])


def papermill_command(data: Path, output: Path) -> list[str]:
    """The comparison job as the build runs it: fy2024, all municipalities, Japanese."""
    return [sys.executable, "-m", "papermill", str(NOTEBOOK), str(output),
            "-p", "data_dir", str(data), "-p", "edition", "fy2024", "-p", "lang", "ja",
            "-k", "python3", "--cwd", str(NOTEBOOK.parent), "--no-progress-bar"]


def tree_rss(pid: int) -> int:
    """Bytes resident in a process and all its descendants (0 once it is gone)."""
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):  # ended between listing and reading
            total += process.memory_info().rss
    return total


def measure(command: list[str]) -> tuple[float, float, float]:
    """(seconds, largest process peak MiB, sampled tree peak MiB) of one command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while True:
        # wait4 reaps the child and returns the rusage of it and its reaped descendants
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"{shlex.join(command)} failed:\n{process.stderr.read().decode()}")
    largest = usage.ru_maxrss / 1024  # Linux reports KiB
    return seconds, largest, max(peak / 2**20, largest)


def run(n: int, seed: int, work: Path) -> Result:
    data = work / f"data-{n}"
    subprocess.run(synth_command(data, n, seed), check=True, stdout=subprocess.DEVNULL)
    output = work / f"comparison-{n}.ipynb"
    seconds, largest, tree = measure(papermill_command(data, output))
    scope = "Tokyo (--prefecture 13)" if n == 62 else "Japan"
    return Result(n, scope, seconds, largest, tree, output.stat().st_size / 1024)


def markdown(results: list[Result], seed: int) -> str:
    example = papermill_command(Path("DATA"), Path("OUT.ipynb"))
    example[0], example[3] = "python", "notebooks/comparison.ipynb"
    example[example.index("--cwd") + 1] = "notebooks"
    lines = [
        f"Command: `.venv/bin/python benchmarks/scale.py --seed {seed} --markdown`, which for "
        "each N runs `python -m analysis synth --out DATA --municipalities N --seed "
        f"{seed}` (N = 62: `--prefecture 13`) and then `{shlex.join(example)}`.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}. Limits: {LIMIT_SECONDS} s, {LIMIT_MIB} MiB.",
        "",
        "| N | municipalities from | seconds | peak RSS, largest process (MiB) "
        "| peak RSS, process tree (MiB) | executed notebook (KiB) |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {r.n:,} | {r.scope} | {r.seconds:.1f} | {r.largest_mib:.0f} | "
              f"{r.tree_mib:.0f} | {r.notebook_kib:.0f} |" for r in results]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="comma-separated N (default 62,200,500,1741)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="scale-") as work:
        for n in (int(s) for s in args.sizes.split(",")):
            result = run(n, args.seed, Path(work))
            results.append(result)
            print(f"N={n}: {result.seconds:.1f} s, largest process {result.largest_mib:.0f} "
                  f"MiB, tree {result.tree_mib:.0f} MiB", file=sys.stderr)
    if args.markdown:
        print(markdown(results, args.seed))
    over = [r for r in results if r.seconds > LIMIT_SECONDS or r.tree_mib > LIMIT_MIB]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
