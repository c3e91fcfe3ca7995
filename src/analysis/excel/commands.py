"""The three workbook subcommands, added to ``python -m analysis`` by ``analysis.cli``.

openpyxl and the workbook modules are imported when a command runs, not when the
command line starts.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis.core.errors import UserError
from analysis.core.paths import DATA_DIR


def add_parsers(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser(
        "export", help="write every table, the sources and the comparison matrices to .xlsx")
    export.add_argument("--xlsx", type=Path, required=True, metavar="PATH",
                        help="the workbook to write (.xlsx)")
    export.add_argument("--data", type=Path, default=DATA_DIR, help="data directory")
    export.add_argument("--edition", default="fy2024",
                        help="edition of the comparison matrices (default fy2024)")

    template = commands.add_parser(
        "template", help="write a fill-in workbook for one municipality, prefilled")
    template.add_argument("municipality_code", metavar="MUNICIPALITY_CODE",
                          help="6-digit code with check digit, e.g. 132039")
    template.add_argument("--out", type=Path, required=True, metavar="PATH",
                          help="the workbook to write (.xlsx)")
    template.add_argument("--data", type=Path, default=DATA_DIR, help="data directory")

    submit = commands.add_parser(
        "import", help="check a filled template or a reviewed draft and show the rows it "
        "adds; --apply adds them")
    submit.add_argument("workbook", type=Path, metavar="WORKBOOK",
                        help="the filled .xlsx (a template, or a draft from 'draft')")
    submit.add_argument("--source-id", default="", dest="source_id",
                        help="a new source id for this submission ([a-z0-9_]+); not needed "
                        "for a draft, whose rows keep the registered source they quote")
    submit.add_argument("--data", type=Path, default=DATA_DIR, help="data directory")
    submit.add_argument("--edition", default="",
                        help="guidebook edition the submission counts for (default: none)")
    submit.add_argument("--apply", action="store_true",
                        help="archive the workbook, register it and append its rows")
    submit.add_argument("--all-problems", action="store_true", dest="all_problems",
                        help="list every problem (default: the first 50, grouped by sheet "
                        "and column)")


def run_export(args: argparse.Namespace) -> int:
    from analysis.excel.export import export_workbook
    from analysis.excel.output import checked_output

    sheets = export_workbook(args.data, checked_output(args.xlsx, "--xlsx"), args.edition)
    print(f"wrote {args.xlsx} ({len(sheets)} sheets)")
    return 0


def run_template(args: argparse.Namespace) -> int:
    from analysis.excel.output import checked_output
    from analysis.excel.template import make_template

    counts = make_template(args.data, args.municipality_code, checked_output(args.out, "--out"))
    filled = ", ".join(f"{n} {name}" for name, n in counts.items())
    print(f"wrote {args.out} (prefilled: {filled})")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from analysis.core.problems import is_cut, listing, total_line
    from analysis.excel.importing import plan_import
    from analysis.excel.submit import apply_plan, describe

    plan = plan_import(args.workbook, args.source_id, args.data, args.edition)
    if plan.problems:
        for line in listing(plan.problems, all_problems=args.all_problems):
            print(line)
        cut = is_cut(plan.problems, all_problems=args.all_problems)
        raise UserError(total_line(len(plan.problems), str(args.workbook), cut=cut,
                                   how_to_see_all="--all-problems") + "; nothing was written")
    print(describe(plan))
    if not plan.rows:
        return 0
    if not args.apply:
        print("\ndry run: nothing was written (add --apply to import)")
        return 0
    for path in apply_plan(plan, args.data):
        print(f"wrote {path}")
    return 0


COMMANDS = {"export": run_export, "template": run_template, "import": run_import}
