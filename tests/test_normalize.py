"""Tests for analysis.text.normalize: tables of real phrases, grammar-based properties, and
differential checks against kanjize (numerals) and japanera (era conversion)."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from japanera import EraDate
from kanjize import KanjizeConfiguration, KanjizeStyle, kanji2number, number2kanji

from analysis.text.normalize import (
    AgeRange,
    Frequency,
    JapaneseDate,
    NormalizeError,
    normalize_text,
    parse_age_range,
    parse_count,
    parse_frequency,
    parse_japanese_date,
)

RAW_DIR = Path(__file__).resolve().parents[1] / "data" / "raw"
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
FLAT = KanjizeConfiguration(style=KanjizeStyle.FLAT)


@functools.cache
def _raw_corpus() -> str:
    """All raw texts with line breaks removed, so phrases split over two lines are found."""
    return "".join(p.read_text(encoding="utf-8").replace("\n", "") for p in sorted(
        RAW_DIR.glob("*.txt")))


@functools.cache
def _raw_lines() -> tuple[str, ...]:
    return tuple(line for p in sorted(RAW_DIR.glob("*.txt"))
            for line in p.read_text(encoding="utf-8").splitlines())


# ====================================================================== normalize_text ===

@pytest.mark.parametrize(("text", "expected"), [
    ("相相談談受受付付票票", "相談受付票"),
    ("相相談談申申込込・・受受付付票票", "相談申込・受付票"),
    ("（（初初回回相相談談受受付付部部署署））", "(初回相談受付部署)"),
    ("※※初初回回部部署署はは記記入入不不要要", "※初回部署は記入不要"),
    ("ああああななななたたたたのののの", "あなたの"),  # FY2024 flyer: bold written 4 times
    ("人々", "人々"),
    ("日日", "日日"),  # a single pair is real text
    ("その日日曜日に", "その日日曜日に"),
    ("ーーーー", "ーーーー"),  # a repeated identical pair is decoration, not doubling
    ("1100円", "1100円"),  # doubled digits are numbers
    ("四九九五五", "四九九五五"),  # so are doubled kanji digits
    ("2200店舗", "2200店舗"),
    ("⽀援", "支援"),  # Kangxi radical (NFKC)
    ("⾛る⽅", "走る方"),
    ("思春期・⻘年期", "思春期・青年期"),  # CJK radical supplement (not NFKC)
    ("１８歳", "18歳"),
    ("ＮＰＯ法人", "NPO法人"),
    ("ｶﾀｶﾅ", "カタカナ"),
    ("㍻30年", "平成30年"),
    ("15歳〜49歳", "15歳~49歳"),  # U+301C
    ("15歳～49歳", "15歳~49歳"),  # U+FF5E
    ("1∼2回", "1~2回"),
    ("1‐2", "1-2"), ("1–2", "1-2"), ("1−2", "1-2"), ("1－2", "1-2"), ("1‑2", "1-2"),
    ("080ー1234", "080-1234"),  # ー between digits is a hyphen
    ("コーヒー", "コーヒー"),
    ("a\u3000\u3000b", "a b"),
    ("a\u00a0b", "a b"),
    ("a\u200bb", "ab"),  # zero-width: deleted, not a space
    ("\ufeff 令和 \n", "令和"),
    ("  a \t\n b  ", "a b"),
    ("ひき こ も り", "ひき こ も り"),  # joining is opt-in
    ("", ""),
])
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("ひき こ も り", "ひきこもり"),
    ("令和 5年 4月", "令和5年4月"),
    ("令和 6 年 12 月 3 日", "令和6年12月3日"),
    ("平成 2 6 年度から は、", "平成26年度からは、"),
    ("市内に 1 1 か所（ 令和 5 年 1 月時点）", "市内に11か所(令和5年1月時点)"),
    ("「 子ども 家庭支援センタ ー（ 1 8 歳未満を対象）」",
     "「子ども家庭支援センター(18歳未満を対象)」"),
    ("ステーショ ン「 ロケッ ト 」 を設置し 、 毎週活動し",
     "ステーション「ロケット」を設置し、毎週活動し"),
    ("毎週水曜日は 12時～ 17時まで", "毎週水曜日は12時~17時まで"),
    ("Case 1: 40代男性の場合", "Case 1: 40代男性の場合"),
    ("NPO Net ひきこもり", "NPO Netひきこもり"),
    ("TEL(専用回線)： 080-9817", "TEL(専用回線): 080-9817"),
    ("相相 談談", "相談"),
    ("（（福福祉祉ままるるごごとと相相談談課課回回付付日日 年年 月月 日日））",
     "(福祉まるごと相談課回付日年月日)"),  # joining lets the lone pairs 年年 月月 collapse
])
def test_normalize_text_join_split_words(text: str, expected: str) -> None:
    assert normalize_text(text, join_split_words=True) == expected


def test_normalize_text_rejects_non_text() -> None:
    with pytest.raises(NormalizeError, match="None"):
        normalize_text(None)  # type: ignore[arg-type]


_NORMALIZE_ALPHABET = st.sampled_from(
    list("あいうかきこもりアイウカーー相談日月年歳回々〇一二十0123456789abAB ()~-.")
    + ["\u3000", "\u00a0", "\u200b", "〜", "～", "－", "⽀", "⻘", "\n", "１", "２"]
)


@FAST
@given(st.text(_NORMALIZE_ALPHABET, max_size=40), st.booleans())
def test_normalize_text_is_idempotent_and_tidy(text: str, join: bool) -> None:
    once = normalize_text(text, join_split_words=join)
    assert normalize_text(once, join_split_words=join) == once
    assert once == once.strip()
    assert "  " not in once
    assert not set(once) & set("\u3000\u00a0\u200b\n〜～－⽀⻘１２")


_KANA_WORD = st.text(st.sampled_from(list("ひきこもりしえんそうだんまどぐち相談窓口支援")),
                     min_size=1, max_size=5)


@FAST
@given(st.lists(_KANA_WORD, min_size=1, max_size=6),
       st.lists(st.sampled_from([" ", "\u3000", "  "]), min_size=6, max_size=6))
def test_join_split_words_removes_spaces_between_japanese(words: list[str],
                                                          gaps: list[str]) -> None:
    spaced = "".join(w + g for w, g in zip(words, gaps, strict=False))
    assert (normalize_text(spaced, join_split_words=True)
            == normalize_text("".join(words), join_split_words=True))


@FAST
@given(st.lists(st.from_regex(r"[A-Za-z]{1,6}", fullmatch=True), min_size=1, max_size=5))
def test_join_split_words_keeps_spaces_between_latin_words(words: list[str]) -> None:
    assert normalize_text(" ".join(words), join_split_words=True) == " ".join(words)


# ===================================================================== parse_frequency ===

def _freq(per_year: float | None, approximate: bool = False, regular: bool = True) -> Frequency:
    return Frequency(per_year, approximate, regular)


FREQUENCY_EXAMPLES = [
    ("月1回", _freq(12)),
    ("年に7回", _freq(7)),
    ("2カ月に1回", _freq(6)),
    ("２か月に１回", _freq(6)),
    ("2ヶ月に1回", _freq(6)),
    ("2ケ月に1回", _freq(6)),
    ("毎週", _freq(52)),
    ("週に2回", _freq(104)),
    ("週1回", _freq(52)),
    ("毎月第3日曜日", _freq(12)),
    ("第1・第3木曜日", _freq(24)),
    ("第2・4水曜日", _freq(24)),
    ("偶数月の第３金曜日", _freq(6)),
    ("奇数月", _freq(6)),
    ("偶数月", _freq(6)),
    ("隔月", _freq(6)),
    ("年1回程度", _freq(1, approximate=True)),
    ("月に1～2回", _freq(18, approximate=True)),
    ("月1〜2回", _freq(18, approximate=True)),
    ("年3-4回", _freq(3.5, approximate=True)),
    ("毎月", _freq(12)),
    ("毎年", _freq(1)),
    ("毎日", _freq(365)),
    ("隔週", _freq(26)),
    ("隔年", _freq(0.5)),
    # recurring without a number: nothing is approximated
    ("年数回", _freq(None)),
    ("月に数回", _freq(None)),
    ("定期的", _freq(None)),
    ("定期開催", _freq(None)),
    ("月1回前後", _freq(12, approximate=True)),
    ("およそ月2回", _freq(24, approximate=True)),
    ("月1回ごろ", _freq(12, approximate=True)),
    ("随時", _freq(None, regular=False)),
    ("不定期", _freq(None, regular=False)),
    ("必要に応じて", _freq(None, regular=False)),
    ("月二回", _freq(24)),
    ("年十二回", _freq(12)),
    ("年に一度", _freq(1)),
    ("概ね月1回", _freq(12, approximate=True)),
    ("おおむね年2回", _freq(2, approximate=True)),
    ("約月1回", _freq(12, approximate=True)),
    ("月に約2回", _freq(24, approximate=True)),
    ("月1回頃", _freq(12, approximate=True)),
    ("毎月2回", _freq(24)),
    ("毎週1回", _freq(52)),
    ("毎週水・金曜日", _freq(104)),
    ("週3日", _freq(156)),
    ("2週間に1回", _freq(26)),
    ("3年に1回", _freq(1 / 3)),
    ("年間12回", _freq(12)),
]

# Every frequency form found in data/raw/*.txt, with the raw spacing.
RAW_FREQUENCY = [
    ("2カ月に1回、総合支援調整会議を開催", _freq(6)),
    ("総合支援調整会議を 2 カ月に 1 回開催", _freq(6)),
    ("年 1 回、ひきこもりの講演会を市民向け", _freq(1)),
    ("年1回程度、重層的支援体制整備調整委", _freq(1, approximate=True)),
    ("月1回支援調整会議", _freq(12)),
    ("若者サポート推進連絡会議を年 2 回実施", _freq(2)),
    ("月 2回開催される利用者ミーティン", _freq(24)),
    ("毎週水曜日は 12時～ 17時まで", _freq(52)),
    ("毎週開催する「リンク」検討会", _freq(52)),
    ("毎週活動し", _freq(52)),
    ("月２回程度、様々な状況の中で", _freq(24, approximate=True)),
    ("年３回開催している本会議において", _freq(3)),
    ("年に 1回講演会を実施しています", _freq(1)),
    ("年に1回講演会を実施しています", _freq(1)),
    ("居場所を週に 5回開催しています", _freq(260)),
    ("年に7回家族セミナーを開催しています", _freq(7)),
    ("月1回程度の職業体験", _freq(12, approximate=True)),
    ("【年３回】", _freq(3)),
    ("【年3回】", _freq(3)),
    ("【年２回】", _freq(2)),
    ("月 1回フットサルを開", _freq(12)),
    ("月1回フットサルを開催しています", _freq(12)),
    ("を週に 1回派遣し", _freq(52)),
    ("偶数月の第３金曜日 13:30～15:30", _freq(6)),
    ("北千住において年5回開催している", _freq(5)),
    ("千住地域において年５回開催する", _freq(5)),
    ("年に数回、就労の準備に関する講座", _freq(None)),
    ("年４回程度講師をお招きして開催", _freq(4, approximate=True)),
    ("年に2回、ご家族だけではなく", _freq(2)),
    ("年に 2回、ご家族だけではなく", _freq(2)),
    ("毎月１回", _freq(12)),
    ("毎月１回 講師料 1,000円＋材料費", _freq(12)),
    ("毎月１回程度 出入り自由", _freq(12, approximate=True)),
    ("毎月最終木曜", _freq(12)),
    ("第1・第3木曜日", _freq(24)),
    ("第2・第4月曜日", _freq(24)),
    ("第1・第3木曜日 第2・第4月曜日", _freq(24)),  # the first schedule only
    ("フリースペースを週に 2回開催しています", _freq(104)),
    ("原則、毎月第3日曜日 10時～12時", _freq(12)),
    ("【随時】", _freq(None, regular=False)),
    ("不定期で休日窓口相談を実施しています", _freq(None, regular=False)),
    ("勉強会なども不定期で開催", _freq(None, regular=False)),
    ("グループワーク を定期的に開催し ています", _freq(None)),
    ("就労、修学後も定期的に通える場を提供し", _freq(None)),
    # A cap on free sessions, read literally as a count per year.
    ("（年間12回まで無料）", _freq(12)),
]


@pytest.mark.parametrize(("text", "expected"), FREQUENCY_EXAMPLES + RAW_FREQUENCY)
def test_parse_frequency(text: str, expected: Frequency) -> None:
    result = parse_frequency(text)
    assert result == expected
    assert result.per_year == pytest.approx(expected.per_year)
    assert result.text == text


@pytest.mark.parametrize("text", [
    "初回相談", "1回限りのご参加", "フォーラムを 2 回開催し", "第1回部会", "4月1回目",
    "メール相談【1回のみ無料】", "月額3か月無料",
])
def test_parse_frequency_rejects_phrases_without_a_period(text: str) -> None:
    with pytest.raises(NormalizeError, match=re.escape(repr(text))):
        parse_frequency(text)


_SPACE = st.sampled_from(["", "", " ", "\u3000"])


def _render(n: int, style: str) -> str:
    """A number as written in the sources: half-width, full-width or kanji."""
    if style == "half":
        return str(n)
    if style == "full":
        return str(n).translate(FULL_WIDTH)
    return number2kanji(n)


_STYLE = st.sampled_from(["half", "full", "kanji"])
_PERIODS = st.sampled_from([("年", 1), ("年間", 1), ("月", 12), ("週", 52)])
_APPROX = st.sampled_from([("", "", False), ("概ね", "", True), ("おおむね", "", True),
                           ("約", "", True), ("", "程度", True), ("", "頃", True)])


@FAST
@given(_PERIODS, st.sampled_from(["", "に"]), st.integers(1, 30), _STYLE, _APPROX, _SPACE)
def test_frequency_grammar_unit_count(period: tuple[str, int], ni: str, n: int, style: str,
                                      approx: tuple[str, str, bool], sp: str) -> None:
    unit, factor = period
    before, after, approximate = approx
    text = f"{before}{unit}{sp}{ni}{sp}{_render(n, style)}{sp}回{after}"
    result = parse_frequency(text)
    assert result.per_year == pytest.approx(factor * n)
    assert (result.approximate, result.regular) == (approximate, True)


@FAST
@given(_PERIODS, st.integers(1, 20), st.integers(1, 20), _STYLE,
       st.sampled_from(["から", "~", "～", "〜", "-"]), _SPACE)
def test_frequency_grammar_count_range(period: tuple[str, int], a: int, b: int, style: str,
                                       sep: str, sp: str) -> None:
    low, high = sorted((a, b))
    unit, factor = period
    text = f"{unit}に{sp}{_render(low, style)}{sp}{sep}{sp}{_render(high, style)}{sp}回"
    result = parse_frequency(text)
    assert result.per_year == pytest.approx(factor * (low + high) / 2)
    assert result.approximate  # a count range is approximate, even a degenerate one


@FAST
@given(st.integers(1, 12), st.integers(1, 5), _STYLE,
       st.sampled_from(["か", "カ", "ヶ", "ケ", "ヵ", "箇"]), _SPACE)
def test_frequency_grammar_every_n_months(n: int, m: int, style: str, counter: str,
                                          sp: str) -> None:
    text = f"{_render(n, style)}{sp}{counter}月に{sp}{_render(m, style)}{sp}回"
    assert parse_frequency(text).per_year == pytest.approx(12 / n * m)


@FAST
@given(st.lists(st.integers(1, 5), min_size=1, max_size=5, unique=True),
       st.sampled_from([("", 12), ("毎月", 12), ("偶数月の", 6), ("奇数月の", 6)]),
       st.sampled_from("月火水木金土日"), _STYLE, st.booleans())
def test_frequency_grammar_weekday_ordinals(ordinals: list[int], months: tuple[str, int],
                                            weekday: str, style: str, repeat_dai: bool) -> None:
    prefix, per_month_set = months
    joiner = "・第" if repeat_dai else "・"
    text = f"{prefix}第{joiner.join(_render(o, style) for o in ordinals)}{weekday}曜日"
    assert parse_frequency(text).per_year == per_month_set * len(ordinals)


# ===================================================================== parse_age_range ===

ALL = AgeRange(None, None, kind="all_ages")

AGE_EXAMPLES = [
    ("15歳から49歳まで", AgeRange(15, 49)),
    ("18歳未満", AgeRange(None, 17)),
    ("18歳以下", AgeRange(None, 18)),
    ("19歳以上", AgeRange(19, None)),
    ("18歳以上", AgeRange(18, None)),
    ("義務教育終了後", AgeRange(15, None)),
    ("義務教育修了後", AgeRange(15, None)),
    ("高校生世代から39歳", AgeRange(15, 39)),
    ("高校生世代", AgeRange(15, 18)),
    ("概ね15歳～39歳", AgeRange(15, 39, approximate=True)),
    ("おおむね18歳から49歳", AgeRange(18, 49, approximate=True)),
    ("約20歳まで", AgeRange(None, 20, approximate=True)),
    ("40代以上", AgeRange(40, None)),
    ("50代・60代", AgeRange(50, 69)),
    ("40代", AgeRange(40, 49)),
    ("四十代以上", AgeRange(40, None)),
    ("15～39歳", AgeRange(15, 39)),
    ("15〜39歳", AgeRange(15, 39)),
    ("15-39歳", AgeRange(15, 39)),
    ("中学卒業後", AgeRange(15, None)),
    ("中学校卒業後", AgeRange(15, None)),
    ("年齢を問わず", ALL),
    ("年代を問わず", ALL),
    ("全年代", ALL),
    ("全年齢", ALL),
    ("年齢不問", ALL),
    ("全世代", ALL),
    ("世代を問わず", ALL),
    ("年齢や性別を問わず", ALL),  # 日野市 fy2024
    ("特に対象年齢などは定めておらず", ALL),  # 狛江市 fy2024
    ("子どもから高齢の方まで", ALL),
    # qualifiers: a main group or an addition is not a limit
    ("主に20代", AgeRange(20, 29, kind="main_group")),
    ("主な対象は18歳から39歳", AgeRange(18, 39, kind="main_group")),
    ("30代を中心に", AgeRange(30, 39, kind="main_group")),
    ("40代以上も対象", AgeRange(40, None, kind="addition")),
    ("65歳以上の方についても", AgeRange(65, None, kind="addition")),
    ("概ね20代を中心に", AgeRange(20, 29, approximate=True, kind="main_group")),
    ("１５歳～３９歳", AgeRange(15, 39)),
    ("十五歳から四十九歳まで", AgeRange(15, 49)),
    ("65才以上", AgeRange(65, None)),
    ("18歳超", AgeRange(19, None)),
]

# Every age form found in data/raw/*.txt, with the raw spacing.
RAW_AGE = [
    ("15 歳～49 歳までの若者支援", AgeRange(15, 49)),
    ("15 歳から", AgeRange(15, None)),
    ("15歳から49歳までのひきこもりに関する相談", AgeRange(15, 49)),
    ("49歳までのひきこもりに関する相談", AgeRange(None, 49)),
    ("15～49歳までの方を対象", AgeRange(15, 49)),
    ("1 8 歳以上は「 ふく ふく 窓口", AgeRange(18, None)),
    ("1 8 歳未満は「 く にサポ", AgeRange(None, 17)),
    ("（ 1 8 歳未満を対象）", AgeRange(None, 17)),
    ("18 歳以下は「くにサポ", AgeRange(None, 18)),
    ("19 歳以上は「ふくふく窓口", AgeRange(19, None)),
    ("0歳から 18歳未満のお子さん", AgeRange(0, 17)),
    ("高校生世代から 39歳までの若者", AgeRange(15, 39)),
    ("おおむね 18 歳から 49 歳までの当事者", AgeRange(18, 49, approximate=True)),
    ("おおむね 18歳から 49歳までの当事者", AgeRange(18, 49, approximate=True)),
    ("若者（概ね 15歳～ 39 歳程度）", AgeRange(15, 39, approximate=True)),
    ("50 代・60 代の中高年層", AgeRange(50, 69)),
    # 武蔵野市 visit record: the window's main group, not a limit
    ("50 代・60 代の中高年層のひきこもり相談を中心に", AgeRange(50, 69, kind="main_group")),
    ("４０代以上のひきこもり", AgeRange(40, None)),
    # 調布市: 40代以上 is accepted in addition to children and young people
    ("４０代以上のひきこもりの相談についても", AgeRange(40, None, kind="addition")),
    ("10代にひきこもりだった", AgeRange(10, 19)),
    # 狛江市: 主に names the main group; it is not an approximation
    ("主に 10代～ 20代が対象", AgeRange(10, 29, kind="main_group")),
    ("主に 10代～ 20代", AgeRange(10, 29, kind="main_group")),
    # 文京区 STEP: every age after compulsory education is a limit from 15, not all ages
    ("義務教育終了後の全年齢", AgeRange(15, None)),
    # all-age windows and places (八王子市 both editions, 墨田区, 日野市, 国立市, 江戸川区)
    ("全年齢を 対象", ALL),
    ("属性や世代、相談内容に関わらず", ALL),
    ("属性や世代、 相談内容に関わら ず", ALL),
    ("小さなお子さんから高齢の方まで", ALL),
    ("子どもから大人までを対象とした居場所", ALL),
    ("子どもから高齢者、また多様な背景をもつ市民", ALL),
    ("年齢を問わずどなたでも利用できる居場所", ALL),
    ("年齢や性別を問わずひきこもりに関心のある方", ALL),
    ("特に対象年齢などは定めておらず", ALL),
    ("40代男性の場合", AgeRange(40, 49)),
    ("30代女性の場合", AgeRange(30, 39)),
    ("60代女性の場合", AgeRange(60, 69)),
    ("年代を問わずひきこもりの状態にある", ALL),
    ("二十歳のつどい", AgeRange(20, 20)),
]


@pytest.mark.parametrize(("text", "expected"), AGE_EXAMPLES + RAW_AGE)
def test_parse_age_range(text: str, expected: AgeRange) -> None:
    result = parse_age_range(text)
    assert result == expected
    assert result.text == text


@pytest.mark.parametrize("text", [
    "（     歳）", "千代田区", "多世代・多機能型交流拠点", "49歳から15歳", "200歳以上", "万歳",
])
def test_parse_age_range_rejects(text: str) -> None:
    with pytest.raises(NormalizeError, match=re.escape(repr(text))):
        parse_age_range(text)


_AGE_APPROX = st.sampled_from([("", "", False), ("概ね", "", True), ("おおむね", "", True),
                               ("約", "", True), ("", "程度", True)])


@FAST
@given(st.integers(0, 99), st.integers(0, 99), _STYLE,
       st.sampled_from(["から", "~", "～", "〜", "-"]), st.sampled_from(["", "まで", "未満"]),
       st.booleans(), _AGE_APPROX, _SPACE)
def test_age_grammar_ranges(a: int, b: int, style: str, sep: str, tail: str, unit_on_low: bool,
                            approx: tuple[str, str, bool], sp: str) -> None:
    low, high = sorted((a, b))
    if tail == "未満" and high == low:
        high += 1
    before, after, approximate = approx
    low_text = _render(low, style) + ("歳" if unit_on_low else "")
    text = f"{before}{low_text}{sp}{sep}{sp}{_render(high, style)}{sp}歳{tail}{after}"
    expected_high = high - 1 if tail == "未満" else high
    assert parse_age_range(text) == AgeRange(low, expected_high, approximate)


@FAST
@given(st.integers(1, 110), _STYLE, _AGE_APPROX, _SPACE,
       st.sampled_from(["以上", "以下", "未満", "まで", "から", ""]))
def test_age_grammar_bounds(n: int, style: str, approx: tuple[str, str, bool], sp: str,
                            qualifier: str) -> None:
    before, after, approximate = approx
    text = f"{before}{_render(n, style)}{sp}歳{sp}{qualifier}{after}"
    expected = {"以上": (n, None), "から": (n, None), "以下": (None, n), "まで": (None, n),
                "未満": (None, n - 1), "": (n, n)}[qualifier]
    assert parse_age_range(text) == AgeRange(*expected, approximate)


@FAST
@given(st.lists(st.integers(1, 9), min_size=1, max_size=4, unique=True),
       st.sampled_from(["・", "、", "～", "から"]), st.sampled_from(["", "以上"]),
       st.sampled_from(["half", "full", "kanji"]))
def test_age_grammar_decades(decades: list[int], sep: str, tail: str, style: str) -> None:
    decades.sort()
    text = sep.join(f"{_render(d * 10, style)}代" for d in decades) + tail
    high = None if tail == "以上" else decades[-1] * 10 + 9
    assert parse_age_range(text) == AgeRange(decades[0] * 10, high)


# ================================================================= parse_japanese_date ===

DATE_EXAMPLES = [
    ("平30年度", JapaneseDate(2018, None, True)),
    ("令元年", JapaneseDate(2019)),
    ("令和3年4月", JapaneseDate(2021, 4)),
    ("令和元年", JapaneseDate(2019)),
    ("令和元年度", JapaneseDate(2019, None, True)),
    ("平成30年度", JapaneseDate(2018, None, True)),
    ("2015年度", JapaneseDate(2015, None, True)),
    ("令和５年１１月１日", JapaneseDate(2023, 11)),
    ("令和 6年 10月", JapaneseDate(2024, 10)),
    ("R3", JapaneseDate(2021)),
    ("H30年度", JapaneseDate(2018, None, True)),
    ("R5.4", JapaneseDate(2023, 4)),
    ("Ｒ３年４月", JapaneseDate(2021, 4)),
    ("令和5年4月から", JapaneseDate(2023, 4)),
    ("明治元年", JapaneseDate(1868)),
    ("明治45年", JapaneseDate(1912)),
    ("大正元年", JapaneseDate(1912)),
    ("大正15年12月", JapaneseDate(1926, 12)),
    ("昭和元年", JapaneseDate(1926)),
    ("昭和64年1月", JapaneseDate(1989, 1)),
    ("平成元年", JapaneseDate(1989)),
    ("平成31年度", JapaneseDate(2019, None, True)),
    ("令和五年十一月", JapaneseDate(2023, 11)),
    ("令和十二年", JapaneseDate(2030)),
    ("㍻30年", JapaneseDate(2018)),
    ("二〇二四年十二月", JapaneseDate(2024, 12)),
    ("2024年04月", JapaneseDate(2024, 4)),
]

# Every era / 年度 form found in data/raw/*.txt, with the raw spacing.
RAW_DATE = [
    ("令和 4 年度より「ひきこもり UX", JapaneseDate(2022, None, True)),
    ("(令和6年度)", JapaneseDate(2024, None, True)),
    ("令和 3 年 4 月に開設。", JapaneseDate(2021, 4)),
    ("令和6年4月から精神保健アウトリ", JapaneseDate(2024, 4)),
    ("13か所（令和６年 11月時点）", JapaneseDate(2024, 11)),
    ("2016 年度までの５年間は", JapaneseDate(2016, None, True)),
    ("2018年 12月から、そうした同", JapaneseDate(2018, 12)),
    ("■実施日時：令和 6 年 12 月 3 日 14", JapaneseDate(2024, 12)),
    ("平成 2 6 年度から は、", JapaneseDate(2014, None, True)),
    ("令和 2 年 8 月より 「 ひき", JapaneseDate(2020, 8)),
    ("令和 4 年度に重層的支援体制整備事", JapaneseDate(2022, None, True)),
    ("令和３ 年４ 月に立ち上げた", JapaneseDate(2021, 4)),
    ("令和 3 年度から 重層的支援体制整", JapaneseDate(2021, None, True)),
    ("平成 28 年度には、関係機関と 共に", JapaneseDate(2016, None, True)),
    ("平成 3 0 年４ 月に国立市社会福祉協", JapaneseDate(2018, 4)),
    ("2016年度には、関係機関と共に", JapaneseDate(2016, None, True)),
    ("2015年度からは、保健医療、福祉", JapaneseDate(2015, None, True)),
    ("令和 2年 8月より「ひきこもりな", JapaneseDate(2020, 8)),
    ("令和 3年 11月から生きづらさを", JapaneseDate(2021, 11)),
    ("令和 3年にスタートした", JapaneseDate(2021)),
    ("令和 5年度はひきこもり支援の方向", JapaneseDate(2023, None, True)),
    ("令和 6年 10月から、ひきこもり", JapaneseDate(2024, 10)),
    ("令和３年４月に立ち上げた", JapaneseDate(2021, 4)),
    ("厚生労働令3年4月号", JapaneseDate(2021, 4)),  # 豊島区 fy2022, 「厚生労働」令和3年4月号
    ("令和３年７月から「ひきこもり相談", JapaneseDate(2021, 7)),
    ("令和５年度には、ひきこもり支援の", JapaneseDate(2023, None, True)),
    ("令和５年４月からは長期間ひきこも", JapaneseDate(2023, 4)),
    ("令和６年度はメタバースも取り入れ", JapaneseDate(2024, None, True)),
    ("令和４年４月に　世田谷ひきこもり", JapaneseDate(2022, 4)),
    ("令和 5年 4月から「ひきこもりに", JapaneseDate(2023, 4)),
    ("平成 30年４月に国立市社会福祉協議", JapaneseDate(2018, 4)),
    ("令和 3年 10月 1日号", JapaneseDate(2021, 10)),
    ("令和2年4月に設置しました", JapaneseDate(2020, 4)),
    ("令和 5年 10月発行全戸配布", JapaneseDate(2023, 10)),
    ("令和５年 11月１日、生活福祉課", JapaneseDate(2023, 11)),
    ("令和3年度に1件のみ", JapaneseDate(2021, None, True)),
    ("平成30年度から、年代を問わず", JapaneseDate(2018, None, True)),
    ("令和4年7月から8月にかけて", JapaneseDate(2022, 7)),
    ("令和５年１１月６日に制", JapaneseDate(2023, 11)),
    ("令和2年10月から12月まで", JapaneseDate(2020, 10)),
    ("令和3年7月に専用窓口を開設", JapaneseDate(2021, 7)),
    ("令和３年３月に「世田谷区ひきこ", JapaneseDate(2021, 3)),
    ("市内に 1 1 か所（ 令和 5 年 1 月時点）", JapaneseDate(2023, 1)),
    ("令和 5年度には 18名の方", JapaneseDate(2023, None, True)),
    ("令和５年１２月に JCOM中野", JapaneseDate(2023, 12)),
    ("令和 2年度「世田谷", JapaneseDate(2020, None, True)),
    ("（令和 3 年から相談は 0）", JapaneseDate(2021)),
    ("令和 2 年 7 月に「SDGs 未", JapaneseDate(2020, 7)),
    ("2012年度から", JapaneseDate(2012, None, True)),
    ("令和 4年度から地域共生社会", JapaneseDate(2022, None, True)),
    ("令和４年に重層的支援", JapaneseDate(2022)),
    ("令和２年", JapaneseDate(2020)),
]


@pytest.mark.parametrize(("text", "expected"), DATE_EXAMPLES + RAW_DATE)
def test_parse_japanese_date(text: str, expected: JapaneseDate) -> None:
    assert parse_japanese_date(text) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("令和5年13月", "month"),
    ("令和5年0月", "month"),
    ("平成32年", "平成"),  # Heisei ended in its 31st year
    ("昭和65年", "昭和"),
    ("令和0年", "令和"),
    ("令和   年    月    日 受", "date"),  # the blank intake form
    ("H2O", "date"),
    ("最大3年", "date"),  # 大 is not read as Taisho
    ("年度", "date"),
    ("", "date"),
])
def test_parse_japanese_date_rejects(text: str, reason: str) -> None:
    with pytest.raises(NormalizeError, match=re.escape(repr(text))) as error:
        parse_japanese_date(text)
    assert reason in str(error.value)


_ERAS = [("明治", 1868, 45), ("大正", 1912, 15), ("昭和", 1926, 64), ("平成", 1989, 31),
         ("令和", 2019, 60)]


@st.composite
def _era_dates(draw: st.DrawFn) -> tuple[str, int, int | None, bool, int]:
    """(text, era year, month, fiscal, expected Western year) from the date grammar."""
    era, start, last = draw(st.sampled_from(_ERAS))
    year = draw(st.integers(1, last))
    style = draw(_STYLE)
    year_text = "元" if year == 1 and draw(st.booleans()) else _render(year, style)
    sp = draw(_SPACE)
    fiscal = draw(st.booleans())
    month = None if fiscal else draw(st.none() | st.integers(1, 12))
    text = f"{era}{sp}{year_text}{sp}年"
    if fiscal:
        text += "度"
    elif month is not None:
        text += f"{sp}{_render(month, style)}{sp}月"
    context = draw(st.sampled_from(["", "から", "より", "に開設", "時点"]))
    return text + context, year, month, fiscal, start + year - 1


@FAST
@given(_era_dates())
def test_date_grammar_eras(case: tuple[str, int, int | None, bool, int]) -> None:
    text, _, month, fiscal, western = case
    assert parse_japanese_date(text) == JapaneseDate(western, month, fiscal)


@FAST
@given(st.integers(1000, 2999), st.none() | st.integers(1, 12), st.booleans(),
       st.sampled_from(["half", "full", "flat"]), _SPACE)
def test_date_grammar_western(year: int, month: int | None, fiscal: bool, style: str,
                              sp: str) -> None:
    year_text = number2kanji(year, config=FLAT) if style == "flat" else _render(year, style)
    text = f"{year_text}{sp}年" + ("度" if fiscal else "" if month is None else f"{sp}{month}月")
    expected = JapaneseDate(year, None if fiscal else month, fiscal)
    assert parse_japanese_date(text) == expected


@FAST
@given(st.sampled_from(_ERAS), st.integers(13, 99))
def test_date_grammar_invalid_month(era: tuple[str, int, int], month: int) -> None:
    text = f"{era[0]}2年{month}月"
    with pytest.raises(NormalizeError, match=re.escape(repr(text))):
        parse_japanese_date(text)


# ----------------------------------------------------------- differential: japanera -----

@FAST
@given(st.dates(datetime.date(1868, 2, 1), datetime.date(2099, 12, 31)),
       st.sampled_from(["%-K%-y年%m月", "%-K%-n年%-m月", "%-K %-y 年 %m 月 %d 日"]))
def test_japanera_formats_parse_to_the_same_date(date: datetime.date, fmt: str) -> None:
    """japanera writes an era date (digits or kanji, 元 for year one); we read it back."""
    text = EraDate.from_date(date).strftime(fmt)
    assert parse_japanese_date(text) == JapaneseDate(date.year, date.month)


@FAST
@given(st.sampled_from(_ERAS), st.data())
def test_our_era_conversion_agrees_with_japanera(era: tuple[str, int, int],
                                                 data: st.DataObject) -> None:
    """japanera returns a list of candidate dates; the one in our era must match ours."""
    name, _, last = era
    # Interior years: every month of them lies inside the era for both libraries.
    year = data.draw(st.integers(2, last - 1))
    month = data.draw(st.integers(1, 12))
    text = f"{name}{year}年{month}月"
    candidates = [c for c in EraDate.strptime(text, "%-K%-y年%m月") if c.era.kanji == name]
    assert len(candidates) == 1
    assert parse_japanese_date(text) == JapaneseDate(candidates[0].year, candidates[0].month)


# ========================================================================= parse_count ===

COUNT_EXAMPLES = [
    ("13か所", 13), ("29の機関・団体", 29), ("3名体制", 3), ("全110店舗", 110), ("7団体", 7),
    ("10か所", 10), ("4団体", 4), ("十三か所", 13), ("１３カ所", 13), ("5ヶ所", 5),
    ("二十九の機関・団体", 29), ("百十店舗", 110), ("13", 13), ("全13", 13), ("1,200人", 1200),
    ("2回", 2), ("3つ", 3), ("6エリア", 6),
]

# Every count form found in data/raw/*.txt, with the raw spacing.
RAW_COUNT = [
    ("13か所（令和６年 11月時点）設置されて", 13),
    ("NPO法人など29の機関・団体が連携して支援を行う", 29),
    ("現在は 3 名体制。", 3),
    ("エンスストア全 110店舗にご協力いただき", 110),
    ("女性支援団体等が加わり、7団体が構成しています", 7),
    ("区内地域センター 10か所にて開催しています", 10),
    ("当初は 4団体でしたが", 4),
    ("6団体で構成しています", 6),
    ("市内で活動する家族会 3団体と市社協", 3),
    ("企業など4団体が参加し", 4),
    ("市内に 1 1 か所（ 令和 5 年 1 月時点）", 11),
    ("市役所に基幹型地域包括支援センターが1カ所ある。", 1),
    ("庁内関係10課及び関係2団体を対象に", 10),
    ("関係2団体を対象に", 2),
    ("令和 5年度には 18名の方がひき", 18),
    ("現在、3名の福祉相談コーディネ", 3),
    ("現在、３名の福祉相", 3),
    ("毎年、延べ 50人程度が参加", 50),
    ("３団体ずつ連携事例等を紹介", 3),
    ("ひきこもり相談実績は令和3年度に1件のみ。", 1),
    ("「メルクマールせたがや」の２機関が共同で運営", 2),
    ("区内3地域で出前相談を実施する", 3),
    ("ムを 2 回開催し", 2),  # 八王子市 fy2022: 市民フォーラムを 2 回開催し
    ("武蔵野市を6つに分け、各エリアに", 6),
    ("相談・居場所・学習支援の３つの事業", 3),
    ("6自治体合同で主催する", 6),
]


@pytest.mark.parametrize(("text", "expected"), COUNT_EXAMPLES + RAW_COUNT)
def test_parse_count(text: str, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", [
    "", "   ", "団体", "関係機関", "令和5年", "第1回部会", "abc", "1.5か所",
])
def test_parse_count_rejects(text: str) -> None:
    with pytest.raises(NormalizeError, match=re.escape(repr(text))):
        parse_count(text)


_COUNTERS = ["か所", "カ所", "ヶ所", "箇所", "団体", "機関", "名", "人", "店舗", "件", "名体制"]


@FAST
@given(st.integers(0, 100_000), _STYLE, st.sampled_from(_COUNTERS), st.booleans(),
       st.booleans(), _SPACE)
def test_count_grammar(n: int, style: str, counter: str, zen: bool, no: bool, sp: str) -> None:
    text = ("全" if zen else "") + _render(n, style) + sp + ("の" if no else "") + counter
    assert parse_count(text) == n


# ----------------------------------------------------------- differential: kanjize ------

@FAST
@given(st.integers(0, 10**12 - 1))
def test_kanji_numerals_agree_with_kanjize(n: int) -> None:
    kanji = number2kanji(n)
    assert parse_count(kanji + "か所") == kanji2number(kanji) == n


@FAST
@given(st.integers(1, 10**9))
def test_flat_kanji_numerals_agree_with_kanjize(n: int) -> None:
    kanji = number2kanji(n, config=FLAT)  # digit by digit: 二〇二四
    assert parse_count(kanji + "団体") == kanji2number(kanji)


@FAST
@given(st.integers(1, 9999))
def test_kanji_counts_in_frequencies_agree_with_kanjize(n: int) -> None:
    kanji = number2kanji(n)
    assert parse_frequency(f"年{kanji}回").per_year == kanji2number(kanji)
    assert parse_frequency(f"月に{kanji}回").per_year == 12 * kanji2number(kanji)


@pytest.mark.parametrize("text", ["二三十か所", "十百か所", "〇十か所", "万か所", "一万万か所"])
def test_malformed_kanji_numerals_raise(text: str) -> None:
    with pytest.raises(NormalizeError, match=re.escape(repr(text))):
        parse_count(text)


def test_malformed_kanji_numeral_inside_a_date_names_the_input() -> None:
    with pytest.raises(NormalizeError, match=re.escape(repr("令和十十年"))):
        parse_japanese_date("令和十十年")


# ============================================================================== errors ===

PARSERS = [parse_frequency, parse_age_range, parse_japanese_date, parse_count]


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("text", ["", " ", "\u3000", "garbage", "???", "ひきこもり", "----"])
def test_garbage_raises_with_the_input_in_the_message(parser, text: str) -> None:
    with pytest.raises(NormalizeError, match=re.escape(repr(text))) as error:
        parser(text)
    assert "expected" in str(error.value)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
def test_non_text_raises(parser) -> None:
    with pytest.raises(NormalizeError, match="None"):
        parser(None)


def test_normalize_error_is_a_value_error() -> None:
    assert issubclass(NormalizeError, ValueError)


def test_results_are_frozen_and_compare_without_text() -> None:
    result = parse_age_range("年齢を問わず")
    assert result == AgeRange(None, None, kind="all_ages")
    assert result != AgeRange(None, None)  # the kind is part of what the phrase says
    assert result.text == "年齢を問わず"
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.age_min = 3  # type: ignore[misc]
    assert parse_frequency("毎月") == parse_frequency("月1回")
    assert JapaneseDate(2021, 4) == parse_japanese_date("令和3年4月")


# ============================================================== the raw sources as data ===

@pytest.mark.parametrize("phrase", [t for t, _ in RAW_FREQUENCY + RAW_AGE + RAW_DATE + RAW_COUNT])
def test_raw_phrases_are_verbatim(phrase: str) -> None:
    """The RAW_* tables quote the sources exactly (line breaks removed)."""
    assert phrase in _raw_corpus()


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
def test_every_raw_line_parses_or_raises_normalize_error(parser) -> None:
    """Real prose never makes a parser fail in any other way (no IndexError, KeyError …)."""
    for line in _raw_lines():
        try:
            result = parser(line)
        except NormalizeError:
            continue
        assert isinstance(result, Frequency | AgeRange | JapaneseDate | int)


def test_every_raw_line_normalizes_idempotently() -> None:
    for line in _raw_lines():
        for join in (False, True):
            once = normalize_text(line, join_split_words=join)
            assert normalize_text(once, join_split_words=join) == once
