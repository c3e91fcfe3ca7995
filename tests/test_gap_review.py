"""The gap-review handout (analysis.present.gap_review): two pages for a support-network
meeting, peers named with their programmes and verbatim quotes, words for the room.

The page checks read the session's build (``built_report``: all 17 handouts); the
content checks call the functions on the shipped data."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from analysis.compare.features import THEMES, municipality_features
from analysis.compare.gaps import (
    GAP,
    GAP_STATUSES,
    GAP_SUPPLEMENTARY,
    GAP_SUPPLEMENTARY_MAIN_GROUP,
    gap_table,
    review_peers,
)
from analysis.compare.peers import peer_benchmark
from analysis.core.labels import label_table
from analysis.core.paths import DATA_DIR, raw_dir
from analysis.dataset.scope import edition_dataset, edition_municipalities, for_audience
from analysis.dataset.tables import Dataset, load_dataset
from analysis.present.gap_review import gap_review, handout_html, handout_text, trim_quote
from analysis.text.sources import quote_spans
from tests.test_build import _TextOutsideNamesAndQuotes, japanese_outside_names

EDITION = "fy2024"
MUSASHINO, SETAGAYA, OSHIMA = "132039", "131121", "133612"
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset()


@pytest.fixture(scope="module")
def codes(dataset: Dataset) -> list[str]:
    return edition_municipalities(dataset, EDITION)


@pytest.fixture(scope="module")
def reviews(dataset: Dataset, codes: list[str]) -> dict:
    """The Japanese handout of every municipality of the edition."""
    return {code: gap_review(dataset, code, EDITION) for code in codes}


@pytest.fixture(scope="module")
def musashino(reviews: dict):
    return reviews[MUSASHINO]


def raw_text(dataset: Dataset, source_id: str) -> str:
    file = dataset.sources.set_index("source_id").loc[source_id, "file"]
    return (raw_dir(DATA_DIR) / file).read_text(encoding="utf-8")


def visible_text(page: str) -> list[str]:
    """The visible text of a page outside class="name" and class="quote"."""
    parser = _TextOutsideNamesAndQuotes()
    parser.feed(page)
    return [t.strip() for t in parser.text if t.strip()]


def enum_keys() -> set[str]:
    """Every key of labels.csv that looks like a code value (``ku``, ``all``, ``fax``,
    ``special_ward``): none may reach a Japanese reader."""
    return {key for key in label_table()["key"] if re.fullmatch(r"[a-z][a-z0-9_]*", key)}


def leaked_tokens(page: str) -> list[str]:
    keys = enum_keys()
    found: set[str] = set()
    for text in visible_text(page):
        found |= set(SNAKE.findall(text))
        found |= {w for w in ASCII_WORD.findall(text) if w in keys}
    return sorted(found)


# --- Pages of the session's build ---------------------------------------------------

def test_every_gap_review_is_at_most_two_a4_pages(built_report: Path, codes: list[str]) -> None:
    pdfs = sorted((built_report / "gap_reviews").glob("*.pdf"))
    assert [p.stem for p in pdfs] == codes  # all 17 handouts
    for pdf in pdfs:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                              check=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        assert pages <= 2, (pdf.name, pages)
        assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), pdf.name


def test_no_code_value_reaches_a_japanese_handout(built_report: Path) -> None:
    """Outside names and quotes, no snake_case token and no key of labels.csv (``all``,
    ``size``, ``ku``, ``fax`` …) in the visible text of any of the 17 handouts."""
    for page in sorted((built_report / "gap_reviews").glob("*.html")):
        html = page.read_text(encoding="utf-8")
        assert 'lang="ja"' in html
        assert leaked_tokens(html) == [], page.name


def test_the_code_value_check_can_fail() -> None:
    assert leaked_tokens("<p>比較対象：all（16区市町村）</p>") == ["all"]
    assert leaked_tokens("<p>会議：network_meeting</p>") == ["network_meeting"]
    assert leaked_tokens('<p>電話・FAX・LINE・Web <span class="name">all_in</span></p>') == []


def test_every_handout_names_peer_programmes_with_quotes(built_report: Path,
                                                         dataset: Dataset,
                                                         codes: list[str]) -> None:
    """Every handout with a gap shows examples: a municipality, a programme and a quote
    that is verbatim in the guidebook (the … of a trimmed quote aside)."""
    guidebook = [raw_text(dataset, s) for s in ("fy2024_main", "fy2024_musashino_flyers")]
    for code in codes:
        html = (built_report / "gap_reviews" / f"{code}.html").read_text(encoding="utf-8")
        rows = re.findall(r'<tr><td><span class="name">([^<]+)</span>.*?'
                          r'<span class="quote">「(.*?)」</span>', html)
        assert rows, code
        for municipality, quote in rows:
            shown = re.sub(r"<[^>]+>", "", quote).replace("&amp;", "&").rstrip("…")
            assert any(quote_spans(text, shown) for text in guidebook), (code, quote)
            assert municipality in html


def test_the_handout_says_page_two_when_it_leaves_gaps_out(built_report: Path) -> None:
    html = (built_report / "gap_reviews" / f"{OSHIMA}.html").read_text(encoding="utf-8")
    assert "比較対象に多いものから6項目（各テーマ少なくとも1項目。" in html
    assert "大島町にない" not in html  # 「掲載なし」, never 「ない」


# --- Content ------------------------------------------------------------------------

def test_musashino_has_an_example_for_every_gap_theme(musashino, dataset: Dataset) -> None:
    gap_themes = set(musashino.table.loc[musashino.table["status"].isin(GAP_STATUSES),
                                         "theme"])
    assert gap_themes == {"entry", "ages", "groups", "network", "menus"}
    shown = {block.theme for block in musashino.examples if block.examples}
    assert gap_themes <= shown
    names = set(dataset.municipalities["name"])
    for block in musashino.examples:
        assert 2 <= len(block.examples) <= 3, block.line.feature
        for example in block.examples:
            assert example.municipality in names and example.programme
            assert example.municipality != "武蔵野市"
            text = raw_text(dataset, example.source_id)
            assert quote_spans(text, example.quote.rstrip("…")), example
            assert example.source == "附属資料 令和6年度版"
            assert re.fullmatch(r"\d+ \S+の取組", example.section), example.section
    html = handout_html(musashino)
    for block in musashino.examples:
        for example in block.examples:
            assert f"「{example.quote}」" in html.replace("&amp;", "&")


def test_examples_prefer_the_peer_group(musashino) -> None:
    """The peers of the group come first; another municipality only when fewer than
    two peers document the feature (サポーター派遣・養成: 調布市 alone)."""
    for block in musashino.examples:
        flags = [example.in_group for example in block.examples]
        assert flags == sorted(flags, reverse=True), block.line.feature
        if block.line.n_peers_with >= 2:
            assert all(flags), block.line.feature
    training = next(b for b in musashino.examples if b.line.feature == "supporter_training")
    assert [e.municipality for e in training.examples][0] == "調布市"


def test_musashino_marks_the_gaps_its_visit_record_fills(musashino) -> None:
    status = musashino.table.set_index("feature")["status"]
    assert {f: status[f] for f in ("peer_group", "network", "case_conference")} == dict.fromkeys(
        ("peer_group", "network", "case_conference"), GAP_SUPPLEMENTARY)
    # 50代・60代を中心に: a main group, shown as such, never as coverage
    assert status["ages_40_64"] == GAP_SUPPLEMENTARY_MAIN_GROUP
    lines = {line.feature: line for block in musashino.themes for line in block.gaps}
    filled = "附属資料には掲載なし（訪問記録に記載あり・内部資料）"
    assert [f for f, line in lines.items() if line.status_text == filled] == [
        "peer_group", "network", "case_conference"]
    assert lines["ages_40_64"].status_text == (
        "附属資料には掲載なし（訪問記録に50〜69歳を中心とする相談の記載あり・内部資料）")
    assert lines["case_conference"].programmes == ["総合支援調整会議", "支援調整会議"]
    text = handout_text(musashino)
    assert "「若者サポート推進連絡会議」" in text and "「ひきこもりUX女子会」" in text
    assert "訪問記録（令和6年12月3日・内部資料）は比較に含めず" in text


def test_a_public_handout_leaves_the_visit_record_out(dataset: Dataset) -> None:
    public = gap_review(dataset, MUSASHINO, EDITION, audience="public")
    status = public.table.set_index("feature")["status"]
    assert status["peer_group"] == GAP and status["ages_40_64"] == GAP
    text = handout_text(public)
    for word in ("訪問記録", "内部資料", "総合支援調整会議", "若者サポート推進連絡会議"):
        assert word not in text, word
    assert (for_audience(dataset, "public").sources["audience"] == "public").all()


def test_the_peer_group_is_said_in_words(reviews: dict, dataset: Dataset) -> None:
    """Never a raw key (``all``, ``size``): no ASCII word at all in Japanese."""
    for review in reviews.values():
        assert not ASCII_WORD.search(review.peers) and "{" not in review.peers, review.peers
    for code in (MUSASHINO, OSHIMA):
        english = gap_review(dataset, code, EDITION, lang="en").peers
        assert "{" not in english and not SNAKE.search(english), english
        # a key as the old lead showed it: 「比較対象：all（16区市町村）」, "Peer group: all (16"
        assert not re.search(r"[:(（：]\s*(all|size|area|kind|nearest|list)\b", english), english


def test_peer_sentences_say_why_they_step_out(reviews: dict, dataset: Dataset) -> None:
    setagaya = reviews[SETAGAYA].peers
    assert "人口規模が同じ区分「特別区」で附属資料に掲載された8区と比べています。" in setagaya
    musashino = reviews[MUSASHINO].peers
    assert ("同じ人口規模の区分「一般市（10万人以上15万人未満）」で附属資料に掲載された"
            "ほかの区市町村がないため、同じ地域（多摩地域）の6市と比べています。") in musashino
    oshima = reviews[OSHIMA]
    assert "同じ地域（島しょ部）でもないため、附属資料に掲載されたすべての16区市と比べています" \
        in oshima.peers
    assert "76,460〜928,666人で、どこも大島町（6,589人）よりずっと大きな自治体です" in oshima.peers
    assert reviews[MUSASHINO].peer_names == ["八王子市", "調布市", "町田市", "日野市", "国立市",
                                             "狛江市"]
    assert "比較対象：八王子市・調布市・町田市・日野市・国立市・狛江市" in handout_text(
        reviews[MUSASHINO])
    english = gap_review(dataset, OSHIMA, EDITION, lang="en").peers
    assert "all 16 municipalities" in english and "Oshima Town (6,589)" in english


def test_oshima_reads_sensibly(reviews: dict) -> None:
    """A town of 6,589 against 16 far larger peers: the rare gaps (FAX: one peer of 16)
    share one line per theme, the channels count ways to consult only."""
    review = reviews[OSHIMA]
    entry = next(block for block in review.themes if block.theme == "entry")
    assert "fax" not in [line.feature for line in entry.gaps]
    assert "fax" in [line.feature for line in entry.rare]
    facts = dict(review.facts)
    assert facts["人口（令和8年1月1日）"] == "6,589人" and facts["地域"] == "島しょ部"
    assert review.strengths_title == "掲載されている取組"  # 居場所: 11 of 16 peers have one


def test_the_handout_is_english_with_lang_en(dataset: Dataset) -> None:
    review = gap_review(dataset, MUSASHINO, EDITION, lang="en")
    page = f'<html lang="en"><body>{handout_html(review)}</body></html>'
    assert japanese_outside_names(page) == []
    assert review.name == "Musashino City"
    assert {e.municipality for b in review.examples for e in b.examples} <= {
        "Hachioji City", "Chofu City", "Machida City", "Hino City", "Kunitachi City",
        "Komae City", "Bunkyo City", "Nakano City", "Shinjuku City", "Sumida City"}


def test_strengths_name_their_programmes(musashino) -> None:
    assert 3 <= len(musashino.strengths) <= 5
    assert all(strength.programmes for strength in musashino.strengths)
    assert len({s.label for s in musashino.strengths}) == len(musashino.strengths)
    # one theme after another: not five ways to phone
    features = [s.feature for s in musashino.strengths]
    assert "support_program" in features


def test_questions_are_about_support_and_partners(reviews: dict) -> None:
    for code, review in reviews.items():
        text = " ".join(q.text("ja") for q in review.questions)
        assert review.questions, code
        assert "次の版" not in text and "掲載を検討" not in text, code
        assert "誰が担える" in text or not any(
            b.line.status == GAP for b in review.examples), code


def test_the_gap_table_equals_the_peer_benchmark(dataset: Dataset, codes: list[str]) -> None:
    """What the explorer computes in the page: the same numerators and denominators."""
    data = edition_dataset(dataset, EDITION)
    features = municipality_features(data)
    for code in (MUSASHINO, SETAGAYA, OSHIMA):
        choice = review_peers(dataset, code, EDITION)
        table = gap_table(dataset, code, EDITION, features=features)
        benchmark = peer_benchmark(features, data.municipalities, code, choice.spec)
        assert list(table["feature"]) == list(benchmark["feature"])
        assert list(table["n_peers_with"]) == list(benchmark["n_peers_with"])
        assert set(table["n_peers"]) == {len(choice.codes)}
        assert list(table["theme"].drop_duplicates()) == list(THEMES)


def test_trimmed_quotes_stay_verbatim() -> None:
    quote = ("市役所にて月２回程度、様々な状況の中で生きづらさを抱える若者"
             "（概ね 15歳～ 39 歳程度）の各種相談について")
    shown = trim_quote(quote, 30)
    assert shown.endswith("…") and len(shown) <= 31
    assert quote_spans(quote, shown.rstrip("…"))
    assert trim_quote("短い引用です。") == "短い引用です。"
