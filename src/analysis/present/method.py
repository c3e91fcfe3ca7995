"""The combined report's closing section: method and codebook.

Everything here is generated from the code that does the counting and from the label
table, so that the method a reader is told is the method that ran, and nothing is typed
twice: the national-menu rules from ``analysis.compare.menus.menu_rules``, the channel
purposes, age kinds, frequency statuses and change kinds from their label groups (in the
order of the modules that assign them), the codebook from ``analysis.dataset.schema`` and
``labels.csv``, the sources and their sha256 from the registries.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import pandas as pd

from analysis.compare.changes import CHANGE_KINDS
from analysis.compare.meetings import FREQUENCY_STATUSES
from analysis.compare.menus import MENUS, menu_rules
from analysis.core.labels import label, labels
from analysis.dataset.schema import ALL_TABLES, BY_NAME, Field, Table
from analysis.dataset.scope import (
    GUIDEBOOK,
    documented_municipalities,
    edition_dataset,
    edition_source_ids,
)
from analysis.dataset.tables import Dataset
from analysis.present.references import references_text, source_reference

DATA_DICTIONARY = "data/README.html"  # written beside the report by the build


def _e(text: object) -> str:
    return html.escape(str(text))


def _quoted(values: Iterable[str], lang: str) -> str:
    template = label("method", "value_quote", lang)
    return label("profile", "separator", lang).join(template.format(value=v) for v in values)


def _enum_group(table: str, column: str) -> str:
    found = BY_NAME[table].field(column).enum
    if found is None:
        raise KeyError(f"{table}.{column} is not an enum column")
    return found


def menu_rule_lines(lang: str = "ja") -> list[str]:
    """One line per national menu: which facts show it (``menus.menu_rules``)."""
    lines = []
    menu_names = labels("national_menu", lang)
    for menu in MENUS:
        rules = []
        for rule in menu_rules(menu):
            names = labels(_enum_group(rule.table, rule.column), lang)
            values = [names.get(v, v) for v in names if v in rule.values]
            rules.append(label("method", "menu_rule", lang).format(
                table=label("fact_table", rule.table, lang),
                column=label("data_column", rule.column, lang),
                values=_quoted(values, lang)))
        lines.append(label("method", "menu_line", lang).format(
            menu=menu_names[menu], rules=label("method", "rule_or", lang).join(rules)))
    return lines


def _short_titles(sources: pd.DataFrame, source_ids: Sequence[str], lang: str) -> str:
    """「附属資料 令和6年度版（本文・武蔵野市の頁）」: the sources' short references."""
    table = sources.set_index("source_id")
    rows = [{k: "" if pd.isna(v) else str(v)
             for k, v in {"source_id": s, **table.loc[s].to_dict()}.items()} for s in source_ids]
    per_edition: dict[str, int] = {}
    for row in rows:
        per_edition[row["edition"]] = per_edition.get(row["edition"], 0) + 1
    return references_text(
        [source_reference(row, lang, distinguish=per_edition[row["edition"]] > 1)
         for row in rows], lang)


def _richer_municipalities(dataset: Dataset, edition: str, lang: str) -> list[str]:
    """Municipalities documented by more than one guidebook source of the edition."""
    data = edition_dataset(dataset, edition)
    counts: dict[str, set[str]] = {}
    for name in ("services", "channels", "target_ages", "meetings", "network_bodies",
                 "milestones", "stated_counts", "collaborations"):
        frame = getattr(data, name)
        for code, source in zip(frame["municipality_code"], frame["source_id"], strict=True):
            counts.setdefault(code, set()).add(source)
    column = "name_romaji" if lang == "en" else "name"
    names = dataset.municipalities.set_index("municipality_code")[column]
    return [names[code] for code in sorted(counts) if len(counts[code]) > 1]


def basis_html(dataset: Dataset, edition: str, audience: str, lang: str = "ja") -> str:
    sources = dataset.sources
    guidebook = edition_source_ids(sources, edition)
    others = [s for s, kind in zip(sources["source_id"], sources["kind"], strict=True)
              if kind != GUIDEBOOK]
    edition_name = labels("edition", lang).get(edition, edition)
    supplementary = label("method", "supplementary", lang).format(
        sources=_short_titles(sources, others, lang)) if others else ""
    parts = [label("method", "basis", lang).format(
        edition=edition_name, guidebook=_short_titles(sources, guidebook, lang),
        supplementary=supplementary)]
    richer = _richer_municipalities(dataset, edition, lang)
    if richer:
        parts.append(label("method", "more_sources", lang).format(
            names=label("profile", "separator", lang).join(richer)))
    internal = sources.loc[sources["audience"] == "internal", "source_id"].tolist()
    if audience == "public":
        parts.append(label("method", "audience_public", lang))
    elif internal:
        parts.append(label("method", "audience_all", lang).format(
            sources=_short_titles(sources, internal, lang)))
    return "".join(f'<p><span class="name">{_e(p)}</span></p>' for p in parts)


def rules_html(dataset: Dataset, edition: str, lang: str = "ja") -> str:
    """How each kind of thing is counted, as a definition list."""
    purposes = labels("channel_purpose", lang)
    kinds = labels("age_kind", lang)
    statuses = labels("frequency_status", lang)
    changes = labels("change", lang)
    n = len(documented_municipalities(edition_dataset(dataset, edition)))
    entries = [
        ("service", label("method", "service", lang), []),
        ("category", label("method", "category", lang), menu_rule_lines(lang)),
        ("channels", label("method", "channels", lang).format(
            purposes=_quoted(purposes.values(), lang), consultation=purposes["consultation"]),
         []),
        ("ages", label("method", "ages", lang).format(
            kinds=_quoted(kinds.values(), lang),
            **{key: kinds[key] for key in ("limit", "all_ages", "addition", "main_group")}),
         []),
        ("frequency", label("method", "frequency", lang).format(
            statuses=_quoted((statuses[s] for s in FREQUENCY_STATUSES), lang)), []),
        ("changes", label("method", "changes", lang).format(
            kinds=_quoted((changes[c] for c in CHANGE_KINDS), lang)), []),
        ("denominators", label("method", "denominators", lang).format(n=n), []),
    ]
    items = []
    for key, text, lines in entries:
        listing = ("<ul>" + "".join(f"<li>{_e(line)}</li>" for line in lines) + "</ul>"
                   if lines else "")
        items.append(f"<dt>{_e(label('method', f'{key}_term', lang))}</dt>"
                     f"<dd><p>{_e(text)}</p>{listing}</dd>")
    return f'<dl class="method-rules">{"".join(items)}</dl>'


def population_html(lang: str = "ja") -> str:
    """The estimate's caveat, the size bands' status and the credit lines."""
    lines = [label("population", key, lang) for key in (
        "estimate_citation", "size_band_note", "credit_tokyo", "credit_census")]
    lines.append(label("report", "map_credit", lang) + label("report", "map_credit_line", lang))
    return "".join(f'<p><span class="name">{_e(line)}</span></p>' for line in lines)


def enum_fields() -> list[tuple[Table, Field]]:
    """Every coded column of the data (schema enums; booleans are true/false)."""
    return [(table, field) for table in ALL_TABLES for field in table.fields
            if field.kind == "enum"]


def codebook_html(lang: str = "ja") -> str:
    """One small table per coded column: each value, its Japanese and English label."""
    other = "en" if lang == "ja" else "ja"
    head = "".join(f'<th scope="col">{_e(label("method", key, lang))}</th>'
                   for key in ("code_value", f"code_{lang}", f"code_{other}"))
    tables = []
    for table, field in enum_fields():
        own, theirs = labels(field.enum, lang), labels(field.enum, other)
        rows = "".join(
            f'<tr><td><code class="key">{_e(value)}</code></td><td>{_e(own[value])}</td>'
            f'<td><span class="name" lang="{other}">{_e(theirs[value])}</span></td></tr>'
            for value in field.allowed())
        what = field.description_ja if lang == "ja" else field.description_en
        title = table.title_ja if lang == "ja" else table.path
        tables.append(
            f'<table class="codebook"><caption><span class="name">{_e(title)}</span> '
            f'<code class="key">{_e(table.path)} · {_e(field.name)}</code>'
            f'<br><span class="name">{_e(what)}</span></caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return (f"<p>{_e(label('method', 'codebook_lead', lang))}</p>"
            f'<div class="codebook-columns">{"".join(tables)}</div>')


def sources_html(sources: pd.DataFrame, reference_sources: pd.DataFrame | None,
                 lang: str = "ja") -> str:
    """The sources (with their audience) and the reference files, each with its sha256."""
    editions = labels("edition", lang)
    audiences = labels("audience", lang)
    rows = "".join(
        f'<tr><td><span class="name">{_e(row.title)}</span></td>'
        f"<td>{_e(editions.get(row.edition, row.edition) if row.edition else '—')}</td>"
        f"<td>{_e(row.date)}</td><td>{_e(audiences.get(row.audience, row.audience))}</td>"
        f'<td class="file">{_e(row.file)}</td><td class="hash">{_e(row.sha256)}</td></tr>'
        for row in sources.fillna("").itertuples())
    parts = [_sources_table((
        (label("report", "source_title", lang), "wide"),
        (label("report", "source_edition", lang), "narrow"),
        (label("report", "source_date", lang), "narrow"),
        (label("method", "audience_column", lang), "narrow"),
        (label("report", "source_file", lang), ""),
        (label("report", "source_sha256", lang), "")), rows)]
    if reference_sources is not None and not reference_sources.empty:
        rows = "".join(
            f'<tr><td class="file">{_e(row.file)}</td>'
            f'<td><span class="name">{_e(row.credit)}</span></td>'
            f'<td><span class="name">{_e(row.licence)}</span></td>'
            f'<td class="hash">{_e(row.sha256)}</td></tr>'
            for row in reference_sources.fillna("").itertuples())
        parts.append(f"<h3>{_e(label('method', 'reference_title', lang))}</h3>"
                     + _sources_table((
                         (label("report", "source_file", lang), ""),
                         (label("method", "credit", lang), "wide"),
                         (label("method", "licence", lang), ""),
                         (label("report", "source_sha256", lang), "")), rows))
    return "".join(parts)


def _sources_table(columns: tuple[tuple[str, str], ...], rows: str) -> str:
    """A table of files: ``columns`` as (heading, width class), ``rows`` its body."""
    head = "".join(f'<th scope="col" class="{width}">{_e(text)}</th>'
                   for text, width in columns)
    return (f'<table class="sources"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>'
            "</table>")


def method_html(dataset: Dataset, reference_sources: pd.DataFrame | None, edition: str,
                audience: str, build_line: str, anchor: str, lang: str = "ja") -> str:
    """The whole closing section. ``dataset`` is what the audience may see (its sources
    are the ones listed); ``build_line`` names the version and date of the build."""
    dictionary = (f'<p>{_e(label("method", "dictionary_text", lang))}'
                  f'<a href="{DATA_DICTIONARY}">{_e(label("method", "data_dictionary", lang))}'
                  "</a></p>")
    return (
        f'<div class="section-start" id="{anchor}"></div>'
        f'<section class="method">'
        f"<h1>{_e(label('method', 'title', lang))}</h1>"
        f"<p>{_e(label('report', 'method_text', lang))}</p>"
        f"<h2>{_e(label('method', 'basis_title', lang))}</h2>"
        + basis_html(dataset, edition, audience, lang)
        + f"<h2>{_e(label('method', 'rules_title', lang))}</h2>"
        + rules_html(dataset, edition, lang)
        + f"<h2>{_e(label('method', 'population_title', lang))}</h2>"
        + population_html(lang)
        + f"<h2>{_e(label('report', 'sources', lang))}</h2>"
        + sources_html(dataset.sources, reference_sources, lang)
        + f"<h2>{_e(label('report', 'build', lang))}</h2><p>{_e(build_line)}</p>{dictionary}"
        + f"<h2>{_e(label('method', 'codebook_title', lang))}</h2>"
        + codebook_html(lang)
        + "</section>"
    )
