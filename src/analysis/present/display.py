"""What notebooks call to show results: figures as deterministic PNG, tables and facts as
escaped HTML. Data never reaches the page unescaped.

Text that may stay Japanese in an English report — proper names and quotes — is wrapped
in ``class="name"`` or ``class="quote"`` so that a test can check everything else.
"""

from __future__ import annotations

import base64
import html
import re

import pandas as pd
from IPython.display import HTML, display
from matplotlib.figure import Figure

from analysis.core.labels import label
from analysis.present.charts import figure_bytes

# Display columns whose values are names or phrases quoted from the sources.
NAME_COLUMNS = {"name", "service", "body", "partner", "title", "age_text", "frequency_text",
                "member_text", "operator"}
# A printed table shows every row of Tokyo's data (the longest, the edition changes, has
# about 120); national data is cut here, with a line saying how many rows the CSV has more.
MAX_TABLE_ROWS = 250


def show_html(markup: str) -> None:
    display(HTML(markup))


def heading(text: str, level: int = 2, *, name: bool = False) -> str:
    inner = f'<span class="name">{html.escape(text)}</span>' if name else html.escape(text)
    return f"<h{level}>{inner}</h{level}>"


def paragraph(text: str, css: str = "") -> str:
    attribute = f' class="{css}"' if css else ""
    return f"<p{attribute}>{html.escape(text)}</p>"


# File paths and the evidence column named in a sources line: identifiers a researcher
# types, set as code (neither translated nor read as prose).
_IDENTIFIER = re.compile(r"(?:tables|data)/[\w./-]+\.csv|\bevidence\b")


def sources_html(text: str) -> str:
    """A sources line, escaped, its file paths and column name as ``<code>``."""
    escaped = html.escape(text)
    return _IDENTIFIER.sub(lambda m: f"<code>{m.group(0)}</code>", escaped)


def show_heading(text: str, level: int = 2, *, name: bool = False) -> None:
    show_html(heading(text, level, name=name))


def show_text(text: str, css: str = "") -> None:
    show_html(paragraph(text, css))


def show_list(items: list[str]) -> None:
    show_html("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")


# A printed number: 1,234 · 2.5 · 45% · 約1,100人 · 10人未満 — or a value the source does
# not state. A column of these is right-aligned so its digits line up; text stays left.
_NUMBER = re.compile(r"^(約)?[\d,.]+(人|%)?$|^about [\d,]+$|^\d+人未満$|^fewer than \d+$")


def numeric_columns(frame: pd.DataFrame) -> set[str]:
    """Columns every non-empty cell of which is a number as printed (or 記載なし)."""
    absent = {label("template", "not_stated", lang) for lang in ("ja", "en")} | {"", "—"}
    return {column for column in frame.columns
            if any(str(v) not in absent for v in frame[column])
            and all(str(v) in absent or _NUMBER.match(str(v)) for v in frame[column])}


def table_html(frame: pd.DataFrame, name_columns: set[str] = frozenset(),
               csv_name: str = "", lang: str = "ja") -> str:
    """An escaped HTML table, numbers right-aligned; a table longer than
    ``MAX_TABLE_ROWS`` is cut, with a line saying how many more rows ``csv_name`` has."""
    shown = frame.head(MAX_TABLE_ROWS)
    more = len(frame) - len(shown)
    cut = (f'<p class="source-note">{html.escape(label("template", "table_cut", lang).format(n=more, table=csv_name))}</p>'  # noqa: E501
           if more else "")
    numbers = numeric_columns(shown)
    head = "".join(f'<th scope="col"{_num(c in numbers)}>{html.escape(str(c))}</th>'
                   for c in shown.columns)
    body = "".join(
        "<tr>" + "".join(_cell(value, column in name_columns, column in numbers)
                         for column, value in row.items())
        + "</tr>" for row in shown.to_dict("records"))
    return (f'<table class="result"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
            f"</table>{cut}")


def _num(is_number: bool) -> str:
    return ' class="num"' if is_number else ""


def _cell(value: object, is_name: bool, is_number: bool = False) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    if value is pd.NA:
        text = ""
    inner = html.escape(text)
    if is_name and text:
        return f'<td{_num(is_number)}><span class="name">{inner}</span></td>'
    return f"<td{_num(is_number)}>{inner}</td>"


def figure_html(fig: Figure, alt: str) -> str:
    """An embedded PNG, so a heading and its chart are one block that print keeps together."""
    data = base64.b64encode(figure_bytes(fig, "png")).decode("ascii")
    return (f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">')


def figure_alt(view, lang: str = "ja") -> str:
    """A chart's text alternative (HTML alt, the PDF's /Alt): what it shows, in the words
    of its title and lead; its numbers are in the view's CSV (``tables/<name>.csv``)."""
    return label("template", "figure_alt", lang).format(title=view.title, lead=view.lead)


def show_view(view, lang: str = "ja") -> None:
    """A view: heading, lead sentence, figure, its table if it has one, sources line."""
    parts = [heading(view.title, 2), paragraph(view.lead)]
    if view.figure is not None:
        parts = [f'<div class="view-figure">{"".join(parts)}'
                 f"{figure_html(view.figure, figure_alt(view, lang))}</div>"]
    if view.display is not None:
        names = {label("column", c, lang) for c in NAME_COLUMNS | {"old_quote", "new_quote"}}
        parts.append(table_html(view.display, names, f"tables/{view.name}.csv", lang))
    parts.append(f'<p class="source-note"><span class="name">{sources_html(view.sources)}'
                 "</span></p>")
    show_html("".join(parts))


def briefing_html(briefing, lang: str = "ja") -> str:
    """The report's first page (``analysis.present.findings.briefing``): what it covers,
    the findings, then the caveats."""
    findings = briefing.findings
    coverage = briefing.coverage

    def items(section: str) -> str:
        texts = findings.loc[findings["section"] == section, "text"]
        return "<ul>" + "".join(f"<li>{html.escape(t)}</li>" for t in texts) + "</ul>"

    return (f'<section class="briefing">{heading(briefing.title, 2)}'
            f"{paragraph(briefing.lead)}{heading(coverage.title, 3)}"
            f"{table_html(coverage.display)}"
            f'<p class="source-note">{sources_html(coverage.sources)}</p>'
            f'{heading(label("view", "briefing_findings", lang), 3)}{items("finding")}'
            f'{heading(label("view", "briefing_caveats", lang), 3)}{items("caveat")}'
            "</section>")


def show_briefing(briefing, lang: str = "ja") -> None:
    show_html(briefing_html(briefing, lang))
