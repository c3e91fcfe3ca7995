"""Command line: ``python -m analysis <command>`` (also installed as ``hikikomori-analysis``).

User mistakes end with a one-paragraph message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from analysis.errors import UserError
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

    validate = commands.add_parser(
        "validate", help="check a data directory: schema, references, quotes, derived values")
    validate.add_argument("data", nargs="?", type=Path, default=DATA_DIR,
                          help="a data directory laid out like data/ (default data/)")

    extract = commands.add_parser(
        "extract", help="list candidate facts of a source text, or --compare them with the tables")
    extract.add_argument("source", nargs="?", metavar="SOURCE_FILE",
                         help="a path, or a file name or source_id of data/raw/sources.csv")
    extract.add_argument("--compare", action="store_true",
                         help="all registered sources against the curated tables")
    extract.add_argument("--data", type=Path, default=DATA_DIR,
                         help="data directory (default data/)")
    extract.add_argument("--out", type=Path, help="CSV file to write (default stdout)")

    datapackage = commands.add_parser(
        "datapackage", help="write the Frictionless datapackage.json generated from the schema")
    datapackage.add_argument("--out", type=Path, default=DATA_DIR / "datapackage.json")
    return parser


def run_build(args: argparse.Namespace) -> int:
    from analysis.build import BuildOptions, build

    live = build(BuildOptions(edition=args.edition, data_dir=args.data, out_dir=args.out,
                              formats=args.formats, lang=args.lang))
    print(f"report written to {live}/")
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from analysis.validate import summary, validate

    if not args.data.is_dir():
        print(f"error: {args.data}: not a directory (give a data directory laid out like data/)",
              file=sys.stderr)
        return 2
    data, problems = validate(args.data)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {args.data}", file=sys.stderr)
        return 1
    print(summary(data))
    return 0


def run_extract(args: argparse.Namespace) -> int:
    from analysis.extract import run

    return run(args.source, compare_tables=args.compare, data_dir=args.data, out=args.out)


def run_datapackage(args: argparse.Namespace) -> int:
    from analysis.datapackage import write

    write(args.out)
    print(f"wrote {args.out}")
    return 0


COMMANDS = {"build": run_build, "validate": run_validate, "extract": run_extract,
            "datapackage": run_datapackage}


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was published", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
