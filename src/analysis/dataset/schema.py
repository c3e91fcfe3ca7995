"""The table contract, as data: every column of every table, its type, constraints and
descriptions. One definition serves the validator (pandera), the Frictionless
``datapackage.json``, the data dictionary and the Excel templates.

Enum values are the keys of a group in ``labels.csv`` (which holds their Japanese and
English labels), so an enum is documented where it is defined.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis.core.labels import labels

ID_PATTERN = r"[a-z0-9][a-z0-9_]*(-[a-z0-9_]+)*"
ENTITY_KEY_PATTERN = r"[0-9]{6}-[a-z0-9]+(-[a-z0-9]+)*"
SOURCE_ID_PATTERN = r"[a-z0-9][a-z0-9_]*"
CODE_PATTERN = r"[0-9]{6}"
# Above any municipality of Japan (Yokohama: 3.8 million); the validator needs both bounds.
MAX_POPULATION = 10_000_000


@dataclass(frozen=True)
class Field:
    """One column. ``kind``: text, integer, number, boolean, enum, code, id, key, quote."""

    name: str
    kind: str
    description_ja: str
    description_en: str
    required: bool = False
    enum: str | None = None  # label group holding the allowed values
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None

    def allowed(self) -> tuple[str, ...]:
        return tuple(labels(self.enum)) if self.enum else ()


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    target: str


@dataclass(frozen=True)
class Derivation:
    """Columns derived from a phrase column by a rule of ``analysis.text.derive``:
    ``columns`` maps the rule's outputs to this table's columns."""

    text_column: str
    rule: str
    columns: tuple[tuple[str, str], ...]

    def cells(self, text: str) -> dict[str, str]:
        """The derived cells of this table for ``text`` (column → value)."""
        from analysis.text.derive import derive

        mapping = dict(self.columns)
        return {mapping[output]: value for output, value in derive(self.rule, text).items()}


def _same_names(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, name) for name in names)


@dataclass(frozen=True)
class Table:
    name: str
    path: str  # relative to the data directory
    title_ja: str
    description_en: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)
    derivations: tuple[Derivation, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _code(required: bool = True) -> Field:
    return Field("municipality_code", "code", "全国地方公共団体コード（6桁、検査数字付き）",
                 "6-digit local government code with check digit", required=required,
                 pattern=CODE_PATTERN)


def _source() -> Field:
    return Field("source_id", "id", "出典ID（data/raw/sources.csv）",
                 "source id (data/raw/sources.csv)", required=True, pattern=SOURCE_ID_PATTERN)


def _row_id(name: str, what_ja: str, what_en: str) -> Field:
    return Field(name, "id", f"{what_ja}の行ID", f"row id of the {what_en}", required=True,
                 pattern=ID_PATTERN)


def _ref_id(name: str, what_ja: str, what_en: str, required: bool = True) -> Field:
    return Field(name, "id", f"{what_ja}の行ID（参照）", f"row id of the {what_en} (reference)",
                 required=required, pattern=ID_PATTERN)


def _entity_key() -> Field:
    return Field("entity_key", "key", "版・出典をまたいで同じ実体を指すキー",
                 "stable key of the real-world thing across sources and editions",
                 required=True, pattern=ENTITY_KEY_PATTERN)


def _name() -> Field:
    return Field("name", "text", "名称（NFKC正規化）", "name, NFKC-normalised", required=True)


def _quote() -> Field:
    return Field("quote", "quote", "出典からの逐語引用", "verbatim quote of the source",
                 required=True)


def _note() -> Field:
    return Field("note", "text", "注記（曖昧さ・疑問点）", "note on doubt or ambiguity")


def _year(name: str) -> Field:
    return Field(name, "integer", "年（西暦）", "year (Western calendar)",
                 minimum=1868, maximum=2100)


def _month(name: str) -> Field:
    return Field(name, "integer", "月", "month", minimum=1, maximum=12)


def _text(name: str, ja: str, en: str, required: bool = False) -> Field:
    return Field(name, "text", ja, en, required=required)


def _enum(name: str, group: str, ja: str, en: str, required: bool = True) -> Field:
    return Field(name, "enum", ja, en, required=required, enum=group)


def _boolean(name: str, ja: str, en: str) -> Field:
    return Field(name, "boolean", ja, en, required=True, enum="boolean")


_MUNI_FK = ForeignKey("municipality_code", "municipalities", "municipality_code")
_SOURCE_FK = ForeignKey("source_id", "sources", "source_id")
_SERVICE_FK = ForeignKey("service_id", "services", "service_id")

SOURCES = Table(
    "sources", "raw/sources.csv", "出典", "Registry of the source documents",
    (
        _source(),
        _text("file", "data/raw/ 内のファイル名", "file name under data/raw/", required=True),
        _text("title", "表題", "title", required=True),
        _enum("kind", "source_kind", "種類", "kind of source"),
        Field("edition", "text", "版（fy2024 等、訪問記録は空）",
              "guidebook edition (fy2024 …), empty for other kinds", pattern=r"fy[0-9]{4}"),
        _text("publisher", "発行者", "publisher", required=True),
        Field("date", "text", "日付（ISO 8601、分かる精度で。区間も可）",
              "date (ISO 8601, as precise as known; an interval is allowed)", required=True,
              pattern=r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?(/[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)?"),
        Field("sha256", "text", "ファイルのSHA-256", "SHA-256 of the file", required=True,
              pattern=r"[0-9a-f]{64}"),
        _text("date_basis", "日付の根拠", "how the date is known"),
        Field("municipality_code", "code",
              "一つの区市町村だけを扱う出典（訪問記録など）の区市町村コード",
              "for a source about one municipality throughout (a visit record): its code",
              pattern=CODE_PATTERN),
        _enum("audience", "audience",
              "読者：public（公開資料）か internal（内部資料：パートナー向けの出力には含めない）",
              "audience: public, or internal (left out of builds for partners)"),
    ),
    primary_key=("source_id",),
    foreign_keys=(ForeignKey("municipality_code", "municipalities", "municipality_code"),),
)

MUNICIPALITIES = Table(
    "municipalities", "reference/municipalities.csv", "区市町村", "Tokyo's municipalities",
    (
        _code(),
        _text("name", "名称", "name", required=True),
        _text("name_kana", "よみ（カタカナ）", "reading (katakana)", required=True),
        _text("name_romaji",
              "英語表記（区市町村自身の表記にならう：長音を重ねないヘボン式＋City/Town/Village。"
              "特別区もCity）",
              "English name as the municipalities write it: Hepburn romaji of the reading "
              "without doubled long vowels or macrons, then City, Town or Village (special "
              "wards call themselves City), e.g. Hachioji City, Oshima Town", required=True),
        _enum("kind", "municipality_kind", "種別", "kind"),
        _enum("area", "area", "地域（東京都のみ）", "area (Tokyo only)", required=False),
        Field("prefecture_code", "text", "都道府県コード", "prefecture code", required=True,
              pattern=r"[0-9]{2}"),
    ),
    primary_key=("municipality_code",),
)

POPULATION = Table(
    "population", "reference/population.csv", "人口",
    "Population of each municipality: residents by age on population_date, 2020 census "
    "total and size band (derived by python -m analysis reference)",
    (
        _code(),
        Field("population", "integer", "人口（population_date 現在の住民）",
              "residents on population_date", required=True, minimum=0,
              maximum=MAX_POPULATION),
        Field("population_15_39", "integer", "15～39歳の人口（年齢別の表がない場合は空）",
              "residents aged 15 to 39 (empty without a table by age)", minimum=0,
              maximum=MAX_POPULATION),
        Field("population_40_64", "integer", "40～64歳の人口（年齢別の表がない場合は空）",
              "residents aged 40 to 64 (empty without a table by age)", minimum=0,
              maximum=MAX_POPULATION),
        Field("population_date", "text",
              "人口の基準日（東京都の住民基本台帳は2026-01-01、国勢調査は2020-10-01）",
              "reference date of the population (Tokyo's resident register 2026-01-01, "
              "census 2020-10-01)", required=True, pattern=r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
        Field("census_2020_population", "integer", "令和2年国勢調査の人口（2020年10月1日）",
              "2020 Population Census total (1 October 2020)", required=True, minimum=0,
              maximum=MAX_POPULATION),
        _enum("size_band", "size_band",
              "人口規模区分（総務省の類似団体の人口区分にならう。公式の類型ではない。東京都のみ）",
              "size band modelled on the population classes of the ministry's groups of "
              "similar municipalities, not the official classification (Tokyo only)",
              required=False),
    ),
    primary_key=("municipality_code",),
    foreign_keys=(_MUNI_FK,),
)

SERVICES = Table(
    "services", "tidy/services.csv", "相談窓口・事業",
    "One row per consultation window or programme",
    (
        _row_id("service_id", "相談窓口・事業", "service"),
        _entity_key(), _code(), _source(), _name(),
        _enum("category", "service_category", "分類", "category"),
        _enum("national_menu", "national_menu", "国のひきこもりサポート事業のメニュー",
              "menu of the national hikikomori support programme"),
        _text("designation", "指定・位置づけ（出典に記載がある場合）",
              "designation, where the source states one"),
        _enum("operator_type", "operator_type", "運営形態", "operator type"),
        _text("operator_name", "運営者名", "operator name"),
        _text("established_text", "開始時期の記載（原文どおり）", "start date as written"),
        _year("established_year"), _month("established_month"),
        _quote(), _note(),
    ),
    primary_key=("service_id",),
    foreign_keys=(_MUNI_FK, _SOURCE_FK),
    derivations=(Derivation("established_text", "date",
                             (("year", "established_year"), ("month", "established_month"))),)
)

CHANNELS = Table(
    "channels", "tidy/channels.csv", "相談チャネル", "How a service can be reached",
    (
        _ref_id("service_id", "相談窓口・事業", "service"), _code(), _source(),
        _enum("channel", "channel", "チャネル", "channel"),
        _enum("purpose", "channel_purpose",
              "何のための経路か（相談・申込・参加・広報・問い合わせ）",
              "what the route is for: consulting, applying, attending, publicity or inquiries"),
        _quote(), _note(),
    ),
    primary_key=("service_id", "channel", "source_id"),
    foreign_keys=(_SERVICE_FK, _MUNI_FK, _SOURCE_FK),
)

TARGET_AGES = Table(
    "target_ages", "tidy/target_ages.csv", "対象年齢", "Who a service is for, by age",
    (
        _ref_id("service_id", "相談窓口・事業", "service"), _code(), _source(),
        Field("age_min", "integer", "対象年齢の下限（含む、空＝下限なし）",
              "lowest age (inclusive; empty = open)", minimum=0, maximum=120),
        Field("age_max", "integer", "対象年齢の上限（含む、空＝上限なし）",
              "highest age (inclusive; empty = open)", minimum=0, maximum=120),
        _boolean("approximate", "概数（概ね・程度）", "approximate (概ね, 程度)"),
        _enum("age_kind", "age_kind", "年齢の記載の種類（限定・中心層・追加・年齢不問）",
              "what the ages say: a limit, a main group, an addition, or all ages"),
        _text("age_text", "年齢の記載（原文どおり）", "age phrase as written", required=True),
        _quote(), _note(),
    ),
    foreign_keys=(_SERVICE_FK, _MUNI_FK, _SOURCE_FK),
    derivations=(Derivation("age_text", "age",
                            _same_names("age_min", "age_max", "approximate", "age_kind")),),
)

MEETINGS = Table(
    "meetings", "tidy/meetings.csv", "会議・定例の集まり・催し",
    "Recurring meetings and single events",
    (
        _row_id("meeting_id", "会議・集まり", "meeting"),
        _entity_key(), _code(), _source(), _name(),
        _enum("kind", "meeting_kind", "種類", "kind"),
        _enum("occurrence", "occurrence", "定例か単発の催しか",
              "a recurring meeting, or a single dated event"),
        _ref_id("service_id", "相談窓口・事業", "service", required=False),
        _text("frequency_text", "頻度の記載（原文どおり、記載なしは空）",
              "frequency as written (empty when not stated)"),
        _enum("regular", "regular", "定期か", "regular: true, false, unknown"),
        Field("per_year", "number", "年間回数（定期の場合のみ）", "times per year (regular only)",
              minimum=0.1, maximum=366),
        _boolean("approximate", "概数（程度・概ね）", "approximate"),
        _quote(), _note(),
    ),
    primary_key=("meeting_id",),
    foreign_keys=(ForeignKey("service_id", "services", "service_id"), _MUNI_FK, _SOURCE_FK),
    derivations=(Derivation("frequency_text", "frequency",
                             _same_names("regular", "per_year", "approximate")),)
)

MEETING_BODIES = Table(
    "meeting_bodies", "tidy/meeting_bodies.csv", "会議を開催する会議体",
    "Which network bodies hold a meeting",
    (
        _ref_id("meeting_id", "会議", "meeting"),
        _ref_id("body_id", "会議体", "network body"),
        _source(), _quote(), _note(),
    ),
    primary_key=("meeting_id", "body_id", "source_id"),
    foreign_keys=(ForeignKey("meeting_id", "meetings", "meeting_id"),
                  ForeignKey("body_id", "network_bodies", "body_id"), _SOURCE_FK),
)

NETWORK_BODIES = Table(
    "network_bodies", "tidy/network_bodies.csv", "会議体・ネットワーク",
    "Councils, network meetings, sub-committees",
    (
        _row_id("body_id", "会議体", "network body"),
        _entity_key(), _code(), _source(), _name(),
        _enum("kind", "body_kind", "種類", "kind"),
        _text("established_text", "設置時期の記載（原文どおり）", "establishment date as written"),
        _year("established_year"), _month("established_month"),
        _text("member_count_text", "構成数の記載（原文どおり）", "member count as written"),
        Field("member_count", "integer", "構成機関・団体数", "number of member organisations",
              minimum=0, maximum=10000),
        _ref_id("parent_body_id", "親の会議体", "parent body", required=False),
        _quote(), _note(),
    ),
    primary_key=("body_id",),
    foreign_keys=(_MUNI_FK, _SOURCE_FK,
                  ForeignKey("parent_body_id", "network_bodies", "body_id")),
    derivations=(
        Derivation("established_text", "date",
                   (("year", "established_year"), ("month", "established_month"))),
        Derivation("member_count_text", "count", (("count", "member_count"),)),
    )
)

NETWORK_BODY_MEMBERS = Table(
    "network_body_members", "tidy/network_body_members.csv", "会議体の構成員",
    "Member types of a network body",
    (
        _ref_id("body_id", "会議体", "network body"),
        _enum("member_type", "member_type", "構成員の種類", "member type"),
        _text("member_text", "構成員の記載（原文どおり）", "member as written"),
        _source(), _quote(), _note(),
    ),
    foreign_keys=(ForeignKey("body_id", "network_bodies", "body_id"), _SOURCE_FK),
)

MILESTONES = Table(
    "milestones", "tidy/milestones.csv", "出来事（方針・条例・調査など）",
    "Dated events that are neither a service nor a body",
    (
        _row_id("milestone_id", "出来事", "milestone"), _entity_key(), _code(), _source(),
        _enum("kind", "milestone_kind", "種類", "kind"),
        _text("title", "表題", "title", required=True),
        _text("date_text", "日付の記載（原文どおり）", "date as written"),
        _year("year"), _month("month"),
        _quote(), _note(),
    ),
    primary_key=("milestone_id",),
    foreign_keys=(_MUNI_FK, _SOURCE_FK),
    derivations=(Derivation("date_text", "date", _same_names("year", "month")),),
)

COLLABORATIONS = Table(
    "collaborations", "tidy/collaborations.csv", "自治体間の連携", "Inter-municipal partnerships",
    (
        _row_id("collaboration_id", "連携", "partnership"), _code(),
        Field("partner_code", "code", "連携先の団体コード（出典が名指ししない場合は空）",
              "partner's code (empty when the source does not name it)", pattern=CODE_PATTERN),
        _text("partner_text", "連携先の記載（原文どおり）", "partner as written", required=True),
        _text("activity", "連携の内容", "what is done together", required=True),
        _source(), _quote(), _note(),
    ),
    primary_key=("collaboration_id",),
    foreign_keys=(_MUNI_FK, _SOURCE_FK,
                  ForeignKey("partner_code", "municipalities", "municipality_code")),
)

STATED_COUNTS = Table(
    "stated_counts", "tidy/stated_counts.csv", "本文に記載された数",
    "Counts stated in the text: sites, member organisations, co-hosts, sessions …",
    (
        _row_id("count_id", "記載された数", "stated count"),
        Field("entity_key", "key", "数えられているもの（窓口・事業・会議体・会議・出来事）のキー。"
              "自治体全体の数なら空",
              "entity_key of the thing counted (a service, body, meeting or milestone); "
              "empty for a count of the municipality as a whole", pattern=ENTITY_KEY_PATTERN),
        _code(), _source(),
        _enum("subject", "count_subject", "何の数か", "what is counted"),
        _enum("as_of", "count_as_of", "いつの数か（現在・当初・期間中）",
              "when the count holds: now, at the start, or over a stated period"),
        _text("count_text", "数の記載（原文どおり）", "count as written", required=True),
        Field("count", "integer", "数（count_text から導出）",
              "the number (derived from count_text)", required=True, minimum=0,
              maximum=1_000_000),
        _quote(), _note(),
    ),
    primary_key=("count_id",),
    foreign_keys=(_MUNI_FK, _SOURCE_FK),
    derivations=(Derivation("count_text", "count", (("count", "count"),)),),
)

TIDY = (SERVICES, CHANNELS, TARGET_AGES, MEETINGS, MEETING_BODIES, NETWORK_BODIES,
        NETWORK_BODY_MEMBERS, MILESTONES, COLLABORATIONS, STATED_COUNTS)
ALL_TABLES = (SOURCES, MUNICIPALITIES, POPULATION, *TIDY)
BY_NAME = {table.name: table for table in ALL_TABLES}
