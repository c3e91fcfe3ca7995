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
from analysis.compare.peers import peer_benchmark, peer_group
from analysis.dataset.scope import edition_dataset
from analysis.dataset.tables import TIDY_TABLES, load_dataset
from analysis.present import explorer
from analysis.present.explorer import explorer_payload, render_explorer, search_fold, write_explorer
from tests.browser import (
    console_errors,
    driver_axe_violations,
    fetched_resources,
    offline_chromium,
    open_page,
)
from tests.test_build import japanese_outside_names

EDITION = "fy2024"
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


def test_facts_of_an_earlier_edition_leave_later_sources_out(dataset) -> None:
    payload = explorer_payload(dataset, "fy2022", "ja")
    sources = {s["id"] for s in payload["sources"]}
    used = {payload["sources"][f["source"]]["id"] for f in facts_of(payload)}
    assert not any(s.startswith("fy2024") for s in used)
    assert "visit_musashino_20241203" in used  # its municipality's own source, any edition
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
    visit = [f for f in facts if sources[f["source"]]["id"] == "visit_musashino_20241203"]
    assert visit and all(sources[f["source"]]["basis"] == "supplementary" for f in visit)
    assert all(munis[f["muni"]]["code"] == "132039" for f in visit)
    # a channel row carries its service's name, category and menu
    channel = next(f for f in facts if f["table"] == "channels")
    service = next(f for f in facts if f["table"] == "services"
                   and f["row_id"] == channel["row_id"])
    assert (channel["name"], channel["category"], channel["menu"]) == (
        service["name"], service["category"], service["menu"])
    meeting = next(f for f in facts if f["table"] == "meetings" and f["per_year"])
    assert meeting["frequency"] and meeting["regular"] == "true"


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


def test_peer_sets_are_metrics_peer_groups(dataset, payload) -> None:
    data = edition_dataset(dataset, EDITION)
    comparison = payload["comparison"]
    codes = [m["code"] for m in payload["municipalities"]]
    documented = set(comparison["has"])
    for focus, groups in comparison["peer_groups"].items():
        assert [key for key, _ in groups] == list(explorer.PEER_KEYS)
        for key, index in groups:
            stored = {codes[i] for i in comparison["peer_sets"][index]} - {focus}
            assert stored == set(peer_group(data.municipalities, focus, key)) & documented


def test_size_band_slots_in_when_the_reference_table_has_it(dataset) -> None:
    assert "size" not in [f["key"] for f in explorer_payload(dataset, EDITION)["filters"]]
    bands = dataset.municipalities.assign(
        size_band=["large" if i % 2 else "small" for i in range(len(dataset.municipalities))])
    payload = explorer_payload(dataclasses.replace(dataset, municipalities=bands), EDITION)
    size = next(f for f in payload["filters"] if f["key"] == "size")
    assert {o["key"] for o in size["options"]} == {"large", "small"}
    assert all(m["size_band"] in ("large", "small") for m in payload["municipalities"])


def test_filters_have_labels_and_options(payload) -> None:
    keys = [f["key"] for f in payload["filters"]]
    assert keys == ["muni", "area", "table", "category", "menu", "channel", "age", "regular",
                    "edition", "basis"]
    for entry in payload["filters"]:
        assert entry["label"] and all(o["label"] for o in entry["options"]), entry["key"]
    basis = next(f for f in payload["filters"] if f["key"] == "basis")
    assert [o["key"] for o in basis["options"]] == ["main", "supplementary"]


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
    line = [f for f in tama if "line" in f["channels"]]
    assert option_count(driver, "channel", "line") == len(line)
    choose(driver, "channel", "line")
    assert status_count(driver) == len(line) > 0
    # the area counts now count LINE facts in each area
    ku_line = [f for f in facts if area[codes[f["muni"]]] == "ku" and "line" in f["channels"]]
    assert option_count(driver, "area", "ku") == len(ku_line)
    band = [f for f in line if any((lo or 0) <= 49 and (80 if hi is None else hi) >= 40
                                   for lo, hi in f["ages"])]
    choose(driver, "age", "40-49")
    assert status_count(driver) == len(band)


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
    rows = driver.find_elements("css selector", "#gaps tbody tr")
    found = []
    for row in rows:
        cells = row.find_elements("tag name", "td")
        share = cells[5].get_attribute("data-value")
        found.append((row.get_attribute("data-family"), row.get_attribute("data-feature"),
                      cells[1].text, cells[2].get_attribute("data-value") == "true",
                      int(cells[3].get_attribute("data-value")),
                      int(cells[4].get_attribute("data-value")),
                      None if share == "" else round(float(share), 9),
                      cells[6].get_attribute("data-value") == "true"))
    return found


def expected_benchmark(dataset, focus: str, peers: str) -> list[tuple]:
    data = edition_dataset(dataset, EDITION)
    frame = peer_benchmark(municipality_features(data), data.municipalities, focus, peers)
    return [(r.family, r.feature, r.label, bool(r.focus_has), int(r.n_peers_with),
             int(r.n_peers), None if r.peer_share != r.peer_share else round(r.peer_share, 9),
             bool(r.gap)) for r in frame.itertuples()]


@pytest.mark.parametrize(("focus", "peers"), [
    ("132039", "all"), ("132039", "area"), ("131041", "kind"), ("133612", "area"),
    ("132080", "kind"), ("131164", "all")])
def test_comparison_view_equals_peer_benchmark(driver, page_url, dataset, focus,
                                               peers) -> None:
    open_page(driver, f"{page_url}#view=compare&focus={focus}&peers={peers}")
    assert shown_benchmark(driver) == expected_benchmark(dataset, focus, peers)


def test_comparison_view_follows_the_controls(driver, page_url, dataset) -> None:
    from selenium.webdriver.support.ui import Select

    open_page(driver, page_url)
    driver.find_element("id", "view-compare").click()
    Select(driver.find_element("id", "focus")).select_by_value("132012")
    Select(driver.find_element("id", "peers")).select_by_value("area")
    assert shown_benchmark(driver) == expected_benchmark(dataset, "132012", "area")
    assert "focus=132012" in driver.current_url and "peers=area" in driver.current_url
    n_peers = int(driver.find_element("id", "compare-status").get_attribute("data-peers"))
    assert n_peers == expected_benchmark(dataset, "132012", "area")[0][5]


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
