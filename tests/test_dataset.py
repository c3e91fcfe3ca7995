"""The shipped dataset: completeness of sections, the sample facts the issue names, the
Frictionless descriptor."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.dataset.datapackage import datapackage
from analysis.dataset.tables import TIDY_TABLES, load_dataset
from analysis.text.sources import split_sections
from tests.conftest import ROOT

DATA = ROOT / "data"


@pytest.fixture(scope="module")
def data():
    return load_dataset(DATA)


def rows(frame: pd.DataFrame, **equal: str) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    for column, value in equal.items():
        mask &= frame[column] == value
    return frame.loc[mask]


def test_every_section_of_every_source_is_represented(data) -> None:
    codes = dict(zip(data.municipalities["name"], data.municipalities["municipality_code"],
                     strict=True))
    cited = pd.concat([data.services[["source_id", "municipality_code"]],
                       data.meetings[["source_id", "municipality_code"]]])
    for source in data.sources.itertuples():
        text = (DATA / "raw" / source.file).read_text(encoding="utf-8")
        whole = data.municipalities.set_index("municipality_code")["name"].get(
            source.municipality_code) if source.municipality_code else None
        for section in split_sections(text, whole_file_municipality=whole):
            code = codes[section.municipality_name]
            assert not rows(cited, source_id=source.source_id, municipality_code=code).empty, (
                source.source_id, section.municipality_name)


def test_editions_cover_17_and_8_municipalities(data) -> None:
    edition = data.sources.set_index("source_id")["edition"]
    by_edition = data.services.assign(edition=data.services["source_id"].map(edition)).groupby(
        "edition")["municipality_code"].nunique()
    assert by_edition["fy2024"] == 17 and by_edition["fy2022"] == 8


def service_rows(data, code: str, name_part: str, table: pd.DataFrame) -> pd.DataFrame:
    services = data.services.loc[(data.services["municipality_code"] == code)
                                 & data.services["name"].str.contains(name_part)]
    return table.loc[table["service_id"].isin(services["service_id"])]


def test_musashino_soreiyu_serves_15_to_49(data) -> None:
    ages = service_rows(data, "132039", "それいゆ", data.target_ages)
    assert not ages.empty
    assert set(zip(ages["age_min"], ages["age_max"], strict=True)) == {(15, 49)}


def test_oshima_rocket_about_18_to_49_weekly(data) -> None:
    ages = service_rows(data, "133612", "ロケット", data.target_ages)
    assert set(zip(ages["age_min"], ages["age_max"], ages["approximate"], strict=True)) == {
        (18, 49, True)}
    meetings = rows(data.meetings, municipality_code="133612")
    assert set(meetings.loc[meetings["name"].str.contains("ロケット"), "per_year"]) == {52}


def test_musashino_coordination_meeting_every_two_months(data) -> None:
    meeting = rows(data.meetings, source_id="visit_musashino_20241203")
    meeting = meeting.loc[meeting["name"].str.contains("総合支援調整会議")]
    assert list(meeting["per_year"]) == [6]


def test_sumida_family_group_monthly_third_sunday(data) -> None:
    meeting = rows(data.meetings, municipality_code="131075")
    meeting = meeting.loc[meeting["name"].str.contains("家族会")]
    assert (meeting["frequency_text"] == "毎月第3日曜日").any()
    assert set(meeting["per_year"].dropna()) == {12}


def test_toshima_window_channels(data) -> None:
    channels = service_rows(data, "131164", "相談窓口", data.channels)
    fy2024 = channels.loc[channels["source_id"] == "fy2024_main", "channel"]
    assert {"in_person", "phone", "email", "home_visit", "online"} <= set(fy2024)


def test_chofu_network_of_29_organisations(data) -> None:
    bodies = rows(data.network_bodies, municipality_code="132080")
    body = bodies.loc[bodies["name"].str.contains("子ども・若者支援地域ネットワーク")]
    assert list(body["member_count"]) == [29]


def test_kunitachi_age_boundaries_differ_between_editions(data) -> None:
    ages = data.target_ages.merge(data.services[["service_id", "entity_key"]], on="service_id")
    kunisapo = ages.loc[ages["entity_key"] == "132152-kunisapo"].set_index("source_id")
    fukufuku = ages.loc[ages["entity_key"] == "132152-fukufuku-madoguchi"].set_index("source_id")
    assert kunisapo.loc["fy2022_part2", "age_max"] == 17
    assert kunisapo.loc["fy2024_main", "age_max"] == 18
    assert fukufuku.loc["fy2022_part2", "age_min"] == 18
    assert fukufuku.loc["fy2024_main", "age_min"] == 19


def test_machida_network_start_differs_between_editions(data) -> None:
    bodies = rows(data.network_bodies, entity_key="132098-hikikomori-network-kaigi")
    years = dict(zip(bodies["source_id"], bodies["established_year"], strict=True))
    assert years == {"fy2022_part2": 2014, "fy2024_main": 2015}


def test_bunkyo_support_centre_opened_april_2020(data) -> None:
    centre = rows(data.services, entity_key="131059-hikikomori-shien-center")
    assert set(zip(centre["established_year"], centre["established_month"], strict=True)) == {
        (2020, 4)}


def test_edogawa_offers_line(data) -> None:
    assert not rows(data.channels, municipality_code="131237", channel="line").empty


def test_adachi_window_keeps_its_key_across_the_rename(data) -> None:
    window = rows(data.services, entity_key="131211-fukushi-marugoto-soudan")
    assert set(window["source_id"]) == {"fy2022_part1", "fy2024_main"}
    names = set(window["name"])
    assert any("くらしとしごと" in n for n in names) and any("福祉まるごと" in n for n in names)


def test_musashino_main_and_flyer_share_keys(data) -> None:
    musashino = rows(data.services, municipality_code="132039")
    per_key = musashino.groupby("entity_key")["source_id"].agg(set)
    assert (per_key.map(lambda s: {"fy2024_main", "fy2024_musashino_flyers"} <= s)).sum() >= 3


def test_tables_are_tidy_one_value_per_cell(data) -> None:
    for name in ("channels", "network_body_members", "collaborations"):
        frame = getattr(data, name)
        for column in frame.columns:
            if column in ("quote", "note", "activity", "partner_text", "member_text"):
                continue
            assert not frame[column].astype(str).str.contains(r"[;|]").any(), (name, column)


def test_datapackage_is_generated_from_the_schema() -> None:
    shipped = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    assert shipped == datapackage(), "run: python -m analysis datapackage"
    assert {r["path"] for r in shipped["resources"]} >= {f"tidy/{t}.csv" for t in TIDY_TABLES}


def test_frictionless_validates_the_datapackage() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "frictionless"), "validate", "--json",
         "datapackage.json"], cwd=DATA, capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    errors = [e.get("message") for task in report.get("tasks", [])
              for e in task.get("errors", [])][:5]
    assert report["valid"], errors
