"""The changes between two editions, as views."""

from __future__ import annotations

from analysis.compare.changes import edition_changes
from analysis.dataset.tables import Dataset
from analysis.present.view import View, make_view


def edition_change_views(dataset: Dataset, from_edition: str, to_edition: str,
                         lang: str = "ja") -> list[View]:
    changes = edition_changes(dataset, from_edition, to_edition)
    discrepancies = changes.loc[changes["change"].isin(["changed", "stated_then_dropped"])]
    return [
        make_view("edition_changes", dataset, changes, None, lang),
        make_view("edition_discrepancies", dataset, discrepancies, None, lang),
    ]
