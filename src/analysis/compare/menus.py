"""The eight menus of the national ひきこもりサポート事業: which municipality documents which.

A menu is evidenced by every kind of fact that shows it (the rule is written here once and
documented in ``docs/curation.md``):

- a service or programme the curator assigned to the menu (``services.national_menu``);
- a meeting of a kind that is the menu: a drop-in (居場所づくり); a family or peer group
  (当事者会・家族会); a lecture or seminar (住民向け講演会・研修会); a training
  (サポーター派遣・養成); a council or network meeting (連絡協議会・ネットワークづくり);
- a network body of those kinds (連絡協議会・ネットワークづくり);
- a milestone that is a survey or questionnaire (実態把握調査: a survey is often reported
  as a dated event, not as a programme).

A menu no fact evidences is "not documented in this edition" — never "not run".
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.compare.coverage import Rule, evidence_rows, feature_grid
from analysis.compare.evidence import with_names
from analysis.dataset.scope import documented_municipalities
from analysis.dataset.tables import CODE, Dataset

MENU_RULES: dict[str, tuple[Rule, ...]] = {
    "consultation_support": (),
    "ibasho": (Rule.of("meetings", "kind", "drop_in"),),
    "network_building": (Rule.of("meetings", "kind", "council", "network_meeting"),
                         Rule.of("network_bodies", "kind", "council", "network_meeting",
                                 "liaison")),
    "peer_family_groups": (Rule.of("meetings", "kind", "family_group", "peer_group"),),
    "public_seminars": (Rule.of("meetings", "kind", "lecture", "seminar"),),
    "supporter_training": (Rule.of("meetings", "kind", "training"),),
    "private_partnership": (),
    "needs_survey": (Rule.of("milestones", "kind", "survey", "questionnaire"),),
}
MENUS = tuple(MENU_RULES)


def menu_rules(menu: str) -> tuple[Rule, ...]:
    """Every rule that evidences ``menu``: the curator's assignment, then the facts."""
    return (Rule.of("services", "national_menu", menu), *MENU_RULES[menu])


def national_menu_coverage(data: Dataset, municipalities: pd.DataFrame | None = None,
                           peers: Sequence[str] | None = None) -> pd.DataFrame:
    """Documented municipality × menu: whether a fact evidences it, how many things do,
    the evidence, and the menu's prevalence among the peers (default: every documented
    municipality; ``n_peers`` is the denominator).

    Columns: municipality_code, name, name_en, national_menu, runs, n_services,
    prevalence, n_peers, evidence.
    """
    found = pd.concat([evidence_rows(data, menu_rules(menu)).assign(feature=menu)
                       for menu in MENUS], ignore_index=True)
    universe = documented_municipalities(data)
    return (
        feature_grid(found, universe, list(MENUS), peers)
        .pipe(with_names, data.municipalities if municipalities is None else municipalities)
        .rename(columns={"feature": "national_menu", "has": "runs", "n": "n_services"})
        .loc[:, [CODE, "name", "name_en", "national_menu", "runs", "n_services",
                 "prevalence", "n_peers", "evidence"]]
    )
