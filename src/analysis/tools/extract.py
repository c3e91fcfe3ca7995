"""Candidate facts in the raw texts, for curators: what the tables might be missing.

The tidy tables are written by hand (``docs/curation.md``). This module reads a source
text the cheap way, by rules, and lists every phrase that *looks* like a fact the tables
record: a consultation channel word, an age, a frequency, a date or a count. Each
candidate carries its sentence verbatim, so a curator can judge it in context.

Division of labour, on purpose:

* this module only *finds* phrases (where a candidate starts and ends); the finders are
  deliberately a little broader than the normalizers' grammar;
* :mod:`analysis.text.normalize` alone *interprets* them. A phrase it rejects is kept with
  value ``"unparsed"`` so the curator sees it; nothing is guessed here.

``python -m analysis extract --compare`` sets the candidates of every registered source
against the curated tables and also re-derives each curated value from its own ``*_text``
phrase, listing (a) candidates no curated row contains and (b) curated values that
disagree with their phrase.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.core.errors import UserError
from analysis.core.formats import format_number
from analysis.core.limits import (
    MAX_CANDIDATES,
    MAX_SENTENCE_CHARS,
    read_text_source,
    too_many_candidates,
)
from analysis.core.paths import DATA_DIR, raw_dir
from analysis.dataset import schema
from analysis.dataset.tables import TableReadError, load_municipalities, load_sources, load_tidy
from analysis.text import normalize
from analysis.text.fold import fold_cluster
from analysis.text.normalize import NormalizeError
from analysis.text.sources import SectionOrderError, quote_spans, split_sections

__all__ = [
    "CANDIDATE_COLUMNS",
    "COMPARE_COLUMNS",
    "KINDS",
    "UNPARSED",
    "compare",
    "extract_candidates",
    "extract_source",
    "iter_sentences",
    "run",
    "split_sentences",
    "summarize",
]

KINDS = ("channel", "age", "frequency", "date", "count")
UNPARSED = "unparsed"
CANDIDATE_COLUMNS = [
    "source_id", "municipality_name", "municipality_code", "kind", "phrase", "value",
    "quote", "start",
]
COMPARE_COLUMNS = [
    "municipality_code", "municipality_name", "source_id", "kind", "phrase", "value",
    "status", "quote",
]
# Where each candidate's sentence lies in the source; needed by --compare, not shown.
_SPAN_COLUMNS = ["sentence_start", "sentence_end"]


# ------------------------------------------------------------------ sentences -----------

@dataclass(frozen=True)
class Sentence:
    """One sentence of a source text.

    ``quote`` is ``text[start:end]`` with line breaks removed and outer whitespace
    stripped (the form curated quotes take); ``offsets[i]`` is the position in the
    original text of ``quote[i]``.
    """

    start: int
    end: int
    quote: str
    offsets: tuple[int, ...]


_BULLETS = "・●○◎■□◆◇★☆【※⇒→▶►-"
# A sentence ends after 。！？, at a tab (table cells of the fy2022 files), at a line break
# followed by a blank line or by an indented/bulleted line (a new paragraph or list item),
# and before an inline bullet preceded by a space ("… ・来所相談"). Any other line break is
# a wrap inside a sentence: the PDF extractions break lines mid-sentence, even mid-word.
# The run of spaces may only start after a non-space (the lookbehind) and is not given
# back (possessive): without both, a long run of spaces is scanned again from each of its
# positions, which is quadratic.
_SENTENCE_BREAK_RE = re.compile(
    rf"[。！？]|\t|\n(?=[\s{re.escape(_BULLETS)}])"
    rf"|(?<![ \u3000])[ \u3000]++(?=[{re.escape(_BULLETS[:-1])}])"
)


def _sentence(text: str, start: int, end: int) -> Sentence | None:
    """The sentence ``text[start:end]`` without line breaks and outer whitespace, if any."""
    kept = [(i, ch) for i, ch in enumerate(text[start:end], start) if ch not in "\r\n"]
    while kept and kept[0][1].isspace():
        kept.pop(0)
    while kept and kept[-1][1].isspace():
        kept.pop()
    if not kept:
        return None
    return Sentence(kept[0][0], kept[-1][0] + 1, "".join(ch for _, ch in kept),
                    tuple(i for i, _ in kept))


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Split ``text[start:end]`` into sentences (see ``_SENTENCE_BREAK_RE`` for the rule)."""
    return list(iter_sentences(text, start, end))


def iter_sentences(text: str, start: int = 0, end: int | None = None) -> Iterator[Sentence]:
    """The sentences of ``text[start:end]`` one at a time; a stretch without a sentence end
    longer than ``MAX_SENTENCE_CHARS`` (no real sentence comes near it) is cut into pieces
    of that length, so that memory and time per sentence stay bounded on any text."""
    end = len(text) if end is None else end
    previous = start
    for cut in (*(m.end() for m in _SENTENCE_BREAK_RE.finditer(text, start, end)), end):
        for piece in range(previous, cut, MAX_SENTENCE_CHARS):
            sentence = _sentence(text, piece, min(piece + MAX_SENTENCE_CHARS, cut))
            if sentence is not None:
                yield sentence
        previous = cut


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def match_form(quote: str) -> tuple[str, tuple[int, ...]]:
    """``quote`` in match form, and for each of its characters the index in ``quote``.

    The finders run on this form so that full-width digits, Kangxi radicals, wave dashes
    and extraction spaces ("令和 6年 10月", "1 1 か所") do not hide a phrase; the map
    leads back to the phrase exactly as written. One space is kept between two Latin
    letters, so that "LINE SNS" stays two words and neither hides the other.
    """
    pairs = [(c, i) for i, ch in enumerate(quote)
             for c in (" " if ch.isspace() else fold_cluster(ch))]
    following = [""] * len(pairs)  # the first non-space after each position (one pass)
    after = ""
    for k in range(len(pairs) - 1, -1, -1):
        following[k] = after
        if pairs[k][0] != " ":
            after = pairs[k][0]
    kept: list[tuple[str, int]] = []
    for k, (c, i) in enumerate(pairs):
        if c == " " and not (kept and _is_latin(kept[-1][0]) and _is_latin(following[k])):
            continue
        kept.append((c, i))
    return "".join(c for c, _ in kept), tuple(i for _, i in kept)


# ------------------------------------------------------------------ finders -------------
# Finders locate phrases; they decide nothing about values. Where the normalizer looks at
# context (a number just before 月1回 makes it a date), the finder has the same guard,
# because the normalizer only ever sees the phrase handed to it.

_DIGITS = "0-9〇一二三四五六七八九十百"
# A kanji numeral is only matched from the start of its run (the lookbehind): the match
# that starts there is the one found anyway, and without it a long run of numerals is
# scanned again from each of its positions (quadratic time on a hostile text).
_N = rf"(?:[0-9]+(?:\.[0-9]+)?|(?<![{_DIGITS[3:]}])[{_DIGITS[3:]}]+)"
_NOT_AFTER_N = rf"(?<![{_DIGITS}])"
_ABOUT = r"(?:概ね|おおむね|約|およそ)?"
_ABOUT_AFTER = r"(?:程度|前後|くらい|ぐらい|ほど|頃)?"
_MONTH_COUNTER = r"(?:か|カ|ヶ|ケ|ヵ|箇|个)"
_WEEKDAY = r"[月火水木金土日]曜日?"

# One named group per channel key (labels.csv group "channel").
_CHANNEL_RE = re.compile(
    r"(?P<phone>電話|TEL|Tel|☎)"
    r"|(?P<in_person>来所|面談|面接|対面)"
    r"|(?P<home_visit>訪問(?!看護|記録)|アウトリーチ)"
    r"|(?P<email>Eメール|E-?mail|e-?mail|メール(?!マガジン))"
    r"|(?P<online>オンライン|Zoom|ZOOM|ビデオ通話)"
    r"|(?P<line>(?<![A-Za-z])LINE(?![A-Za-z]))"
    r"|(?P<sns>SNS|Instagram|インスタグラム|Facebook|X\(旧Twitter\)|Twitter)"
    r"|(?P<web_form>(?<!プラット)フォーム)"
    r"|(?P<mobile_consultation>出張(?!所)|出前)"
    r"|(?P<fax>FAX|Fax|fax|ファクス|ファックス)"
    r"|(?P<letter>手紙|郵送)"
)

_AGE_N = r"(?:[0-9]{1,3}|(?<![〇一二三四五六七八九十])[〇一二三四五六七八九十]+)"  # as _N
_AGE_UNIT = r"(?:歳|才)"
_DECADE = r"(?:[1-9]0|[二三四五六七八九]?十)代"
_FROM_15 = r"(?:義務教育(?:終了|修了)(?:後|以降)?|中学校?卒業(?:後|以降)|高校生(?:世代|年代))"
_AGE_RE = re.compile(
    _ABOUT + r"(?:"
    # 15歳から49歳まで, 15～39歳, 高校生世代から39歳
    rf"(?:(?<![0-9]){_AGE_N}{_AGE_UNIT}?|{_FROM_15})(?:~|-|から|より)"
    rf"{_AGE_N}{_AGE_UNIT}(?:まで|未満|以下)?"
    # 18歳以上, 18歳未満, 40才
    rf"|(?<![0-9]){_AGE_N}{_AGE_UNIT}(?:以上|以下|未満|まで|から|以降|超)?"
    # 40代以上, 50代・60代
    rf"|(?<![0-9]){_DECADE}(?:(?:・|、|~|-|から|と|及び|および|や){_DECADE})*(?:以上|以下|まで)?"
    # 義務教育終了後の全年齢 is one phrase (min 15, no maximum), not 15- plus "all ages"
    rf"|{_FROM_15}(?:以上|以降)?(?:の全年齢)?"
    r"|(?:年齢|年代)(?:[^。、]{0,6}?(?:問わ[ずない]|問いません|定めて(?:おらず|いない|いません))"
    r"|に(?:関わ|かかわ|関係)(?:らず|なく))"
    r"|全年代|全年齢|年齢不問|年齢制限は?(?:なし|無し|ありません)"
    r")" + _ABOUT_AFTER
)

_TIMES = (
    rf"{_ABOUT}{_N}(?:回|度)?(?:(?:~|-|から|ないし|または|、|・){_N})?(?:回|度)(?!目)"
)
_FREQUENCY_RE = re.compile(
    _ABOUT + r"(?:"
    rf"(?<![0-9]){_N}(?:{_MONTH_COUNTER}月間?に?|(?:週|年|日)間?に){_TIMES}"  # 2カ月に1回
    rf"|{_NOT_AFTER_N}毎?(?:年間|年度|年|月|週|日)に?{_TIMES}"  # 月1回, 年に7回
    rf"|{_NOT_AFTER_N}毎?週に?{_N}日(?!間)"  # 週3日
    rf"|(?:(?:毎月|偶数月|奇数月|隔月)の?)?(?:第{_N}|最終)"  # 毎月第3日曜日, 第1・第3木曜日
    rf"(?:(?:・|、|,|と|及び|および)(?:第?{_N}|最終))*の?{_WEEKDAY}"
    rf"|毎(?:年|月|週|日)(?:{_WEEKDAY}(?:[・、]?{_WEEKDAY})*)?"  # 毎週, 毎週水曜日
    r"|隔(?:週|月|年)|(?:偶数|奇数)月"
    rf"|{_NOT_AFTER_N}(?:年|月|週)に?数(?:回|度)|数{_MONTH_COUNTER}?(?:年|月|週)間?に?{_TIMES}"
    r"|定期的|定期開催"
    # 適宜/必要に応じ are left out: in this prose they qualify actions, not schedules.
    r"|随時|不定期|その都度"
    r")" + _ABOUT_AFTER
)

_MONTH = r"(?:[0-9]{1,2}|[一二三四五六七八九十]+)月(?:[0-9]{1,2}日)?"
_DATE_RE = re.compile(
    rf"(?:明治|大正|昭和|平成|令和)(?:元|[0-9]{{1,2}}|[〇一二三四五六七八九十]+)年(?:度|{_MONTH})?"
    rf"|(?<![0-9])[0-9]{{4}}年(?:度|{_MONTH})?"
    # "2年度より" with the era left out: found so that it is shown as unparsed
    r"|(?<![0-9])[0-9]{1,2}年度"
)

_COUNT_RE = re.compile(
    r"(?<![0-9第.])全?[0-9]{1,3}(?:,[0-9]{3})*の?"
    r"(?:か所|カ所|ヶ所|ケ所|ヵ所|箇所|団体|機関|店舗|施設|事業所|法人|拠点|名|人|課|校|社|地区"
    r"|圏域|自治体)(?:・(?:団体|機関))?(?:体制)?"
)


def _age_value(phrase: str) -> str:
    parsed = normalize.parse_age_range(phrase)
    if parsed.age_min is None and parsed.age_max is None:
        return "all"
    low, high = (("" if b is None else str(b)) for b in (parsed.age_min, parsed.age_max))
    return f"{low}-{high}"


def _frequency_value(phrase: str) -> str:
    parsed = normalize.parse_frequency(phrase)
    if not parsed.regular:
        return "irregular"
    # 年数回, 定期的: recurring, but the text gives no number (meetings: per_year empty)
    return "uncounted" if parsed.per_year is None else format_number(parsed.per_year)


def _date_value(phrase: str) -> str:
    parsed = normalize.parse_japanese_date(phrase)
    if parsed.fiscal_year:
        return f"{parsed.year}FY"
    return f"{parsed.year}-{parsed.month:02d}" if parsed.month else str(parsed.year)


def _count_value(phrase: str) -> str:
    return str(normalize.parse_count(phrase))


# kind → (finder, value of a phrase); channel values come from the finder's group name.
_FINDERS: dict[str, tuple[re.Pattern[str], Callable[[str], str] | None]] = {
    "channel": (_CHANNEL_RE, None),
    "age": (_AGE_RE, _age_value),
    "frequency": (_FREQUENCY_RE, _frequency_value),
    "date": (_DATE_RE, _date_value),
    "count": (_COUNT_RE, _count_value),
}


def _value(kind: str, match: re.Match[str], phrase: str) -> str:
    """The normalized value of a found phrase, or ``UNPARSED`` if the normalizer says no."""
    derive = _FINDERS[kind][1]
    if derive is None:
        return match.lastgroup or UNPARSED
    try:
        return derive(phrase)
    except NormalizeError:
        return UNPARSED


def sentence_candidates(sentence: Sentence) -> Iterator[dict[str, object]]:
    """Every candidate phrase in one sentence, kind by kind, in text order."""
    compact, origin = match_form(sentence.quote)
    for kind, (pattern, _) in _FINDERS.items():
        for match in pattern.finditer(compact):
            first, last = origin[match.start()], origin[match.end() - 1]
            phrase = sentence.quote[first:last + 1]
            yield {"kind": kind, "phrase": phrase, "value": _value(kind, match, phrase),
                   "quote": sentence.quote, "start": sentence.offsets[first],
                   "sentence_start": sentence.start, "sentence_end": sentence.end}


def _candidates_with_spans(
    text: str, *, source_id: str, municipality_names: Mapping[str, str],
    whole_file_municipality: str | None = None, name: str = "",
) -> pd.DataFrame:
    """:func:`extract_candidates` plus the span of each candidate's sentence.

    More than ``MAX_CANDIDATES`` candidates is refused (LimitError naming ``name``, by
    default the source id): no real source comes near, and the rows would fill memory.
    """
    rows = []
    for section in split_sections(text, whole_file_municipality=whole_file_municipality):
        # the heading line ("11 武蔵野市の取組") is a title, not a sentence of the section
        for sentence in iter_sentences(text, section.start + len(section.heading), section.end):
            for row in sentence_candidates(sentence):
                if len(rows) == MAX_CANDIDATES:
                    raise too_many_candidates(name or source_id)
                rows.append({"source_id": source_id,
                             "municipality_name": section.municipality_name,
                             "municipality_code": municipality_names.get(
                                 section.municipality_name, ""), **row})
    return (
        pd.DataFrame(rows, columns=CANDIDATE_COLUMNS + _SPAN_COLUMNS)
        .sort_values(["start", "kind"], kind="stable")
        .astype({"start": int, "sentence_start": int, "sentence_end": int})
        .reset_index(drop=True)
    )


def extract_candidates(
    text: str, *, source_id: str, municipality_names: Mapping[str, str],
    whole_file_municipality: str | None = None,
) -> pd.DataFrame:
    """Candidate facts of a source text, one row per phrase, in text order.

    ``municipality_names`` maps a municipality name (as section headings give it, NFKC)
    to its code; a section whose name is not in it gets an empty code. For a text with
    no section headings (the visit record), ``whole_file_municipality`` names the one
    municipality the whole text is about; without it such a text yields no candidates.

    Columns: ``source_id, municipality_name, municipality_code, kind`` (channel, age,
    frequency, date, count), ``phrase`` (as written), ``value`` (channel key; age
    "15-49" / "18-" / "-17" / "all"; frequency per year, "irregular" or "uncounted";
    date "2021-04" / "2018FY" / "2021"; count; or "unparsed" when the normalizer
    rejects the phrase), ``quote`` (the sentence, verbatim, line breaks removed) and
    ``start`` (offset of the phrase in ``text``).
    """
    return _candidates_with_spans(
        text, source_id=source_id, municipality_names=municipality_names,
        whole_file_municipality=whole_file_municipality,
    ).drop(columns=_SPAN_COLUMNS)


# ------------------------------------------------------------------ sources -------------

@dataclass(frozen=True)
class Source:
    """A source text to extract from, with what the registry says about it."""

    source_id: str
    path: Path
    whole_file_municipality: str | None


def _municipality_codes(data_dir: Path) -> dict[str, str]:
    """Municipality name → code, from the reference table."""
    frame = load_municipalities(data_dir)
    return dict(zip(frame["name"], frame["municipality_code"], strict=True))


def _registered(data_dir: Path) -> list[Source]:
    """Every source of ``raw/sources.csv``, with its whole-file municipality if it has one."""
    names = {code: name for name, code in _municipality_codes(data_dir).items()}
    return [
        Source(row.source_id, raw_dir(data_dir) / row.file,
               names.get(row.municipality_code) if row.municipality_code else None)
        for row in load_sources(data_dir).itertuples()
    ]


def resolve_source(name: str, data_dir: Path = DATA_DIR) -> Source:
    """A source by source_id, registered file name, or path (registered or not).

    Raises:
        UserError: if ``name`` is neither registered nor an existing file.
    """
    registered = _registered(data_dir)
    path = Path(name)
    for source in registered:
        if name in (source.source_id, source.path.name) or (
            path.is_file() and path.resolve() == source.path.resolve()
        ):
            return source
    if path.is_file():
        return Source(path.stem, path, None)
    known = ", ".join(s.source_id for s in registered)
    raise UserError(
        f"{name}: no such file, and not a source_id or file name in "
        f"{raw_dir(data_dir) / 'sources.csv'} (registered: {known})"
    )


def _read_text(path: Path) -> str:
    """A source text within the limits of ``analysis.core.limits`` (size, UTF-8, not
    binary, not a PDF)."""
    try:
        return read_text_source(path)
    except OSError as error:
        raise UserError(f"{path}: cannot be read ({error})") from error


def _source_candidates(source: Source, codes: Mapping[str, str]) -> pd.DataFrame:
    try:
        return _candidates_with_spans(
            _read_text(source.path), source_id=source.source_id, municipality_names=codes,
            whole_file_municipality=source.whole_file_municipality, name=str(source.path),
        )
    except SectionOrderError as error:
        raise UserError(f"{source.path}: {error}") from error


def extract_source(name: str, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Candidates of one source (see :func:`resolve_source` for ``name``)."""
    source = resolve_source(name, data_dir)
    return _source_candidates(source, _municipality_codes(data_dir)).drop(columns=_SPAN_COLUMNS)


# ------------------------------------------------------------------ compare -------------

def _age_key(low: str, high: str) -> str:
    return "all" if not low and not high else f"{low}-{high}"


def _frequency_key(regular: str, per_year: str) -> str:
    if regular == "false":
        return "irregular"
    if regular == "true":
        try:
            return format_number(float(per_year)) if per_year else "uncounted"
        except ValueError:  # a malformed cell is validate's to report; match it as written
            return per_year
    return ""  # regular "unknown": no frequency stated, nothing to contain a candidate


def _curated_facts(data_dir: Path) -> pd.DataFrame:
    """Every curated value a candidate can be matched with.

    Columns ``municipality_code, source_id, kind, key, quote``; ``key`` is in candidate
    value form, except dates, which match by year (the tables' year columns).
    """
    def facts(table: str, kind: str, key: Callable[[pd.DataFrame], pd.Series]) -> pd.DataFrame:
        frame = load_tidy(table, data_dir)
        return frame.assign(kind=kind, key=key(frame))[
            ["municipality_code", "source_id", "kind", "key", "quote"]]

    def both(f: Callable[[str, str], str], a: str, b: str) -> Callable[[pd.DataFrame], pd.Series]:
        return lambda frame: pd.Series(
            [f(x, y) for x, y in zip(frame[a], frame[b], strict=True)], index=frame.index)

    return pd.concat([
        facts("channels", "channel", lambda f: f["channel"]),
        facts("target_ages", "age", both(_age_key, "age_min", "age_max")),
        facts("meetings", "frequency", both(_frequency_key, "regular", "per_year")),
        facts("services", "date", lambda f: f["established_year"]),
        facts("network_bodies", "date", lambda f: f["established_year"]),
        facts("milestones", "date", lambda f: f["year"]),
        facts("network_bodies", "count", lambda f: f["member_count"]),
        facts("stated_counts", "count", lambda f: f["count"]),
    ], ignore_index=True)


def _quote_spans_frame(facts: pd.DataFrame, texts: Mapping[str, str]) -> pd.DataFrame:
    """``facts`` with one row per occurrence of its quote in its source (span columns)."""
    rows = [
        {**fact, "quote_start": start, "quote_end": end}
        for fact in facts.to_dict("records")
        if fact["source_id"] in texts
        for start, end in quote_spans(texts[fact["source_id"]], fact["quote"])
    ]
    return pd.DataFrame(rows, columns=[*facts.columns, "quote_start", "quote_end"])


def _contained(candidates: pd.DataFrame, facts: pd.DataFrame) -> pd.Series:
    """Per candidate: does a curated row of its municipality and source contain it?

    Contained means the same value (dates: the same year; an unparsed phrase: any value)
    *and* the curated quote overlapping the candidate's sentence, so that a value stated
    elsewhere in the section does not hide this mention of it. Channels are the exception:
    their rows carry no ``*_text`` phrase that must lie in the quote, and a curator quotes
    one line per (service, channel) however often the word recurs, so the value in the
    same municipality and source is enough.
    """
    keyed = candidates.assign(
        row=range(len(candidates)),
        key=lambda f: f["value"].where(f["kind"] != "date", f["value"].str[:4]),
    )
    matched = (
        keyed.merge(facts, on=["municipality_code", "source_id", "kind"],
                    suffixes=("", "_curated"))
        .loc[lambda f: (f["key"] == f["key_curated"]) | (f["value"] == UNPARSED)]
        .loc[lambda f: (f["kind"] == "channel")
             | ((f["quote_start"] < f["sentence_end"]) & (f["sentence_start"] < f["quote_end"]))]
    )
    return pd.Series(keyed["row"].isin(matched["row"]).to_numpy(), index=candidates.index)


def _missing(candidates: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """Candidates no curated row contains: status missing, or informational for counts
    (a count that tidy/stated_counts.csv does not hold is often one no comparison uses:
    a per-session number, a duration)."""
    return (
        candidates.loc[~_contained(candidates, facts)]
        .assign(status=lambda f: f["kind"].map(
            lambda kind: "informational" if kind == "count" else "missing"))
    )


def _disagreement(derivation: schema.Derivation, row: Mapping[str, str]) -> str | None:
    """How a curated row's values differ from what its phrase gives, or None."""
    text = row[derivation.text_column]
    try:
        derived = derivation.cells(text)
    except NormalizeError:
        return f"{UNPARSED}: the normalizer cannot read {text!r}"
    diffs = [f"{column}: curated {row[column] or 'empty'}, derived {value or 'empty'}"
             for column, value in derived.items() if not _same(row[column], value)]
    return "; ".join(diffs) or None


def _same(curated: str, derived: str) -> bool:
    """Equal as cells, with "12" and "12.0" the same number."""
    try:
        return float(curated) == float(derived)
    except ValueError:
        return curated.strip() == derived


def _disagreements(data_dir: Path) -> pd.DataFrame:
    """Curated values that differ from what the derivation rules give for their phrase."""
    rows = [
        {"municipality_code": row["municipality_code"], "source_id": row["source_id"],
         "kind": derivation.rule, "phrase": row[derivation.text_column], "value": problem,
         "status": "disagrees", "quote": row["quote"]}
        for table in schema.TIDY for derivation in table.derivations
        for row in load_tidy(table.name, data_dir).to_dict("records")
        if (problem := _disagreement(derivation, row)) is not None
    ]
    return pd.DataFrame(rows, columns=[c for c in COMPARE_COLUMNS if c != "municipality_name"])


def compare(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Candidates of every registered source that the tables lack, and disagreements.

    Returns rows ``municipality_code, municipality_name, source_id, kind, phrase, value,
    status, quote`` with status ``missing`` (no curated row of the municipality and
    source has the value with a quote overlapping the candidate's sentence),
    ``informational`` (an uncontained count) or ``disagrees`` (a curated value differs
    from what the normalizer derives from the row's ``*_text``; ``value`` says how).

    Raises:
        UserError: if a table or source cannot be read.
    """
    try:
        codes = _municipality_codes(data_dir)
        # A steward's workbook is no prose to mine: its rows are its own evidence.
        sources = [s for s in _registered(data_dir) if s.path.suffix.lower() != ".xlsx"]
        texts = {s.source_id: _read_text(s.path) for s in sources}
        candidates = pd.concat([_source_candidates(s, codes) for s in sources],
                               ignore_index=True)
        facts = _quote_spans_frame(_curated_facts(data_dir), texts)
        disagreements = _disagreements(data_dir)
    except (OSError, TableReadError, KeyError) as error:
        raise UserError(f"{data_dir}: cannot read the data directory ({error})") from error
    names = {code: name for name, code in codes.items()}
    return (
        pd.concat([_missing(candidates, facts), disagreements], ignore_index=True)
        .assign(municipality_name=lambda f: f["municipality_code"].map(names)
                .fillna(f.get("municipality_name")).fillna(""),
                start=lambda f: f["start"].fillna(-1))
        .sort_values(["municipality_code", "source_id", "status", "kind", "start"],
                     kind="stable")
        .loc[:, COMPARE_COLUMNS]
        .reset_index(drop=True)
    )


def summarize(report: pd.DataFrame) -> str:
    """A short plain-text summary of a :func:`compare` report: one line per municipality
    (counts per status, and per kind within it) and a total line."""
    def counts(frame: pd.DataFrame) -> str:
        parts = []
        for status, group in frame.groupby("status", sort=True):
            kinds = group["kind"].value_counts().reindex(KINDS).dropna().astype(int)
            detail = ", ".join(f"{kind} {n}" for kind, n in kinds.items())
            parts.append(f"{len(group)} {status} ({detail})")
        return "; ".join(parts)

    lines = [
        f"{code} {name}: {counts(group)}"
        for (code, name), group in report.groupby(["municipality_code", "municipality_name"])
    ]
    totals = report["status"].value_counts()
    total = ", ".join(f"{totals.get(s, 0)} {s}" for s in ("missing", "disagrees", "informational"))
    lines.append(f"total: {total} in {report['municipality_code'].nunique()} municipalities, "
                 f"{report['source_id'].nunique()} sources")
    return "\n".join(lines)


# ------------------------------------------------------------------ command line --------

def _write_csv(frame: pd.DataFrame, out: Path | None) -> None:
    """UTF-8 CSV to ``out``, or to stdout as UTF-8 bytes whatever the console encoding."""
    text = frame.to_csv(index=False)
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as error:
        raise UserError(f"{out}: cannot write the CSV ({error})") from error


def run(source: str | None, *, compare_tables: bool = False, data_dir: Path = DATA_DIR,
        out: Path | None = None) -> int:
    """``python -m analysis extract``: candidates of one source, or ``--compare``."""
    from analysis.dataset.validate import require_readable

    if not Path(data_dir).is_dir():
        raise UserError(f"{data_dir}: not a directory (give a data directory laid out like data/)")
    if compare_tables == (source is not None):
        raise UserError("give either a SOURCE_FILE to extract from or --compare, not both "
                        "or neither")
    require_readable(Path(data_dir))  # the registry and tables it reads, within the limits
    if source is not None:
        _write_csv(extract_source(source, Path(data_dir)), out)
        return 0
    report = compare(Path(data_dir))
    _write_csv(report, out)
    print(summarize(report), file=sys.stderr)
    return 0
