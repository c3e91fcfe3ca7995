"""Metrics on small hand-made frames with known answers.

The fixture dataset (``make_dataset``) has four municipalities:

- 千代田区 131016 (ku): both editions; a window whose start year and age boundary differ
  between editions, a renamed council whose member count differs, a family group gone
  in fy2024, a new drop-in space.
- 武蔵野市 132039 (tama): fy2024 only, every fact stated twice (main file and flyer file),
  plus a visit-record service (no edition).
- 中央区 131024 (ku): fy2022 only, no stated ages.
- 大島町 133612 (islands): fy2024 only, one "all ages" window.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analysis.compare.ages import AGE_BANDS, age_band_coverage, age_coverage, age_coverage_summary
from analysis.compare.bodies import body_composition, network_body_profile, network_body_summary
from analysis.compare.changes import edition_changes
from analysis.compare.channels import channel_coverage
from analysis.compare.evidence import compact_ids, join_ids
from analysis.compare.features import THEMES, municipality_features
from analysis.compare.meetings import meeting_frequencies, meeting_intensity
from analysis.compare.menus import national_menu_coverage
from analysis.compare.partnerships import collaboration_edges
from analysis.compare.peers import default_peer_group, peer_benchmark, peer_group
from analysis.compare.services import designations, service_counts
from analysis.compare.timeline import establishment_timeline
from analysis.core.labels import labels
from analysis.dataset.schema import BY_NAME
from analysis.dataset.scope import documented_municipalities, edition_dataset
from analysis.dataset.tables import TIDY_TABLES, Dataset, typed
from analysis.present.findings import summary_findings

CHIYODA, CHUO, MUSASHINO, OSHIMA = "131016", "131024", "132039", "133612"
MAIN, FLYER, OLD = "fy2024_main", "fy2024_musashino_flyers", "fy2022_part1"
VISIT = "visit_musashino_20241203"


def table(name: str, rows: list[dict[str, object]]) -> pd.DataFrame:
    """A typed table from partial rows: unspecified columns are empty cells."""
    columns = BY_NAME[name].columns
    frame = pd.DataFrame([{c: str(row.get(c, "")) for c in columns} for row in rows],
                         columns=columns, dtype=object)
    return typed(frame.astype(str), name)


def municipalities() -> pd.DataFrame:
    return pd.DataFrame({
        "municipality_code": [CHIYODA, CHUO, MUSASHINO, OSHIMA],
        "name": ["千代田区", "中央区", "武蔵野市", "大島町"],
        "name_kana": ["チヨダク", "チュウオウク", "ムサシノシ", "オオシママチ"],
        "name_romaji": ["Chiyoda City", "Chuo City", "Musashino City", "Oshima Town"],
        "kind": ["special_ward", "special_ward", "city", "town"],
        "area": ["ku", "ku", "tama", "islands"],
        "prefecture_code": ["13"] * 4,
    })


def sources() -> pd.DataFrame:
    return pd.DataFrame({
        "source_id": [MAIN, FLYER, OLD, "fy2022_part2", VISIT],
        "edition": ["fy2024", "fy2024", "fy2022", "fy2022", ""],
        "kind": ["guidebook_appendix"] * 4 + ["visit_record"],
        "municipality_code": ["", "", "", "", MUSASHINO],
        "audience": ["public"] * 4 + ["internal"],
    })


def sid(source: str, code: str, row: str) -> str:
    return f"{source}-{code}-{row}"


def service(source: str, code: str, row: str, key: str, name: str, **extra: object) -> dict:
    base = {"service_id": sid(source, code, row), "entity_key": f"{code}-{key}",
            "municipality_code": code, "source_id": source, "name": name,
            "category": "consultation_window", "national_menu": "consultation_support",
            "operator_type": "direct", "quote": f"{name}の引用"}
    return {**base, **extra}


def make_dataset(**overrides: pd.DataFrame) -> Dataset:
    services = table("services", [
        service(MAIN, CHIYODA, "s01", "madoguchi", "ひきこもり相談窓口",
                designation="ひきこもり地域支援センター", established_year=2020),
        service(MAIN, CHIYODA, "s02", "ibasho", "居場所", category="drop_in",
                national_menu="ibasho"),
        service(OLD, CHIYODA, "s01", "madoguchi", "ひきこもり 相談 窓口", established_year=2019),
        service(OLD, CHIYODA, "s02", "kazokukai", "家族会", category="family_group",
                national_menu="peer_family_groups"),
        service(MAIN, MUSASHINO, "s01", "soreiyu", "それいゆ", operator_type="outsourced",
                established_year=2019),
        service(FLYER, MUSASHINO, "s01", "soreiyu", "それいゆ", operator_type="outsourced",
                established_year=2019),
        service(VISIT, MUSASHINO, "s01", "fukushi-sogo", "福祉総合相談窓口"),
        service(OLD, CHUO, "s01", "soudan", "相談"),
        service(MAIN, OSHIMA, "s01", "soudan", "相談窓口"),
    ])
    channels = table("channels", [
        {"service_id": sid(MAIN, CHIYODA, "s01"), "municipality_code": CHIYODA,
         "source_id": MAIN, "channel": "phone", "purpose": "consultation"},
        {"service_id": sid(MAIN, CHIYODA, "s01"), "municipality_code": CHIYODA,
         "source_id": MAIN, "channel": "email", "purpose": "consultation"},
        {"service_id": sid(OLD, CHIYODA, "s01"), "municipality_code": CHIYODA,
         "source_id": OLD, "channel": "phone", "purpose": "consultation"},
        {"service_id": sid(MAIN, MUSASHINO, "s01"), "municipality_code": MUSASHINO,
         "source_id": MAIN, "channel": "phone", "purpose": "consultation"},
        {"service_id": sid(MAIN, MUSASHINO, "s01"), "municipality_code": MUSASHINO,
         "source_id": MAIN, "channel": "in_person", "purpose": "consultation"},
        {"service_id": sid(FLYER, MUSASHINO, "s01"), "municipality_code": MUSASHINO,
         "source_id": FLYER, "channel": "phone", "purpose": "consultation"},
        {"service_id": sid(FLYER, MUSASHINO, "s01"), "municipality_code": MUSASHINO,
         "source_id": FLYER, "channel": "line", "purpose": "consultation"},
        {"service_id": sid(MAIN, OSHIMA, "s01"), "municipality_code": OSHIMA,
         "source_id": MAIN, "channel": "phone", "purpose": "consultation"},
    ])
    ages = table("target_ages", [
        {"service_id": sid(MAIN, CHIYODA, "s01"), "municipality_code": CHIYODA,
         "source_id": MAIN, "age_max": 17, "approximate": "false", "age_text": "18歳未満",
         "age_kind": "limit"},
        {"service_id": sid(MAIN, CHIYODA, "s02"), "municipality_code": CHIYODA,
         "source_id": MAIN, "age_min": 18, "age_max": 49, "approximate": "true",
         "age_text": "概ね18歳から49歳", "age_kind": "limit"},
        {"service_id": sid(OLD, CHIYODA, "s01"), "municipality_code": CHIYODA,
         "source_id": OLD, "age_max": 18, "approximate": "false", "age_text": "18歳以下",
         "age_kind": "limit"},
        {"service_id": sid(MAIN, MUSASHINO, "s01"), "municipality_code": MUSASHINO,
         "source_id": MAIN, "age_min": 15, "age_max": 49, "approximate": "false",
         "age_text": "15歳から49歳まで", "age_kind": "limit"},
        {"service_id": sid(FLYER, MUSASHINO, "s01"), "municipality_code": MUSASHINO,
         "source_id": FLYER, "age_min": 15, "age_max": 49, "approximate": "false",
         "age_text": "15歳から49歳まで", "age_kind": "limit"},
        {"service_id": sid(VISIT, MUSASHINO, "s01"), "municipality_code": MUSASHINO,
         "source_id": VISIT, "age_min": 50, "age_max": 69, "approximate": "false",
         "age_text": "50代・60代", "age_kind": "limit"},
        {"service_id": sid(MAIN, OSHIMA, "s01"), "municipality_code": OSHIMA,
         "source_id": MAIN, "approximate": "false", "age_text": "年齢を問わず",
         "age_kind": "all_ages"},
    ])
    meetings = table("meetings", [
        {"meeting_id": sid(MAIN, CHIYODA, "m01"), "entity_key": f"{CHIYODA}-network",
         "municipality_code": CHIYODA, "source_id": MAIN, "name": "ネットワーク会議",
         "kind": "network_meeting", "occurrence": "recurring",
         "frequency_text": "年4回", "regular": "true",
         "per_year": 4, "approximate": "false"},
        {"meeting_id": sid(MAIN, CHIYODA, "m02"), "entity_key": f"{CHIYODA}-ibasho-kai",
         "municipality_code": CHIYODA, "source_id": MAIN, "name": "居場所",
         "kind": "drop_in", "occurrence": "recurring", "frequency_text": "不定期",
         "regular": "false",
         "approximate": "false"},
        {"meeting_id": sid(OLD, CHIYODA, "m01"), "entity_key": f"{CHIYODA}-network",
         "municipality_code": CHIYODA, "source_id": OLD, "name": "ネットワーク会議",
         "kind": "network_meeting", "occurrence": "recurring",
         "frequency_text": "年2回", "regular": "true",
         "per_year": 2, "approximate": "false"},
        {"meeting_id": sid(MAIN, MUSASHINO, "m01"), "entity_key": f"{MUSASHINO}-family",
         "municipality_code": MUSASHINO, "source_id": MAIN, "name": "家族セミナー",
         "kind": "family_group", "occurrence": "recurring",
         "regular": "unknown", "approximate": "false"},
        {"meeting_id": sid(FLYER, MUSASHINO, "m01"), "entity_key": f"{MUSASHINO}-family",
         "municipality_code": MUSASHINO, "source_id": FLYER, "name": "家族セミナー",
         "kind": "family_group", "occurrence": "recurring",
         "frequency_text": "年に7回", "regular": "true",
         "per_year": 7, "approximate": "false"},
        {"meeting_id": sid(MAIN, OSHIMA, "m01"), "entity_key": f"{OSHIMA}-ibasho",
         "municipality_code": OSHIMA, "source_id": MAIN, "name": "居場所",
         "kind": "drop_in", "occurrence": "recurring",
         "regular": "unknown", "approximate": "false"},
    ])
    bodies = table("network_bodies", [
        {"body_id": sid(MAIN, CHIYODA, "b01"), "entity_key": f"{CHIYODA}-kyogikai",
         "municipality_code": CHIYODA, "source_id": MAIN, "name": "ひきこもり支援協議会",
         "kind": "council", "established_year": 2021, "member_count_text": "12団体",
         "member_count": 12},
        {"body_id": sid(MAIN, CHIYODA, "b02"), "entity_key": f"{CHIYODA}-bukai",
         "municipality_code": CHIYODA, "source_id": MAIN, "name": "部会",
         "kind": "subcommittee", "parent_body_id": sid(MAIN, CHIYODA, "b01")},
        {"body_id": sid(OLD, CHIYODA, "b01"), "entity_key": f"{CHIYODA}-kyogikai",
         "municipality_code": CHIYODA, "source_id": OLD, "name": "支援協議会",
         "kind": "council", "member_count_text": "10団体", "member_count": 10},
    ])
    members = table("network_body_members", [
        {"body_id": sid(MAIN, CHIYODA, "b01"), "member_type": "government",
         "member_text": "保健所", "source_id": MAIN},
        {"body_id": sid(MAIN, CHIYODA, "b01"), "member_type": "npo",
         "member_text": "NPO法人A", "source_id": MAIN},
        {"body_id": sid(MAIN, CHIYODA, "b01"), "member_type": "npo",
         "member_text": "ＮＰＯ法人Ａ", "source_id": MAIN},  # the same member, full-width
        {"body_id": sid(MAIN, CHIYODA, "b01"), "member_type": "npo",
         "member_text": "NPO法人B", "source_id": MAIN},
    ])
    milestones = table("milestones", [
        {"milestone_id": sid(MAIN, CHIYODA, "e01"), "municipality_code": CHIYODA,
         "source_id": MAIN, "kind": "survey", "title": "実態調査", "year": 2022,
         "entity_key": f"{CHIYODA}-survey"},
        {"milestone_id": sid(MAIN, MUSASHINO, "e01"), "municipality_code": MUSASHINO,
         "source_id": MAIN, "kind": "guide", "title": "リーフレット作成", "year": 2023,
         "month": 4, "entity_key": f"{MUSASHINO}-leaflet"},
        {"milestone_id": sid(FLYER, MUSASHINO, "e01"), "municipality_code": MUSASHINO,
         "source_id": FLYER, "kind": "guide", "title": "リーフレット 作成", "year": 2023,
         "month": 4, "entity_key": f"{MUSASHINO}-leaflet"},
    ])
    collaborations = table("collaborations", [
        {"collaboration_id": sid(MAIN, CHIYODA, "c01"), "municipality_code": CHIYODA,
         "partner_code": CHUO, "partner_text": "中央区", "activity": "講演会の相互利用",
         "source_id": MAIN},
        {"collaboration_id": sid(MAIN, CHIYODA, "c02"), "municipality_code": CHIYODA,
         "partner_text": "都内複数の自治体", "activity": "女子会の広域開催", "source_id": MAIN},
        {"collaboration_id": sid(MAIN, MUSASHINO, "c01"), "municipality_code": MUSASHINO,
         "partner_text": "他自治体", "activity": "女子会の広域開催", "source_id": MAIN},
    ])
    frames = {"services": services, "channels": channels, "target_ages": ages,
              "meetings": meetings, "meeting_bodies": table("meeting_bodies", []),
              "network_bodies": bodies, "network_body_members": members,
              "milestones": milestones, "collaborations": collaborations}
    frames.update(overrides)
    frames.setdefault("municipalities", municipalities())
    return Dataset(sources=sources(), **frames)


@pytest.fixture
def dataset() -> Dataset:
    return make_dataset()


@pytest.fixture
def fy2024(dataset: Dataset) -> Dataset:
    return edition_dataset(dataset, "fy2024")


def one(frame: pd.DataFrame, **where: object) -> pd.Series:
    """The single row of ``frame`` matching every ``column=value``."""
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    rows = frame.loc[mask]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# ------------------------------------------------------------------------ helpers

def test_join_ids_sorts_deduplicates_and_splits() -> None:
    assert join_ids(["b a", "a", "", None, "c"]) == "a b c"


def test_compact_ids_groups_by_source_and_municipality() -> None:
    ids = [sid(MAIN, MUSASHINO, "s02"), sid(MAIN, MUSASHINO, "s01"), sid(OLD, CHIYODA, "m01")]
    assert compact_ids(ids) == (
        "fy2022_part1-131016-m01 fy2024_main-132039-{s01,s02}")


def test_edition_dataset(dataset: Dataset) -> None:
    scoped = edition_dataset(dataset, "fy2024")
    assert set(scoped.target_ages["source_id"]) == {MAIN, FLYER}
    with_visit = edition_dataset(dataset, "fy2024", extra_sources=[VISIT])
    assert VISIT in set(with_visit.services["source_id"])
    assert documented_municipalities(scoped) == [CHIYODA, MUSASHINO, OSHIMA]


@pytest.mark.parametrize(("peers", "expected"), [
    ("all", [CHUO, MUSASHINO, OSHIMA]), ("area", [CHUO]), ("kind", [CHUO]),
    ([MUSASHINO, CHIYODA], [MUSASHINO]),
])
def test_peer_group(peers: object, expected: list[str]) -> None:
    assert peer_group(municipalities(), CHIYODA, peers) == expected


def with_population() -> pd.DataFrame:
    return municipalities().assign(population=[69_139, 191_015, 147_958, 6_589],
                                   size_band=["special_ward", "special_ward",
                                              "city_100k_to_150k", "town_village_5k_to_10k"])


def test_size_and_nearest_peer_groups() -> None:
    table = with_population()
    assert peer_group(table, CHIYODA, "size") == [CHUO]
    assert peer_group(table, OSHIMA, "size") == []
    # by ratio of populations: 69,139 is nearer 147,958 (×2.1) than 191,015 (×2.8)
    assert peer_group(table, CHIYODA, "nearest", k=2) == [CHUO, MUSASHINO]
    assert peer_group(table, CHIYODA, "nearest", candidates=[CHIYODA, OSHIMA], k=2) == [OSHIMA]
    # without population figures there is no size or nearest group
    assert peer_group(municipalities(), CHIYODA, "size") == []
    assert peer_group(municipalities(), CHIYODA, "nearest") == []


def test_the_default_peer_group_steps_out_until_it_has_three_peers() -> None:
    table = pd.concat([with_population(), with_population().assign(
        municipality_code=["131032", "131041", "132047", "133621"],
        name=["港区", "新宿区", "三鷹市", "利島村"])], ignore_index=True)
    wards = ["131016", "131024", "131032", "131041"]
    choice = default_peer_group(table, CHIYODA, list(table["municipality_code"]))
    assert (choice.spec, choice.codes, choice.stepped_over) == (
        "size", sorted(set(wards) - {CHIYODA}), ())
    # 武蔵野市: one other city of its band, one other tama city → all
    choice = default_peer_group(table, MUSASHINO, list(table["municipality_code"]))
    assert choice.spec == "all" and choice.stepped_over == (("size", 1), ("area", 1))
    assert len(choice.codes) == 7


def test_peer_group_rejects_unknown_spec() -> None:
    with pytest.raises(ValueError, match=r"^peers must be one of size, area, kind, nearest, "
                                         r"all or a list of codes, not 'prefecture'$"):
        peer_group(municipalities(), CHIYODA, "prefecture")


# ----------------------------------------------------------------------- channels

def test_channel_counted_once_when_two_sources_of_one_edition_state_it(fy2024: Dataset) -> None:
    coverage = channel_coverage(fy2024)
    phone = one(coverage, municipality_code=MUSASHINO, channel="phone")
    assert phone["offered"] and phone["n_services"] == 1
    assert phone["evidence"] == f"{sid(MAIN, MUSASHINO, 's01')} {sid(FLYER, MUSASHINO, 's01')}"
    assert one(coverage, municipality_code=MUSASHINO, channel="line")["offered"]
    # every channel, in the curation guide's order, over every documented municipality
    assert list(dict.fromkeys(coverage["channel"])) == list(labels("channel"))
    assert sorted(set(coverage["municipality_code"])) == [CHIYODA, MUSASHINO, OSHIMA]
    assert one(coverage, municipality_code=OSHIMA, channel="phone")["prevalence"] == 1.0
    assert one(coverage, municipality_code=OSHIMA, channel="email")["prevalence"] == 1 / 3
    assert not one(coverage, municipality_code=OSHIMA, channel="email")["offered"]


def test_only_ways_to_consult_count_as_channels(dataset: Dataset) -> None:
    """A lecture's FAX application form and a publicity account stay in the data but are
    no consultation route."""
    extra = table("channels", [
        {"service_id": sid(MAIN, OSHIMA, "s01"), "municipality_code": OSHIMA,
         "source_id": MAIN, "channel": "fax", "purpose": "application"},
        {"service_id": sid(MAIN, OSHIMA, "s01"), "municipality_code": OSHIMA,
         "source_id": MAIN, "channel": "line", "purpose": "publicity"}])
    data = edition_dataset(dataclasses.replace(
        dataset, channels=pd.concat([dataset.channels, extra], ignore_index=True)), "fy2024")
    coverage = channel_coverage(data)
    assert not one(coverage, municipality_code=OSHIMA, channel="fax")["offered"]
    assert not one(coverage, municipality_code=OSHIMA, channel="line")["offered"]


def test_channel_prevalence_in_a_peer_group(fy2024: Dataset) -> None:
    coverage = channel_coverage(fy2024, peers=[CHIYODA, OSHIMA])
    row = one(coverage, municipality_code=MUSASHINO, channel="email")
    assert row["prevalence"] == 0.5 and row["n_peers"] == 2


def test_municipality_with_services_but_no_channels_is_a_row_of_absences() -> None:
    coverage = channel_coverage(edition_dataset(make_dataset(), "fy2022"))
    assert not one(coverage, municipality_code=CHUO, channel="phone")["offered"]
    assert one(coverage, municipality_code=CHUO, channel="phone")["prevalence"] == 0.5


def test_the_comparison_and_the_gap_review_share_the_channel_rule(fy2024: Dataset) -> None:
    """The same municipality and peers give the same share in the comparison's channel
    grid and the gap review's entry lines."""
    benchmark = peer_benchmark(municipality_features(fy2024), fy2024.municipalities,
                               MUSASHINO, "all")
    coverage = channel_coverage(fy2024, peers=peer_group(fy2024.municipalities, MUSASHINO))
    for channel in labels("channel"):
        line = one(benchmark, family="entry", feature=channel)
        grid = one(coverage, municipality_code=MUSASHINO, channel=channel)
        assert line["peer_share"] == grid["prevalence"], channel
        assert line["n_peers"] == grid["n_peers"] == 2
        assert line["focus_has"] == grid["offered"]


# ---------------------------------------------------------------------------- ages

def segments(coverage: pd.DataFrame, code: str) -> list[tuple[int, int, str]]:
    rows = coverage.loc[coverage["municipality_code"] == code]
    return list(zip(rows["start"], rows["end"], rows["status"], strict=True))


def test_age_union_open_ends_and_all_ages(fy2024: Dataset) -> None:
    coverage = age_coverage(fy2024.target_ages, fy2024.municipalities, fy2024.services)
    # 18歳未満 (empty min) ∪ 18–49: one covered run, then nothing from 50
    assert segments(coverage, CHIYODA) == [(0, 49, "covered"), (50, 80, "uncovered")]
    assert segments(coverage, MUSASHINO) == [(0, 14, "uncovered"), (15, 49, "covered"),
                                             (50, 80, "uncovered")]
    # "年齢を問わず": empty min and max cover the whole axis
    assert segments(coverage, OSHIMA) == [(0, 80, "covered")]
    chiyoda = one(coverage, municipality_code=CHIYODA, start=0)
    assert chiyoda["approximate"]  # 概ね18歳から49歳
    # an uncovered band cites every age row of the municipality
    gap = one(coverage, municipality_code=MUSASHINO, start=50)
    assert gap["evidence"] == f"{sid(MAIN, MUSASHINO, 's01')} {sid(FLYER, MUSASHINO, 's01')}"


def test_open_ended_minimum_runs_to_80_plus() -> None:
    ages = table("target_ages", [{"service_id": "x-131016-s01", "municipality_code": CHIYODA,
                                  "source_id": MAIN, "age_min": 40, "approximate": "false",
                                  "age_text": "40代以上", "age_kind": "limit"}])
    coverage = age_coverage(ages, municipalities())
    assert segments(coverage, CHIYODA) == [(0, 39, "uncovered"), (40, 80, "covered")]


def test_gap_in_the_middle_is_found() -> None:
    ages = table("target_ages", [
        {"service_id": "a", "municipality_code": CHIYODA, "source_id": MAIN, "age_max": 49,
         "approximate": "false", "age_text": "49歳まで", "age_kind": "limit"},
        {"service_id": "b", "municipality_code": CHIYODA, "source_id": MAIN, "age_min": 65,
         "approximate": "false", "age_text": "65歳以上", "age_kind": "limit"},
    ])
    coverage = age_coverage(ages, municipalities())
    assert segments(coverage, CHIYODA) == [(0, 49, "covered"), (50, 64, "uncovered"),
                                           (65, 80, "covered")]
    summary = age_coverage_summary(coverage)
    assert one(summary, band="50-64")["n_covered"] == 0
    assert one(summary, band="80+")["n_covered"] == 1


def test_no_age_data_is_unknown_not_uncovered() -> None:
    data = edition_dataset(make_dataset(), "fy2022")
    coverage = age_coverage(data.target_ages, data.municipalities, data.services)
    assert segments(coverage, CHUO) == [(0, 80, "no_data")]
    bands = age_band_coverage(coverage)
    assert set(bands.loc[bands["municipality_code"] == CHUO, "status"]) == {"no_data"}
    # one denominator: every municipality, the one stating no age counted apart
    summary = age_coverage_summary(coverage)
    assert (summary["n_municipalities"] == 2).all() and (summary["n_no_data"] == 1).all()


def test_a_main_group_and_an_addition_are_no_limits() -> None:
    """「50代・60代を中心に」 names whom a window focuses on, not whom it turns away;
    「40代以上の相談についても」 says 40+ are served too."""
    ages = table("target_ages", [
        {"service_id": "a", "municipality_code": CHIYODA, "source_id": MAIN, "age_min": 50,
         "age_max": 69, "approximate": "false", "age_text": "50代・60代の中高年層を中心に",
         "age_kind": "main_group"},
        {"service_id": "b", "municipality_code": CHUO, "source_id": MAIN, "age_min": 40,
         "approximate": "false", "age_text": "40代以上の相談についても",
         "age_kind": "addition"}])
    coverage = age_coverage(ages, municipalities())
    assert segments(coverage, CHIYODA) == [(0, 49, "uncovered"), (50, 69, "main_group"),
                                           (70, 80, "uncovered")]
    assert segments(coverage, CHUO) == [(0, 39, "uncovered"), (40, 80, "covered")]
    summary = age_coverage_summary(coverage)
    assert one(summary, band="50-64")[["n_covered", "n_main_group"]].tolist() == [1, 1]


def test_empty_age_table_gives_empty_results() -> None:
    coverage = age_coverage(table("target_ages", []), municipalities())
    assert coverage.empty
    summary = age_coverage_summary(coverage)
    assert len(summary) == len(AGE_BANDS)
    assert (summary["n_municipalities"] == 0).all() and summary["share_covered"].isna().all()


def test_age_bands_partial_and_summary(fy2024: Dataset) -> None:
    coverage = age_coverage(fy2024.target_ages, fy2024.municipalities, fy2024.services)
    bands = age_band_coverage(coverage)
    assert one(bands, municipality_code=MUSASHINO, band="15-17")["status"] == "covered"
    assert one(bands, municipality_code=MUSASHINO, band="50-64")["status"] == "uncovered"
    partial = age_band_coverage(coverage, bands=[(10, 19)])
    row = one(partial, municipality_code=MUSASHINO)
    assert row["status"] == "partial" and row["covered_share"] == 0.5
    summary = age_coverage_summary(coverage)
    assert one(summary, band="50-64")[["n_municipalities", "n_covered"]].tolist() == [3, 1]
    assert one(summary, band="0-14")["share_covered"] == pytest.approx(2 / 3)


def test_one_municipality_only() -> None:
    data = make_dataset()
    only = data.target_ages.loc[data.target_ages["municipality_code"] == OSHIMA]
    coverage = age_coverage(only, data.municipalities)
    assert segments(coverage, OSHIMA) == [(0, 80, "covered")]
    assert age_coverage_summary(coverage)["share_covered"].eq(1.0).all()


# ------------------------------------------------------------------------ meetings

def test_meeting_frequencies_prefer_the_stated_number(fy2024: Dataset) -> None:
    frequencies = meeting_frequencies(fy2024.meetings, fy2024.municipalities)
    family = one(frequencies, entity_key=f"{MUSASHINO}-family")
    assert family["status"] == "counted" and family["per_year"] == 7
    assert family["evidence"].split() == [sid(MAIN, MUSASHINO, "m01"),
                                          sid(FLYER, MUSASHINO, "m01")]
    assert one(frequencies, entity_key=f"{CHIYODA}-ibasho-kai")["status"] == "irregular"
    unstated = one(frequencies, entity_key=f"{OSHIMA}-ibasho")
    assert unstated["status"] == "unstated" and pd.isna(unstated["per_year"])


def test_meeting_intensity_never_turns_unknown_into_zero(fy2024: Dataset) -> None:
    intensity = meeting_intensity(fy2024.meetings, fy2024.municipalities)
    network = one(intensity, municipality_code=CHIYODA, kind="network_meeting")
    assert network["n_counted"] == 1 and "per_year" not in intensity.columns  # no sums
    drop_in = one(intensity, municipality_code=CHIYODA, kind="drop_in")
    assert drop_in["n_irregular"] == 1
    oshima = one(intensity, municipality_code=OSHIMA, kind="drop_in")
    assert oshima["n_unstated"] == 1


def test_every_documented_municipality_has_a_meeting_row() -> None:
    data = edition_dataset(make_dataset(), "fy2022")
    intensity = meeting_intensity(data.meetings, data.municipalities, [CHIYODA, CHUO])
    chuo = one(intensity, municipality_code=CHUO)
    assert chuo[["kind", "n_meetings"]].tolist() == ["", 0]


def test_regular_without_a_number_is_its_own_status() -> None:
    meetings = table("meetings", [
        {"meeting_id": "m1", "entity_key": f"{CHIYODA}-a", "municipality_code": CHIYODA,
         "source_id": MAIN, "name": "a", "kind": "family_group", "occurrence": "recurring",
         "frequency_text": "定期的に", "regular": "true", "approximate": "false"},
        {"meeting_id": "m2", "entity_key": f"{CHIYODA}-b", "municipality_code": CHIYODA,
         "source_id": MAIN, "name": "b", "kind": "family_group", "occurrence": "recurring",
         "frequency_text": "月1回", "regular": "true", "per_year": 12, "approximate": "false"},
        {"meeting_id": "m3", "entity_key": f"{CHIYODA}-c", "municipality_code": CHIYODA,
         "source_id": MAIN, "name": "c", "kind": "lecture", "occurrence": "single_event",
         "regular": "unknown", "approximate": "false"},
    ])
    intensity = meeting_intensity(meetings, municipalities())
    row = one(intensity, kind="family_group")
    assert row[["n_meetings", "n_counted", "n_regular_unquantified"]].tolist() == [2, 1, 1]
    frequencies = meeting_frequencies(meetings, municipalities())
    # a single event is shown as such and has no frequency
    event = one(frequencies, entity_key=f"{CHIYODA}-c")
    assert event["status"] == "single_event" and pd.isna(event["per_year"])
    assert one(intensity, kind="lecture")["n_single_event"] == 1


# -------------------------------------------------------------------- network bodies

def test_network_bodies(fy2024: Dataset) -> None:
    profile = network_body_profile(fy2024.network_bodies,
                                           fy2024.network_body_members, fy2024.municipalities)
    council = one(profile, entity_key=f"{CHIYODA}-kyogikai")
    assert council[["kind", "established_year", "member_count", "n_member_types"]].tolist() \
        == ["council", 2021, 12, 2]
    assert one(profile, entity_key=f"{CHIYODA}-bukai")["parent_entity_key"] \
        == f"{CHIYODA}-kyogikai"
    composition = body_composition(fy2024.network_bodies, fy2024.network_body_members,
                                           fy2024.municipalities)
    # NPO法人A and ＮＰＯ法人Ａ are one member after NFKC
    assert one(composition, member_type="npo")["n_members"] == 2
    summary = network_body_summary(fy2024.network_bodies, fy2024.network_body_members,
                                   fy2024.municipalities, [CHIYODA, MUSASHINO, OSHIMA])
    row = one(summary, municipality_code=CHIYODA)
    # the sub-committee is a part of the council, not a second body
    assert row[["n_bodies", "n_parts", "kinds", "largest_member_count", "n_member_types",
                "first_established"]].tolist() == [1, 1, "council subcommittee", 12, 2, 2021]
    # every documented municipality appears; none named is no count of 0 member types
    oshima = one(summary, municipality_code=OSHIMA)
    assert oshima["n_bodies"] == 0 and pd.isna(oshima["n_member_types"])


def test_member_count_unknown_stays_empty() -> None:
    bodies = table("network_bodies", [
        {"body_id": "b1", "entity_key": f"{OSHIMA}-kai", "municipality_code": OSHIMA,
         "source_id": MAIN, "name": "会議", "kind": "network_meeting"}])
    summary = network_body_summary(bodies, table("network_body_members", []),
                                   municipalities())
    row = one(summary, municipality_code=OSHIMA)
    assert pd.isna(row["largest_member_count"]) and pd.isna(row["n_member_types"])


# --------------------------------------------------------------- national framework

def test_national_menu_coverage_and_designations(fy2024: Dataset) -> None:
    coverage = national_menu_coverage(fy2024)
    assert set(coverage["national_menu"]) == set(labels("national_menu")) - {"none"}
    assert one(coverage, municipality_code=CHIYODA, national_menu="ibasho")["runs"]
    # 大島町 has no service of the menu, but a drop-in meeting: every kind of fact counts
    oshima = one(coverage, municipality_code=OSHIMA, national_menu="ibasho")
    assert oshima["runs"] and oshima["evidence"] == sid(MAIN, OSHIMA, "m01")
    # a survey reported as a milestone is the menu 実態把握調査
    survey = one(coverage, municipality_code=CHIYODA, national_menu="needs_survey")
    assert survey["runs"] and survey["evidence"] == sid(MAIN, CHIYODA, "e01")
    network = one(coverage, municipality_code=CHIYODA, national_menu="network_building")
    assert network["evidence"].split() == [sid(MAIN, CHIYODA, "b01"), sid(MAIN, CHIYODA, "m01")]
    support = one(coverage, municipality_code=MUSASHINO, national_menu="consultation_support")
    assert support["n_services"] == 1 and support["prevalence"] == 1.0
    found = designations(fy2024.services, fy2024.municipalities)
    assert found[["municipality_code", "designation"]].values.tolist() == [
        [CHIYODA, "ひきこもり地域支援センター"]]


# ------------------------------------------------------------------ peer benchmark

def test_peer_benchmark_and_ranked_gaps(fy2024: Dataset) -> None:
    features = municipality_features(fy2024)
    assert list(dict.fromkeys(features["family"])) == list(THEMES)
    # one idea, one line: the feature keys are unique across themes
    assert features.groupby(["municipality_code", "feature"]).size().max() == 1
    benchmark = peer_benchmark(features, fy2024.municipalities, MUSASHINO, "all")
    email = one(benchmark, family="entry", feature="email")
    assert not email["focus_has"] and email["n_peers"] == 2 and email["peer_share"] == 0.5
    assert email["gap"] and email["label"] == "メールで相談できる"
    assert one(benchmark, family="entry", feature="phone")["focus_has"]
    # 居場所 is one line, evidenced by the programme, its menu and its meetings
    drop_in = one(benchmark, feature="drop_in")
    assert drop_in["family"] == "participation" and drop_in["n_peers_with"] == 2


def test_peer_benchmark_with_an_explicit_list_and_english(fy2024: Dataset) -> None:
    benchmark = peer_benchmark(municipality_features(fy2024), fy2024.municipalities,
                               MUSASHINO, [OSHIMA], lang="en")
    assert set(benchmark["n_peers"]) == {1} and set(benchmark["peer_group"]) == {"list"}
    assert one(benchmark, family="entry", feature="email")["peer_share"] == 0
    assert one(benchmark, family="entry", feature="email")["label"] == "Consultation by email"


def test_peer_benchmark_with_no_documented_peer(fy2024: Dataset) -> None:
    # 千代田区's only ku peer (中央区) is not in fy2024: shares are unknown, no gaps
    benchmark = peer_benchmark(municipality_features(fy2024), fy2024.municipalities,
                               CHIYODA, "area")
    assert (benchmark["n_peers"] == 0).all() and benchmark["peer_share"].isna().all()
    assert not benchmark["gap"].any()


# ------------------------------------------------------------------ edition changes

def test_edition_changes(dataset: Dataset) -> None:
    changes = edition_changes(dataset, "fy2022", "fy2024")
    counts = changes["change"].value_counts().to_dict()
    assert counts == {"municipality_added": 2, "municipality_removed": 1, "added": 11,
                      "removed": 1, "renamed": 1, "changed": 4}
    assert set(changes.loc[changes["change"] == "municipality_added", "municipality_code"]) \
        == {MUSASHINO, OSHIMA}
    added = changes.loc[changes["change"] == "added"]
    # new things (field "entity"), and what things in both editions gained
    assert sorted(zip(added["table"], added["field"], added["new_value"], strict=True)) == [
        ("channels", "channel", "email"), ("collaborations", "partner_text", "中央区"),
        ("collaborations", "partner_text", "都内複数の自治体"), ("meetings", "entity", "居場所"),
        ("milestones", "entity", "実態調査"), ("network_bodies", "entity", "部会"),
        ("network_bodies", "established_year", "2021"),
        ("network_body_members", "member_type", "government"),
        ("network_body_members", "member_type", "npo"), ("services", "designation",
                                                          "ひきこもり地域支援センター"),
        ("services", "entity", "居場所")]
    # same name up to spaces: not renamed; the council has no name in common: renamed
    renamed = one(changes, change="renamed")
    assert renamed[["table", "entity_key", "old_value", "new_value"]].tolist() == [
        "network_bodies", f"{CHIYODA}-kyogikai", "支援協議会", "ひきこもり支援協議会"]
    year = one(changes, change="changed", field="established_year")
    assert year[["old_value", "new_value"]].tolist() == ["2019", "2020"]
    assert year["old_quote"] == "ひきこもり 相談 窓口の引用"
    assert year["new_quote"] == "ひきこもり相談窓口の引用"
    assert year["evidence"] == f"{sid(OLD, CHIYODA, 's01')} {sid(MAIN, CHIYODA, 's01')}"
    age = one(changes, change="changed", field="age_max")
    assert age[["old_value", "new_value"]].tolist() == ["18", "17"]
    assert one(changes, field="member_count")[["old_value", "new_value"]].tolist() \
        == ["10", "12"]
    assert one(changes, field="frequency_text")[["old_value", "new_value"]].tolist() == [
        "年2回", "年4回"]
    removed = one(changes, change="removed")
    assert removed["entity_key"] == f"{CHIYODA}-kazokukai" and removed["new_value"] == ""


def test_an_open_minimum_stated_as_zero_is_a_change_of_wording() -> None:
    """18歳未満 in one edition, 0歳から18歳未満 in the next: the same ages, worded
    differently — a careful reader lists it, so the metric does."""
    data = make_dataset()
    ages = data.target_ages.copy()
    rows = ages["service_id"] == sid(MAIN, CHIYODA, "s01")
    ages.loc[rows, "age_min"], ages.loc[rows, "age_max"] = 0, 18
    changes = edition_changes(dataclasses.replace(data, target_ages=ages))
    age_min = one(changes, table="target_ages", field="age_min")
    assert age_min[["change", "old_value", "new_value"]].tolist() == ["changed", "", "0"]
    assert not (changes["field"] == "age_max").any()  # 18 in both


# ------------------------------------------------------------- timeline, partners

def test_establishment_timeline_counts_each_entity_once(fy2024: Dataset) -> None:
    timeline = establishment_timeline(fy2024)
    assert timeline.groupby("event").size().to_dict() == {"body": 1, "milestone": 2,
                                                          "service": 2}
    soreiyu = one(timeline, municipality_code=MUSASHINO, event="service")
    assert soreiyu["year"] == 2019 and len(soreiyu["evidence"].split()) == 2
    leaflet = one(timeline, municipality_code=MUSASHINO, event="milestone")
    assert len(leaflet["evidence"].split()) == 2


def test_collaboration_edges_keep_unnamed_partners_apart(dataset: Dataset) -> None:
    edges = collaboration_edges(dataset.collaborations, dataset.municipalities)
    assert len(edges) == 3 and edges["named"].sum() == 1
    named = one(edges, named=True)
    assert named["partner_name"] == "中央区" and named["partner_name_en"] == "Chuo City"
    assert one(edges, municipality_code=MUSASHINO)["partner_name"] == "他自治体"


def test_service_counts(fy2024: Dataset) -> None:
    counts = service_counts(fy2024.services, fy2024.municipalities)
    assert counts.set_index("municipality_code")["n_services"].to_dict() == {
        CHIYODA: 2, MUSASHINO: 1, OSHIMA: 1}


# ------------------------------------------------------------------------ findings

def test_summary_findings_in_both_languages(dataset: Dataset) -> None:
    ja = summary_findings(dataset, "fy2024", "fy2022")
    assert ja["finding"].tolist() == [
        "scope_no_population", "channels", "ages", "network", "menus", "changes",
        "not_documented", "basis", "rules", "not_covered"]
    text = dict(zip(ja["finding"], ja["text"], strict=True))
    # the denominator is stated once and carried by every finding
    assert text["scope_no_population"].startswith(
        "令和6年度版の附属資料は、東京都の4区市町村のうち3区市町村の支援の実例を掲載")
    assert "「電話」（3区市町村のうち3）" in text["channels"]
    assert "50–64歳をすべて対象に含む" in text["ages"]
    assert "年4回" in text["network"]  # one number, not a range 4〜4
    assert "2区市町村が新たに掲載され、1区市町村が掲載されなくなりました" in text["changes"]
    assert "中央区" in text["not_covered"]
    assert all(ja.loc[ja["section"] == "finding", "evidence"] != "")
    en = summary_findings(dataset, "fy2024", "fy2022", lang="en")
    assert en["text"].iloc[0].startswith(
        "The FY2024 edition appendix documents 3 of Tokyo's 4 municipalities")
    assert all(t.isascii() or "「" not in t for t in en["text"])


def test_summary_findings_follow_the_data(dataset: Dataset) -> None:
    before = summary_findings(dataset, "fy2024")
    services = dataset.services.loc[dataset.services["municipality_code"] != OSHIMA]
    after = summary_findings(dataclasses.replace(dataset, services=services), "fy2024")
    assert "計4件" in before["text"].iloc[0] and "計3件" in after["text"].iloc[0]


def test_size_finding_names_both_ends() -> None:
    with_population = make_dataset(municipalities=municipalities().assign(
        population=[60_000, 170_000, 150_000, 7_000],
        population_15_39=[20_000, 50_000, 40_000, 1_500],
        population_40_64=[20_000, 60_000, 50_000, 2_500]))
    found = summary_findings(with_population, "fy2024")
    text = dict(zip(found["finding"], found["text"], strict=True))
    assert found["finding"].iloc[0] == "scope"
    assert "住民の" in text["scope"]
    # 1 service per 150,000 residents (0.7) against 1 per 7,000 (14.3); 千代田区 in between
    assert "武蔵野市の0.7から大島町の14.3まで" in text["size"]
    assert "estimate" in set(found["finding"])


def test_summary_findings_of_an_empty_dataset() -> None:
    empty = make_dataset(**{name: table(name, []) for name in TIDY_TABLES})
    findings = summary_findings(empty, "fy2024", "fy2022")
    assert findings["finding"].tolist() == ["scope_no_population", "changes",
                                            "not_documented", "basis", "rules",
                                            "not_covered"]
