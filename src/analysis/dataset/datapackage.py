"""The Frictionless Data Package descriptor (``data/datapackage.json``), generated from
``analysis.dataset.schema`` so that it can never drift from the validator's contract."""

from __future__ import annotations

import json
from pathlib import Path

from analysis.core.labels import labels
from analysis.dataset import schema

_TYPES = {"integer": "integer", "number": "number", "boolean": "boolean"}


def field_descriptor(field: schema.Field) -> dict:
    descriptor: dict = {
        "name": field.name,
        "type": _TYPES.get(field.kind, "string"),
        "title": field.description_ja,
        "description": f"{field.description_ja} / {field.description_en}",
    }
    if field.kind == "boolean":
        descriptor.update(trueValues=["true"], falseValues=["false"])
    constraints: dict = {}
    if field.required:
        constraints["required"] = True
    if field.enum and field.kind != "boolean":
        constraints["enum"] = list(field.allowed())
    if field.pattern:
        constraints["pattern"] = field.pattern
    if field.minimum is not None:
        constraints["minimum"] = field.minimum if field.kind == "number" else int(field.minimum)
    if field.maximum is not None:
        constraints["maximum"] = field.maximum if field.kind == "number" else int(field.maximum)
    if constraints:
        descriptor["constraints"] = constraints
    return descriptor


def resource_descriptor(table: schema.Table) -> dict:
    table_schema: dict = {
        "fields": [field_descriptor(f) for f in table.fields],
        "missingValues": [""],
    }
    if table.primary_key:
        table_schema["primaryKey"] = list(table.primary_key)
    if table.foreign_keys:
        table_schema["foreignKeys"] = [
            {"fields": fk.column, "reference": {
                "resource": "" if fk.table == table.name else fk.table, "fields": fk.target}}
            for fk in table.foreign_keys
        ]
    return {
        "name": table.name.replace("_", "-"),
        "path": table.path,
        "title": table.title_ja,
        "description": table.description_en,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": table_schema,
    }


def datapackage() -> dict:
    resources = [resource_descriptor(t) for t in schema.ALL_TABLES]
    names = {t.name: t.name.replace("_", "-") for t in schema.ALL_TABLES}
    for resource in resources:  # foreign keys name resources, which use hyphens
        for fk in resource["schema"].get("foreignKeys", []):
            if fk["reference"]["resource"]:
                fk["reference"]["resource"] = names[fk["reference"]["resource"]]
    return {
        "name": "tokyo-hikikomori-support",
        "title": "東京都 区市町村のひきこもり支援（出典付きデータ）",
        "description": (
            "Tidy, sourced tables of Tokyo municipalities' hikikomori support, curated from "
            "the Tokyo Metropolitan Government's guidebook appendices and a support-network "
            "visit record. Every row carries a verbatim quote of its source. See README.md."),
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                      "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "resources": resources,
    }


def write(path: Path) -> None:
    Path(path).write_text(json.dumps(datapackage(), ensure_ascii=False, indent=2) + "\n",
                          encoding="utf-8")


# ---------------------------------------------------------------- data dictionary -------

DICTIONARY_START = "## Data dictionary"
DICTIONARY_END = "## How to add a new edition"


def _type(field: schema.Field) -> str:
    if field.enum and field.kind != "boolean":
        values = ", ".join(f"`{key}` ({ja})" for key, ja in labels(field.enum).items())
        return f"enum: {values}"
    return field.kind


def data_dictionary() -> str:
    """The data dictionary section of ``data/README.md``, generated from the schema (a test
    keeps the README equal to it)."""
    lines = [
        DICTIONARY_START, "",
        "Generated from `src/analysis/dataset/schema.py` (the same definitions drive the "
        "validator and",
        "`datapackage.json`). Enum values are snake_case English keys; their Japanese and "
        "English",
        "labels are in `src/analysis/core/labels.csv`.", "",
    ]
    for table in schema.ALL_TABLES:
        lines.append(f"### `{table.path}` — {table.title_ja} / {table.description_en}")
        if table.primary_key:
            lines.append(f"Key: `{', '.join(table.primary_key)}`.")
        lines += ["", "| column | type | required | description |", "|---|---|---|---|"]
        for field in table.fields:
            required = "yes" if field.required else ""
            lines.append(f"| `{field.name}` | {_type(field)} | {required} | "
                         f"{field.description_ja} / {field.description_en} |")
        lines.append("")
    return "\n".join(lines) + "\n"


ROW_COUNTS_START = "## Row counts (shipped data)"


def row_counts(data_dir: Path) -> str:
    """The row-count table of ``data/README.md``: rows per municipality and edition (a
    visit record counts as ``visit``) for every tidy table with a municipality."""
    import pandas as pd

    from analysis.dataset.tables import load_municipalities, load_sources, load_tidy

    sources = load_sources(data_dir)
    edition = dict(zip(sources["source_id"],
                       [e or "visit" for e in sources["edition"]], strict=True))
    names = dict(zip(*load_municipalities(data_dir)[["municipality_code", "name"]].T.values,
                     strict=True))
    counts = {}
    for table in schema.TIDY:
        frame = load_tidy(table.name, data_dir)
        if "municipality_code" not in frame.columns:
            continue
        keys = frame["municipality_code"] + " " + frame["source_id"].map(edition)
        counts[table.name] = keys.value_counts()
    frame = pd.DataFrame(counts).fillna(0).astype(int).sort_index()
    frame.index = [f"{names[key.split()[0]]} {key.split()[1]}" for key in frame.index]
    return frame.to_markdown() + "\n"


def refresh_readme(readme: str, data_dir: Path) -> str:
    """``data/README.md`` with its generated sections (row counts, data dictionary)
    rewritten; everything else unchanged."""
    def replace(text: str, start: str, end: str, body: str) -> str:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        return head + body + "\n" + end + tail

    counts = f"{ROW_COUNTS_START}\n\n{row_counts(data_dir)}"
    readme = replace(readme, ROW_COUNTS_START, DICTIONARY_START, counts)
    return replace(readme, DICTIONARY_START, DICTIONARY_END, data_dictionary())
