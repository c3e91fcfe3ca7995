"""Interpretation of Japanese phrases: the one place where text becomes numbers.

The source documents (``data/raw/*.txt``) are PDF extractions with full/half-width digits,
Kangxi-radical code points, doubled characters from bold form text and stray spaces inside
words. :func:`normalize_text` undoes those artefacts; the ``parse_*`` functions read the
phrases the curated tables cite (frequencies, age ranges, dates, counts).

Every parser follows the same rules:

* the input is normalised with :func:`normalize_text` and all whitespace is removed first,
  so ``"2 カ月に 1 回"`` and ``"２か月に１回"`` read the same;
* numbers may be ASCII or full-width digits or kanji numerals (``十三``, ``二〇二四``);
* the *first* matching expression in the text is read, so a phrase may carry context
  (``"令和5年4月から"``, ``"月1回程度の職業体験"``);
* anything that cannot be read raises :class:`NormalizeError` naming the input and the
  expected form. Nothing is guessed and no parser returns ``None`` for garbage.

The ``text`` field of the result types keeps the input verbatim but is excluded from
equality, so ``parse_age_range("年齢を問わず") == AgeRange(None, None, kind="all_ages")``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

__all__ = [
    "AGE_KINDS",
    "AgeRange",
    "Frequency",
    "JapaneseDate",
    "NormalizeError",
    "normalize_text",
    "parse_age_range",
    "parse_count",
    "parse_frequency",
    "parse_japanese_date",
]


class NormalizeError(ValueError):
    """A phrase that cannot be interpreted; the message names the input and the expected form."""


def _fail(what: str, text: object, expected: str) -> NormalizeError:
    return NormalizeError(f"cannot read {what} from {text!r}: expected {expected}")


# ------------------------------------------------------------------ result types --------

@dataclass(frozen=True)
class Frequency:
    """How often something happens.

    ``per_year`` is the number of occurrences per year (None when the text gives no
    number); ``approximate`` marks an approximated number only — 程度/概ね/約/およそ/頃/前後
    and count ranges (月1～2回) — never a recurrence without a number (定期的, 年数回);
    ``regular`` is False only for explicitly irregular phrases (随時, 不定期).
    """

    per_year: float | None
    approximate: bool = False
    regular: bool = True
    text: str = field(default="", compare=False)


# What an age phrase says about who may use a service (the values of ``AgeRange.kind``):
# ``limit`` a bound that excludes other ages (15歳から49歳まで, 18歳未満);
# ``main_group`` the ages a service mainly serves, others not excluded (主に, 中心に);
# ``addition`` ages served in addition to a main group (についても, も対象);
# ``all_ages`` no age condition at all (年齢を問わず, 全年齢, 属性や世代に関わらず).
AGE_KINDS = ("limit", "main_group", "addition", "all_ages")


@dataclass(frozen=True)
class AgeRange:
    """Inclusive age bounds; None means open-ended on that side. ``kind`` is one of
    :data:`AGE_KINDS`: whether the bounds limit who is served (see :func:`parse_age_range`)."""

    age_min: int | None
    age_max: int | None
    approximate: bool = False
    text: str = field(default="", compare=False)
    kind: str = "limit"


@dataclass(frozen=True)
class JapaneseDate:
    """A year (Western calendar), an optional month, and whether the year is a 年度."""

    year: int
    month: int | None = None
    fiscal_year: bool = False


# ------------------------------------------------------------------ normalize_text ------

# CJK Radicals Supplement code points that NFKC leaves alone but that PDF extraction emits
# for ordinary kanji (the FY2024 file has ⻘ for 青). Kangxi radicals (⽀ → 支) are NFKC's.
_RADICALS = str.maketrans({
    "\u2ed8": "青", "\u2ed1": "長", "\u2ec4": "西", "\u2edd": "食", "\u2ec6": "角",
    "\u2ee4": "鬼", "\u2ee8": "麦", "\u2ee9": "黄", "\u2eeb": "斉", "\u2eed": "歯",
    "\u2eef": "竜", "\u2ef2": "亀", "\u2ea0": "民",
})

# Wave dashes become ASCII "~": NFKC already turns ～ (U+FF5E) into "~", so "~" is the only
# choice that keeps normalize_text idempotent under a second NFKC pass.
_WAVES = str.maketrans({"\u301c": "~", "\u223c": "~", "\u2053": "~"})

# Hyphen and minus look-alikes become "-". Em dash (U+2014) and horizontal bar (U+2015)
# are left alone: Japanese prose uses them as punctuation (――), not as range marks.
_HYPHENS = str.maketrans({
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2043": "-",
    "\u2212": "-", "\ufe63": "-", "\uff0d": "-",
})

# Zero-width characters are deleted, not turned into spaces: they mark no visible gap,
# so a space there would split a word.
_ZERO_WIDTH = str.maketrans(dict.fromkeys(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]))

# Japanese script and punctuation (after NFKC): CJK symbols, kana, kanji, compatibility
# ideographs, and the marks (※ ○ ● ■ …) that the sources use as bullets.
_JA = (
    "\u3001-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\u203b\u25a0-\u25ff\u2605\u2606"
)
_JA_CHAR = f"[{_JA}]"
# A space is an extraction artefact when a neighbour is Japanese, the range mark "~" (in
# this corpus only from 〜/～) or the inner side of a bracket (（ 18歳 → "( 18"); spaces
# between Latin words and numbers are kept.
_SPLIT_SPACE_RE = re.compile(rf"(?<={_JA_CHAR}) | (?={_JA_CHAR})|(?<=[~(\[]) | (?=[~)\]])")
# "1 8 歳", "平成 2 6 年度", "1 1 か所": single digits separated by single spaces and followed
# by Japanese are one split number (a time like "14:00 15:00" is not followed by Japanese).
_SPLIT_NUMBER_RE = re.compile(rf"(?<![0-9A-Za-z.,:])[0-9](?: [0-9])+(?={_JA_CHAR})")
_NUMERAL_CHARS = frozenset("〇零一二三四五六七八九十百千万億")
# ー between ASCII digits is a mis-typed hyphen ("080ー1234"); it is never a long vowel there.
_CHOON_BETWEEN_DIGITS_RE = re.compile(r"(?<=[0-9])ー(?=[0-9])")


def _doubling_char(ch: str) -> bool:
    """Characters that bold-text repetition may affect: not spaces, ASCII letters, digits or
    kanji numerals.

    Numbers are excluded because run-doubled digit strings are ordinary numbers (1100,
    四九九五五) and the doubled bold forms in the sources contain none.
    """
    return not ch.isspace() and not (ch.isascii() and ch.isalnum()) and ch not in _NUMERAL_CHARS


def _run_length(text: str, start: int) -> int:
    """Length of the run of one repeated character starting at ``start``."""
    end = start
    while end < len(text) and text[end] == text[start]:
        end += 1
    return end - start


def _undouble(text: str) -> str:
    """Undo bold-text repetition: "相相談談受受付付票票" → "相談受付票".

    PDF extraction of bold form text writes each character k times (k = 2 in the forms,
    4 in the FY2024 flyer: "ああああななななたたたたのののの" → "あなたの"). Rule: at least two
    consecutive runs of different characters, each exactly k ≥ 2 long, are reduced to one
    character each. A lone run is left alone ("日日", "ーーーー", "課課 係係"), so real
    repeated characters in prose are untouched ("人々" is no run at all); runs of ASCII
    letters or digits are never touched (1100, 2200 are numbers).
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        k = _run_length(text, i)
        groups, j = 0, i
        while (
            k >= 2
            and j < len(text)
            and _doubling_char(text[j])
            and _run_length(text, j) == k
        ):
            groups, j = groups + 1, j + k
        if groups >= 2:
            out.append(text[i:j:k])
            i = j
        else:
            out.append(text[i : i + k])
            i += k
    return "".join(out)


def _normalize_once(text: str, join_split_words: bool) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_RADICALS).translate(_WAVES).translate(_HYPHENS)
    text = text.translate(_ZERO_WIDTH)
    text = " ".join(text.split())  # every Unicode space run (U+3000, NBSP, \n …) → one " "
    if join_split_words:
        text = _SPLIT_SPACE_RE.sub("", text)
        text = _SPLIT_NUMBER_RE.sub(lambda m: m.group().replace(" ", ""), text)
    text = _undouble(text)
    return _CHOON_BETWEEN_DIGITS_RE.sub("-", text)


def normalize_text(text: str, *, join_split_words: bool = False) -> str:
    """Clean up extracted Japanese text.

    * NFKC: full-width ASCII → half-width, half-width kana → full-width, Kangxi radicals
      (⽀ U+2F40) → ordinary kanji (支), ㍻ → 平成; a few CJK-radical-supplement code
      points NFKC misses (⻘ → 青) are mapped too.
    * Wave dashes 〜 (U+301C), ～ (U+FF5E), ∼, ⁓ → ASCII "~" (the canonical range mark).
    * Hyphen/minus variants ‐ ‑ ‒ – − ﹣ － → "-"; ー between two digits → "-".
    * Zero-width characters are deleted; every other whitespace run (U+3000, NBSP,
      newlines) becomes one ASCII space; the result is stripped.
    * Bold-form repetition is undone (see :func:`_undouble`: ≥2 consecutive runs only).
    * ``join_split_words=True`` also removes extraction spaces next to Japanese characters
      ("ひき こ も り" → "ひきこもり", "令和 5年 4月" → "令和5年4月", "1 8 歳" → "18歳")
      but keeps spaces between Latin words and numbers ("Case 1", "NPO Net").

    The function is idempotent: steps repeat until the text no longer changes.
    """
    if not isinstance(text, str):
        raise _fail("text", text, "a str")
    previous = None
    while text != previous:  # a join can create a new pair or digit-ー-digit; settle it
        previous, text = text, _normalize_once(text, join_split_words)
    return text


# ------------------------------------------------------------------ numbers -------------

_KANJI_DIGITS = {
    "〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9,
}
_KANJI_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_BIG_UNITS = {"万": 10_000, "億": 100_000_000}


def _kanji_to_int(numeral: str, source: str) -> int:
    """Value of a kanji numeral: unit form (二千二十四) or digit-by-digit form (二〇二四).

    ``source`` is the phrase the numeral came from, named in the error message.
    """
    if all(ch in _KANJI_DIGITS for ch in numeral):
        return int("".join(str(_KANJI_DIGITS[ch]) for ch in numeral))
    total = section = 0
    digit: int | None = None
    last_small = last_big = 10**12
    for ch in numeral:
        if ch in _KANJI_DIGITS:
            if digit is not None:  # "二三十": two digits before a unit
                raise _fail("a kanji numeral", source, f"a well-formed numeral, not {numeral}")
            digit = _KANJI_DIGITS[ch]
        elif ch in _KANJI_SMALL_UNITS:
            unit = _KANJI_SMALL_UNITS[ch]
            if unit >= last_small or digit == 0:  # "十百", "〇十"
                raise _fail("a kanji numeral", source, f"a well-formed numeral, not {numeral}")
            section += (1 if digit is None else digit) * unit
            digit, last_small = None, unit
        elif ch in _KANJI_BIG_UNITS:
            unit = _KANJI_BIG_UNITS[ch]
            chunk = section + (digit or 0)
            if unit >= last_big or chunk == 0:  # "万億", "万" with nothing before it
                raise _fail("a kanji numeral", source, f"a well-formed numeral, not {numeral}")
            total += chunk * unit
            section, digit, last_small, last_big = 0, None, 10**12, unit
        else:
            raise _fail("a kanji numeral", source, "kanji digits 〇一…九 and units 十百千万億")
    return total + section + (digit or 0)


def _to_number(token: str, source: str) -> float:
    """ASCII digits (commas, decimals allowed), kanji numeral, or 元 (year one)."""
    if token == "元":
        return 1
    if token[0].isascii():
        return float(token.replace(",", ""))
    return _kanji_to_int(token, source)


def _to_int(token: str, source: str) -> int:
    value = _to_number(token, source)
    if value != int(value):
        raise _fail("a whole number", source, f"a number without a fraction, not {token}")
    return int(value)


def _compact(text: object, what: str, expected: str) -> str:
    """Normalised text without any whitespace; raises for non-text and empty input."""
    if not isinstance(text, str):
        raise _fail(what, text, expected)
    compact = re.sub(r"\s+", "", normalize_text(text))
    if not compact:
        raise _fail(what, text, expected)
    return compact


def _first_match(
    text: str, patterns: tuple[re.Pattern[str], ...]
) -> tuple[int, re.Match[str]] | None:
    """The earliest match of any pattern (longest on ties) and the index of its pattern."""
    best: tuple[int, re.Match[str]] | None = None
    for index, pattern in enumerate(patterns):
        match = pattern.search(text)
        if match is None:
            continue
        if best is None or (match.start(), -match.end()) < (best[1].start(), -best[1].end()):
            best = (index, match)
    return best


# Approximation markers directly before or after the matched expression.
_APPROX_BEFORE_RE = re.compile(r"(?:概ね|おおむね|約|およそ|大体|だいたい)$")
_APPROX_AFTER_RE = re.compile(r"^(?:程度|前後|くらい|ぐらい|位|頃|ごろ|ほど)")


def _is_approximate(text: str, match: re.Match[str]) -> bool:
    return bool(
        _APPROX_BEFORE_RE.search(text[: match.start()])
        or _APPROX_AFTER_RE.search(text[match.end():])
    )


# ------------------------------------------------------------------ parse_frequency -----

_NUM = r"(?:[0-9]+(?:\.[0-9]+)?|[〇零一二三四五六七八九十百千]+)"
_NOT_AFTER_NUMBER = r"(?<![0-9〇零一二三四五六七八九十百千])"
_RANGE_SEP = r"(?:~|-|から|ないし|または|、|・)"
# "1回", "約2回", "1～2回", "1回から2回"; 度 as in 年に1度. "1回目" is an ordinal, not a count.
_TIMES = (
    rf"(?P<about>約|概ね|おおむね|およそ)?(?P<a>{_NUM})(?:回|度)?"
    rf"(?:{_RANGE_SEP}(?P<b>{_NUM}))?(?:回|度)(?!目)"
)
_MONTH_COUNTER = r"(?:か|カ|ヶ|ケ|ヵ|箇|个)"
_WEEKDAY = r"[月火水木金土日](?:曜日?)?"
_PERIOD_PER_YEAR = {"年": 1.0, "年間": 1.0, "年度": 1.0, "月": 12.0, "週": 52.0, "日": 365.0}

# 月1回, 年に7回, 毎月1回, 週に2回 (the unit is not the tail of a date like 4月1回).
_UNIT_COUNT_RE = re.compile(
    rf"{_NOT_AFTER_NUMBER}(?:毎)?(?P<unit>年間|年度|年|月|週|日)に?{_TIMES}"
)
# 週3日, 週に5日: days a week.
_WEEK_DAYS_RE = re.compile(rf"{_NOT_AFTER_NUMBER}(?:毎)?週に?(?P<days>{_NUM})日(?!間)")
# 2カ月に1回, 2週間に1回, 2年に1回, 3日に1回.
_EVERY_N_RE = re.compile(
    rf"(?<![0-9])(?P<n>{_NUM})(?:(?P<unit>{_MONTH_COUNTER}月)間?に?|(?P<unit2>週|年|日)間?に)"
    rf"{_TIMES}"
)
# 毎月第3日曜日, 第1・第3木曜日, 偶数月の第３金曜日, 毎月最終木曜.
_ORDINAL_RE = re.compile(
    rf"(?:(?P<months>毎月|偶数月|奇数月|隔月)の?)?"
    rf"(?P<ords>(?:第{_NUM}|最終)(?:(?:・|、|,|と|及び|および)(?:第?{_NUM}|最終))*)"
    rf"(?:の)?[月火水木金土日]曜"
)
# 毎週, 毎週水曜日, 毎月, 毎年, 毎日.
# Weekdays are counted only after 毎週 (毎月1日 is a day of the month, not a weekday).
_EVERY_RE = re.compile(
    rf"毎(?P<unit>年|月|週|日)(?:(?<=週)(?P<days>{_WEEKDAY}(?:[・、]?{_WEEKDAY})*))?"
)
# 隔週, 隔月, 隔年, 偶数月, 奇数月.
_ALTERNATE_RE = re.compile(r"隔(?P<unit>週|月|年)|(?:偶数|奇数)月")
# Recurring but uncounted: 年数回, 月に数回, 数か月に1回, 定期的.
_UNCOUNTED_RE = re.compile(
    rf"{_NOT_AFTER_NUMBER}(?:年|月|週)に?数(?:回|度)|数{_MONTH_COUNTER}?(?:年|月|週)間?に?"
    rf"{_TIMES}|定期的|定期開催"
)
# Explicitly irregular.
_IRREGULAR_RE = re.compile(r"随時|不定期|その都度|適宜|必要に応じ|臨時")

_FREQUENCY_PATTERNS = (
    _UNIT_COUNT_RE, _WEEK_DAYS_RE, _EVERY_N_RE, _ORDINAL_RE, _EVERY_RE, _ALTERNATE_RE,
    _UNCOUNTED_RE, _IRREGULAR_RE,
)
_FREQUENCY_EXPECTED = (
    "a frequency such as 月1回, 年に7回, 2カ月に1回, 毎週, 第1・第3木曜日, 隔週, 年数回 or 随時"
)


def _times(match: re.Match[str], text: str) -> tuple[float, bool]:
    """Occurrences per period from the _TIMES groups; a range gives its midpoint."""
    low = _to_number(match["a"], text)
    if match["b"] is None:
        return low, match["about"] is not None
    high = _to_number(match["b"], text)
    if high < low:
        raise _fail("a frequency", text, "a count range written low to high (1～2回)")
    return (low + high) / 2, True


def _frequency_values(
    pattern: re.Pattern[str], match: re.Match[str], text: str
) -> tuple[float | None, bool, bool]:
    """(per_year, approximate-from-the-phrase-itself, regular) for one matched expression."""
    if pattern is _UNIT_COUNT_RE:
        count, ranged = _times(match, text)
        return _PERIOD_PER_YEAR[match["unit"]] * count, ranged, True
    if pattern is _WEEK_DAYS_RE:
        return 52.0 * _to_number(match["days"], text), False, True
    if pattern is _EVERY_N_RE:
        n = _to_number(match["n"], text)
        if n <= 0:
            raise _fail("a frequency", text, "a positive period such as 2カ月に1回")
        unit = "月" if match["unit"] else match["unit2"]
        count, ranged = _times(match, text)
        return _PERIOD_PER_YEAR[unit] / n * count, ranged, True
    if pattern is _ORDINAL_RE:
        ordinals = re.findall(rf"{_NUM}|最終", match["ords"])
        for ordinal in ordinals:
            if ordinal != "最終" and not 1 <= _to_number(ordinal, text) <= 5:
                raise _fail("a frequency", text, "week ordinals 第1 … 第5 or 最終")
        months = 6 if match["months"] in ("偶数月", "奇数月", "隔月") else 12
        return float(months * len(set(ordinals))), False, True
    if pattern is _EVERY_RE:
        # The weekday is the character before 曜: 水曜日 is one day, not 水 and 日.
        days = len(set(re.findall(r"([月火水木金土日])(?:曜日?)?", match["days"] or ""))) or 1
        return _PERIOD_PER_YEAR[match["unit"]] * days, False, True
    if pattern is _ALTERNATE_RE:
        return {"週": 26.0, "月": 6.0, "年": 0.5}[match["unit"] or "月"], False, True
    if pattern is _UNCOUNTED_RE:
        return None, False, True  # recurring without a number: nothing is approximated
    return None, False, False  # _IRREGULAR_RE


def parse_frequency(text: str) -> Frequency:
    """Read a frequency phrase into occurrences per year.

    >>> parse_frequency("2 カ月に 1 回").per_year
    6.0

    Periods: 年 = 1, 月 = 12, 週 = 52, 日 = 365 per year; "N か月/週/年に M 回" divides by N.
    Weekday schedules count the named ordinals: 第1・第3木曜日 = 24, 偶数月の第3金曜日 = 6.
    Decisions for phrases without one obvious number:

    * a count range takes its midpoint and is approximate: 月に1～2回 → 18.0;
    * 隔週 → 26, 隔月/偶数月/奇数月 → 6, 隔年 → 0.5;
    * 年数回, 月に数回, 定期的, 定期開催 → per_year None, regular True, approximate False:
      recurring, but the text gives no number, so there is no number to approximate;
    * 随時, 不定期, 適宜, 必要に応じ → per_year None, approximate False, regular False;
    * approximate only for an approximated number: 程度/前後/頃/ごろ (or くらい/ほど) after,
      概ね/おおむね/約/およそ (or 大体) before (or inside: 月に約2回), and count ranges.
    """
    compact = _compact(text, "a frequency", _FREQUENCY_EXPECTED)
    found = _first_match(compact, _FREQUENCY_PATTERNS)
    if found is None:
        raise _fail("a frequency", text, _FREQUENCY_EXPECTED)
    index, match = found
    per_year, approximate, regular = _frequency_values(_FREQUENCY_PATTERNS[index], match, text)
    if per_year is not None and per_year <= 0:
        raise _fail("a frequency", text, "a positive count such as 月1回")
    return Frequency(per_year, approximate or _is_approximate(compact, match), regular, text)


# ------------------------------------------------------------------ parse_age_range -----

_AGE_NUM = r"(?:[0-9]{1,3}|[〇零一二三四五六七八九十百]+)"
_AGE_UNIT = r"(?:歳|才)"
_DECADE = r"(?:[1-9]0|[二三四五六七八九]?十)"
# Phrases that mean "from age 15": the end of compulsory education.
_FROM_15 = r"(?:義務教育(?:終了|修了)(?:後|以降)|中学(?:校)?卒業(?:後|以降)|高校生(?:世代|年代))"
_AGE_RANGE_SEP = r"(?:~|-|から|より)"

# 15歳から49歳まで, 15～39歳, 高校生世代から39歳, 0歳から18歳未満.
_AGE_SPAN_RE = re.compile(
    rf"(?<![0-9])(?:(?P<lo>{_AGE_NUM}){_AGE_UNIT}?|(?P<lo_phrase>{_FROM_15}))"
    rf"{_AGE_RANGE_SEP}(?P<hi>{_AGE_NUM}){_AGE_UNIT}(?P<hq>まで|未満|以下)?"
)
# 18歳以上, 18歳未満, 19歳以上, 49歳まで, 15歳から.
_AGE_BOUND_RE = re.compile(
    rf"(?<![0-9])(?P<n>{_AGE_NUM}){_AGE_UNIT}(?P<q>以上|以下|未満|まで|から|以降|超)?"
)
# 40代以上, 50代・60代, 10代～20代.
_DECADES_RE = re.compile(
    rf"(?<![0-9])(?P<list>{_DECADE}代(?:(?:・|、|~|-|から|と|及び|および|や){_DECADE}代)*)"
    rf"(?P<q>以上|以下|まで)?"
)
_FROM_15_RE = re.compile(rf"{_FROM_15}(?P<q>以上|以降)?")
# 年齢や性別を問わず and 対象年齢などは定めておらず occur in the sources: a few words may
# stand between 年齢 and the verb, but not a sentence break. 属性や世代、相談内容に関わらず
# (八王子市) lists 世代 among other conditions, so a 、 may stand between 世代 and the verb.
# 子どもから大人まで / 小さなお子さんから高齢の方まで / 子どもから高齢者: the whole span of life.
# 多世代 (狛江市's 多世代・多機能型交流拠点) is left out: a name, not a statement about ages.
_ALL_AGES_RE = re.compile(
    r"(?:年齢|年代)[^。、]{0,6}?(?:を|は)?問わ|(?:年齢|年代)に(?:関わ|かかわ|関係)|全年代|全年齢"
    r"|世代[^。]{0,8}?(?:を問わ|に(?:関わ|かかわ|関係な))|全世代"
    r"|年齢不問|年齢制限(?:は)?(?:なし|無し|ありません)"
    r"|年齢[^。、]{0,6}?定めて(?:おらず|いない|いません)"
    r"|(?:小さな)?(?:子ども|子供|こども|お子さん)から(?:大人|おとな|高齢者|高齢の方|お年寄り)"
)
_AGE_PATTERNS = (_AGE_SPAN_RE, _AGE_BOUND_RE, _DECADES_RE, _FROM_15_RE, _ALL_AGES_RE)
_AGE_EXPECTED = (
    "an age phrase such as 15歳から49歳まで, 18歳未満, 19歳以上, 40代以上, 50代・60代, "
    "義務教育終了後 or 年齢を問わず"
)
# Qualifiers that turn bounds into something other than a limit. They are looked for in
# the whole phrase, so age_text must carry them: 「４０代以上のひきこもりの相談についても」.
_AGE_ADDITION_RE = re.compile(r"についても|も対象|も受け付け|も受付")
_AGE_MAIN_GROUP_RE = re.compile(r"主に|主な対象|主として|中心に|を中心|が中心")


def _age_bounds(
    index: int, match: re.Match[str], text: str
) -> tuple[int | None, int | None]:
    pattern = _AGE_PATTERNS[index]
    if pattern is _AGE_SPAN_RE:
        low = 15 if match["lo_phrase"] else _to_int(match["lo"], text)
        high = _to_int(match["hi"], text) - (1 if match["hq"] == "未満" else 0)
        return low, high
    if pattern is _AGE_BOUND_RE:
        n = _to_int(match["n"], text)
        return {
            "以上": (n, None), "から": (n, None), "以降": (n, None), "超": (n + 1, None),
            "以下": (None, n), "まで": (None, n), "未満": (None, n - 1),
        }.get(match["q"], (n, n))
    if pattern is _DECADES_RE:
        decades = [_to_int(d, text) for d in re.findall(_DECADE, match["list"])]
        low, high = min(decades), max(decades) + 9
        if match["q"] == "以上":
            return low, None
        if match["q"] in ("以下", "まで"):
            return None, high
        return low, high
    if pattern is _FROM_15_RE:
        # 高校生世代 alone is the high-school years (15-18); "…後" phrases are open-ended.
        if match.group().startswith("高校生") and match["q"] is None:
            return 15, 18
        return 15, None
    return None, None  # _ALL_AGES_RE


def parse_age_range(text: str) -> AgeRange:
    """Read an age phrase into inclusive bounds and the kind of statement they make.

    >>> parse_age_range("概ね15歳～39歳")
    AgeRange(age_min=15, age_max=39, approximate=True, text='概ね15歳～39歳', kind='limit')

    未満 is exclusive (18歳未満 → max 17), 以上/以下/まで inclusive; N代 spans N…N+9, so
    50代・60代 → 50–69 (a list with a gap, 20代・40代, is read as its hull 20–49);
    義務教育終了後 / 中学卒業後 → 15–None; 高校生世代 → 15 (15–18 on its own);
    a bare N歳 → N–N.

    ``kind`` (one of :data:`AGE_KINDS`):

    * ``all_ages`` for phrases that set no age condition (年齢を問わず, 年代を問わず, 全年齢,
      全年代, 年齢不問, 属性や世代、相談内容に関わらず, 子どもから大人まで,
      対象年齢などは定めておらず): bounds None, None;
    * ``addition`` when the ages are served in addition to others (についても, も対象):
      「４０代以上のひきこもりの相談についても」 → 40–None, addition;
    * ``main_group`` when they are the main group, not a bound (主に, 主な対象, 中心に):
      「主に 10代～ 20代」 → 10–29, main_group, *not* approximate (主に names a group; it
      does not approximate the numbers);
    * ``limit`` otherwise. The first age expression decides the bounds: 義務教育終了後の全年齢
      is a limit from 15, not all ages. addition is checked before main_group.
    """
    compact = _compact(text, "an age range", _AGE_EXPECTED)
    found = _first_match(compact, _AGE_PATTERNS)
    if found is None:
        raise _fail("an age range", text, _AGE_EXPECTED)
    index, match = found
    low, high = _age_bounds(index, match, text)
    for bound in (low, high):
        if bound is not None and not 0 <= bound <= 130:
            raise _fail("an age range", text, "ages between 0 and 130")
    if low is not None and high is not None and low > high:
        raise _fail("an age range", text, "a lower age not above the upper age")
    return AgeRange(low, high, _is_approximate(compact, match), text, _age_kind(index, compact))


def _age_kind(index: int, compact: str) -> str:
    if _AGE_PATTERNS[index] is _ALL_AGES_RE:
        return "all_ages"
    if _AGE_ADDITION_RE.search(compact):
        return "addition"
    if _AGE_MAIN_GROUP_RE.search(compact):
        return "main_group"
    return "limit"


# ------------------------------------------------------------------ parse_japanese_date -

# First Western year and last era year of each era (Reiwa is open-ended).
_ERAS: dict[str, tuple[int, int | None]] = {
    "明治": (1868, 45), "大正": (1912, 15), "昭和": (1926, 64),
    "平成": (1989, 31), "令和": (2019, None),
}
_ERA_ABBREVIATIONS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和",
                      "令": "令和", "平": "平成", "昭": "昭和"}
_MONTH_NUM = r"(?:[0-9]+|[〇一二三四五六七八九十]+)"
_YEAR_TAIL = rf"年(?:(?P<fy>度)|(?:(?P<month>{_MONTH_NUM})月)?)"

# 令和3年4月, 令和元年, 平成30年度, 令和５年１１月１日.
_ERA_DATE_RE = re.compile(
    rf"(?P<era>明治|大正|昭和|平成|令和)(?P<ey>元|[0-9]+|[〇一二三四五六七八九十]+){_YEAR_TAIL}"
)
# R3, H30年度, R5.4 (Latin era initials, not inside a word such as H2O).
_ERA_ABBR_RE = re.compile(
    rf"(?<![A-Za-z])(?P<abbr>[MTSHR])\.?(?P<ey>[0-9]{{1,2}})"
    rf"(?:{_YEAR_TAIL}|[./](?P<month2>[0-9]{{1,2}})(?![0-9])|(?![0-9A-Za-z]))"
)
# 令3年4月, 平30年度: the one-kanji era abbreviation of the modern eras (an extraction of
# 「厚生労働」令和3年4月号 reads 厚生労働令3年4月号). 大/明 are left out: 最大3年 is no date.
_ERA_KANJI_ABBR_RE = re.compile(rf"(?P<abbr>令|平|昭)(?P<ey>元|[0-9]{{1,2}}){_YEAR_TAIL}")
# 2015年度, 2018年12月, 二〇二四年.
_WESTERN_DATE_RE = re.compile(
    rf"(?<![0-9])(?P<wy>[0-9]{{4}}|[〇一二三四五六七八九]{{4}}){_YEAR_TAIL}"
)
_DATE_PATTERNS = (_ERA_DATE_RE, _ERA_ABBR_RE, _ERA_KANJI_ABBR_RE, _WESTERN_DATE_RE)
_DATE_EXPECTED = "a date such as 令和3年4月, 令和元年, 平成30年度, R3 or 2015年度"


def parse_japanese_date(text: str) -> JapaneseDate:
    """Read the first year(-month) expression: era (明治…令和, M/T/S/H/R) or Western.

    >>> parse_japanese_date("令和 6年 10月から")
    JapaneseDate(year=2024, month=10, fiscal_year=False)

    Era years are checked against the era's span (平成32年 raises: Heisei ended in its
    31st year); only the year is checked, not whether the month still lay in that era
    (平成31年度 and 令和元年4月 are common and accepted). A day, if present, is ignored.
    年度 marks a fiscal year (April–March) and then no month is read.
    """
    compact = _compact(text, "a date", _DATE_EXPECTED)
    found = _first_match(compact, _DATE_PATTERNS)
    if found is None:
        raise _fail("a date", text, _DATE_EXPECTED)
    _, match = found
    groups = match.groupdict()
    if groups.get("wy"):
        year = _to_int(match["wy"], text)
    else:
        era = groups.get("era") or _ERA_ABBREVIATIONS[match["abbr"]]
        first_year, last_era_year = _ERAS[era]
        era_year = _to_int(match["ey"], text)
        if era_year < 1 or (last_era_year is not None and era_year > last_era_year):
            span = f"1 to {last_era_year}" if last_era_year else "1 or more"
            raise _fail("a date", text, f"a {era} year from {span}")
        year = first_year + era_year - 1
    month_text = match["month"] or groups.get("month2")
    month = _to_int(month_text, text) if month_text else None
    if month is not None and not 1 <= month <= 12:
        raise _fail("a date", text, "a month from 1 to 12")
    return JapaneseDate(year, month, match["fy"] is not None)


# ------------------------------------------------------------------ parse_count ---------

_COUNT_NUM = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+|[〇零一二三四五六七八九十百千万億]+)"
_COUNTERS = (
    "か所|カ所|ヶ所|ケ所|ヵ所|箇所|个所|団体|機関|名|人|店舗|店|件|課|校|社|施設|事業所"
    "|法人|地区|地域|圏域|拠点|自治体|市町村|区市町村|部署|チーム|グループ|エリア|回|つ"
)
# 13か所, 29の機関・団体, 3名体制, 全110店舗, 十三か所, 2回 (sessions held), 6つ (areas).
# 第1回 is an ordinal, never a count (the look-behind refuses a number after 第).
_COUNT_RE = re.compile(rf"(?<![0-9第.])全?(?P<n>{_COUNT_NUM})の?(?:{_COUNTERS})")
_BARE_COUNT_RE = re.compile(rf"全?(?P<n>{_COUNT_NUM})")
_COUNT_EXPECTED = (
    "a count such as 13か所, 29の機関・団体, 3名体制, 全110店舗, 2回 or 十三か所"
)


def parse_count(text: str) -> int:
    """Read the first counted quantity (number + counter such as か所/団体/名/店舗).

    >>> parse_count("全 110 店舗")
    110

    A bare number ("13", "十三") is also a count; any other text without a counter raises.
    """
    compact = _compact(text, "a count", _COUNT_EXPECTED)
    match = _COUNT_RE.search(compact) or _BARE_COUNT_RE.fullmatch(compact)
    if match is None:
        raise _fail("a count", text, _COUNT_EXPECTED)
    return _to_int(match["n"], text)


