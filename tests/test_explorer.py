"""The offline explorer (``analysis.explorer``): its payload against the package's own
functions, its page against the offline rules, and the page itself in a real headless
Chromium with the network cut off (``tests/browser.py``)."""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest

from analysis.compare.features import municipality_features
from analysis.compare.peers import (
    default_peer_group,
    peer_benchmark,
    peer_choice_reason,
    peer_group,
    peer_group_name,
)
from analysis.core.labels import label
from analysis.dataset.scope import edition_dataset, edition_municipalities, for_audience
from analysis.dataset.tables import TIDY_TABLES, load_dataset
from analysis.present import explorer
from analysis.present.explorer import (
    explorer_payload,
    peer_label,
    render_explorer,
    search_fold,
    write_explorer,
)
from tests.browser import (
    console_errors,
    driver_axe_violations,
    fetched_resources,
    offline_chromium,
    open_page,
)
from tests.test_build import japanese_outside_names

EDITION = "fy2024"
VISIT = "visit_musashino_20241203"  # 武蔵野市's visit record: internal, supplementary
HACHIMARU = "はちまるサポート"  # 八王子市's consultation window
# Strings on which the two folds (Python and JavaScript) must agree.
TRICKY = [
    "", "はちまるサポート", "ﾊﾁﾏﾙｻﾎﾟｰﾄ", "ハチマルサポート", "ＨＡＣＨＩＭＡＲＵ", "hachiMaru",
    "ｶﾞｷﾞｸﾞｹﾞｺﾞ ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", "ｳﾞｧｲｵﾘﾝ", "ﾜﾞ", "ｦﾞ", "ﾞ", "ｱﾞ", "ﾟ単独", "ｰ－ー-",
    "１５歳～４９歳", "15歳〜49歳", "　全角スペース　", "ヴ ヵ ヶ ヽ ヾ ヷ ヸ ヹ ヺ ・",
    "ＬＩＮＥ相談", "ＳＮＳ", "①②", "㈱ ﾃｽﾄ", "İstanbul ß Ǆ Ω", "😀ｶ😀", "カ\u3099", "ｶ\u3099",
    "（ＮＰＯ法人）", "ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ",
    "\uff5f\uff60\uff61\uff62\uff63\uff64\uff65",
    "".join(chr(c) for c in range(0xFF01, 0xFFA0)),
    "".join(chr(c) for c in range(0x3041, 0x3100)),
]
LOCAL_HREF = re.compile(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def payload(dataset) -> dict:
    return explorer_payload(dataset, EDITION, "ja")


def facts_of(payload: dict) -> list[dict]:
    return explorer.decoded_facts(payload)


# ------------------------------------------------------------------------ fold rule

def test_fold_matches_across_widths_and_kana() -> None:
    assert search_fold("ﾊﾁﾏﾙｻﾎﾟｰﾄ") == search_fold("ハチマルサポート") == "はちまるさぽーと"
    assert search_fold(HACHIMARU) == "はちまるさぽーと"
    assert search_fold("ＬＩＮＥ相談　１５歳") == "line相談 15歳"
    assert search_fold("ｶﾞｯｺｳ") == "がっこう"
    assert search_fold("ヴ") == "ゔ" and search_fold("ヷ") == "ヷ"  # no hiragana for ヷ
    assert search_fold("İ") == "İ"  # only ASCII letters change case


def test_fold_is_nfkc_on_the_width_forms_only() -> None:
    for code in range(0xFF01, 0xFFA0):
        char = chr(code)
        assert search_fold(char) == search_fold(unicodedata.normalize("NFKC", char)), hex(code)
    assert search_fold("①") == "①" and search_fold("㈱") == "㈱"  # outside the rule


# ------------------------------------------------------------------------ payload

def test_every_row_of_every_table_is_a_fact_with_its_quote(dataset, payload) -> None:
    facts = facts_of(payload)
    for table in TIDY_TABLES:
        frame = getattr(dataset, table)
        mine = [f for f in facts if f["table"] == table]
        # every shipped source is fy2022, fy2024 or the visit record: all in scope
        assert len(mine) == len(frame), table
        assert sorted(f["quote"] for f in mine) == sorted(frame["quote"]), table


def test_a_public_page_leaves_internal_sources_out(dataset, payload) -> None:
    public = explorer_payload(dataset, EDITION, "ja", audience="public")
    assert VISIT not in {s["id"] for s in public["sources"]}
    visible = for_audience(dataset, "public")
    assert len(public["facts"]["rows"]) == sum(len(getattr(visible, t)) for t in TIDY_TABLES)
    assert len(public["facts"]["rows"]) < len(payload["facts"]["rows"])
    assert all(not s["internal"] for s in public["sources"])
    assert public["comparison"]["supplementary"] == {}  # the visit record was the only one
    page = render_explorer(public)
    for fact in facts_of(payload):
        if payload["sources"][fact["source"]]["id"] == VISIT:
            assert fact["quote"] not in page
    # the default page marks them instead
    internal = [s for s in payload["sources"] if s["internal"]]
    assert [s["id"] for s in internal] == [VISIT]
    assert payload["words"]["internal"] == label("audience", "internal")


def test_build_explorer_passes_the_audience_on(tmp_path: Path) -> None:
    from analysis.core.paths import DATA_DIR

    explorer.build_explorer(DATA_DIR, EDITION, tmp_path, audience="public")
    data = page_data((tmp_path / "explorer.html").read_text(encoding="utf-8"))
    assert data["audience"] == "public"
    assert VISIT not in {s["id"] for s in data["sources"]}


def test_fact_source_pairs_are_fact_sources(dataset) -> None:
    codes = sorted(set(dataset.municipalities["municipality_code"]))
    for edition in ("fy2022", "fy2024"):
        guidebook, pairs = explorer.fact_source_pairs(dataset.sources, edition)
        for code in codes:
            batch = sorted(guidebook | {s for c, s in pairs if c == code})
            assert batch == explorer.fact_sources(dataset, code, edition), (edition, code)


def test_facts_of_an_earlier_edition_leave_later_sources_out(dataset) -> None:
    payload = explorer_payload(dataset, "fy2022", "ja")
    sources = {s["id"] for s in payload["sources"]}
    used = {payload["sources"][f["source"]]["id"] for f in facts_of(payload)}
    assert not any(s.startswith("fy2024") for s in used)
    assert VISIT in used  # its municipality's own source, any edition
    assert used <= sources


def test_facts_carry_municipality_source_basis_and_context(payload) -> None:
    facts = facts_of(payload)
    munis = payload["municipalities"]
    sources = payload["sources"]
    hachimaru = [f for f in facts if f["table"] == "services" and f["name"] == HACHIMARU]
    assert hachimaru
    place = munis[hachimaru[0]["muni"]]
    assert (place["code"], place["name"], place["kana"]) == ("132012", "八王子市", "ハチオウジシ")
    assert place["name_en"] and place["area"] == "tama" and place["profile"]
    visit = [f for f in facts if sources[f["source"]]["id"] == VISIT]
    assert visit and all(sources[f["source"]]["basis"] == "supplementary" for f in visit)
    assert all(s["basis"] == "guidebook" for s in sources if s["id"] != VISIT)
    assert all(munis[f["muni"]]["code"] == "132039" for f in visit)
    # a channel row carries its service's name, category and menu
    channel = next(f for f in facts if f["table"] == "channels")
    service = next(f for f in facts if f["table"] == "services"
                   and f["row_id"] == channel["row_id"])
    assert (channel["name"], channel["category"], channel["menu"]) == (
        service["name"], service["category"], service["menu"])
    meeting = next(f for f in facts if f["table"] == "meetings" and f["per_year"])
    assert meeting["frequency"] and meeting["regular"] == "true"
    # population and estimated need beside every municipality
    musashino = next(m for m in munis if m["code"] == "132039")
    assert (musashino["population"], musashino["population_text"]) == (147958, "147,958人")
    assert musashino["estimate_text"].startswith("約") and musashino["size_band"]


def test_channels_carry_their_purpose(dataset, payload) -> None:
    facts = [f for f in facts_of(payload) if f["table"] == "channels"]
    rows = dataset.channels
    assert sorted(f["channels"][0][1] for f in facts) == sorted(rows["purpose"])
    purposes = payload["channel_purposes"]
    assert purposes["default"] == "consultation"
    assert [o["key"] for o in purposes["options"]][0] == "consultation"
    assert purposes["options"][-1]["key"] == "any"


def test_ages_carry_their_kind(payload) -> None:
    ages = [f for f in facts_of(payload) if f["table"] == "target_ages"]
    kinds = {a[2] for f in ages for a in f["ages"]}
    assert {"limit", "all_ages", "main_group", "addition"} <= kinds
    main = next(f for f in ages if f["ages"][0][2] == "main_group")
    assert label("age_kind", "main_group") in main["age_text"]
    assert payload["covering_kinds"] == ["addition", "all_ages", "limit"]


def test_profile_links_only_where_the_build_writes_a_profile(dataset, payload) -> None:
    fy2024 = set(dataset.sources.loc[dataset.sources["edition"] == EDITION, "source_id"])
    expected = set(dataset.services.loc[dataset.services["source_id"].isin(fy2024),
                                        "municipality_code"])
    assert {m["code"] for m in payload["municipalities"] if m["profile"]} == expected


def test_feature_matrix_is_metrics_features(dataset, payload) -> None:
    frame = municipality_features(edition_dataset(dataset, EDITION))
    comparison = payload["comparison"]
    features = comparison["features"]
    for code, found in comparison["has"].items():
        expected = set(zip(*frame.loc[(frame["municipality_code"] == code) & frame["has"],
                                      ["family", "feature"]].T.values, strict=True))
        assert {(features[i]["family"], features[i]["key"]) for i in found} == expected
    assert set(comparison["has"]) == set(frame["municipality_code"])


def test_peer_sets_are_compare_peer_groups(dataset, payload) -> None:
    data = edition_dataset(dataset, EDITION)
    comparison = payload["comparison"]
    codes = [m["code"] for m in payload["municipalities"]]
    documented = sorted(comparison["has"])
    assert documented == edition_municipalities(dataset, EDITION)
    assert explorer.PEER_KEYS == ("size", "nearest", "area", "kind", "all")
    for focus, groups in comparison["peer_groups"].items():
        assert [key for key, _ in groups] == list(explorer.PEER_KEYS)
        for key, index in groups:
            stored = {codes[i] for i in comparison["peer_sets"][index]} - {focus}
            assert stored == set(peer_group(data.municipalities, focus, key, documented))
            assert peer_label(payload, focus, key) == peer_group_name(
                data.municipalities, focus, key)


def test_the_default_group_is_the_gap_reviews_with_its_reason(dataset, payload) -> None:
    data = edition_dataset(dataset, EDITION)
    comparison = payload["comparison"]
    documented = sorted(comparison["has"])
    for focus, (key, reason) in comparison["defaults"].items():
        choice = default_peer_group(data.municipalities, focus, documented)
        assert key == choice.spec
        assert comparison["reasons"][reason] == peer_choice_reason(
            data.municipalities, focus, choice)
    assert comparison["defaults"]["131041"][0] == "size"  # eight other wards
    assert comparison["defaults"]["133612"][0] == "all"  # no other island, no other town
    assert peer_label(payload, "132080", "size") == "同じ人口規模の区分（一般市（15万人以上））"


def test_supplementary_features_are_marked_not_counted(dataset, payload) -> None:
    comparison = payload["comparison"]
    marked = {(comparison["features"][j]["family"], comparison["features"][j]["key"])
              for j in comparison["supplementary"]["132039"]}
    visit = dataclasses.replace(
        dataset, **{t: getattr(dataset, t).loc[lambda df: df["source_id"] == VISIT]
                    for t in TIDY_TABLES})
    frame = municipality_features(visit)
    stated = set(zip(*frame.loc[frame["has"], ["family", "feature"]].T.values, strict=True))
    guidebook = {(comparison["features"][j]["family"], comparison["features"][j]["key"])
                 for j in comparison["has"]["132039"]}
    assert marked == stated - guidebook and marked
    assert set(comparison["supplementary"]) == {"132039"}


def test_size_band_filter_has_labelled_bands(dataset, payload) -> None:
    size = next(f for f in payload["filters"] if f["key"] == "size")
    bands = {m["size_band"] for m in payload["municipalities"]}
    assert [o["key"] for o in size["options"]] == [
        b for b in label_keys("size_band") if b in bands]
    assert all(o["label"] == label("size_band", o["key"]) for o in size["options"])
    # a reference table without bands (synthetic data outside Tokyo) has no size filter
    plain = dataset.municipalities.drop(columns=["size_band"])
    without = explorer_payload(dataclasses.replace(dataset, municipalities=plain), EDITION)
    assert "size" not in [f["key"] for f in without["filters"]]


def label_keys(group: str) -> list[str]:
    from analysis.core.labels import labels

    return list(labels(group))


def test_filters_have_labels_and_options(payload) -> None:
    keys = [f["key"] for f in payload["filters"]]
    assert keys == ["muni", "area", "size", "table", "category", "menu", "channel", "age",
                    "regular", "edition", "basis"]
    for entry in payload["filters"]:
        assert entry["label"] and all(o["label"] for o in entry["options"]), entry["key"]
    basis = next(f for f in payload["filters"] if f["key"] == "basis")
    assert [o["key"] for o in basis["options"]] == ["guidebook", "supplementary"]


# ------------------------------------------------------------------------ the page

def page_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>',
                      page, re.DOTALL)
    return json.loads(match.group(1))


def test_data_cannot_break_out_of_its_script(dataset) -> None:
    hostile = "</script><script>alert(1)</script><!-- & \u2028"
    services = dataset.services.copy()
    services.loc[services.index[0], "quote"] = hostile
    payload = explorer_payload(dataclasses.replace(dataset, services=services), EDITION)
    page = render_explorer(payload)
    assert page.lower().count("</script") == 2  # the data's and the code's own
    assert "<!--" not in page
    assert hostile in [row[-1] for row in page_data(page)["facts"]["rows"]]


def offline_problems(page: str, folder: Path) -> list[str]:
    """References the explorer must not make: anything but a fragment or an existing
    file beside it in src/href; url() other than data:; @import; remote URLs in code."""
    problems = []
    outside_data = re.sub(r'<script type="application/json".*?</script>', "", page,
                          flags=re.DOTALL)
    for target in LOCAL_HREF.findall(outside_data):
        if target.startswith("#"):
            continue
        if re.match(r"[a-z][a-z0-9+.-]*:|//", target, re.IGNORECASE) or ".." in target \
                or not (folder / unquote(target)).is_file():
            problems.append(f"reference {target!r}")
    problems += [f"url({u})" for u in CSS_URL.findall(outside_data) if not u.startswith("data:")]
    problems += ["@import"] * outside_data.count("@import")
    problems += [f"remote {u}" for u in re.findall(r"(?:https?:)?//[\w.-]+\.\w+", outside_data)]
    return problems


def test_offline_check_catches_references(tmp_path: Path) -> None:
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "131016.html").write_text("x")
    assert offline_problems('<a href="profiles/131016.html">x</a><a href="#q=1">y</a>',
                            tmp_path) == []
    for bad in ['<script src="https://cdn.example/x.js"></script>', '<a href="other.html">',
                '<img src="file:///etc/passwd">', "<style>a{background:url(x.png)}</style>",
                "<style>@import 'x.css';</style>", "<script>fetch('//cdn.example.com/x')</script>",
                '<a href="../profiles/131016.html">']:
        assert offline_problems(bad, tmp_path), bad


def test_page_is_self_contained(payload, tmp_path: Path) -> None:
    path = write_explorer(payload, tmp_path / "explorer.html")
    page = path.read_text(encoding="utf-8")
    assert offline_problems(page, tmp_path) == []
    assert '<input type="search" id="q"' in page and '<label for="q">' in page
    assert page_data(page) == json.loads(json.dumps(payload))


def test_english_page_has_japanese_only_in_names_and_quotes(dataset) -> None:
    page = render_explorer(explorer_payload(dataset, EDITION, "en"))
    assert 'lang="en"' in page
    assert japanese_outside_names(page) == []


def test_build_writes_the_explorer_and_the_index_links_it(built_report: Path) -> None:
    page = (built_report / "explorer.html").read_text(encoding="utf-8")
    assert offline_problems(page, built_report) == []
    assert 'href="explorer.html"' in (built_report / "index.html").read_text(encoding="utf-8")
    data = page_data(page)
    for muni in data["municipalities"]:
        if muni["profile"]:
            assert (built_report / "profiles" / f"{muni['code']}.html").is_file(), muni["code"]


# ------------------------------------------------------------------------ in Chromium

@pytest.fixture(scope="module")
def page_url(payload, tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("explorer")
    return write_explorer(payload, folder / "explorer.html").as_uri()


@pytest.fixture(scope="module")
def driver():
    with offline_chromium() as chromium:
        yield chromium


def status_count(driver) -> int:
    return int(driver.find_element("id", "status").get_attribute("data-count"))


def type_search(driver, text: str) -> None:
    box = driver.find_element("id", "q")
    box.clear()
    driver.execute_script(
        "const box = arguments[0]; box.value = arguments[1];"
        "box.dispatchEvent(new Event('input', {bubbles: true}));", box, text)


def choose(driver, key: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("id", f"filter-{key}")).select_by_value(value)


def option_count(driver, key: str, value: str) -> int:
    text = driver.find_element("css selector", f'#filter-{key} option[value="{value}"]').text
    return int(re.search(r"\((\d+)\)$", text).group(1))


def test_page_loads_offline_and_shows_the_fact_count(driver, page_url, payload) -> None:
    open_page(driver, page_url)
    assert status_count(driver) == len(payload["facts"]["rows"])
    assert str(len(payload["facts"]["rows"])) in driver.find_element("id", "status").text
    assert fetched_resources(driver) == []  # it asked the network (and disk) for nothing
    assert console_errors(driver) == []


def test_the_harness_really_is_offline(driver, tmp_path: Path) -> None:
    page = tmp_path / "remote.html"
    page.write_text('<img src="https://example.com/x.png"><script>'
                    'document.documentElement.setAttribute("data-ready","true")</script>')
    open_page(driver, page.as_uri())
    done = driver.execute_script("return document.images[0].complete && "
                                 "document.images[0].naturalWidth")
    assert done == 0  # the image never arrived
    assert fetched_resources(driver) == ["https://example.com/x.png"]  # and the check sees it


def test_fold_is_one_rule_in_python_and_javascript(driver, page_url) -> None:
    open_page(driver, page_url)
    folded = driver.execute_script("return arguments[0].map(window.explorer.fold)", TRICKY)
    assert folded == [search_fold(text) for text in TRICKY]


@pytest.mark.parametrize("query", [HACHIMARU, "ﾊﾁﾏﾙｻﾎﾟｰﾄ", "ハチマルサポート", "ﾊﾁﾏﾙ　ｻﾎﾟｰﾄ"])
def test_search_finds_a_programme_in_any_width_or_kana(driver, page_url, payload,
                                                       query) -> None:
    open_page(driver, page_url)
    type_search(driver, query)
    expected = sum(1 for f in facts_of(payload)
                   if "はちまる" in search_fold(f["quote"] + f["name"]).replace(" ", ""))
    assert status_count(driver) >= expected > 0
    names = [e.text for e in driver.find_elements("css selector", "#results tbody td:nth-child(3)")]
    assert any(HACHIMARU in name for name in names)
    assert "q=" in driver.current_url


def test_filters_combine_and_show_counts(driver, page_url, payload) -> None:
    open_page(driver, page_url)
    facts = facts_of(payload)
    area = {m["code"]: m["area"] for m in payload["municipalities"]}
    codes = [m["code"] for m in payload["municipalities"]]
    tama = [f for f in facts if area[codes[f["muni"]]] == "tama"]
    assert option_count(driver, "area", "tama") == len(tama)
    choose(driver, "area", "tama")
    assert status_count(driver) == len(tama) < len(facts)
    # the channel filter counts ways to consult unless asked otherwise
    line = [f for f in tama if ["email", "consultation"] in f["channels"]]
    assert option_count(driver, "channel", "email") == len(line)
    choose(driver, "channel", "email")
    assert status_count(driver) == len(line) > 0
    # the area counts now count e-mail facts in each area
    ku_line = [f for f in facts if area[codes[f["muni"]]] == "ku"
               and ["email", "consultation"] in f["channels"]]
    assert option_count(driver, "area", "ku") == len(ku_line)
    band = [f for f in line if any((lo or 0) <= 49 and (80 if hi is None else hi) >= 40
                                   for lo, hi, kind in f["ages"] if kind != "main_group")]
    choose(driver, "age", "40-49")
    assert status_count(driver) == len(band)


def test_the_channel_filter_can_ask_for_other_purposes(driver, page_url, payload) -> None:
    open_page(driver, page_url)
    facts = facts_of(payload)

    def having(channel: str, purpose: str | None) -> int:
        return sum(1 for f in facts if any(c == channel and purpose in (None, p)
                                           for c, p in f["channels"]))

    assert option_count(driver, "channel", "line") == having("line", "consultation")
    choose(driver, "purpose", "publicity")
    assert option_count(driver, "channel", "line") == having("line", "publicity") > 0
    choose(driver, "channel", "line")
    assert status_count(driver) == having("line", "publicity")
    assert "purpose=publicity" in driver.current_url
    choose(driver, "purpose", "any")
    assert status_count(driver) == having("line", None) > having("line", "publicity")
    shown = driver.find_element("css selector", "#results tbody td:nth-child(5)").text
    assert "（" in shown or "LINE" in shown
    driver.find_element("id", "clear").click()
    assert driver.find_element("id", "filter-purpose").get_attribute("value") == "consultation"


def test_the_age_filter_reads_covering_statements_only(driver, page_url, payload) -> None:
    open_page(driver, page_url)
    ages = [f for f in facts_of(payload) if f["table"] == "target_ages"]
    main = [f for f in ages if all(kind == "main_group" for _, _, kind in f["ages"])]
    assert main  # e.g. 「50 代・60 代の中高年層のひきこもり相談を中心に」
    choose(driver, "table", "target_ages")
    for band, (lo, hi) in (("50-64", (50, 64)), ("18-29", (18, 29))):
        choose(driver, "age", band)
        expected = [f for f in ages if any(
            (a or 0) <= hi and (80 if b is None else b) >= lo
            for a, b, kind in f["ages"] if kind != "main_group")]
        assert status_count(driver) == len(expected), band


def test_internal_facts_are_marked_and_context_shown(driver, page_url, payload) -> None:
    open_page(driver, page_url + "#muni=132039&basis=supplementary")
    marks = driver.find_elements("css selector", "#results tbody .internal")
    assert marks and status_count(driver) == len(marks)
    assert marks[0].text == label("audience", "internal")
    context = driver.find_element("id", "context")
    assert context.is_displayed()
    text = context.text
    assert "武蔵野市" in text and "147,958人" in text and "約2,000人" in text
    assert label("population", "estimate_citation") in text


def test_the_fragment_restores_the_view_and_history_steps_back(driver, page_url) -> None:
    open_page(driver, page_url)
    type_search(driver, "居場所")
    choose(driver, "area", "ku")
    url, count = driver.current_url, status_count(driver)
    assert "area=ku" in url and "q=" in url
    choose(driver, "table", "meetings")
    narrower = status_count(driver)
    assert narrower < count
    driver.back()
    assert driver.find_element("id", "filter-table").get_attribute("value") == ""
    assert status_count(driver) == count
    driver.forward()
    assert status_count(driver) == narrower
    driver.get("about:blank")
    open_page(driver, url)  # a shared link
    assert driver.find_element("id", "q").get_attribute("value") == "居場所"
    assert driver.find_element("id", "filter-area").get_attribute("value") == "ku"
    assert status_count(driver) == count


def test_sort_buttons_work_by_keyboard_and_say_so(driver, page_url, payload) -> None:
    from selenium.webdriver.common.keys import Keys

    open_page(driver, page_url)
    choose(driver, "table", "meetings")
    button = driver.find_element("css selector", '#results th button[data-sort="frequency"]')
    button.send_keys(Keys.ENTER)
    header = driver.find_element("css selector", '#results th:has(button[data-sort="frequency"])')
    assert header.get_attribute("aria-sort") == "ascending"
    focused = driver.switch_to.active_element
    assert focused.get_attribute("data-sort") == "frequency"  # focus stays on the button
    focused.send_keys(Keys.ENTER)
    header = driver.find_element("css selector", '#results th:has(button[data-sort="frequency"])')
    assert header.get_attribute("aria-sort") == "descending"
    shown = [e.text for e in driver.find_elements("css selector",
                                                  "#results tbody td:nth-child(7) .sub")]
    numbers = [float(re.search(r"[\d.]+", t).group()) for t in shown if re.search(r"\d", t)]
    assert numbers == sorted(numbers, reverse=True) and numbers
    assert "sort=frequency" in driver.current_url and "dir=desc" in driver.current_url


def test_keyboard_alone_reaches_every_control_with_a_visible_focus(driver, page_url) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver.get("about:blank")
    open_page(driver, page_url)  # a fresh load: tabbing starts at the top
    reached, rings = [], []
    for _ in range(20):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        element = driver.switch_to.active_element
        reached.append(element.get_attribute("id") or element.get_attribute("data-sort")
                       or element.tag_name)
        rings.append(driver.execute_script(
            "const s = getComputedStyle(arguments[0]);"
            "return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2",
            element))
    assert {"view-facts", "view-compare", "q", "filter-muni", "filter-basis", "clear"} <= set(
        reached)
    assert all(rings), list(zip(reached, rings, strict=True))
    driver.find_element("id", "view-compare").send_keys(Keys.ENTER)
    assert driver.find_element("id", "compare-view").is_displayed()
    assert "view=compare" in driver.current_url


def shown_benchmark(driver) -> list[tuple]:
    """The comparison table as shown: per feature row (theme header rows left out)."""
    rows = driver.find_elements("css selector", "#gaps tbody tr[data-feature]")
    found = []
    for row in rows:
        name = row.find_element("tag name", "th")
        cells = row.find_elements("tag name", "td")
        share = cells[3].get_attribute("data-value")
        found.append((row.get_attribute("data-family"), row.get_attribute("data-feature"),
                      name.text, cells[0].get_attribute("data-value") == "true",
                      int(cells[1].get_attribute("data-value")),
                      int(cells[2].get_attribute("data-value")),
                      None if share == "" else round(float(share), 9),
                      cells[4].get_attribute("data-value") == "true"))
    return found


def default_spec(dataset, focus: str) -> str:
    data = edition_dataset(dataset, EDITION)
    return default_peer_group(data.municipalities, focus,
                              edition_municipalities(dataset, EDITION)).spec


def expected_benchmark(dataset, focus: str, peers: str) -> list[tuple]:
    # The gap-review handout's table (branch gapreview will expose the handout's own
    # function; until then the benchmark it is computed from).
    data = edition_dataset(dataset, EDITION)
    frame = peer_benchmark(municipality_features(data), data.municipalities, focus, peers)
    return [(r.family, r.feature, r.label, bool(r.focus_has), int(r.n_peers_with),
             int(r.n_peers), None if r.peer_share != r.peer_share else round(r.peer_share, 9),
             bool(r.gap)) for r in frame.itertuples()]


@pytest.mark.parametrize("focus", ["132039", "131041", "133612", "132080", "132012"])
def test_comparison_opens_on_the_gap_reviews_default_group(driver, page_url, dataset,
                                                           focus) -> None:
    open_page(driver, f"{page_url}#view=compare&focus={focus}")
    spec = default_spec(dataset, focus)
    status = driver.find_element("id", "compare-status")
    assert status.get_attribute("data-group") == spec
    assert driver.find_element("id", "peers").get_attribute("value") == spec
    assert shown_benchmark(driver) == expected_benchmark(dataset, focus, spec)
    data = edition_dataset(dataset, EDITION)
    choice = default_peer_group(data.municipalities, focus,
                                edition_municipalities(dataset, EDITION))
    reason = driver.find_element("id", "peer-reason").text
    assert peer_choice_reason(data.municipalities, focus, choice) in reason
    assert peer_group_name(data.municipalities, focus, spec) in status.text


@pytest.mark.parametrize(("focus", "peers"), [
    ("132039", "all"), ("132039", "size"), ("131041", "kind"), ("133612", "area"),
    ("132080", "nearest"), ("131164", "all"), ("132098", "size"), ("132195", "nearest")])
def test_comparison_view_equals_peer_benchmark(driver, page_url, dataset, focus,
                                               peers) -> None:
    open_page(driver, f"{page_url}#view=compare&focus={focus}&peers={peers}")
    assert shown_benchmark(driver) == expected_benchmark(dataset, focus, peers)


def test_comparison_table_groups_by_theme_and_says_not_documented(driver, page_url,
                                                                  payload) -> None:
    open_page(driver, f"{page_url}#view=compare&focus=132039&peers=all")
    headers = [e.text for e in driver.find_elements("css selector", "#gaps tr.theme th")]
    assert headers == list(payload["comparison"]["families"].values())
    said = [e.text for e in driver.find_elements(
        "css selector", "#gaps thead th, #gaps caption, #gaps tbody td")]
    assert said and not [s for s in said if "ない" in s]  # 掲載なし, never ない
    focus_cells = driver.find_elements("css selector",
                                       "#gaps tbody tr[data-feature] td:first-of-type")
    words = {e.text for e in focus_cells}
    assert words == {label("explorer", "documented"), label("explorer", "not_documented"),
                     label("explorer", "supplementary_only")}
    marked = [e for e in focus_cells if e.get_attribute("data-supplementary") == "true"]
    assert len(marked) == len(payload["comparison"]["supplementary"]["132039"])
    share = driver.find_element("css selector", "#gaps tbody tr[data-feature] td:nth-of-type(4)")
    assert re.fullmatch(r"\d+%（\d+／\d+）", share.text), share.text  # numerator/denominator
    context = driver.find_element("id", "compare-context")
    rows = context.find_elements("css selector", "tbody tr")
    assert len(rows) == 1 + int(driver.find_element("id", "compare-status")
                                .get_attribute("data-peers"))
    assert label("population", "estimate_citation") in context.text


def test_comparison_view_follows_the_controls(driver, page_url, dataset) -> None:
    from selenium.webdriver.support.ui import Select

    open_page(driver, page_url)
    driver.find_element("id", "view-compare").click()
    Select(driver.find_element("id", "focus")).select_by_value("132012")
    Select(driver.find_element("id", "peers")).select_by_value("kind")
    assert shown_benchmark(driver) == expected_benchmark(dataset, "132012", "kind")
    assert "focus=132012" in driver.current_url and "peers=kind" in driver.current_url
    n_peers = int(driver.find_element("id", "compare-status").get_attribute("data-peers"))
    assert n_peers == expected_benchmark(dataset, "132012", "kind")[0][5]
    # a new focus opens on its own default group
    Select(driver.find_element("id", "focus")).select_by_value("131041")
    assert driver.find_element("id", "peers").get_attribute("value") == "size"
    assert "peers=" not in driver.current_url


@pytest.mark.parametrize("fragment", ["", "#view=compare&focus=132039"])
def test_axe_finds_no_violations(driver, page_url, fragment) -> None:
    open_page(driver, page_url + fragment)
    assert driver_axe_violations(driver) == []


def test_the_axe_check_can_fail(driver, tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text('<html><body><input type="text"><script>'
                    'document.documentElement.setAttribute("data-ready","true")</script>'
                    "</body></html>")
    open_page(driver, page.as_uri())
    assert {"html-has-lang", "label"} <= {v["id"] for v in driver_axe_violations(driver)}


def test_the_default_comparison_says_what_the_gap_review_says(dataset, payload) -> None:
    """One fact, one number: for every documented municipality, the explorer's default
    group gives each feature the same denominator, numerator and status as the gap-review
    handout's table (``compare.gaps.gap_table``), which the page sums in the browser."""
    from analysis.compare.gaps import DOCUMENTED, GAP_SUPPLEMENTARY, gap_table

    comparison = payload["comparison"]
    codes = [m["code"] for m in payload["municipalities"]]
    features = municipality_features(edition_dataset(dataset, EDITION))
    checked = 0
    for focus, (key, _) in comparison["defaults"].items():
        set_index = dict(comparison["peer_groups"][focus])[key]
        peers = [codes[i] for i in comparison["peer_sets"][set_index] if codes[i] != focus]
        table = gap_table(dataset, focus, EDITION, features=features)
        assert table["n_peers"].eq(len(peers)).all(), focus
        for index, feature in enumerate(comparison["features"]):
            row = table.loc[table["feature"] == feature["key"]]
            assert len(row) == 1, (focus, feature)
            row = row.iloc[0]
            with_it = sum(index in comparison["has"].get(p, []) for p in peers)
            assert with_it == row["n_peers_with"], (focus, feature["key"])
            focus_has = index in comparison["has"].get(focus, [])
            assert focus_has == (row["status"] == DOCUMENTED), (focus, feature["key"])
            marked = index in comparison["supplementary"].get(focus, [])
            assert marked == (row["status"] == GAP_SUPPLEMENTARY), (focus, feature["key"])
            checked += 1
    assert checked == len(comparison["defaults"]) * len(comparison["features"]) > 400
