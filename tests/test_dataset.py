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


# ------------------------------------------------------------------ issue 15 semantics ---

def channel_rows(data, code: str, source: str, name_part: str) -> pd.DataFrame:
    services = data.services.loc[(data.services["municipality_code"] == code)
                                 & (data.services["source_id"] == source)
                                 & data.services["name"].str.contains(name_part)]
    return data.channels.loc[data.channels["service_id"].isin(services["service_id"])]


def test_channel_purposes_of_real_rows(data) -> None:
    flyers = "fy2024_musashino_flyers"
    lecture = channel_rows(data, "132039", flyers, "講演会")
    assert dict(zip(lecture["channel"], lecture["purpose"], strict=True)) == {
        "fax": "application", "in_person": "attendance", "online": "attendance"}
    window = channel_rows(data, "132039", flyers, "福祉総合相談窓口")
    assert set(window["purpose"]) == {"consultation"}  # its Fax is in its contact box
    for code, source, name in (("132128", "fy2022_part2", "広報活動"),
                               ("132128", "fy2024_main", "広報活動"),
                               ("131202", "fy2024_main", "相談窓口の周知"),
                               ("131164", "fy2022_part1", "普及啓発")):
        publicity = channel_rows(data, code, source, name)
        assert not publicity.empty and set(publicity["purpose"]) == {"publicity"}
    edogawa = channel_rows(data, "131237", "fy2024_main", "ひきこもり相談支援")
    assert edogawa.set_index("channel").loc["line", "purpose"] == "consultation"  # LINE 相談
    komae = rows(data.channels, municipality_code="132195", purpose="inquiry")
    assert set(komae["channel"]) == {"email", "phone"}
    # the one FAX counted as a way to consult is 武蔵野市's window, no other
    faxes = rows(data.channels, channel="fax", purpose="consultation")
    assert list(faxes["service_id"]) == ["fy2024_musashino_flyers-132039-s01"]


def test_age_kinds_of_real_rows(data) -> None:
    ages = data.target_ages.merge(data.services[["service_id", "entity_key"]], on="service_id")
    by_key = ages.set_index(["entity_key", "source_id"])
    cocoa = by_key.loc[("132080-cocoa", "fy2024_main")]
    assert (cocoa["age_kind"], cocoa["age_min"]) == ("addition", 40)  # 40代以上…についても
    tarte = by_key.loc[("132195-tartetatin-room", "fy2024_main")]
    assert (tarte["age_kind"], tarte["age_min"], tarte["age_max"], tarte["approximate"]) == (
        "main_group", 10, 29, False)  # 主に 10代～ 20代: a main group, not approximate
    visit = by_key.loc[("132039-fukushi-sogo-soudan-madoguchi", "visit_musashino_20241203")]
    assert visit["age_kind"] == "main_group"  # 50代・60代 … を中心に
    for source in ("fy2022_part2", "fy2024_main"):  # はちまるサポート: every age, both editions
        hachimaru = by_key.loc[("132012-hachimaru-support", source)]
        assert hachimaru["age_kind"] == "all_ages"
        assert pd.isna(hachimaru["age_min"]) and pd.isna(hachimaru["age_max"])
    step = by_key.loc[("131059-step", "fy2022_part1")]
    assert (step["age_kind"], step["age_min"]) == ("limit", 15)  # 義務教育終了後の全年齢
    all_ages = set(ages.loc[ages["age_kind"] == "all_ages", "entity_key"])
    assert {"131211-fukushi-marugoto-soudan", "131075-platform-ibasho",
            "132128-miraito-takahata", "132152-kunitachi-hinatasaien",
            "131237-yorimichiya"} <= all_ages


def test_single_events_are_not_recurring_meetings(data) -> None:
    events = rows(data.meetings, occurrence="single_event")
    assert {"131164-godo-soudankai-koenkai-event", "131164-toujisha-katsuyaku-event-meeting",
            "131121-open-dialogue-taikenkai"} <= set(events["entity_key"])
    assert (events["frequency_text"] == "").all() and (events["regular"] == "unknown").all()
    forum = rows(data.meetings, entity_key="132012-shimin-seminar").set_index("source_id")
    assert forum.loc["fy2022_part2", "occurrence"] == "single_event"  # 令和4年度に2回開催
    assert forum.loc["fy2024_main", "occurrence"] == "recurring"  # 令和4年度から開催


def test_approximate_only_for_an_approximated_number(data) -> None:
    meetings = data.meetings.set_index("meeting_id")
    for regular_without_number in ("fy2022_part1-131059-m11", "fy2022_part1-131059-m12",
                                   "fy2022_part2-132098-m03"):  # 年に数回, 定期的, 定期的に
        row = meetings.loc[regular_without_number]
        assert (row["regular"], row["approximate"]) == ("true", False)
        assert pd.isna(row["per_year"])
    assert meetings.loc["fy2024_main-132195-m01", "approximate"]  # 月２回程度


def test_functions_of_a_window_are_not_services(data) -> None:
    names = set(data.services["name"])
    assert not names & {"ひきこもり相談", "訪問・同行支援", "ひきこもり相談受付票",
                        "就労に限らない地域のイベントなどの社会参加の機会",
                        "社会参加に向けた手厚いサポート", "就労に向けた準備の支援",
                        "よりみち屋 短時間の就労体験", "就労支援",
                        "能力開発、職業意識啓発等の支援"}
    # their facts sit on the window: STEP's consultation channels, 日野市's home visits
    step = rows(data.channels, service_id="fy2022_part1-131059-s02")
    assert set(step["channel"]) == {"phone", "in_person", "home_visit", "email"}
    hino = rows(data.channels, service_id="fy2024_main-132128-s01")
    assert "home_visit" in set(hino["channel"])
    window = data.services.set_index("service_id").loc["fy2024_main-132128-s01", "note"]
    assert "ひきこもり相談受付票" in window


def fold(name: str) -> str:
    """NFKC, small kana to full size, katakana to hiragana, no spaces or brackets."""
    import re
    import unicodedata

    small = str.maketrans("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ",
                          "あいうえおつやゆよわアイウエオツヤユヨワカケ")
    name = unicodedata.normalize("NFKC", name).translate(small)
    name = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in name)
    return re.sub(r"[\s・()（）「」『』《》]", "", name)


def test_spelling_variants_share_one_entity_key(data) -> None:
    # a name that two sources of one municipality write alike (after folding) is one thing;
    # within one source, two things may share a generic name (狛江市's two groups' 勉強会)
    for table in ("services", "meetings", "network_bodies"):
        frame = getattr(data, table).assign(folded=lambda f: f["name"].map(fold))
        groups = frame.groupby(["municipality_code", "folded"])
        split = groups["entity_key"].nunique().gt(1) & groups["source_id"].nunique().gt(1)
        assert not split.any(), split[split]
    sumika = rows(data.services, entity_key="132039-sumika-fe")
    assert set(sumika["name"]) == {"すみかふぇ", "すみかふえ"}
    assert sumika["note"].map(lambda n: "すみかふぇ" in n and "すみかふえ" in n).all()


def test_stated_counts_of_both_editions(data) -> None:
    counts = data.stated_counts.set_index(["entity_key", "subject", "as_of", "source_id"])[
        "count"]
    assert counts[("132012-hachimaru-support", "sites", "current", "fy2022_part2")] == 11
    assert counts[("132012-hachimaru-support", "sites", "current", "fy2024_main")] == 13
    network = ("131164-shien-network-kaigi", "member_organisations")
    assert counts[(*network, "current", "fy2022_part1")] == 7
    assert counts[(*network, "current", "fy2024_main")] == 6
    assert counts[(*network, "initial", "fy2024_main")] == 4
    assert counts[("131059-ux-joshikai", "co_hosts", "current", "fy2022_part1")] == 6
    edition = data.sources.set_index("source_id")["edition"]
    both = {"131059", "131164", "131211", "132012", "132098", "132128", "132152", "133612"}
    covered = data.stated_counts.assign(edition=data.stated_counts["source_id"].map(edition))
    covered = covered.loc[covered["municipality_code"].isin(both)]
    assert set(covered["edition"]) == {"fy2022", "fy2024"}


def test_enum_values_of_the_normaliser_have_labels() -> None:
    from analysis.dataset import schema
    from analysis.text.normalize import AGE_KINDS

    assert schema.TARGET_AGES.field("age_kind").allowed() == AGE_KINDS


def test_readme_generated_sections_are_current() -> None:
    from analysis.dataset.datapackage import refresh_readme

    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert readme == refresh_readme(readme, DATA), "run: python tools/data_readme.py"


def test_every_column_has_a_label_for_its_readers() -> None:
    """Workbooks and the data dictionary head every column with its data_column label:
    a column added to the schema without one would stop the export."""
    from analysis.core.labels import labels
    from analysis.dataset.schema import ALL_TABLES

    named = labels("data_column")
    assert [(t.name, f.name) for t in ALL_TABLES for f in t.fields if f.name not in named] == []
