"""Draw rows at random across all tidy tables for an audit against the sources.

    .venv/bin/python tools/audit_sample.py --seed 20250115 --n 50

prints one block per row: table, row, the values to check, its quote and the passage of
the source around the quote (so that the row can be checked against its source without
opening the file). The draw is uniform over all rows of all tidy tables and depends only
on the seed and the data, so an audit can be repeated. Record the seed and the findings
in data/README.md ("Audit").
"""

from __future__ import annotations

import argparse
import random

from analysis.core.paths import DATA_DIR
from analysis.dataset import schema
from analysis.dataset.tables import load_sources, load_tidy
from analysis.text.sources import quote_spans

CONTEXT = 60  # characters of the source shown on each side of the quote


def draw(seed: int, n: int) -> list[tuple[str, int, dict[str, str]]]:
    rows = [(table.name, index + 2, row)
            for table in schema.TIDY
            for index, row in enumerate(load_tidy(table.name).to_dict("records"))]
    return random.Random(seed).sample(rows, n)


def context(source_text: str, quote: str) -> str:
    spans = quote_spans(source_text, quote)
    if not spans:
        return "(quote not found)"
    start, end = spans[0]
    before = source_text[max(0, start - CONTEXT):start].replace("\n", "⏎")
    after = source_text[end:end + CONTEXT].replace("\n", "⏎")
    return f"…{before}【{source_text[start:end].replace(chr(10), '⏎')}】{after}…"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    sources = load_sources()
    files = dict(zip(sources["source_id"], sources["file"], strict=True))
    texts = {sid: (DATA_DIR / "raw" / f).read_text(encoding="utf-8") for sid, f in files.items()}
    for number, (table, line, row) in enumerate(draw(args.seed, args.n), start=1):
        values = {k: v for k, v in row.items() if k not in ("quote", "note") and v}
        print(f"## {number}. {table} line {line}")
        print("values: " + "; ".join(f"{k}={v}" for k, v in values.items()))
        print(f"quote: {row['quote']}")
        print(f"source: {context(texts[row['source_id']], row['quote'])}")
        if row.get("note"):
            print(f"note: {row['note']}")
        print()


if __name__ == "__main__":
    main()
