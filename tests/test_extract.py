"""Tests for analysis.tools.extract: rule-based candidate facts and ``extract --compare``."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from analysis.core.labels import labels
from analysis.text.fold import fold
from analysis.tools.extract import (
    CANDIDATE_COLUMNS,
    COMPARE_COLUMNS,
    UNPARSED,
    compare,
    extract_candidates,
    extract_source,
    split_sentences,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
RAW = DATA / "raw"
CODES = {"新宿区": "131041", "武蔵野市": "132039"}
SOURCE_IDS = ["fy2024_main", "fy2024_musashino_flyers", "fy2022_part1", "fy2022_part2",
              "visit_musashino_20241203"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m analysis`` as a user runs it."""
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=60)


def candidates(body: str) -> pd.DataFrame:
    """Candidates of ``body`` as the 新宿区 section of a one-section document."""
    return extract_candidates(f"1 新宿区の取組\n{body}\n", source_id="test",
                              municipality_names=CODES)


def found(body: str, kind: str) -> list[tuple[str, str]]:
    """(phrase, value) of every candidate of one kind."""
    frame = candidates(body).query("kind == @kind")
    return list(zip(frame["phrase"], frame["value"], strict=True))


@cache
def shipped_candidates(source_id: str) -> pd.DataFrame:
    return extract_source(source_id)


@cache
def shipped_report() -> pd.DataFrame:
    return compare(DATA)


# ------------------------------------------------------------------ hand-made texts -----

def test_each_kind_from_a_small_text() -> None:
    frame = candidates(
        "　電話、来所、訪問による相談を受け付けています。\n"
        "　対象は15歳から49歳までの方です。\n"
        "　家族会を月1回開催し\nています。\n"
        "　令和５年 11月１日に窓口を開設しました。\n"
        "　29の機関・団体で構成します。"
    )
    assert list(frame.columns) == CANDIDATE_COLUMNS
    rows = set(zip(frame["kind"], frame["phrase"], frame["value"], strict=True))
    assert rows == {
        ("channel", "電話", "phone"), ("channel", "来所", "in_person"),
        ("channel", "訪問", "home_visit"), ("age", "15歳から49歳まで", "15-49"),
        ("frequency", "月1回", "12"), ("date", "令和５年 11月１日", "2023-11"),
        ("count", "29の機関・団体", "29"),
    }
    assert set(frame["municipality_code"]) == {"131041"}
    assert set(frame["source_id"]) == {"test"}
    # a sentence runs over a line break until 。; the break is removed, nothing else
    assert frame.query("kind == 'frequency'")["quote"].item() == "家族会を月1回開催しています。"


@pytest.mark.parametrize(("word", "key"), [
    ("メール", "email"), ("オンライン", "online"), ("LINE", "line"), ("SNS", "sns"),
    ("相談フォーム", "web_form"), ("出張相談", "mobile_consultation"),
    ("出前相談", "mobile_consultation"), ("FAX", "fax"), ("ＦＡＸ", "fax"), ("郵送", "letter"),
])
def test_channel_words(word: str, key: str) -> None:
    assert [value for _, value in found(f"{word}で受け付けます。", "channel")] == [key]


def test_channel_look_alikes_are_not_channels() -> None:
    assert found("地域福祉プラットフォームとONLINEで訪問看護を紹介。", "channel") == []


def test_channel_keys_are_label_keys() -> None:
    text = "電話 来所 訪問 メール オンライン LINE SNS フォーム 出張 FAX 郵送。"
    assert {value for _, value in found(text, "channel")} == set(labels("channel"))


@pytest.mark.parametrize(("phrase", "value"), [
    ("18歳未満", "-17"), ("19 歳以上", "19-"), ("年齢を問わず", "all"),
    ("義務教育終了後", "15-"), ("50代・60代", "50-69"), ("40代以上", "40-"),
    ("概ね15歳～39歳", "15-39"), ("高校生世代から39歳まで", "15-39"),
])
def test_age_phrases(phrase: str, value: str) -> None:
    assert found(f"対象は{phrase}の方です。", "age") == [(phrase, value)]


@pytest.mark.parametrize(("phrase", "value"), [
    ("月1回", "12"), ("毎週", "52"), ("毎月第3日曜日", "12"), ("年に7回", "7"),
    ("2カ月に1回", "6"), ("第1・第3木曜日", "24"), ("月１～２回", "18"), ("隔月", "6"),
    ("随時", "irregular"), ("不定期", "irregular"), ("年に数回", "uncounted"),
])
def test_frequency_phrases(phrase: str, value: str) -> None:
    assert found(f"会議を{phrase}開催。", "frequency") == [(phrase, value)]


def test_a_date_is_not_a_frequency() -> None:
    # "4月1回目" is a date and an ordinal; 月1回 inside it must not be read as monthly
    assert found("令和6年4月1回目の会議。", "frequency") == []


@pytest.mark.parametrize(("phrase", "value"), [
    ("令和3年4月", "2021-04"), ("平成30年度", "2018FY"), ("2015年度", "2015FY"),
    ("令和元年", "2019"), ("令和 6年 10月", "2024-10"), ("2018年 12月", "2018-12"),
])
def test_date_phrases(phrase: str, value: str) -> None:
    assert found(f"{phrase}に開始。", "date") == [(phrase, value)]


@pytest.mark.parametrize(("phrase", "value"), [
    ("13か所", "13"), ("7団体", "7"), ("3名体制", "3"), ("全 110店舗", "110"), ("1 1 か所", "11"),
])
def test_count_phrases(phrase: str, value: str) -> None:
    assert found(f"市内{phrase}で実施。", "count") == [(phrase, value)]


@pytest.mark.parametrize(("body", "kind", "phrase"), [
    ("事業は2年度より拡大しました。", "date", "2年度"),  # era left out: no year to read
    ("平成32年に開始。", "date", "平成32年"),  # Heisei ended in its 31st year
    ("対象は40歳から20歳まで。", "age", "40歳から20歳まで"),  # bounds the wrong way round
])
def test_rejected_phrases_are_marked_not_guessed(body: str, kind: str, phrase: str) -> None:
    assert found(body, kind) == [(phrase, UNPARSED)]


def test_whole_file_municipality() -> None:
    text = "■実施日時：令和 6 年 12 月 3 日\n\n・総合支援調整会議を 2 カ月に 1 回開催。\n"
    frame = extract_candidates(text, source_id="visit", municipality_names=CODES,
                               whole_file_municipality="武蔵野市")
    assert set(frame["municipality_code"]) == {"132039"}
    assert ("frequency", "6") in set(zip(frame["kind"], frame["value"], strict=True))
    without = extract_candidates(text, source_id="visit", municipality_names=CODES)
    assert without.empty
    assert list(without.columns) == CANDIDATE_COLUMNS


def test_sentences_split_on_maru_blank_lines_and_new_paragraphs() -> None:
    text = "見出し\n　一つ目の文で\nす。二つ目。\n\n三つ目\n・四つ目\tセル"
    assert [s.quote for s in split_sentences(text)] == [
        "見出し", "一つ目の文です。", "二つ目。", "三つ目", "・四つ目", "セル"]
    assert all(text[s.start] == s.quote[0] for s in split_sentences(text))


# ------------------------------------------------------------------ real files ----------

def test_fy2024_main_file() -> None:
    frame = shipped_candidates("fy2024_main")
    assert frame["municipality_name"].nunique() == 17
    assert (frame["municipality_code"] != "").all()
    musashino = frame.query("municipality_name == '武蔵野市' and kind == 'age'")
    assert "15-49" in set(musashino["value"])
    edogawa = frame.query("municipality_name == '江戸川区' and kind == 'channel'")
    assert "line" in set(edogawa["value"])


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_quotes_and_phrases_are_verbatim(source_id: str) -> None:
    frame = shipped_candidates(source_id)
    file = {"fy2024_main": "guidebook-appendix-fy2024.txt",
            "fy2024_musashino_flyers": "guidebook-appendix-fy2024-musashino-flyers.txt",
            "fy2022_part1": "guidebook-appendix-fy2022-part1.txt",
            "fy2022_part2": "guidebook-appendix-fy2022-part2.txt",
            "visit_musashino_20241203": "supportnet-visit-musashino-2024-12-03.txt"}[source_id]
    text = (RAW / file).read_text(encoding="utf-8")
    source = fold(text)
    assert not frame.empty
    for row in frame.itertuples():
        assert "\n" not in row.quote
        assert fold(row.quote) in source
        assert fold(row.phrase) in fold(row.quote)
        assert text[row.start] == row.phrase[0]


def test_visit_record_is_musashino_throughout() -> None:
    frame = shipped_candidates("visit_musashino_20241203")
    assert set(frame["municipality_code"]) == {"132039"}


# ------------------------------------------------------------------ compare -------------

def test_compare_on_shipped_data() -> None:
    report = shipped_report()
    assert list(report.columns) == COMPARE_COLUMNS
    assert not report.empty
    assert set(report["status"]) <= {"missing", "disagrees", "informational"}
    # the shipped tables validate, so none of their values disagrees with its phrase
    assert (report["status"] != "disagrees").all()
    assert set(report.query("status == 'informational'")["kind"]) == {"count"}
    # a recorded fact is not reported: 武蔵野市's 15-49 (それいゆ) is in target_ages
    ages = report.query("municipality_code == '132039' and kind == 'age'")
    assert "15-49" not in set(ages["value"])


def test_compare_flags_a_disagreement(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("curation", "*.geojson"))
    path = data / "tidy" / "meetings.csv"
    meetings = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = meetings.index[meetings["per_year"] == "12"][0]
    meetings.loc[row, "per_year"] = "6"
    meetings.to_csv(path, index=False)

    report = compare(data)
    flagged = report.query("status == 'disagrees'")
    assert len(flagged) == 1
    assert flagged["phrase"].item() == meetings.loc[row, "frequency_text"]
    assert "curated 6, derived 12" in flagged["value"].item()
    assert flagged["municipality_code"].item() == meetings.loc[row, "municipality_code"]

    result = cli("extract", "--compare", "--data", str(data))
    assert result.returncode == 0, result.stderr
    assert "1 disagrees" in result.stderr.splitlines()[-1]


# ------------------------------------------------------------------ command line --------

def test_cli_extract_by_source_id_file_name_and_path(tmp_path: Path) -> None:
    by_id = cli("extract", "visit_musashino_20241203")
    assert by_id.returncode == 0, by_id.stderr
    frame = pd.read_csv(io.StringIO(by_id.stdout), dtype=str, keep_default_na=False)
    assert list(frame.columns) == CANDIDATE_COLUMNS
    assert set(frame["municipality_name"]) == {"武蔵野市"}

    out = tmp_path / "c.csv"
    by_path = cli("extract", str(RAW / "supportnet-visit-musashino-2024-12-03.txt"),
                  "--out", str(out))
    assert by_path.returncode == 0, by_path.stderr
    assert out.read_text(encoding="utf-8") == by_id.stdout


def test_cli_compare_writes_csv_and_summary() -> None:
    result = cli("extract", "--compare")
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert list(frame.columns) == COMPARE_COLUMNS
    assert len(frame) == len(shipped_report())
    summary = result.stderr.splitlines()
    assert summary[-1].startswith("total: ")
    assert any(line.startswith("132039 武蔵野市: ") for line in summary)


NEITHER = "error: give either a SOURCE_FILE to extract from or --compare, not both or neither"


@pytest.mark.parametrize(("args", "message"), [
    (("extract", "no-such-file.txt"),
     "error: no-such-file.txt: no such file, and not a source_id or file name in "),
    (("extract",), NEITHER),
    (("extract", "fy2024_main", "--compare"), NEITHER),
    (("extract", "--compare", "--data", "no/such/dir"),
     "error: no/such/dir: not a directory (give a data directory laid out like data/)"),
])
def test_cli_user_errors_exit_1_without_traceback(args: tuple[str, ...], message: str) -> None:
    result = cli(*args)
    assert result.returncode == 1
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.stderr
