"""Command line: ``python -m analysis <command>`` (also installed as ``hikikomori-analysis``).

User mistakes end with a one-paragraph message and a non-zero exit, never a traceback; so
do problems of the machine (a full disk, no permission, a read-only file system, a missing
library: ``analysis.core.errors.environment_problem``). ``--debug`` (or ``ANALYSIS_DEBUG=1``)
shows the traceback as well.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from analysis.build.lock import BuildBusy
from analysis.core.errors import UserError, environment_problem
from analysis.core.paths import DATA_DIR, NOTEBOOKS_DIR, REPORTS_DIR
from analysis.excel import commands as excel_commands


def _formats(value: str) -> tuple[str, ...]:
    from analysis.build.options import FORMATS

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
    build.add_argument("--municipality", action="append", default=[], dest="municipalities",
                       metavar="CODE", help="build only this municipality's handouts "
                       "(repeatable); published as reports/<edition>-<codes>/")
    build.add_argument("--jobs", type=int, default=None,
                       help="worker processes (default: the number of cores)")
    build.add_argument("--force", action="store_true",
                       help="run every notebook again, ignoring the cache")
    build.add_argument("--cold", action="store_true",
                       help="start a fresh kernel for every notebook (slower; for checking)")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.add_argument("--only", default="", help="comma-separated notebooks to build "
                       "(comparison, edition_changes, profile, gap_review); default: all")
    build.add_argument("--notebooks", type=Path, default=NOTEBOOKS_DIR,
                       help="directory of the notebooks to run (default notebooks/)")
    build.add_argument("--audience", choices=("all", "public"), default="all",
                       help="all (default: internal sources such as the visit record are "
                       "included and marked) or public (for partners: internal sources left "
                       "out of every output; published as reports/<edition>-public/)")
    build.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="run the notebooks on this Dask scheduler (e.g. tcp://host:8786; "
                       "needs the 'dask' extra and workers that see the same paths)")
    build.add_argument("--no-wait", action="store_true",
                       help="if another build of the same --out is running, stop at once "
                       "(exit 75) instead of waiting for it")

    validate = commands.add_parser(
        "validate", help="check a data directory: schema, references, quotes, derived values")
    validate.add_argument("data", nargs="?", type=Path, default=DATA_DIR,
                          help="a data directory laid out like data/ (default data/)")
    validate.add_argument("--all-problems", action="store_true", dest="all_problems",
                          help="list every problem (default: the first 50, grouped by file "
                          "and column)")

    extract = commands.add_parser(
        "extract", help="list candidate facts of a source text, or --compare them with the tables")
    extract.add_argument("source", nargs="?", metavar="SOURCE_FILE",
                         help="a path, or a file name or source_id of data/raw/sources.csv")
    extract.add_argument("--compare", action="store_true",
                         help="all registered sources against the curated tables")
    extract.add_argument("--data", type=Path, default=DATA_DIR,
                         help="data directory (default data/)")
    extract.add_argument("--out", type=Path, help="CSV file to write (default stdout)")

    draft = commands.add_parser(
        "draft", help="register a new edition's text or PDF and draft its rows into a "
        "workbook for review")
    draft.add_argument("source", type=Path, metavar="SOURCE",
                       help="the new edition: a UTF-8 .txt file or a PDF")
    draft.add_argument("--edition", required=True, help="its edition, e.g. fy2026")
    draft.add_argument("--previous", default=None, metavar="EDITION",
                       help="the edition whose entity keys carry over (default: the latest "
                       "earlier one)")
    draft.add_argument("--xlsx", type=Path, required=True, metavar="PATH",
                       help="the draft workbook to write (.xlsx)")
    draft.add_argument("--data", type=Path, default=DATA_DIR, help="data directory")
    draft.add_argument("--source-id", default="", dest="source_id",
                       help="source id when registering (default <edition>_main)")
    draft.add_argument("--title", default="", help="title when registering (default: the "
                       "document header's)")
    draft.add_argument("--date", default="", help="ISO date when registering (default: the "
                       "header's, else the edition's fiscal year)")
    draft.add_argument("--publisher", default="東京都", help="publisher when registering")
    draft.add_argument("--pdf-layout", action="store_true", dest="pdf_layout",
                       help="extract a PDF with pdftotext -layout instead of -raw")

    datapackage = commands.add_parser(
        "datapackage", help="write the Frictionless datapackage.json generated from the schema")
    datapackage.add_argument("--out", type=Path, default=DATA_DIR / "datapackage.json")

    reference = commands.add_parser(
        "reference", help="regenerate data/reference/municipalities.csv and population.csv "
        "from the raw reference files")
    reference.add_argument("--dir", type=Path, default=None, dest="reference_dir",
                           help="a reference directory laid out like data/reference/ "
                           "(default data/reference/)")
    excel_commands.add_parsers(commands)  # export, template, import (Excel workbooks)

    synth = commands.add_parser(
        "synth", help="write a synthetic data directory of real municipalities (invented facts)")
    synth.add_argument("--out", type=Path, required=True, help="new or empty directory")
    synth.add_argument("--municipalities", type=int, required=True, metavar="N",
                       help="how many municipalities (up to 1741, all of Japan)")
    synth.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    synth.add_argument("--prefecture", metavar="PP", default=None,
                       help="draw from one prefecture only (2-digit code, e.g. 13)")
    for command in commands.choices.values():
        command.add_argument("--debug", action="store_true",
                             help="show the traceback of an error (also: ANALYSIS_DEBUG=1)")
    return parser


def run_build(args: argparse.Namespace) -> int:
    from analysis.build.options import BuildOptions
    from analysis.build.pipeline import build

    options = BuildOptions(edition=args.edition, data_dir=args.data, out_dir=args.out,
                           formats=args.formats, lang=args.lang,
                           municipalities=tuple(args.municipalities), force=args.force,
                           warm=not args.cold, progress=not args.quiet,
                           notebooks_dir=args.notebooks,
                           only=tuple(k.strip() for k in args.only.split(",") if k.strip()),
                           scheduler=args.scheduler, wait=not args.no_wait,
                           audience=args.audience)
    if args.jobs is not None:
        options = replace(options, jobs=args.jobs)
    live = build(options)
    print(f"report written to {live}/")
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from analysis.core.problems import is_cut, listing, total_line
    from analysis.dataset.validate import summary, validate

    if not args.data.is_dir():
        print(f"error: {args.data}: not a directory (give a data directory laid out like data/)",
              file=sys.stderr)
        return 2
    data, problems = validate(args.data)
    for line in listing(problems, all_problems=args.all_problems):
        print(line)
    if problems:
        print(total_line(len(problems), str(args.data),
                         cut=is_cut(problems, all_problems=args.all_problems),
                         how_to_see_all="--all-problems"), file=sys.stderr)
        return 1
    print(summary(data))
    return 0


def run_extract(args: argparse.Namespace) -> int:
    from analysis.tools.extract import run

    return run(args.source, compare_tables=args.compare, data_dir=args.data, out=args.out)


def run_draft(args: argparse.Namespace) -> int:
    from analysis.tools.draft import run

    return run(args.source, edition=args.edition, xlsx=args.xlsx, data_dir=args.data,
               previous=args.previous, source_id=args.source_id, title=args.title,
               date=args.date, publisher=args.publisher, layout=args.pdf_layout)


def run_datapackage(args: argparse.Namespace) -> int:
    from analysis.dataset.datapackage import write

    write(args.out)
    print(f"wrote {args.out}")
    return 0


def run_reference(args: argparse.Namespace) -> int:
    from analysis.dataset.reference import write_reference

    for path in write_reference(args.reference_dir):
        print(f"wrote {path}")
    return 0


def run_synth(args: argparse.Namespace) -> int:
    from analysis.tools.synth import write_synthetic

    out = write_synthetic(args.out, args.municipalities, args.seed, args.prefecture)
    print(f"wrote {out}/ (validate with: python -m analysis validate {out})")
    return 0


COMMANDS = {"build": run_build, "validate": run_validate, "extract": run_extract,
            "draft": run_draft, "datapackage": run_datapackage, "reference": run_reference,
            "synth": run_synth, **excel_commands.COMMANDS}


def recover_data(args: argparse.Namespace) -> None:
    """Finish or undo an import that a killed process left half-applied, before a command
    reads the data (``analysis.dataset.journal``)."""
    from analysis.dataset.journal import recover

    data_dir = getattr(args, "data", None)
    if isinstance(data_dir, Path) and data_dir.is_dir():
        done = recover(data_dir)
        if done:
            print(done, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    debug = args.debug or os.environ.get("ANALYSIS_DEBUG", "") not in ("", "0")
    try:
        recover_data(args)
        return COMMANDS[args.command](args)
    except BuildBusy as error:
        return _report(error, debug, EXIT_BUSY)
    except UserError as error:
        return _report(error, debug)
    except OSError as error:  # the machine's, not the user's input: one line, or a bug
        problem = environment_problem(error)
        if problem is None:
            raise
        return _report(problem, debug, cause=error)
    except KeyboardInterrupt:
        print("interrupted: nothing was published", file=sys.stderr)
        return 130


EXIT_BUSY = 75  # EX_TEMPFAIL: another build holds the output directory; try again later


def _report(error: Exception, debug: bool, code: int = 1,
            cause: BaseException | None = None) -> int:
    """The error's message as ``error: …`` (after its traceback with --debug)."""
    if debug:
        traceback.print_exception(cause or error, file=sys.stderr)
    print(f"error: {error}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
