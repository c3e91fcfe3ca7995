"""How much of a curated edition the drafter proposes: ``python -m analysis draft`` on the
FY2024 text, with only FY2022 as the previous edition, scored against the curated FY2024
rows (``analysis.tools.draft_score``).

    .venv/bin/python benchmarks/draft_recall.py [--data data] [--misses 20]

Prints the recall/precision table (markdown, as in docs/benchmarks.md), the entity-key
carry-over figures and the missed curated rows by municipality and table. Nothing in the
data directory is written: the draft runs on a copy without the FY2024 rows.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "guidebook-appendix-fy2024.txt"
SOURCE_ID = "fy2024_main"
EDITION, PREVIOUS = "fy2024", "fy2022"
# The municipalities in both editions (FY2022 has eight sections).
BOTH_EDITIONS = ("131059", "131164", "131211", "132012", "132098", "132128", "132152", "133612")


def main(argv: list[str] | None = None) -> int:
    import pandas as pd

    from analysis.tools.draft import SourceOptions, draft_source, write_draft_workbook
    from analysis.tools.draft_score import carry_over, held_out_data, score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--misses", type=int, default=15,
                        help="how many missed curated rows to list per table")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="draft-recall-") as temporary:
        copy = held_out_data(args.data, Path(temporary) / "data", PREVIOUS)
        started = time.perf_counter()
        result = draft_source(copy / "raw" / SOURCE, SourceOptions(EDITION), copy,
                              previous=PREVIOUS)
        seconds = time.perf_counter() - started
        write_draft_workbook(result, Path(temporary) / "draft.xlsx")
        assert not result.source.newly_registered, "the FY2024 text must be recognised"
        sources = pd.read_csv(args.data / "raw" / "sources.csv", dtype=str,
                              keep_default_na=False)
        previous = set(sources.loc[sources["edition"] == PREVIOUS, "source_id"])
        scored = score(result, args.data, SOURCE_ID)
        keys = carry_over(result, args.data, SOURCE_ID, previous, set(BOTH_EDITIONS))
    print(f"drafted {SOURCE} in {seconds:.1f} s: {scored.proposed} proposed rows\n")
    print("| table | curated rows | proposed rows | matched | recall | precision | names agree |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for t in scored.tables:
        names = f"{t.names_agree}/{t.matched}" if t.names_agree is not None else "–"
        print(f"| {t.table} | {t.curated} | {t.proposed} | {t.matched} | {t.recall:.0%} | "
              f"{t.precision:.0%} | {names} |")
    total_recall = scored.matched / scored.curated
    total_precision = scored.matched / scored.proposed
    print(f"| **all** | {scored.curated} | {scored.proposed} | {scored.matched} | "
          f"{total_recall:.0%} | {total_precision:.0%} | |")
    print(f"\nentity keys, {len(BOTH_EDITIONS)} municipalities in both editions: "
          f"{keys.right} of {keys.eligible} carried-over entities given the right key; "
          f"{keys.carried} keys carried, {keys.wrong} of them wrong")
    for table, key, name in keys.missed:
        print(f"  key missed: {table} {key} {name}")
    for table, key, name in keys.wrong_examples:
        print(f"  key wrong:  {table} {key} given to {name}")
    print("\nmissed curated rows by municipality:")
    per_code = collections.Counter((row["municipality_code"], t.table) for t in scored.tables
                                   for row in t.missed)
    for (code, table), n in sorted(per_code.items(), key=lambda item: -item[1])[:20]:
        print(f"  {code} {result.municipality_names.get(code, '')} {table}: {n}")
    for t in scored.tables:
        if not t.missed:
            continue
        print(f"\nmissed {t.table} ({len(t.missed)}):")
        for row in t.missed[:args.misses]:
            what = row.get("name") or row.get("title") or row.get("channel") or row.get(
                "age_text") or row.get("member_type") or row.get("partner_text") or ""
            values = "/".join(str(row.get(c, "")) for c in ("frequency_text", "per_year",
                                                             "established_text") if row.get(c))
            print(f"  {row['municipality_code']} {what} {values} | {row['quote'][:70]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
