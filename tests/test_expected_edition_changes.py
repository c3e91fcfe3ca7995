"""tests/data/expected_edition_changes.csv — the differences a careful reader finds between
the FY2022 and FY2024 sections of the eight municipalities in both editions (the walk that
lists them is tests/data/edition_walk.md) — agrees with the sources and the tidy data:
every quote is verbatim in the right edition's section, and every difference rests on rows
of both editions that say exactly that (so a field-level edition-change metric run on the
tidy data can be tested against the file)."""

from __future__ import annotations

import functools

import pandas as pd
import pytest

from analysis.dataset.tables import load_dataset
from analysis.text.fold import fold
from analysis.text.sources import split_sections
from tests.conftest import ROOT

EXPECTED = ROOT / "tests" / "data" / "expected_edition_changes.csv"
BOTH_EDITIONS = {"131059", "131164", "131211", "132012", "132098", "132128", "132152", "133612"}
CHANGES = {"added", "removed", "changed", "renamed", "stated_then_dropped"}
ENTITY_TABLES = {"services": "name", "meetings": "name", "network_bodies": "name",
                 "milestones": "title"}


@functools.cache
def expected() -> pd.DataFrame:
    return pd.read_csv(EXPECTED, dtype=str, keep_default_na=False)


@functools.cache
def data():
    return load_dataset(ROOT / "data")


@functools.cache
def sections(edition: str) -> dict[str, str]:
    """Municipality name → normalised text of its section(s) in the edition's files."""
    sources = data().sources.loc[data().sources["edition"] == edition]
    found: dict[str, str] = {}
    for row in sources.itertuples():
        text = (ROOT / "data" / "raw" / row.file).read_text(encoding="utf-8")
        for section in split_sections(text):
            found[section.municipality_name] = found.get(section.municipality_name, "") + (
                fold(text[section.start:section.end]))
    return found


def rows_of(table: str, code: str, edition: str) -> pd.DataFrame:
    """A table's rows of one municipality and edition, with the entity key of the thing
    they belong to (a channel's service, a member's body)."""
    d = data()
    frame = getattr(d, table)
    sources = set(d.sources.loc[d.sources["edition"] == edition, "source_id"])
    frame = frame.loc[frame["source_id"].isin(sources)]
    if table in ("channels", "target_ages"):
        keys = dict(zip(d.services["service_id"], d.services["entity_key"], strict=True))
        frame = frame.assign(entity_key=frame["service_id"].map(keys))
    if table == "network_body_members":
        bodies = d.network_bodies.set_index("body_id")
        frame = frame.assign(entity_key=frame["body_id"].map(bodies["entity_key"]),
                             municipality_code=frame["body_id"].map(
                                 bodies["municipality_code"]))
    return frame.loc[frame["municipality_code"] == code]


def cell(value: object) -> str:
    return "" if pd.isna(value) else str(value)


def test_file_is_well_formed() -> None:
    frame = expected()
    assert list(frame.columns) == ["municipality_code", "table", "entity_key", "field",
                                   "change", "old_value", "new_value", "old_quote",
                                   "new_quote", "note"]
    assert set(frame["municipality_code"]) <= BOTH_EDITIONS
    assert set(frame["change"]) <= CHANGES
    assert not frame.duplicated().any()
    # 大島町's two sections say the same: no difference
    assert "133612" not in set(frame["municipality_code"])


@pytest.mark.parametrize("index", range(len(expected())))
def test_quotes_are_verbatim_in_their_edition(index: int) -> None:
    row = expected().iloc[index]
    name = data().municipalities.set_index("municipality_code").loc[
        row["municipality_code"], "name"]
    for column, edition in (("old_quote", "fy2022"), ("new_quote", "fy2024")):
        if row[column]:
            assert fold(row[column]) in sections(edition)[name], (column, row)
    # a difference quotes the edition(s) it rests on
    assert row["old_quote"] or row["change"] == "added"
    assert row["new_quote"] or row["change"] in ("removed", "stated_then_dropped")


@pytest.mark.parametrize("index", range(len(expected())))
def test_difference_rests_on_the_tidy_data(index: int) -> None:
    row = expected().iloc[index]
    code, table, key, field = (row["municipality_code"], row["table"], row["entity_key"],
                               row["field"])
    old, new = (rows_of(table, code, e) for e in ("fy2022", "fy2024"))
    if table == "collaborations":
        had, has = (set(f["partner_text"]) for f in (old, new))
        value = row["old_value"] or row["new_value"]
        assert (value in had, value in has) == {"added": (False, True),
                                                "removed": (True, False)}[row["change"]]
        return
    if table in ("channels", "network_body_members"):
        column = "channel" if table == "channels" else "member_type"
        had, has = (set(f.loc[f["entity_key"] == key, column]) for f in (old, new))
        value = row["old_value"] or row["new_value"]
        assert (value in had, value in has) == {"added": (False, True),
                                                "removed": (True, False)}[row["change"]]
        return
    old, new = (f.loc[f["entity_key"] == key] for f in (old, new))
    if field == "entity":
        assert (old.empty, new.empty) == {"added": (True, False),
                                          "removed": (False, True)}[row["change"]]
        present = new if row["change"] == "added" else old
        value = row["new_value"] or row["old_value"]
        assert value in set(present[ENTITY_TABLES[table]]), row
        return
    if table == "stated_counts":
        old, new = (f.loc[f["subject"] == field, "count"].map(cell) for f in (old, new))
        assert row["old_value"] in set(old), row
        if row["change"] == "stated_then_dropped":
            assert new.empty, row
        else:
            assert row["new_value"] in set(new), row
        return
    # a column of an entity (for a target age, of its service's age rows); a value no row
    # states is empty
    had, has = (set(f[field].map(cell)) if not f.empty else {""} for f in (old, new))
    assert row["old_value"] in had, (row.to_dict(), had)
    assert row["new_value"] in has, (row.to_dict(), has)
    assert row["old_value"] != row["new_value"]
    if row["change"] == "stated_then_dropped":
        assert has == {""}, row
    if row["change"] == "added":
        assert had == {""}, row


def test_the_edition_change_metric_finds_exactly_these_differences() -> None:
    """analysis.compare.changes on the tidy data lists every difference of the file and
    nothing else, for the eight municipalities in both editions."""
    from analysis.compare.changes import edition_changes

    key = ["municipality_code", "table", "entity_key", "field", "change", "old_value",
           "new_value"]
    found = edition_changes(data(), "fy2022", "fy2024")
    found = found.loc[found["municipality_code"].isin(BOTH_EDITIONS)]
    assert sorted(map(tuple, found[key].to_numpy())) == sorted(
        map(tuple, expected()[key].to_numpy()))
