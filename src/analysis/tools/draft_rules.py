"""Rules that propose rows of every table from one municipality section of a source text.

The drafter reads a section sentence by sentence (``extract.split_sentences``) and
proposes rows in the template's columns (``excel.layout.TEMPLATE_SHEETS``). Every
proposal carries

* ``quote``: a whole sentence of the source, verbatim (line breaks removed) — or a heading
  line joined with the sentence that follows it, when the heading names the thing;
* values of two kinds only: phrases found in the sentence (names, ``*_text`` phrases,
  partners, members as written) and what a rule derives from them — the normalizers
  (``analysis.text.normalize`` through the schema's derivation rules, ``analysis.text.derive``) for
  years, months, ages, frequencies and counts; keyword tables below for enum columns
  (category, kind, member type). Where no rule applies a cell stays empty; nothing is typed
  in by the drafter;
* ``rule``: which rule proposed it, for the steward.

What is deliberately simple: names are found in 「」『』《》 brackets, in heading lines and
as noun runs ending in a keyword (窓口, 家族会, 講演会, 協議会 …); a channel, age or
frequency belongs to the thing named in its sentence, else to the last thing named before
it in the section. The measured recall and precision are in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from analysis.dataset import schema
from analysis.text import normalize
from analysis.text.fold import fold_key
from analysis.text.normalize import NormalizeError
from analysis.text.sources import Section
from analysis.tools.extract import (
    UNPARSED,
    Sentence,
    match_form,
    sentence_candidates,
    split_sentences,
)

__all__ = ["Proposal", "propose_section"]


@dataclass(eq=False)
class Proposal:
    """One proposed row: the sheet (tidy table) it belongs to and its template values.

    ``parent`` is the proposal a reference column points to (a channel's service, a
    member's body); its entity key is filled in once keys are assigned.
    """

    table: str
    code: str
    quote: str
    start: int
    end: int
    values: dict[str, str] = field(default_factory=dict)
    rule: str = ""
    parent: Proposal | None = None
    confidence: str = ""
    previous_row: str = ""

    @property
    def name(self) -> str:
        """What the thing is called: a name, or a milestone's title."""
        return self.values.get("name") or self.values.get("title", "")


# ------------------------------------------------------------------ names ---------------

_BULLET_RE = re.compile(r"^[●〇○◎◆◇■□★☆・※\-*]+")
# A run of characters a name is made of (after NFKC, spaces removed): kanji, katakana,
# Latin letters, digits, 々 ・ ー, and the one hiragana word every programme here has.
_NAME_CHAR = r"[\u4e00-\u9fff々〆\u30a1-\u30fa\u30fcA-Za-z0-9・+＋]"
_WORD = rf"(?:ひきこもり|子ども|こども|こころ|くらし|{_NAME_CHAR})+"
# "ひきこもりに関するセミナー", "当事者向けのグループワーク": one name across these links.
_RUN_RE = re.compile(rf"{_WORD}(?:(?:に関する|向けの?){_WORD})*")
_BRACKET_RE = re.compile(r"「([^「」]{2,40})」|『([^『』]{2,40})』|《([^《》]{2,40})》")
# Bracketed text that is a voice or a slogan, not a name.
_NOT_A_NAME_RE = re.compile(
    r"[。!?！？]|(?:ない|たい|ほしい|ます|です|でした|ました|ください|よう|かも|こと|もの|な)$")
# 「ほっこり」して, 「おしゃべり」しに: a bracketed word used as a verb.
_VERB_AFTER_RE = re.compile(r"(?:し|す|さ)")
_STOP_NAMES = {"ひきこもり", "生きづらさ", "居場所", "情報発信", "相談", "ひきこもり支援"}

# Suffixes of network bodies (councils, networks, sub-committees, case conferences).
_BODY_RE = re.compile(r"(?:協議会|会議|部会|分科会|連絡会|検討会|ネットワーク)$")
_BODY_REFERENCE_RE = re.compile(r"^(?:同|本|当|各|その|この|両)")
# Organisations whose names end like a body's: the welfare council (社協), associations,
# incorporated NPOs.
_ORGANISATION_RE = re.compile(r"社会福祉協議会$|児童委員協議会$|連合会$|法人|株式会社")
# Names of documents and plans: milestone titles, not services.
_DOCUMENT_RE = re.compile(
    r"基本方針|条例|計画|プラン|調査|アンケート|イメージ図|取り組み|取組み|特集号|特別号"
    r"|ガイドブック|ハンドブック|モデル事業|未来都市")
# Noun runs ending in one of these are services (or events) when the sentence has a verb
# of doing or setting up.
_SERVICE_SUFFIX_RE = re.compile(
    r"(?:窓口|センター|相談会|家族会|当事者会|女子会|居場所|サロン|講座|講演会|セミナー"
    r"|勉強会|フォーラム|シンポジウム|研修|教室|フリースペース|ステーション|ルーム"
    r"|グループワーク|懇談会|交流会|体験会|定例会|事業|プログラム|サポート|通信|だより"
    r"|(?:居場所|就労|訪問|同行|学習|参加)支援"
    r"|サイト|リーフレット|動画)$")
# Bare keywords that name nothing on their own when found in running text.
_GENERIC = {"窓口", "相談窓口", "センター", "事業", "研修", "プログラム", "サポート", "通信",
            "サイト", "リーフレット", "動画", "支援事業", "相談事業", "相談支援事業",
            "ネットワーク", "協議会", "会議", "連携ネットワーク", "相談支援"}
_ACTIVITY_RE = re.compile(
    r"開設|設置|実施|開催|行って|行い|行う|運営|委託|立ち上げ|スタート|提供|オープン|創設"
    r"|受け付け|応じ|活動|開い|開き|取り組|制作|作成|配信|発行")
_HEADING_TAIL_RE = re.compile(
    r"(?:の|を)(?:開設|開催|設置|実施|運営|策定|推進|強化|発行|作成|制作)(?:について)?$"
    r"|について$|との連携$|を開設$")
_ESTABLISH_RE = re.compile(r"開設|設置|開始|スタート|立ち上げ|創設|オープン|発足|設け|開所")
_AS_OF_RE = re.compile(r"^(?:時点|現在)")


def _clean_name(raw: str) -> str:
    """The stored form of a found name: NFKC, no stray spaces, no brackets or bullets."""
    text = normalize.normalize_text(raw, join_split_words=True)
    text = _BULLET_RE.sub("", text).strip("「」『』《》:：・ ")
    return text


@dataclass(frozen=True)
class Name:
    """A name found in a sentence: its stored text, where it is (quote index), how found."""

    text: str
    position: int
    how: str  # bracket, heading, run


def _names(sentence: Sentence, municipality_names: Mapping[str, str]) -> list[Name]:
    """Names in a sentence: bracketed ones first, then noun runs with a keyword ending."""
    compact, origin = match_form(sentence.quote)
    found: list[Name] = []
    covered: list[tuple[int, int]] = []
    for match in _BRACKET_RE.finditer(compact):
        inner = next(g for g in match.groups() if g)
        text = _clean_name(inner)
        if (len(fold_key(text)) < 2 or text in _STOP_NAMES or _NOT_A_NAME_RE.search(text)
                or _VERB_AFTER_RE.match(compact, match.end()) or text in municipality_names):
            continue
        found.append(Name(text, origin[match.start()], "bracket"))
        covered.append(match.span())
    for start, end in _runs(compact, origin, sentence.quote):
        if any(a <= start < b for a, b in covered):
            continue
        text = _clean_name(compact[start:end])
        if (text in _GENERIC or text in _STOP_NAMES or len(fold_key(text)) < 3
                or text in municipality_names or _ORGANISATION_RE.search(text)):
            continue
        parts = text.split("・")
        if len(parts) > 1 and all(_SERVICE_SUFFIX_RE.search(p) or _BODY_RE.search(p)
                                  for p in parts):
            # "講演会・個別相談会", "家族会・当事者会": one name each
            offset = 0
            for part in parts:
                found.append(Name(part, origin[min(start + offset, end - 1)], "run"))
                offset += len(part) + 1
        elif _BODY_RE.search(text) or _SERVICE_SUFFIX_RE.search(text):
            found.append(Name(text, origin[start], "run"))
    return sorted(found, key=lambda n: n.position)


# A heading line that names a thing: no contact details, prompts or sentence endings.
_NOT_A_HEADING_NAME_RE = re.compile(
    r"[:?!@☎✉<>\[\]、]|http|[0-9]-[0-9]|[をがはもとでにへやかね]$"
    r"|(?:ます|です|ない|して|され|ください|こと|など)$")
_EVENT_WORD_RE = re.compile(r"会$")
# Lines of a form or a flyer laid out in columns: check boxes, wide gaps between words.
_FORM_LINE_RE = re.compile(r"[□☐]|\S(?: {2,}|\u3000{2,}|[ \u3000]{2,})\S")


def _runs(compact: str, origin: tuple[int, ...], quote: str) -> list[tuple[int, int]]:
    """Noun runs of the compact sentence, cut where the source has a wide gap (an
    ideographic space or two spaces: a heading running into its paragraph), not at single
    spaces, which PDF extraction puts inside words."""
    runs = []
    for match in _RUN_RE.finditer(compact):
        start = match.start()
        for i in range(match.start(), match.end() - 1):
            gap = quote[origin[i] + 1:origin[i + 1]]
            if "\u3000" in gap or (len(gap) >= 2 and not gap.strip()):
                runs.append((start, i + 1))
                start = i + 1
        runs.append((start, match.end()))
    return runs


def _heading_name(sentence: Sentence, introduces_prose: bool) -> str:
    """The thing a heading line names: "おはなしサロンの開催" → おはなしサロン.

    A flyer caption (【チラシ】…), a contact line or a fragment of wrapped flyer text is
    no name; a heading that does not introduce a paragraph must also contain a keyword.
    """
    raw = sentence.quote.strip()
    if raw.startswith(("【", "[")) or _FORM_LINE_RE.search(raw):
        return ""
    if normalize.normalize_text(raw) != unicodedata.normalize("NFKC", " ".join(raw.split())):
        return ""  # bold doubling ("相相談談申申込込"): a form or flyer, not a heading
    text = _clean_name(sentence.quote)
    text = re.sub(r"^[0-9]+\s+", "", text)
    text = _HEADING_TAIL_RE.sub("", text).strip()
    folded = fold_key(text)
    if not 3 <= len(folded) <= 30 or text in _STOP_NAMES or _NOT_A_HEADING_NAME_RE.search(text):
        return ""
    keyword = (_first_rule(_CATEGORY_RULES, text) or _BODY_RE.search(text)
               or _EVENT_WORD_RE.search(text))
    return text if keyword or introduces_prose else ""


def is_heading(text: str, sentence: Sentence) -> bool:
    """A short line of its own without 。: a heading, a bullet title or a flyer caption."""
    line_start = text.rfind("\n", 0, sentence.start) + 1
    line_end = text.find("\n", sentence.end)
    line_end = len(text) if line_end == -1 else line_end
    whole_line = not text[line_start:sentence.start].strip() and not (
        text[sentence.end:line_end].strip())
    compact = fold_key(sentence.quote)
    return (whole_line and "。" not in sentence.quote and 3 <= len(compact) <= 40
            and not sentence.quote.rstrip().endswith(("、", ",", "，")))


# ------------------------------------------------------------------ classification ------
# Enum values by keyword, first match wins. These are rules a steward can check at a glance;
# a name that matches none leaves the cell empty.

_CATEGORY_RULES = (
    ("family_group",
     r"家族会|家族教室|家族懇談会|家族セミナー|保護者の会|親の会|家族向け|家族を対象"),
    ("peer_group", r"当事者会|女子会|ピア"),
    ("consultation_event", r"相談会|出張相談|出張個別"),
    ("seminar", r"講演会|セミナー|講座|フォーラム|シンポジウム|勉強会|サロン"),
    ("training", r"養成|研修"),
    ("drop_in", r"居場所|フリースペース|ルーム|カフェ|サロン|ステーション"),
    ("outreach", r"訪問|アウトリーチ|同行"),
    ("employment_support", r"就労|職場体験|ジョブ"),
    ("publicity", r"広報|周知|啓発|リーフレット|チラシ|サイト|ホームページ|動画|通信|だより"
                  r"|情報発信|情報提供|まんが"),
    ("consultation_window", r"窓口|センター|相談"),
    ("support_program", r"プログラム|体験"),
)
# The national menu a category evidences (docs/curation.md: a curator's classification by
# function; where a category spans several menus the cell stays empty).
_MENU_OF_CATEGORY = {
    "consultation_window": "consultation_support", "consultation_event": "consultation_support",
    "outreach": "consultation_support", "drop_in": "ibasho",
    "family_group": "peer_family_groups", "peer_group": "peer_family_groups",
    "seminar": "public_seminars", "training": "supporter_training",
    "employment_support": "none", "publicity": "none",
}
_MEETING_KIND_RULES = (
    ("subcommittee", r"部会|分科会"),
    ("council", r"協議会"),
    ("case_conference", r"ケース検討|支援会議|調整会議|検討会"),
    ("network_meeting", r"ネットワーク|連絡会"),
    ("family_group", r"家族会|家族教室|家族懇談会|家族セミナー|保護者の会|親の会|家族向け"),
    ("peer_group", r"当事者会|女子会|ピア"),
    ("consultation_event", r"相談会|出張相談"),
    ("lecture", r"講演会|フォーラム|シンポジウム"),
    ("seminar", r"セミナー|講座|勉強会|サロン"),
    ("training", r"研修"),
    ("drop_in", r"居場所|フリースペース|ルーム|カフェ"),
)
_BODY_KIND_RULES = (
    ("subcommittee", r"部会|分科会"),
    ("liaison", r"連絡会議|庁内連携会議"),
    ("case_conference", r"ケース検討|支援会議|調整会議|検討会"),
    ("council", r"協議会"),
    ("network_meeting", r"ネットワーク|連絡会"),
)
_MEMBER_RULES = (
    ("social_welfare_council", r"社会福祉協議会|社協"),
    ("family_group", r"家族会"),
    ("community_volunteer", r"民生委員|児童委員|町会|自治会|ボランティア"),
    ("academic", r"学識|大学"),
    ("medical", r"医療|医師|病院|保健医療"),
    ("school", r"学校|教育"),
    ("employment", r"ハローワーク|就労|サポステ|サポートステーション"),
    ("private_company", r"企業"),
    ("npo", r"NPO|支援団体|民間|団体"),
    ("peer_group", r"当事者"),
    ("government", r"庁内|行政|部署|所管|保健所|区役所|市役所|課$"),
)
_MILESTONE_RULES = (
    ("basic_policy", r"基本方針"),
    ("ordinance", r"条例"),
    ("questionnaire", r"アンケート"),
    ("survey", r"調査"),
    ("plan", r"計画|プラン"),
    ("guide", r"ガイドブック|ハンドブック|リーフレット|イメージ図|冊子|まとめ"),
    ("designation", r"選定|指定|認定"),
    ("publication", r"特集号|特別号|広報|号|掲載|放送|配信|発行"),
    ("program_start", r"開始|実施|取り組|スタート"),
)
_OPERATOR_RULES = (("outsourced", r"委託"), ("partner", r"共催|補助金|後援"))


# What a channel word in a sentence is for (labels.csv group channel_purpose); no rule: the
# steward decides. Order matters: a sentence about applying to a consultation is an
# application route, a lecture's stream is attendance.
_CHANNEL_PURPOSE_RULES = (
    ("application", r"申込|申し込み|予約|応募"),
    ("attendance", r"会場|配信|視聴|参加方法"),
    ("publicity", r"発信|お知らせ|情報提供|掲載|フォロー|ブログ|広報"),
    ("inquiry", r"問い?合わせ|問合せ"),
    ("consultation", r"相談"),
)
# A meeting held once on a stated day; with a frequency it recurs.
_SINGLE_DAY_RE = re.compile(
    r"(?:令和|平成)?[0-9０-９元]+年[0-9０-９]+月[0-9０-９]+日|[0-9０-９]+月[0-9０-９]+日")


def _first_rule(rules: Iterable[tuple[str, str]], text: str) -> str:
    return next((value for value, pattern in rules if re.search(pattern, text)), "")


# ------------------------------------------------------------------ phrases -------------

@dataclass(frozen=True)
class Phrase:
    kind: str
    text: str  # as written
    value: str  # extract's value form ("unparsed" if the normalizer refuses)
    position: int  # index in the quote it was found in
    start: int  # offset in the source text


def _phrases(sentence: Sentence) -> list[Phrase]:
    """Channel, age, frequency, date and count phrases of a sentence (extract's finders)."""
    return [Phrase(str(row["kind"]), str(row["phrase"]), str(row["value"]),
                   sentence.offsets.index(int(row["start"])), int(row["start"]))
            for row in sentence_candidates(sentence)]


def _derived(table: schema.Table, text_column: str, text: str) -> dict[str, str]:
    """The cells the table's derivation rule gives for ``text`` in ``text_column`` (the
    same rule the validator checks them with)."""
    (derivation,) = [d for d in table.derivations if d.text_column == text_column]
    return derivation.cells(text)


def _date_columns(phrase: str) -> tuple[str, str]:
    try:
        cells = _derived(schema.MILESTONES, "date_text", phrase)
    except NormalizeError:
        return "", ""
    return cells["year"], cells["month"]


# ------------------------------------------------------------------ the section ---------

@dataclass
class _Context:
    code: str
    text: str
    proposals: list[Proposal] = field(default_factory=list)
    last_service: Proposal | None = None
    last_body: Proposal | None = None
    last_council: Proposal | None = None
    used_dates: set[int] = field(default_factory=set)  # start offsets of establishment dates

    def add(self, proposal: Proposal) -> Proposal:
        self.proposals.append(proposal)
        return proposal


def _quote_of(sentences: list[Sentence], index: int, text: str) -> tuple[str, int, int]:
    """The quote of sentence ``index``; a heading is joined with the sentence after it."""
    sentence = sentences[index]
    if is_heading(text, sentence) and index + 1 < len(sentences):
        following = sentences[index + 1]
        if not is_heading(text, following):
            # verbatim from the heading to the end of the sentence, line breaks removed
            joined = "".join(ch for ch in text[sentence.start:following.end] if ch not in "\r\n")
            return joined, sentence.start, following.end
    return sentence.quote, sentence.start, sentence.end


def _service(context: _Context, name: str, how: str, quote: tuple[str, int, int],
             sentence_text: str, phrases: list[Phrase]) -> Proposal:
    category = _first_rule(_CATEGORY_RULES, name)
    values = {"name": name, "category": category,
              "national_menu": _MENU_OF_CATEGORY.get(category, ""),
              "operator_type": _first_rule(_OPERATOR_RULES, sentence_text)}
    _set_established(context, values, sentence_text, phrases)
    return Proposal("services", context.code, *quote, values=values,
                    rule=f"name: {how}; category: keyword" if category else f"name: {how}")


def _establishment(sentence_text: str, phrases: list[Phrase]) -> Phrase | None:
    """The date phrase of a sentence that says something was set up or started."""
    for phrase in phrases:
        if phrase.kind != "date" or phrase.value == UNPARSED:
            continue
        after = sentence_text[phrase.position + len(phrase.text):]
        if _AS_OF_RE.match(after.lstrip()):
            continue
        if _ESTABLISH_RE.search(sentence_text) or re.match(r"\s*(?:から|より)", after):
            return phrase
    return None


def _set_established(context: _Context, values: dict[str, str], sentence_text: str,
                     phrases: list[Phrase]) -> None:
    established = _establishment(sentence_text, phrases)
    if established is None:
        return
    year, month = _date_columns(established.text)
    values.update(established_text=established.text, established_year=year,
                  established_month=month)
    context.used_dates.add(established.start)


def _body(context: _Context, name: str, how: str, quote: tuple[str, int, int],
          sentence_text: str, phrases: list[Phrase]) -> Proposal:
    values = {"name": name, "kind": _first_rule(_BODY_KIND_RULES, name)}
    _set_established(context, values, sentence_text, phrases)
    counts = [p for p in phrases if p.kind == "count" and p.value != UNPARSED
              and re.search(r"団体|機関", p.text)]
    if counts:
        values.update(member_count_text=counts[-1].text, member_count=counts[-1].value)
    proposal = Proposal("network_bodies", context.code, *quote, values=values,
                        rule=f"name: {how}; kind: suffix")
    if values["kind"] == "subcommittee" and context.last_council is not None and re.search(
            r"同協議会|協議会の下|の下に", sentence_text):
        proposal.values["parent_body_key"] = ""
        proposal.parent = context.last_council
    return proposal


def _meeting(context: _Context, name: str, quote: tuple[str, int, int], service: Proposal | None,
             frequency: str = "", rule: str = "") -> Proposal:
    values = {"name": name, "kind": _first_rule(_MEETING_KIND_RULES, name)}
    if frequency:
        values["frequency_text"] = frequency
        values["occurrence"] = "recurring"
    elif _SINGLE_DAY_RE.search(quote[0]):
        values["occurrence"] = "single_event"
    try:
        values.update(_derived(schema.MEETINGS, "frequency_text", frequency))
    except NormalizeError:
        values.update(frequency_text="", regular="unknown", per_year="")
    values.setdefault("approximate", "false")
    return Proposal("meetings", context.code, *quote, values=values, rule=rule, parent=service)


_MEMBER_VERB_RE = re.compile(r"で構成|が参加|が一堂に会|が加わ|を加え|が連携して|が協力し")
_MEMBER_SPLIT_RE = re.compile(r"、|や(?=[^\s])|及び|および")
_CLAUSE_START_RE = re.compile(r"(?:ために|として|では|において|により|から|には|、特に)")


def _members(sentence_text: str, body: Proposal, context: _Context,
             quote: tuple[str, int, int]) -> list[Proposal]:
    """Member types of a body from "A、B、Cで構成" / "A、B、Cが一堂に会" sentences."""
    verb = _MEMBER_VERB_RE.search(sentence_text)
    if verb is None:
        return []
    clause = sentence_text[:verb.start()]
    clause = re.split(r"[「」]", clause)[-1] if "」" in clause else clause
    starts = list(_CLAUSE_START_RE.finditer(clause))
    if starts:
        clause = clause[starts[-1].end():]
    items = [item.strip(" 　、") for item in re.split(r"、", clause) if item.strip(" 　、")]
    found: dict[str, str] = {}
    for item in items:
        text = re.sub(r"^(?:など|等)|(?:など|等)$", "", item)
        member_type = _first_rule(_MEMBER_RULES, text) or "other"
        found.setdefault(member_type, normalize.normalize_text(text, join_split_words=True))
    return [Proposal("network_body_members", context.code, *quote,
                     values={"member_type": t, "member_text": m}, rule="member list; type: keyword",
                     parent=body) for t, m in found.items()]


def _collaborations(sentence_text: str, context: _Context, quote: tuple[str, int, int],
                    municipality_names: dict[str, str], own: str,
                    names: list[Name]) -> list[Proposal]:
    """Partners: other municipalities named in a sentence about doing something together."""
    compact = normalize.normalize_text(sentence_text, join_split_words=True)
    if not re.search(r"連携|合同|共同|相互利用|広域|共催|近隣|複数の自治体|他の自治体", compact):
        return []
    partners: list[tuple[str, str]] = []
    for name, code in municipality_names.items():
        if name == own or code == context.code:
            continue
        for match in re.finditer(re.escape(name), compact):
            if compact[match.end():match.end() + 1] not in ("内", "民"):  # 区内, 市民
                partners.append((name, code))
                break
    if not partners:
        generic = re.search(r"(?:都内)?(?:複数の|他の|近隣の?)(?:自治体|区市町村|区|市)"
                            r"|[0-9]+自治体", compact)
        if generic:
            partners.append((generic.group(), ""))
    activity = next((n.text for n in names if n.how == "bracket"), "")
    return [Proposal("collaborations", context.code, *quote,
                     values={"partner_code": code, "partner_text": text, "activity": activity},
                     rule="partner named in the sentence") for text, code in partners]


def _milestone(context: _Context, phrase: Phrase, sentence_text: str, names: list[Name],
               quote: tuple[str, int, int]) -> Proposal | None:
    after = sentence_text[phrase.position + len(phrase.text):]
    if phrase.value == UNPARSED or _AS_OF_RE.match(after.lstrip()):
        return None
    year, month = _date_columns(phrase.text)
    if not year:
        return None
    documents = [n.text for n in names if _DOCUMENT_RE.search(n.text)]
    title = documents[0] if documents else (names[0].text if names else "")
    return Proposal("milestones", context.code, *quote,
                    values={"kind": _first_rule(_MILESTONE_RULES, sentence_text), "title": title,
                            "date_text": phrase.text, "year": year, "month": month},
                    rule="dated sentence; kind: keyword")


def propose_section(text: str, section: Section, code: str,
                    municipality_names: dict[str, str]) -> list[Proposal]:
    """Every proposal of one municipality section, in text order."""
    context = _Context(code, text)
    sentences = split_sentences(text, section.start + len(section.heading), section.end)
    for index in range(len(sentences)):
        _propose_sentence(context, sentences, index, municipality_names,
                          section.municipality_name)
    return _deduplicated(context.proposals)


def _propose_sentence(context: _Context, sentences: list[Sentence], index: int,
                      municipality_names: dict[str, str], own: str) -> None:
    text = context.text
    sentence = sentences[index]
    quote = _quote_of(sentences, index, text)
    sentence_text = quote[0]
    phrases = _phrases(sentence)
    heading = is_heading(text, sentence)
    # A heading joined with its next sentence takes its start date from that sentence; the
    # other phrases of that sentence are proposed when the sentence itself is read.
    dated = phrases
    if heading and quote[0] != sentence.quote:
        def position(start: int) -> int:  # index in the joined quote
            return sum(1 for ch in text[sentence.start:start] if ch not in "\r\n")

        dated = phrases + [Phrase(p.kind, p.text, p.value, position(p.start), p.start)
                           for p in _phrases(sentences[index + 1])]
    names = _names(sentence, municipality_names)
    if heading:
        name = _heading_name(sentence, introduces_prose=quote[0] != sentence.quote)
        if name and not any(fold_key(n.text) == fold_key(name) for n in names):
            names = [Name(name, 0, "heading"), *names]
    doing = bool(_ACTIVITY_RE.search(sentence_text))
    here: list[tuple[Name, Proposal]] = []
    for name in names:
        if _DOCUMENT_RE.search(name.text):
            continue
        if _BODY_RE.search(name.text):
            if _BODY_REFERENCE_RE.match(name.text) or _ORGANISATION_RE.search(name.text):
                continue
            body = context.add(_body(context, name.text, name.how, quote, sentence_text,
                                     dated))
            context.last_body = body
            if body.values["kind"] == "council":
                context.last_council = body
            context.add(_meeting(context, name.text, quote, None,
                                 rule=f"name: {name.how} (a body that meets)"))
            context.proposals += _members(sentence_text, body, context, quote)
            here.append((name, body))
            continue
        if name.how == "run" and not doing:
            continue
        service = context.add(_service(context, name.text, name.how, quote, sentence_text,
                                       dated))
        context.last_service = service
        here.append((name, service))
        if _first_rule(_MEETING_KIND_RULES, name.text) and re.search(
                r"開催|実施|行って|活動|開い|開き", sentence_text):
            context.add(_meeting(context, name.text, quote, service,
                                 rule=f"name: {name.how} (an event held)"))
    services_here = [(n, p) for n, p in here if p.table == "services"]
    for phrase in phrases:
        if phrase.value == UNPARSED:
            continue
        owner = _owner(phrase, services_here) or context.last_service
        if phrase.kind == "channel" and owner is not None:
            purpose = _first_rule(_CHANNEL_PURPOSE_RULES, sentence_text)
            context.add(Proposal("channels", context.code, *quote,
                                 values={"channel": phrase.value, "purpose": purpose},
                                 parent=owner, rule="channel word"))
        elif phrase.kind == "age" and owner is not None:
            values = {"age_text": phrase.text,
                      **_derived(schema.TARGET_AGES, "age_text", phrase.text)}
            context.add(Proposal("target_ages", context.code, *quote, values=values,
                                 parent=owner, rule="age phrase"))
        elif phrase.kind == "frequency":
            named = _owner(phrase, here)
            subject = named or context.last_service or context.last_body
            name = subject.name if subject is not None else ""
            service = subject if subject is not None and subject.table == "services" else None
            context.add(_meeting(context, name, quote, service, frequency=phrase.text,
                                 rule="frequency phrase; name: nearest name"))
        elif phrase.kind == "count":
            context.add(Proposal(STATED_COUNTS, context.code, *quote,
                                 values=stated_count_values(phrase.text), parent=owner,
                                 rule="count phrase"))
        elif phrase.kind == "date" and phrase.start not in context.used_dates:
            milestone = _milestone(context, phrase, sentence_text, names, quote)
            if milestone is not None:
                context.add(milestone)
    context.proposals += _collaborations(sentence_text, context, quote, municipality_names,
                                         own, names)


STATED_COUNTS = "stated_counts"
# What a count counts, by its counter (labels.csv group count_subject); no rule: the
# steward decides (人 and 名 may be staff, participants or consultations).
_COUNT_SUBJECT_RULES = (
    ("sites", r"か所|カ所|ヶ所|ケ所|ヵ所|箇所|拠点|地域|エリア|圏域|地区"),
    ("member_organisations", r"機関|団体|法人"),
    ("co_hosts", r"自治体|市町村"),
    ("cooperating_businesses", r"店舗|店|事業所|社"),
)


def stated_count_values(phrase: str) -> dict[str, str]:
    """A count stated in the text: the phrase, what it counts where the counter says so,
    and ``current`` (the edition's own time, when no other is stated); the number is
    derived from the phrase by the table's rule."""
    subject = _first_rule(_COUNT_SUBJECT_RULES, fold_key(phrase))
    values = {"subject": subject, "as_of": "current", "count_text": phrase}
    return values | _derived(schema.STATED_COUNTS, "count_text", phrase)


def _owner(phrase: Phrase, named: list[tuple[Name, Proposal]]) -> Proposal | None:
    """The named thing nearest to a phrase in its sentence."""
    if not named:
        return None
    return min(named, key=lambda pair: abs(pair[0].position - phrase.position))[1]


def _identity(proposal: Proposal) -> tuple[str, ...]:
    """What makes two proposals of a section the same row."""
    values = proposal.values
    parent = id(proposal.parent) if proposal.parent is not None else 0
    if proposal.table in ("services", "network_bodies"):
        return (proposal.table, fold_key(values["name"]))
    if proposal.table == "meetings":
        return (proposal.table, fold_key(values["name"]), values.get("frequency_text", ""))
    if proposal.table == "channels":
        return (proposal.table, str(parent), values["channel"])
    if proposal.table == "target_ages":
        return (proposal.table, str(parent), values["age_text"])
    if proposal.table == "network_body_members":
        return (proposal.table, str(parent), values["member_type"])
    if proposal.table == "milestones":
        return (proposal.table, values["date_text"], values["title"])
    if proposal.table == "collaborations":
        return (proposal.table, values["partner_text"], values["activity"])
    if proposal.table == STATED_COUNTS:
        return (proposal.table, str(proposal.start), *values.values())
    return (proposal.table, str(id(proposal)))


def _deduplicated(proposals: list[Proposal]) -> list[Proposal]:
    """One proposal per identity: the first, unless a later one states a start date (then
    that one, with the date); a meeting without frequency is dropped when the same name has
    one with a frequency. References to a dropped proposal move to the kept one."""
    kept: dict[tuple[str, ...], Proposal] = {}
    replaced: dict[int, Proposal] = {}
    for proposal in proposals:
        if proposal.parent is not None and id(proposal.parent) in replaced:
            proposal.parent = replaced[id(proposal.parent)]
        key = _identity(proposal)
        first = kept.get(key)
        if first is None:
            kept[key] = proposal
            continue
        if proposal.values.get("established_text") and not first.values.get("established_text"):
            kept[key] = proposal
            replaced[id(first)] = proposal
        else:
            replaced[id(proposal)] = first
    result = _without_contained_names(list(kept.values()), replaced)
    with_frequency = {fold_key(p.name) for p in result
                      if p.table == "meetings" and p.values.get("frequency_text")}
    result = [p for p in result if not (p.table == "meetings" and not p.values.get(
        "frequency_text") and fold_key(p.name) in with_frequency)]
    for proposal in result:  # a parent replaced after its child was seen
        while proposal.parent is not None and id(proposal.parent) in replaced:
            proposal.parent = replaced[id(proposal.parent)]
    # a second pass, as references may have merged two children
    return _unique_children(sorted(result, key=lambda p: p.start))


def _without_contained_names(proposals: list[Proposal],
                             replaced: dict[int, Proposal]) -> list[Proposal]:
    """Drop a service or meeting whose name ends another one of its table found in an
    overlapping quote: "相談センター" inside "高齢者あんしん相談センター" is the same thing
    read short (a noun run cut at a hiragana word)."""
    result = []
    for proposal in proposals:
        longer = None
        if proposal.table in ("services", "meetings"):
            short = fold_key(proposal.name)
            longer = next((other for other in proposals if other is not proposal
                           and other.table == proposal.table
                           and other.values.get("frequency_text", "") == proposal.values.get(
                               "frequency_text", "")
                           and len(fold_key(other.name)) > len(short)
                           and fold_key(other.name).endswith(short)
                           and other.start < proposal.end and proposal.start < other.end),
                          None)
        if longer is None:
            result.append(proposal)
        else:
            replaced[id(proposal)] = longer
    return result


def _unique_children(proposals: list[Proposal]) -> list[Proposal]:
    seen: set[tuple[str, ...]] = set()
    result = []
    for proposal in proposals:
        key = _identity(proposal)
        if key in seen:
            continue
        seen.add(key)
        result.append(proposal)
    return result
