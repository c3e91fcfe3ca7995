"""The changes between two editions, as views: one sentence per change, in the words of
the label table ("「ひきこもり相談窓口」（窓口・事業）に相談チャネル「SNS」が加わりました"),
never a table name or an enum value."""

from __future__ import annotations

import pandas as pd

from analysis.compare.changes import ENTITY, edition_changes
from analysis.core.labels import label, labels
from analysis.dataset.schema import BY_NAME
from analysis.dataset.tables import CODE, Dataset
from analysis.present.view import TABLE_COLUMNS, View, edition_label, labelled, make_view


def _value_text(table: str, field: str, value: str, lang: str) -> str:
    """A changed value as a reader reads it: an enum value by its label; several values
    (joined with " / " in the frame) each by its label."""
    if table == "channels":  # channel_publicity …: a channel, of another purpose
        field = "channel"
    if not value or table not in BY_NAME or field not in BY_NAME[table].columns:
        return value
    group = BY_NAME[table].field(field).enum
    if not group:
        return value
    names = labels(group, lang)
    return label("template", "list_separator", lang).join(
        names.get(part, part) for part in value.split(" / "))


# A fact a thing has is told as a change of the thing (「窓口・事業「…」に相談チャネル…」).
_THING_OF = {"channels": "services", "target_ages": "services",
             "network_body_members": "network_bodies"}


def _field_text(table: str, field: str, lang: str) -> str:
    if table == "stated_counts":  # the field of a stated count is what it counts
        return labels("count_subject", lang).get(field, field)
    if field == "channel":
        return labels("fact_table", lang)["channels"]
    if table == "channels" and field.startswith("channel_"):  # no way to consult
        purpose = field.removeprefix("channel_")
        return label("change_field", "channel_of_purpose", lang).format(
            purpose=labels("channel_purpose", lang).get(purpose, purpose))
    return labels("data_column", lang).get(field, field)


def change_sentence(row: pd.Series | dict, old_edition: str, new_edition: str,
                    lang: str = "ja") -> str:
    """One change as a sentence (templates: labels.csv group ``change_sentence``)."""
    change, table, field = row["change"], row["table"], row["field"]
    if change in ("municipality_added", "municipality_removed"):
        key = change
    elif table in ("stated_counts", "collaborations"):
        key = f"{'count' if table == 'stated_counts' else 'partner'}_{change}"
    elif field == ENTITY:
        key = f"entity_{change}"
    elif change == "renamed":
        key = "renamed"
    else:
        key = f"field_{change}"
    return label("change_sentence", key, lang).format(
        what=labels("fact_table", lang).get(_THING_OF.get(table, table), table),
        thing=row["thing"] or row["old_value"] or row["new_value"],
        field=_field_text(table, field, lang),
        old=_value_text(table, field, row["old_value"], lang),
        new=_value_text(table, field, row["new_value"], lang),
        old_edition=edition_label(old_edition, lang),
        new_edition=edition_label(new_edition, lang))


def with_sentences(changes: pd.DataFrame, old_edition: str, new_edition: str,
                   lang: str = "ja") -> pd.DataFrame:
    sentences = [change_sentence(row, old_edition, new_edition, lang)
                 for row in changes.to_dict("records")]
    return changes.assign(sentence=pd.Series(sentences, index=changes.index, dtype=object))


def changes_display(changes: pd.DataFrame, columns: list[str], lang: str) -> pd.DataFrame:
    """Changes as printed: grouped by municipality (code order; within one, in the order
    of the kinds of change), its name on its first row only."""
    ordered = changes.sort_values(CODE, kind="stable")
    shown = labelled(ordered, columns, lang).reset_index(drop=True)
    name = label("column", "name", lang)
    repeated = ordered[CODE].reset_index(drop=True).duplicated()
    shown.loc[repeated, name] = ""
    return shown


def edition_change_views(dataset: Dataset, from_edition: str, to_edition: str,
                         lang: str = "ja") -> list[View]:
    changes = with_sentences(edition_changes(dataset, from_edition, to_edition),
                             from_edition, to_edition, lang)
    discrepancies = changes.loc[changes["change"].isin(["changed", "stated_then_dropped"])]
    return [make_view(name, dataset, frame, None, lang,
                      display=changes_display(frame, TABLE_COLUMNS[name], lang))
            for name, frame in (("edition_changes", changes),
                                ("edition_discrepancies", discrepancies))]
