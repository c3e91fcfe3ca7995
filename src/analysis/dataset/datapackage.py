"""The Frictionless Data Package descriptor (``data/datapackage.json``), generated from
``analysis.dataset.schema`` so that it can never drift from the validator's contract."""

from __future__ import annotations

import json
from pathlib import Path

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
