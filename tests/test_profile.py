"""The municipality profile, the source references, the method and codebook section and
the audience filter, on the shipped data (no build: the builds are in test_report.py and
test_build.py)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from analysis.compare.menus import MENUS, menu_rules
from analysis.core.labels import label, labels
from analysis.dataset.schema import ALL_TABLES
from analysis.dataset.scope import edition_municipalities, for_audience
from analysis.dataset.tables import load_dataset
from analysis.present import method, profile
from analysis.present.references import Reference, date_text, references_text

MUSASHINO = "132039"
SETAGAYA = "131121"
EDITION = "fy2024"
ROW_ID = re.compile(r"fy20\d\d_[a-z_]+-\d{6}-[a-z]\d\d")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def musashino(dataset):
    return profile.municipality_profile(dataset, MUSASHINO, EDITION, "ja")


def section(part, name: str):
    return next(s for s in part.sections if s.name == name)


class VisibleText(HTMLParser):
    """Visible text, without what sits inside ``skip`` classes (quotes, names…)."""

    VOID = {"br", "img", "meta", "link", "hr", "input", "col"}

    def __init__(self, skip: set[str]) -> None:
        super().__init__()
        self.skip, self.stack, self.text = skip, [], []

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self.VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        hidden = tag in ("style", "script", "title") or bool(classes & self.skip)
        self.stack.append(hidden or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data) -> None:
        if not (self.stack and self.stack[-1]):
            self.text.append(data)


def visible(markup: str, skip: set[str] = frozenset()) -> str:
    parser = VisibleText(set(skip))
    parser.feed(markup)
    return " ".join(parser.text)


# ---------------------------------------------------------------- one entity, once ---------

def test_an_entity_stated_by_two_sources_is_one_entry_with_both(musashino) -> None:
    """それいゆ is in the appendix pages and in the flyers of FY2024: one entry, both
    sources listed, both rows behind it."""
    services = section(musashino.parts[0], "services")
    soreiyu = [f for f in services.facts if "それいゆ" in f.cells[0]]
    assert len(soreiyu) == 1
    (fact,) = soreiyu
    assert fact.row_ids == ("fy2024_main-132039-s02", "fy2024_musashino_flyers-132039-s02")
    cited = references_text(r for e in fact.evidence for r in e.references)
    assert cited == "附属資料 令和6年度版（本文・武蔵野市の頁）・11 武蔵野市の取組"
    # and every service entity of the guidebook part is listed exactly once
    keys = [k for f in services.facts for k in f.keys]
    assert len(keys) == len(set(keys))


def test_values_that_differ_between_sources_are_all_shown(musashino) -> None:
    services = section(musashino.parts[0], "services")
    names = [f.cells[0] for f in services.facts]
    assert "すみかふぇ／すみかふえ" in names  # the flyers' OCR reading beside the main text
    sumika = next(f for f in services.facts if f.cells[0].startswith("すみか"))
    assert len(sumika.evidence) == 2  # two different quotes, each with its own source
    operators = [f.cells[3] for f in services.facts if f.cells[0] == "福祉総合相談窓口"]
    assert operators == ["直営（生活福祉課生活相談係）"]  # 直営 alone adds nothing


def test_channels_put_ways_to_consult_first_and_label_the_others(musashino) -> None:
    channels = section(musashino.parts[0], "channels")
    purposes = [f.cells[channels.columns.index(label("profile_column", "purpose"))]
                for f in channels.facts]
    consultation = label("channel_purpose", "consultation")
    assert purposes[0] == consultation
    first_other = next(n for n, p in enumerate(purposes) if p != consultation)
    assert all(p != consultation for p in purposes[first_other:])
    assert label("channel_purpose", "application") in purposes  # the lecture's FAX form
    window = next(f for f in channels.facts if f.cells[0] == "福祉総合相談窓口")
    assert window.cells[2] == "電話、来所・面談、訪問・アウトリーチ、Webフォーム、FAX"
    assert len(window.evidence) == 5


def test_sub_committees_follow_their_body(dataset) -> None:
    page = profile.municipality_profile(dataset, SETAGAYA, EDITION, "ja")
    bodies = section(page.parts[0], "network_bodies")
    names = [f.cells[0] for f in bodies.facts]
    parent = names.index("重層的支援協議会")
    parts = [f for f in bodies.facts if f.part_of]
    assert {f.cells[0] for f in parts} == {"代表者会", "実務者会議", "個別ケース検討会議(支援会議)"}
    assert names[parent + 1:parent + 4] == [f.cells[0] for f in parts]
    part_of = bodies.columns.index(label("profile_column", "parent_body"))
    assert {f.cells[part_of] for f in parts} == {"重層的支援協議会"}


def test_frequencies_are_words_and_single_events_are_events() -> None:
    assert profile.frequency_words({"occurrence": "recurring", "regular": "true",
                                    "per_year": 12.0, "approximate": False}) == "年12回"
    assert profile.frequency_words({"occurrence": "recurring", "regular": "true",
                                    "per_year": 1.0, "approximate": True}) == "年1回程度"
    assert profile.frequency_words({"occurrence": "recurring", "regular": "unknown",
                                    "per_year": None}) == "頻度の記載なし"
    event = {"occurrence": "single_event", "regular": "unknown", "per_year": None}
    assert profile.frequency_words(event) == label("occurrence", "single_event")
    assert profile.frequency_words(event, "en") == "Single event"


# ---------------------------------------------------------------- supplementary part -------

def test_supplementary_facts_are_a_part_of_their_own_marked_internal(musashino) -> None:
    guidebook, supplementary = musashino.parts
    assert guidebook.basis == "guidebook" and not guidebook.internal
    assert supplementary.basis == "supplementary" and supplementary.internal
    cited = {r.title for s in supplementary.sections for f in s.facts for e in f.evidence
             for r in e.references}
    assert cited == {"訪問記録（令和6年12月3日）"}
    markup = profile.part_html(supplementary)
    assert label("profile", "internal_mark") in markup
    assert label("profile", "internal_note") in markup
    # a thing the guidebook states too is said to be so
    services = section(supplementary, "services")
    also = {f.cells[0] for f in services.facts if f.also_in_guidebook}
    assert {"福祉総合相談窓口", "それいゆ"} <= also
    assert "精神保健アウトリーチ支援事業" not in also


def test_a_public_profile_has_no_internal_fact(dataset) -> None:
    public = for_audience(dataset, "public")
    page = profile.municipality_profile(public, MUSASHINO, EDITION, "ja")
    assert [p.basis for p in page.parts] == ["guidebook"]
    markup = profile.profile_html(page)
    visit = dataset.services.loc[dataset.services["source_id"] == "visit_musashino_20241203"]
    assert not visit.empty
    for quote in visit["quote"]:
        assert quote not in markup
    for word in ("訪問記録", label("profile", "internal_mark"), "visit_musashino"):
        assert word not in markup
    # the guidebook part is the same as in the default build
    full = profile.municipality_profile(dataset, MUSASHINO, EDITION, "ja")
    assert profile.part_html(page.parts[0]) == profile.part_html(full.parts[0])


def test_audience_filter_refuses_an_unknown_audience(dataset) -> None:
    with pytest.raises(ValueError, match="audience"):
        for_audience(dataset, "partners")


# ---------------------------------------------------------------- words, not keys ----------

@pytest.fixture(scope="module")
def every_profile(dataset):
    return {code: profile.municipality_profile(dataset, code, EDITION, "ja")
            for code in edition_municipalities(dataset, EDITION)}


def test_row_ids_are_only_in_the_appendix(dataset, every_profile) -> None:
    for code, page in every_profile.items():
        body, appendix = profile.body_html(page), profile.appendix_html(page)
        assert ROW_ID.findall(visible(body)) == [], code
        assert "row_id" not in body and "fy2024_main" not in body, code
        # the appendix lists every row of the municipality's guidebook services
        services = dataset.services.loc[
            (dataset.services["municipality_code"] == code)
            & dataset.services["source_id"].str.startswith("fy2024")]
        for row_id in services["service_id"]:
            assert row_id in appendix, (code, row_id)


def test_row_id_pattern_catches_ids() -> None:
    assert ROW_ID.findall("出典 fy2024_musashino_flyers-132039-s02 と") == [
        "fy2024_musashino_flyers-132039-s02"]


def test_no_key_or_snake_case_token_is_visible(every_profile) -> None:
    """Outside quotes and names, a Japanese profile shows labels only: no snake_case
    token, no enum key, no number written as 52.0, and no empty column."""
    keys = {value for _, field in method.enum_fields() for value in field.allowed()
            if value.isascii() and value.islower()}
    for code, page in every_profile.items():
        text = visible(profile.body_html(page), {"quote", "name"})
        assert SNAKE.findall(text) == [], code
        words = set(re.findall(r"[A-Za-z_]+", text))
        assert words & keys == set(), (code, words & keys)
        assert re.findall(r"\d\.0\b", text) == [], code
        for part in page.parts:
            for shown in part.sections:
                for n, column in enumerate(shown.columns):
                    assert any(f.cells[n] for f in shown.facts), (code, shown.name, column)


def test_visible_text_check_catches_keys() -> None:
    text = visible('<p>in_person <span class="quote">member_count</span></p>', {"quote"})
    assert SNAKE.findall(text) == ["in_person"]


def test_english_profile_has_official_names_and_japanese_only_in_names_and_quotes(
        dataset) -> None:
    page = profile.municipality_profile(dataset, MUSASHINO, EDITION, "en")
    assert page.name == "Musashino City"
    markup = profile.profile_html(page, "en")
    assert JAPANESE.findall(visible(markup, {"quote", "name"})) == []
    assert "Estimated people in hikikomori (national rate)" in markup


def test_context_shows_population_estimate_and_its_caveat(musashino) -> None:
    context = dict(musashino.context)
    assert context[label("profile", "area")] == "多摩地域"
    assert re.fullmatch(r"[\d,]+人", context[label("population", "population")])
    assert re.fullmatch(r"約[\d,]+人",
                        context[label("population", "estimated_hikikomori")])
    assert label("population", "estimate_citation") in musashino.notes


# ---------------------------------------------------------------- source references --------

@pytest.mark.parametrize("iso", ["2024-12-03", "2019-05-01", "2019-04-30", "2020-01-15",
                                 "1995-07-07"])
def test_dates_in_the_japanese_era_agree_with_japanera(iso: str) -> None:
    import datetime as dt

    from japanera import EraDate

    day = dt.date.fromisoformat(iso)
    era = EraDate.from_date(day).era  # the era and its first day, from japanera's table
    year = day.year - era.since.year + 1
    expected = f"{era.kanji}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    assert date_text(iso) == expected
    assert date_text("2024-12-03", "en") == "3 December 2024"


def test_references_of_one_section_are_grouped() -> None:
    main = Reference("附属資料 令和6年度版", "", "11 武蔵野市の取組")
    flyers = Reference("附属資料 令和6年度版", "武蔵野市の頁", "11 武蔵野市の取組")
    visit = Reference("訪問記録（令和6年12月3日）")
    assert references_text([main]) == "附属資料 令和6年度版・11 武蔵野市の取組"
    assert references_text([flyers]) == "附属資料 令和6年度版（武蔵野市の頁）・11 武蔵野市の取組"
    assert references_text([main, flyers, visit]) == (
        "附属資料 令和6年度版（本文・武蔵野市の頁）・11 武蔵野市の取組、訪問記録（令和6年12月3日）")


# ---------------------------------------------------------------- method and codebook ------

def test_codebook_lists_every_enum_value_of_the_schema() -> None:
    codebook = method.codebook_html("ja")
    fields = [(t, f) for t in ALL_TABLES for f in t.fields if f.kind == "enum"]
    assert len(fields) == len(method.enum_fields()) > 15
    for table, field in fields:
        assert f"{table.path} · {field.name}" in codebook
        names = labels(field.enum)
        for value in field.allowed():
            assert f'<code class="key">{value}</code>' in codebook, (table.name, value)
            assert names[value] in codebook


def test_menu_rules_are_the_rules_that_count() -> None:
    lines = method.menu_rule_lines("ja")
    assert len(lines) == len(MENUS)
    for menu, line in zip(MENUS, lines, strict=True):
        assert line.startswith(labels("national_menu")[menu] + "：")
        for rule in menu_rules(menu):
            assert label("fact_table", rule.table) in line
            group = next(f.enum for t in ALL_TABLES if t.name == rule.table
                         for f in t.fields if f.name == rule.column)
            for value in rule.values:
                assert f"「{labels(group)[value]}」" in line, (menu, value)


def test_method_states_basis_audience_and_denominator(dataset) -> None:
    def stated(data, audience: str) -> str:  # the method without its codebook
        return visible(method.basis_html(data, EDITION, audience)
                       + method.rules_html(data, EDITION)
                       + method.sources_html(data.sources, None))

    text = stated(dataset, "all")
    assert "附属資料 令和6年度版（本文・武蔵野市の頁）" in text
    assert "訪問記録（令和6年12月3日）" in text and "内部用" in text
    n = len(edition_municipalities(dataset, EDITION))
    assert f"（{n}区市町村）" in text
    public = for_audience(dataset, "public")
    text = stated(public, "public")
    assert "訪問記録" not in text and "公開用" in text


def test_differing_values_are_never_hidden() -> None:
    window = "直営（生活福祉課生活相談係）"
    assert profile.distinct_values(["直営", window]) == window
    assert profile.distinct_values(["3", "13"]) == "3／13"  # sources disagree: both shown
    spaced = "15 歳から49歳まで"
    assert profile.distinct_values([spaced, "15歳から49歳まで", ""]) == spaced
