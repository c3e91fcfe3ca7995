"""Tests for analysis.text.sources: section splitting and quote location."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

import pytest

from analysis.text.fold import fold
from analysis.text.sources import (
    Section,
    SectionOrderError,
    parse_heading,
    quote_in_section,
    quote_spans,
    section_of,
    split_sections,
)

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"

FY2024 = "guidebook-appendix-fy2024.txt"
FY2024_FLYERS = "guidebook-appendix-fy2024-musashino-flyers.txt"
FY2022_PART1 = "guidebook-appendix-fy2022-part1.txt"
FY2022_PART2 = "guidebook-appendix-fy2022-part2.txt"
VISIT = "supportnet-visit-musashino-2024-12-03.txt"

FY2024_NAMES = [
    "新宿区", "文京区", "墨田区", "世田谷区", "中野区", "豊島区", "練馬区", "足立区", "江戸川区",
    "八王子市", "武蔵野市", "調布市", "町田市", "日野市", "国立市", "狛江市", "大島町",
]  # fmt: skip

EXPECTED_SECTIONS = {
    FY2024: [(name, i) for i, name in enumerate(FY2024_NAMES, start=1)],
    FY2022_PART1: [("文京区", 1), ("豊島区", 2), ("足立区", 3)],
    FY2022_PART2: [("八王子市", 4), ("町田市", 5), ("日野市", 6), ("国立市", 7), ("大島町", 8)],
    FY2024_FLYERS: [("武蔵野市", 11)],
}


def first_span(text: str, quote: str) -> tuple[int, int] | None:
    """The first occurrence of ``quote`` in ``text``, or None."""
    spans = quote_spans(text, quote)
    return spans[0] if spans else None


@cache
def read(name: str) -> str:
    return (RAW / name).read_text(encoding="utf-8")


@cache
def sections_of(name: str) -> tuple[Section, ...]:
    return tuple(split_sections(read(name)))


def section_named(name: str, municipality: str) -> Section:
    (section,) = [s for s in sections_of(name) if s.municipality_name == municipality]
    return section


# --- headings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("11 武蔵野市の取組", (11, "武蔵野市")),
        (" 4  八王子市の取組", (4, "八王子市")),
        ("２ 豊島区への取組", (2, "豊島区")),
        ("3 足立区の実践", (3, "足立区")),
        ("１７\u3000大島町の取組\u3000", (17, "大島町")),
        ("8  足立区の取組 ", (8, "足立区")),
        ("5 青ヶ島村の取り組み", (5, "青ヶ島村")),
        ("2 ⽂京区の取組", (2, "文京区")),  # Kangxi radical ⽂ (U+2F42) for 文
        ("4 八王 子市の取組", (4, "八王子市")),  # stray extraction space inside the name
        ("9 架空区の取組", (9, "架空区")),  # unknown names are still headings
    ],
)
def test_parse_heading_accepts_heading_forms(line: str, expected: tuple[int, str]) -> None:
    assert parse_heading(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "\u3000区の取組や「ひきこもり相談窓口」について、広報としま特別号（令和 3年 10月 1日号",
        "福祉まるごと相談課の取組\u3000\u3000",
        "\u3000本ネットワークでは、各機関の相互理解と連携促進を図るため、以下の取組を行っています。",
        "くらしとしごとの相談センターの取組",
        "武蔵野市の取組",  # no number
        "11武蔵野市の取組",  # no whitespace after the number
        "11 武蔵野市の取組について",  # trailing text
        "11 武蔵野市",  # no suffix
        "11 福祉課の取組",  # not 区/市/町/村
        "11 「武蔵野市」の取組",  # punctuation in the name
        "",
    ],
)
def test_parse_heading_rejects_non_headings(line: str) -> None:
    assert parse_heading(line) is None


# --- split_sections on synthetic text -----------------------------------------------


def test_split_sections_spans_and_title() -> None:
    text = "表題\n 1 新宿区の取組\n本文A\n　区の取組や窓口\n２\u3000文京区への取組\n本文B\n"
    sections = split_sections(text)
    assert [(s.municipality_name, s.number) for s in sections] == [("新宿区", 1), ("文京区", 2)]
    first, second = sections
    assert first.start == text.index(" 1 新宿区")  # title before it belongs to no section
    assert first.end == second.start == text.index("２")
    assert second.end == len(text)
    assert first.heading == " 1 新宿区の取組"
    assert second.heading == "２\u3000文京区への取組"
    assert section_of(sections, 0) is None
    assert section_of(sections, text.index("本文A")) == first
    assert section_of(sections, text.index("本文B")) == second
    assert section_of(sections, len(text)) is None


def test_split_sections_crlf_heading_excludes_carriage_return() -> None:
    text = "1 新宿区の取組\r\n本文\r\n2 文京区の取組\r\n"
    sections = split_sections(text)
    assert [s.heading for s in sections] == ["1 新宿区の取組", "2 文京区の取組"]
    assert sections[1].start == text.index("2 文京区")


def test_split_sections_rejects_non_increasing_numbers() -> None:
    with pytest.raises(SectionOrderError,
                       match=r"^section numbers do not strictly increase: \[2, 1\]$"):
        split_sections("2 新宿区の取組\n本文\n1 文京区の取組\n")
    with pytest.raises(SectionOrderError,
                       match=r"^section numbers do not strictly increase: \[2, 2\]$"):
        split_sections("2 新宿区の取組\n本文\n2 文京区の取組\n")


def test_split_sections_without_headings() -> None:
    text = "【武蔵野市】\n訪問記録\n"
    assert split_sections(text) == []
    (whole,) = split_sections(text, whole_file_municipality="武蔵野市")
    assert whole == Section("武蔵野市", None, 0, len(text), "")
    # the given name is stored NFKC-normalised; headings win over the whole-file fallback
    assert split_sections("x", whole_file_municipality="⽂京区")[0].municipality_name == "文京区"
    assert split_sections("1 新宿区の取組\n", whole_file_municipality="武蔵野市")[0].number == 1


# --- split_sections on the real sources ---------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED_SECTIONS))
def test_split_sections_real_files(name: str) -> None:
    text = read(name)
    sections = sections_of(name)
    assert [(s.municipality_name, s.number) for s in sections] == EXPECTED_SECTIONS[name]
    for section in sections:
        assert text[section.start :].startswith(section.heading)
        assert unicodedata.normalize("NFKC", section.municipality_name) in section.heading
    # contiguous from the first heading to the end of file
    assert all(a.end == b.start for a, b in zip(sections, sections[1:], strict=False))
    assert sections[-1].end == len(text)


def test_visit_record_is_one_whole_file_section() -> None:
    text = read(VISIT)
    assert split_sections(text) == []
    assert split_sections(text, whole_file_municipality="武蔵野市") == [
        Section("武蔵野市", None, 0, len(text), "")
    ]


def test_intake_form_falls_in_nerima_section() -> None:
    text = read(FY2024)
    form = text.index("相相談談申申込込")
    assert section_of(sections_of(FY2024), form) == section_named(FY2024, "練馬区")


# --- quote_spans: the first occurrence -------------------------------------------


def test_quote_span_full_width_digits() -> None:
    text = "前文\n令和３年４月に開設\n"
    start, end = first_span(text, "令和3年4月に開設")
    assert text[start:end] == "令和３年４月に開設"


def test_quote_span_kangxi_radicals() -> None:
    text = "墨⽥区ひきこもり専⽤\n"  # ⽥ U+2F65, ⽤ U+2F64
    assert first_span(text, "墨田区ひきこもり専用") == (0, len(text) - 1)
    assert first_span(text, "専用") == (text.index("専"), len(text) - 1)
    # and the other way round: a quote written with radicals finds ordinary kanji
    assert first_span("支援", "⽀援") == (0, 2)


def test_quote_span_extraction_spaces_and_line_breaks() -> None:
    text = "「 ひき こ も り 支援部会」 では、\n家族会"
    start, end = first_span(text, "ひきこもり支援部会」では、家族会")
    assert text[start:end] == "ひき こ も り 支援部会」 では、\n家族会"
    # the span is trimmed to the matched characters, not the surrounding whitespace
    assert first_span("  ひき こ\n", "ひきこ") == (2, 6)


def test_quote_span_length_changing_normalisation() -> None:
    text = "株式会社は㈱と略す"  # ㈱ -> (株): one char becomes three
    start, end = first_span(text, "(株)と略")
    assert text[start:end] == "㈱と略"
    # a match starting inside the expansion still maps to the whole source character
    assert first_span(text, "株)と") == (text.index("㈱"), text.index("と") + 1)
    # combining dakuten composes with its base character
    text = "か\u3099っこう"
    assert first_span(text, "がっこう") == (0, len(text))


def test_quote_span_misses() -> None:
    assert first_span("ひきこもり", "ひきこもらない") is None
    assert first_span("ひきこもり", "") is None
    assert first_span("ひきこもり", " \n ") is None
    assert quote_spans("ああ", "あ") == [(0, 1), (1, 2)]


def test_normalised_index_agrees_with_whole_text_nfkc() -> None:
    # per-cluster NFKC must give the same string as NFKC of the whole text,
    # otherwise quotes (normalised whole) could miss matches in the sources
    for name in [FY2024, FY2024_FLYERS, FY2022_PART1, FY2022_PART2, VISIT]:
        text = read(name)
        assert first_span(text, text) == (len(text) - len(text.lstrip()), len(text.rstrip()))


# --- quotes in the real sources -----------------------------------------------------

# In the FY2024 file this runs across a line break: "…３名の福祉相\n談コーディネーター…"
MUSASHINO_QUOTE = "現在、3名の福祉相談コーディネーターがひきこもり状態にある方やそのご家族"


def test_real_quote_maps_back_to_original_text() -> None:
    text = read(FY2024)
    start, end = first_span(text, MUSASHINO_QUOTE)
    original = text[start:end]
    assert "\n" in original and "３" in original
    assert fold(original) == fold(MUSASHINO_QUOTE)
    assert section_of(sections_of(FY2024), start) == section_named(FY2024, "武蔵野市")


def test_quote_in_section_real_file() -> None:
    text, sections = read(FY2024), sections_of(FY2024)
    assert quote_in_section(text, MUSASHINO_QUOTE, "武蔵野市", sections)
    assert not quote_in_section(text, MUSASHINO_QUOTE, "調布市", sections)
    chofu = "調布市子ども・若者総合支援事業「ここあ」を実施しています。"
    assert quote_in_section(text, chofu, "調布市", sections)
    assert not quote_in_section(text, chofu, "武蔵野市", sections)
    assert not quote_in_section(text, "存在しない引用", "武蔵野市", sections)
    # Kangxi radicals in the 墨田区 flyer text
    assert quote_in_section(text, "墨田区ひきこもり専用", "墨田区", sections)


def test_quote_in_section_spaced_extraction_fy2022() -> None:
    text, sections = read(FY2022_PART2), sections_of(FY2022_PART2)
    quote = "「ひきこもり支援部会」では、家族会、支援機関、庁内部署が一堂に会して相互連携を深め"
    assert quote_in_section(text, quote, "八王子市", sections)
    assert not quote_in_section(text, quote, "町田市", sections)


def test_quote_in_section_any_occurrence_counts() -> None:
    text = "1 新宿区の取組\n居場所\n2 文京区の取組\n居場所\n"
    sections = split_sections(text)
    assert quote_in_section(text, "居場所", "新宿区", sections)
    assert quote_in_section(text, "居場所", "文京区", sections)
    # a quote straddling two sections belongs to neither
    assert not quote_in_section(text, "居場所2文京区", "新宿区", sections)
    assert not quote_in_section(text, "居場所2文京区", "文京区", sections)


def test_visit_record_quote_in_whole_file_section() -> None:
    text = read(VISIT)
    sections = split_sections(text, whole_file_municipality="武蔵野市")
    line = next(ln for ln in text.splitlines() if len(ln.strip()) > 20)
    assert quote_in_section(text, line.strip(), "武蔵野市", sections)
    assert not quote_in_section(text, line.strip(), "調布市", sections)
