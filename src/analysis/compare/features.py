"""The feature catalogue of the peer comparison: one idea, one line, grouped by theme.

Each feature is one thing a support-network meeting can talk about — a way to consult,
an age group served, a drop-in space, a family group, a network council, a national menu
— evidenced by every kind of fact that shows it (``Rule`` s over services, consultation
channels, meetings, network bodies, milestones; ages by coverage). So 居場所 is one line,
whether a source calls it a drop-in programme, assigns it to the national menu
居場所づくり or lists its sessions as meetings; and a national menu that is one of these
ideas (相談支援, 居場所づくり, 連絡協議会, 当事者会・家族会) is not a second line.

Themes (``THEMES``, the order of the gap review): 相談の入口・経路, 対象年齢,
居場所・社会参加, 家族・当事者の集まり, ネットワーク・会議体, 国のメニュー (the menus that
are no idea of the other themes). The codebook (``docs/curation.md``) lists every rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.compare.ages import age_band_coverage, age_coverage
from analysis.compare.channels import channel_rules
from analysis.compare.coverage import Rule, evidence_rows
from analysis.compare.evidence import join_ids
from analysis.compare.menus import menu_rules
from analysis.core.labels import label
from analysis.dataset.scope import documented_municipalities
from analysis.dataset.tables import CODE, Dataset

THEMES = ("entry", "ages", "participation", "groups", "network", "menus")


@dataclass(frozen=True)
class AgeGroup:
    """Ages fully covered by covering statements (a limit, all ages, an addition)."""

    start: int
    end: int


@dataclass(frozen=True)
class Feature:
    key: str
    theme: str
    rules: tuple[Rule, ...] = ()
    ages: AgeGroup | None = None
    all_ages: bool = False  # a window for every age (年齢を問わず)


def _channel(key: str) -> Feature:
    return Feature(key, "entry", channel_rules(key))


FEATURES: tuple[Feature, ...] = (
    Feature("window", "entry", (Rule.of("services", "category", "consultation_window"),
                                *menu_rules("consultation_support"))),
    _channel("phone"), _channel("in_person"),
    _channel("home_visit"),
    _channel("email"), _channel("online"), _channel("line"), _channel("sns"),
    _channel("web_form"),
    _channel("mobile_consultation"),
    _channel("fax"), _channel("letter"),
    # The two age groups of the Cabinet Office's estimate of need, and the rest
    Feature("ages_15_39", "ages", ages=AgeGroup(15, 39)),
    Feature("ages_40_64", "ages", ages=AgeGroup(40, 64)),
    Feature("ages_65_plus", "ages", ages=AgeGroup(65, 80)),
    Feature("ages_under_15", "ages", ages=AgeGroup(0, 14)),
    Feature("all_ages", "ages", all_ages=True),
    Feature("drop_in", "participation", (Rule.of("services", "category", "drop_in"),
                                         *menu_rules("ibasho"))),
    Feature("support_program", "participation",
            (Rule.of("services", "category", "support_program"),)),
    Feature("employment_support", "participation",
            (Rule.of("services", "category", "employment_support"),)),
    Feature("family_group", "groups", (Rule.of("services", "category", "family_group"),
                                       Rule.of("meetings", "kind", "family_group"))),
    Feature("peer_group", "groups", (Rule.of("services", "category", "peer_group"),
                                     Rule.of("meetings", "kind", "peer_group"))),
    Feature("network", "network", menu_rules("network_building")),
    Feature("case_conference", "network", (Rule.of("network_bodies", "kind", "case_conference"),
                                           Rule.of("meetings", "kind", "case_conference"))),
    Feature("public_seminars", "menus", (Rule.of("services", "category", "seminar"),
                                         *menu_rules("public_seminars"))),
    Feature("supporter_training", "menus", (Rule.of("services", "category", "training"),
                                            *menu_rules("supporter_training"))),
    Feature("private_partnership", "menus", menu_rules("private_partnership")),
    Feature("needs_survey", "menus", (Rule.of("services", "category", "survey"),
                                      *menu_rules("needs_survey"))),
)
BY_KEY = {feature.key: feature for feature in FEATURES}


def _age_rows(data: Dataset, feature: Feature, coverage: pd.DataFrame) -> pd.DataFrame:
    """municipality_code, row_id of the services whose covering ages reach the group
    (``coverage``: the ``age_coverage`` of the data, computed once for every group)."""
    if feature.all_ages:
        ages = data.target_ages
        kinds = ages["age_kind"] if "age_kind" in ages.columns else pd.Series("", ages.index)
        found = ages.loc[kinds == "all_ages"]
        return pd.DataFrame({CODE: found[CODE], "row_id": found["service_id"]})
    group = feature.ages
    bands = age_band_coverage(coverage, [(group.start, group.end)])
    covered = bands.loc[bands["status"] == "covered"]
    return pd.DataFrame({CODE: covered[CODE], "row_id": covered["evidence"]})


def municipality_features(dataset: Dataset) -> pd.DataFrame:
    """Every feature of every documented municipality: whether it has it, and the ids of
    the rows that say so.

    Columns: municipality_code, family (the theme), feature, has, evidence.
    """
    universe = documented_municipalities(dataset)
    # the same coverage for every age group (it took 6 s a group at national scale)
    coverage = age_coverage(dataset.target_ages, dataset.municipalities, dataset.services,
                            universe)
    frames = []
    for feature in FEATURES:
        if feature.ages is not None or feature.all_ages:
            found = _age_rows(dataset, feature, coverage)
        else:
            found = evidence_rows(dataset, feature.rules).loc[:, [CODE, "row_id"]]
        # a dict, not a Series: a feature nobody has gives an empty (float) Series
        evidence = found.groupby(CODE)["row_id"].agg(join_ids).to_dict()
        frames.append(pd.DataFrame({CODE: universe, "family": feature.theme,
                                    "feature": feature.key,
                                    "evidence": [evidence.get(c, "") for c in universe]}))
    return (pd.concat(frames, ignore_index=True)
            .assign(has=lambda df: df["evidence"] != "")
            .astype({"has": bool, "evidence": object})
            .loc[:, [CODE, "family", "feature", "has", "evidence"]])


def feature_label(family: str, feature: str, lang: str = "ja") -> str:
    """Plain label of a feature (``labels.csv`` group ``feature``), e.g. 「電話で相談できる」;
    ``family`` (the theme) is the heading it stands under."""
    return label("feature", feature, lang)


def theme_label(theme: str, lang: str = "ja") -> str:
    return label("theme", theme, lang)
