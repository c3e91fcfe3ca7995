"""Command line: ``python -m analysis <command>`` (also installed as ``hikikomori-analysis``).

User mistakes end with a one-paragraph message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from analysis.paths import DATA_DIR, REPORTS_DIR


def _formats(value: str) -> tuple[str, ...]:
    from analysis.build import FORMATS

    formats = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = sorted(set(formats) - set(FORMATS))
    if not formats or unknown:
        raise argparse.ArgumentTypeError(
            f"{value!r}: formats are a comma-separated list of {', '.join(FORMATS)}"
        )
    return formats


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Benchmark municipal hikikomori support in Tokyo from sourced tables.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="run the notebooks and write the HTML/PDF report")
    build.add_argument("--edition", default="fy2024", help="guidebook edition (default fy2024)")
    build.add_argument("--data", type=Path, default=DATA_DIR, help="data directory (default data/)")
    build.add_argument("--out", type=Path, default=REPORTS_DIR,
                       help="output directory (default reports/)")
    build.add_argument("--format", type=_formats, default=("html", "pdf"), dest="formats",
                       help="html,pdf (default both)")
    build.add_argument("--lang", choices=("ja", "en"), default="ja")
    return parser


def run_build(args: argparse.Namespace) -> int:
    from analysis.build import BuildOptions, build

    live = build(BuildOptions(edition=args.edition, data_dir=args.data, out_dir=args.out,
                              formats=args.formats, lang=args.lang))
    print(f"report written to {live}/")
    return 0


COMMANDS = {"build": run_build}


def main(argv: Sequence[str] | None = None) -> int:
    from analysis.build import BuildError

    args = make_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was published", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
