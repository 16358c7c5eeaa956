"""Front and back matter of Chinese official texts and speeches: what the lines around the
body say about the document (title, date, speaker or issuing authority, 文号, source).

Sources, strongest first:
- a YAML front matter block at the very top of a .txt/.md file
  (``---`` / ``title: …`` / ``date: 2023-01-05`` / ``speaker: …`` / ``---``);
- front matter, the lines around the title: 版头 「××市人民政府文件」 and 文号 「×政发〔2023〕5号」
  (above or below the title), bylines 「——2025年3月5日在……上」 and 「（2023年1月5日）」,
  labelled lines 「来源：解放日报」 「时间：2026-02-09」 「作者：……」 「发文字号：……」, speaker or
  authority lines 「国务院总理　李强」 「上海市市长 龚 正」 「李强」, and the 主送机关 salutation
  「各省、自治区、直辖市人民政府，国务院各部委、各直属机构：」;
- the title itself: 「李强在……上的讲话」 names the speaker, 「国务院办公厅关于……的意见」 the
  authority, a full date in it is the date, a 文号 in brackets the 文号;
- back matter, the lines after the body: 附件说明 「附件：1.……」, the signature (authority and
  date, 「（此件公开发布）」) and the 版记 (「抄送：……」, 「……2023年1月6日印发」); in a 印发通知 the
  signature of the notice stands between the notice and the attached document.

Lines recognised as front or back matter are set aside (`MetaLine`, with their kind): they
are the document's metadata and never passages. Dates are returned as ISO strings:
``YYYY-MM-DD``, or ``YYYY-MM`` when the day is not given.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "Ｏ": 0,
    "O": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_DIGIT = "〇零○Ｏ一二三四五六七八九"

# 2023年1月5日 / 2023-01-05 / 2023.1.5 / 2023/1/5 / 二〇二三年一月五日 / 2023年1月
_DATE = re.compile(
    rf"(?P<y>(?<!\d)\d{{4}}|[{_CN_DIGIT}]{{4}})\s*(?P<sep>[年./-])\s*"
    rf"(?P<m>\d{{1,2}}|十[一二]?|[{_CN_DIGIT}])\s*(?:月|(?P=sep)|(?=\s*$))"
    rf"(?:\s*(?P<d>\d{{1,2}}|[二三]?十[{_CN_DIGIT}]?|[{_CN_DIGIT}])(?!\d)\s*[日号]?)?"
)
_SENTENCE_END = re.compile(r"[。！？!?；;]")
_DASHES = "—－-–―"
_BRACKETS = "（）()【】[]〔〕"
_VENUE = re.compile(
    r"^(?:在|于).{2,}(?:上|时|中|会|期间)(?:的(?:讲话|致辞|发言|演讲|报告|主旨演讲|重要讲话))?$"
)
_NAME_CHARS = re.compile(r"^[\u4e00-\u9fff·•*＊×Ｘ\s]{1,24}$")
_LABEL = re.compile(r"([\u4e00-\u9fff]{2,6}|[A-Za-z]{2,12})\s*[：:]\s*")
_DATE_LABELS = {
    "时间",
    "日期",
    "发布时间",
    "发布日期",
    "发文日期",
    "成文日期",
    "印发日期",
    "讲话时间",
    "date",
}
_SPEAKER_LABELS = {"讲话人", "发言人", "主讲人", "报告人", "作者", "署名", "speaker", "author"}
_SOURCE_LABELS = {"来源", "稿源", "出处", "信息来源", "文章来源", "新闻来源", "原文来源", "source"}
_NUMBER_LABELS = {"发文字号", "文号", "发文号", "文件编号"}
_AUTHORITY_LABELS = {
    "发文机关",
    "发布机关",
    "发布机构",
    "发布单位",
    "发文单位",
    "制发机关",
    "成文机关",
}
# Labels of an information block (gov.cn's 索引号 table, 责任编辑): set aside, not kept
_OTHER_LABELS = {
    "索引号",
    "主题分类",
    "主题词",
    "关键词",
    "分类",
    "公文种类",
    "体裁分类",
    "标题",
    "字号",
    "浏览次数",
    "阅读次数",
    "点击数",
    "访问量",
    "责任编辑",
    "编辑",
    "校对",
    "审核",
    "审校",
    "签发人",
    "密级",
    "紧急程度",
    "有效性",
    "实施日期",
    "更新时间",
}
_TITLE_SPEAKER = re.compile(
    r"^(?P<who>[^在于，,：:、“”《》（）()]{2,16}?)(?:同志)?(?:在|于).{2,}(?:上|时|中)的"
    r"(?:讲话|致辞|发言|演讲|报告|主旨演讲|重要讲话|讲话提纲)"
)
# Lines above the title of an official document: 版头 「××市人民政府文件」, 文号, 密级, ……
_OFFICIAL_HEADER = re.compile(
    r"^(?:(?!关于).{2,20}文件|.{0,20}[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*\d{1,4}\s*号.{0,12}|附件\s*\d{0,2}|"
    r"(?:签发人|密级|紧急程度|份号)[：:].{0,30}|[★☆].{0,20}|(?:特急|加急|急件|平急|秘密|机密|绝密).{0,12})$"
)

FRONT_MATTER_KEYS = {
    "title": "title",
    "标题": "title",
    "题目": "title",
    "date": "date",
    "日期": "date",
    "时间": "date",
    "speaker": "speaker",
    "讲话人": "speaker",
    "发言人": "speaker",
    "author": "speaker",
    "作者": "speaker",
}


def _cn_number(text: str) -> int | None:
    """「五」, 「十二」, 「二十三」, 「三十一」 -> int; digits pass through."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (
            _CN_DIGITS.get(units, 0) if units else 0
        )
    return _CN_DIGITS.get(text)


def _iso(year: str, month: str, day: str | None) -> str | None:
    y = int(year) if year.isdigit() else int("".join(str(_CN_DIGITS[c]) for c in year))
    m = _cn_number(month)
    d = _cn_number(day) if day else None
    if not 1000 <= y <= 2999 or m is None or not 1 <= m <= 12:
        return None
    if d is None:
        return f"{y:04d}-{m:02d}"
    if not 1 <= d <= 31:
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


@dataclass(frozen=True)
class DateMatch:
    start: int
    end: int
    iso: str


def find_date(text: str) -> DateMatch | None:
    """The first year-month(-day) date in `text` (full-width digits allowed); a bare year is
    not a date."""
    # full-width digits and punctuation folded one character at a time, so offsets stay valid
    folded = "".join(n if len(n := unicodedata.normalize("NFKC", c)) == 1 else c for c in text)
    for m in _DATE.finditer(folded):
        iso = _iso(m.group("y"), m.group("m"), m.group("d"))
        if iso:
            return DateMatch(m.start(), m.end(), iso)
    return None


def normalize_date(value: object) -> str | None:
    """A front matter or byline date as ISO text; unparseable values are kept as written."""
    if value is None:
        return None
    if hasattr(value, "isoformat") and hasattr(value, "year"):  # date / datetime from YAML
        return value.isoformat()[:10]
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{4}", text):
        return text
    found = find_date(text)
    return found.iso if found else text


# ---- front matter --------------------------------------------------------------------------

_FRONT_MATTER = re.compile(
    r"\A\ufeff?---[ \t]*\r?\n(?P<body>.*?)(?:\r?\n)(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S
)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """({'title'|'date'|'speaker': value}, text after the block). No block: ({}, text).

    YAML is parsed with PyYAML; a block it cannot parse is read as plain `key: value`
    lines, so a stray colon in a title never costs the document."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    raw = _parse_yaml(m.group("body"))
    if raw is None:
        return {}, text  # '---' that opens a Markdown rule or table, not metadata
    out: dict[str, str] = {}
    for key, value in raw.items():
        field = FRONT_MATTER_KEYS.get(str(key).strip().lower())
        if field is None or field in out or value is None:
            continue
        if isinstance(value, (list, tuple)):
            value = "、".join(str(v) for v in value)
        value = normalize_date(value) if field == "date" else " ".join(str(value).split())
        if value:
            out[field] = value
    return out, text[m.end() :]


def _parse_yaml(body: str) -> dict | None:
    try:
        import yaml  # type: ignore[import-untyped]  # lazily: only files with front matter

        data = yaml.safe_load(body)
    except Exception:
        data = None
    if isinstance(data, dict):
        return data
    pairs = [
        re.match(r"^\s*([^:：#\s][^:：]*?)\s*[:：]\s*(.*?)\s*$", ln)
        for ln in body.splitlines()
        if ln.strip()
    ]
    if pairs and all(pairs):
        return {p.group(1): p.group(2).strip("'\"") for p in pairs if p}
    return None


# ---- lines of the text --------------------------------------------------------------------

# What a line set aside as metadata is (`MetaLine.kind`).
HEADER = "header"  # 版头, 密级, 紧急程度, 签发人 above the title
TITLE = "title"  # the title stated again, whole or split over lines
DOC_NUMBER = "doc_number"  # 文号
BYLINE = "byline"  # 「——2025年3月5日在……上」, 「（2023年1月5日）」
LABELLED = "label"  # 「来源：解放日报」, 「时间：2026-02-09」, 「索引号：……」
SPEAKER = "speaker"  # 「上海市市长 龚 正」, 「李强」
ADDRESSEE = "addressee"  # 主送机关: 「各省、自治区、直辖市人民政府，国务院各部委、各直属机构：」
SALUTATION = "salutation"  # a speech's 「尊敬的……，同志们：」, 「各位代表：」 on a line of its own
SIGNATURE = "signature"  # 落款: the issuing authority and the date
DISCLOSURE = "disclosure"  # 「（此件公开发布）」
ATTACHMENT = "attachment"  # 附件说明 「附件：1.……」, the marker 「附件2」 above an attachment
ATTACHMENT_TITLE = "attachment_title"  # the title of an attached document
RECORD = "record"  # 版记: 「抄送：……」, 「……2023年1月6日印发」, 「（联系人：……）」
KINDS = (
    HEADER,
    TITLE,
    DOC_NUMBER,
    BYLINE,
    LABELLED,
    SPEAKER,
    ADDRESSEE,
    SALUTATION,
    SIGNATURE,
    DISCLOSURE,
    ATTACHMENT,
    ATTACHMENT_TITLE,
    RECORD,
)


@dataclass(frozen=True)
class MetaLine:
    """A line of the text set aside as metadata: never a paragraph, never a passage."""

    text: str
    kind: str


@dataclass(frozen=True)
class Matter:
    """What a run of front or back matter says, with its lines."""

    lines: tuple[MetaLine, ...] = ()
    date: str | None = None
    speaker: str | None = None
    authority: str | None = None
    doc_number: str | None = None
    source: str | None = None

    def merged(self, other: Matter) -> Matter:
        """This run's lines, then `other`'s; each value from this run, else from `other`."""
        return Matter(
            self.lines + other.lines,
            self.date or other.date,
            self.speaker or other.speaker,
            self.authority or other.authority,
            self.doc_number or other.doc_number,
            self.source or other.source,
        )

    def with_line(self, text: str, kind: str) -> Matter:
        return Matter((MetaLine(text, kind),)).merged(self)


_CJK = "\u4e00-\u9fff"
_DOC_NUMBER = (
    rf"(?P<n>[{_CJK}A-Za-z]{{1,16}}\s*"
    rf"[〔\[［【(（]\s*\d{{4}}\s*[〕\]］】)）]\s*第?\s*\d{{1,5}}\s*号)"
)
_DOC_NUMBER_LINE = re.compile(rf"^[（(]?\s*{_DOC_NUMBER}\s*[）)]?$")
_DOC_NUMBER_ANYWHERE = re.compile(_DOC_NUMBER)
_DOC_NUMBER_IN_TITLE = re.compile(rf"[（(]\s*{_DOC_NUMBER}\s*[）)]\s*$")

# Offices a speaker line may name before the person: 「国务院总理　李强」, 「上海市市长 龚 正」
_OFFICES = (
    "总书记|书记|主席|总理|委员长|国务委员|部长|省长|市长|区长|县长|州长|旗长|镇长|乡长|主任|"
    "局长|厅长|院长|检察长|秘书长|委员|常委|代表|会长|理事长|董事长|总经理|校长|司长|处长|"
    "组长|主委|发言人|负责人|首席[^\\s]{0,4}"
)
_PERSON = rf"[{_CJK}](?:\s*[{_CJK}]){{1,3}}|[{_CJK}]{{1,8}}·[{_CJK}·]{{1,12}}"
_OFFICE_NAME = re.compile(
    rf"^(?P<office>[{_CJK}]{{0,20}}?(?:{_OFFICES}))\s*(?P<name>{_PERSON})(?:同志)?$"
)
_MASKED_NAME = re.compile(r"^[*＊×Ｘ]{2,6}$")
# Common Chinese surnames, for telling a name line 「李强」 from a short line of text.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    "焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲"
    "房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟"
    "应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "令狐",
    "夏侯",
    "端木",
    "西门",
    "独孤",
    "南宫",
    "呼延",
)
# Short lines that start with a surname's character but are words, not names.
_NOT_NAMES = {
    "全文",
    "关闭",
    "简介",
    "范围",
    "宗旨",
    "任务",
    "方法",
    "方案",
    "程序",
    "安排",
    "时间",
    "单位",
    "职责",
    "纪律",
    "管理",
    "成效",
    "经验",
    "问题",
    "做法",
    "华章",
    "总结",
    "文件",
    "文本",
    "原文",
    "明细",
    "简报",
    "常识",
    "通则",
    "明确",
    "应用",
    "和谐",
    "安全",
    "成果",
    "师资",
    "边界",
    "商务",
    "车辆",
    "项目",
    "管控",
    "时间表",
    "路线图",
    "任务书",
    "方法论",
    "项目表",
}

# The issuing authority: an organisation's name (「国务院办公厅」, 「中共中央 国务院」)
_ORG = (
    "人民政府|政府|办公厅|办公室|委员会|常委会|人民代表大会|政协|党委|党组|工委|纪委|监委|中央|"
    "国务院|法院|检察院|研究院|研究所|中心|学院|大学|学校|协会|学会|联合会|工会|集团|公司|银行|"
    "总局|局|厅|部|署|院|委|办|处|科|所|站|社|会|团|队|馆"
)
_ORGANISATION = re.compile(rf"^[{_CJK}（）()]{{1,30}}?(?:{_ORG})$")
_TITLE_AUTHORITY = re.compile(rf"^(?P<org>[{_CJK}（）()\s]{{1,40}}?(?:{_ORG}))\s*关于")
# How the title of a document ends: 「……的意见」, 「……工作方案」, 「……上的讲话」
_DOCUMENT_KIND = re.compile(
    r"(?:意见|通知|决定|通报|报告|请示|批复|函|纪要|公告|通告|命令|议案|决议|公报|办法|规定|条例|"
    r"细则|方案|规划|计划|要点|讲话|致辞|发言|演讲|总结|纲要|措施|规则|章程|指引|指南|标准|清单|"
    r"目录|名单|说明|守则|准则|制度|建议|倡议书|白皮书)$"
)
_VOCATIVE = re.compile(r"同志们|朋友们|女士们|先生们|各位|代表们|来宾|老师们|同学们")
_ADDRESSEE_WORDS = re.compile(
    r"人民政府|政府|部委|机构|单位|部门|委员会|办公厅|办公室|党委|党组|常委会|厅|局|委|院|学校|"
    r"企业|公司|街道|乡镇|小组|组织|协会|学会|直辖市|自治区|各省|各市|各区|各县|各地"
)
_DISCLOSURE = re.compile(
    r"^[（(]\s*(?:此件|本件|信息公开(?:选项|形式|属性|方式)?\s*[：:]).{0,16}[）)]$"
)
_RECORD = re.compile(
    r"^(?:(?:抄送|抄报|分送|发送|主题词|关键词|联系人|联系电话|承办单位|印发单位|附注)\s*[：:].*"
    r"|.{0,40}?\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*印发(?:\s*共?\s*印\s*\d+\s*份)?"
    r"|[（(]\s*(?:联系人|联系电话|此页无正文).*[）)])$"
)
_ATTACHMENT_NOTE = re.compile(r"^附\s*件\s*[0-9一二三四五六七八九十]{0,3}\s*[：:]")
_ATTACHMENT_ITEM = re.compile(r"^\d{1,2}\s*[.．、]\s*\S")
_ATTACHMENT_MARK = re.compile(r"^附\s*件\s*[0-9一二三四五六七八九十]{0,3}$")
_TAIL_LABELS = _SOURCE_LABELS | {"责任编辑", "编辑", "校对", "审核", "审校", "作者", "署名"}


def is_official_header(line: str) -> bool:
    """A line that sits above the title of an official document (版头, 文号, 密级, 附件)."""
    return (
        len(line) <= 40
        and _OFFICIAL_HEADER.match(line) is not None
        and not _SENTENCE_END.search(line)
    )


def header_line(line: str) -> Matter:
    """What a line above the title (`is_official_header`) says: a 文号, or nothing but its kind."""
    found = _DOC_NUMBER_ANYWHERE.search(line)
    if found is not None:
        return Matter((MetaLine(line, DOC_NUMBER),), doc_number=_squeeze(found.group("n")))
    return Matter((MetaLine(line, HEADER),))


def _squeeze(text: str) -> str:
    return "".join(text.split())


def is_doc_number_line(line: str) -> bool:
    """A line that is a 文号 and nothing else: 「国办发〔2018〕123号」."""
    return _DOC_NUMBER_LINE.match(line.strip()) is not None


def doc_number_in_title(title: str) -> str | None:
    """「……的意见（国办发〔2018〕123号）」 -> 国办发〔2018〕123号."""
    found = _DOC_NUMBER_IN_TITLE.search(title)
    return _squeeze(found.group("n")) if found else None


def authority_from_title(title: str) -> str | None:
    """「国务院办公厅关于……的意见」 -> 国务院办公厅; 「关于……的通知」 -> None."""
    found = _TITLE_AUTHORITY.match(title)
    return " ".join(found.group("org").split()) if found else None


def looks_like_a_title(line: str) -> bool:
    """Ends as the title of a document does: 「……的意见」, 「……实施方案」, 「……上的讲话」."""
    return _DOCUMENT_KIND.search(line.strip()) is not None


def _surname_name(text: str) -> bool:
    """「李强」, 「欧阳修文」: two or three characters (four with a compound surname)."""
    if text in _NOT_NAMES or not re.fullmatch(rf"[{_CJK}]{{2,4}}", text):
        return False
    if text[:2] in _COMPOUND_SURNAMES:
        return len(text) in (3, 4)
    return text[0] in _SURNAMES and len(text) in (2, 3)


def person_name(text: str) -> str | None:
    """The name on a speaker or signature line, spaces inside the name taken out:
    「上海市市长 龚 正」 -> 上海市市长 龚正, 「龚 正」 -> 龚正, 「李强同志」 -> 李强;
    None if the line is not a name."""
    text = re.sub(r"\s*同志$", "", " ".join(text.split()))
    if _MASKED_NAME.match(text):
        return text
    office = _OFFICE_NAME.match(text)
    if office is not None:
        name = _squeeze(office.group("name"))
        if "·" in name or _surname_name(name):
            return f"{' '.join(office.group('office').split())} {name}"
        return None
    bare = _squeeze(re.sub(r"同志$", "", text))
    if ("·" in bare and re.fullmatch(rf"[{_CJK}·]{{3,20}}", bare)) or _surname_name(bare):
        return bare
    return None


def is_authority(line: str) -> str | None:
    """The line as an issuing authority or signer (「国务院办公厅」, 「中共中央 国务院」, 「李强」),
    or None."""
    text = " ".join(line.split())
    if not text or len(text) > 40:
        return None
    tokens = text.split(" ")
    if len(tokens) <= 4 and all(_ORGANISATION.match(t) for t in tokens):
        return text
    return person_name(text)


def is_addressee(line: str) -> bool:
    """The 主送机关 of an official document: 「各省、自治区、直辖市人民政府，国务院各部委：」.
    A speech's vocative (「同志们：」, 「各位代表：」) is not one."""
    text = line.strip()
    return (
        len(text) <= 150
        and text.endswith(("：", ":"))
        and not _SENTENCE_END.search(text)
        and _VOCATIVE.search(text) is None
        and (text.startswith("各") or _ADDRESSEE_WORDS.search(text) is not None)
    )


def is_salutation(line: str) -> bool:
    """A line that only addresses the audience of a speech: 「同志们：」, 「各位代表：」,
    「尊敬的……，同志们：」."""
    text = line.strip()
    return (
        len(text) <= 60
        and text.endswith(("：", ":", "！", "!"))
        and not _SENTENCE_END.search(text[:-1])
        and _VOCATIVE.search(text) is not None
    )


def _labelled(text: str) -> Matter | None:
    """A line of labelled values every label of which is metadata (「来源：解放日报」,
    「发布时间：2023-01-05 10:30 来源：新华社」, 「索引号：……」), or None."""
    labels = list(_LABEL.finditer(text))
    if not labels or labels[0].start() != 0:
        return None
    known = (
        _DATE_LABELS
        | _SPEAKER_LABELS
        | _SOURCE_LABELS
        | _NUMBER_LABELS
        | _AUTHORITY_LABELS
        | _OTHER_LABELS
    )
    if any(m.group(1).lower() not in known for m in labels):
        return None
    date = speaker = source = number = authority = None
    for i, m in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
        value = text[m.end() : end].strip()
        label = m.group(1).lower()
        if label in _DATE_LABELS and date is None:
            found = find_date(value)
            date = found.iso if found else None
        elif label in _SPEAKER_LABELS and speaker is None:
            speaker = _clean_name(value)
        elif label in _SOURCE_LABELS and source is None:
            source = " ".join(value.split()) or None
        elif label in _NUMBER_LABELS and number is None:
            found_number = _DOC_NUMBER_ANYWHERE.search(value)
            number = _squeeze(found_number.group("n")) if found_number else None
        elif label in _AUTHORITY_LABELS and authority is None:
            authority = " ".join(value.split()) or None
    return Matter(date=date, speaker=speaker, authority=authority, doc_number=number, source=source)


def _clean_name(text: str) -> str | None:
    name = text.strip(" \t,，、:：" + _DASHES + _BRACKETS)
    name = re.sub(r"同志$", "", name).strip()
    if len(name) < 2 or not _NAME_CHARS.match(name) or name.startswith(("在", "于")):
        return None
    return person_name(name) or " ".join(name.split())


def _strip_wrapping(line: str) -> tuple[str, bool]:
    """The line without a leading dash or enclosing brackets, and whether it had either."""
    text = line.strip()
    marked = False
    if text and text[0] in _DASHES:
        text, marked = text.lstrip(_DASHES).strip(), True
    if len(text) >= 2 and text[0] in "（(【[〔" and text[-1] in "）)】]〕":
        text, marked = text[1:-1].strip(), True
    return text, marked


@dataclass(frozen=True)
class FrontLine:
    kind: str
    said: Matter
    weak: bool = False  # a bare run of characters that is a name only beside a dated line


def front_line(line: str) -> FrontLine | None:
    """What a line near the title is if it is front matter (a 文号, a byline, a labelled line,
    a speaker line, the 主送机关), or None for body text."""
    if len(line) > 150:
        return None
    number = _DOC_NUMBER_LINE.match(line.strip())
    if number is not None:
        return FrontLine(DOC_NUMBER, Matter(doc_number=_squeeze(number.group("n"))))
    if is_addressee(line):
        return FrontLine(ADDRESSEE, Matter())
    if is_salutation(line):
        return FrontLine(SALUTATION, Matter())
    if len(line) > 80 or _SENTENCE_END.search(line):
        return None
    text, marked = _strip_wrapping(line)
    labelled = _labelled(text)
    if labelled is not None:
        return FrontLine(LABELLED, labelled)
    name = person_name(text)
    if name is not None and not marked:
        return FrontLine(SPEAKER, Matter(speaker=name))
    found = find_date(text)
    if found is None:
        if marked and len(line) <= 60:  # 「——在……上的讲话」: a subtitle without a date
            venue = re.match(r"^(?P<who>[^在于]{2,16}?)(?:同志)?(?:在|于)", text)
            who = _clean_name(venue.group("who")) if venue else None
            return FrontLine(BYLINE, Matter(speaker=who))
        if (
            len(text) <= 24
            and _NAME_CHARS.match(text)
            and (re.search(r"\s", text) or "*" in text or "＊" in text)
        ):
            return FrontLine(SPEAKER, Matter(speaker=_clean_name(text)), weak=True)
        return None
    if len(text) > 60:
        return None
    before = text[: found.start].strip()
    after = re.sub(r"^[日号]", "", text[found.end :]).strip(" ，,、")
    speaker = _clean_name(before) if before else None
    if before and speaker is None and not _VENUE.match(before):
        return None
    if after and not (
        _VENUE.match(after) or _clean_name(after) or re.match(r"^[（(].*[）)]$", after)
    ):
        return None
    if speaker is None and after and not _VENUE.match(after):
        speaker = _clean_name(after)
    return FrontLine(BYLINE, Matter(date=found.iso, speaker=speaker))


def parse_byline(line: str) -> tuple[Matter, bool] | None:
    """What a line right after the title says about the document, or None if it is body text.

    Returns (what it says, weak): `weak` marks a run of characters that counts as a name only
    beside a dated line."""
    found = front_line(line)
    return None if found is None else (found.said, found.weak)


def take_front(
    lines: list[str], limit: int = 8, stop: Callable[[str], bool] | None = None
) -> tuple[int, Matter]:
    """How many of `lines` (those right after the title) are front matter, and what they say.

    `stop(line)` marks lines that can never be front matter (the caller's headings). The
    主送机关 or the salutation ends the front matter: the body follows it."""
    said = Matter()
    taken = 0
    window = lines[:limit]
    for i, line in enumerate(window):
        found = None if stop is not None and stop(line) else front_line(line)
        if found is None:
            break
        if found.weak:
            nxt = window[i + 1] if i + 1 < len(window) else None
            following = front_line(nxt) if nxt is not None and not (stop and stop(nxt)) else None
            if said.date is None and (following is None or following.said.date is None):
                break
        said = said.merged(found.said.with_line(line, found.kind))
        taken = i + 1
        if found.kind in (ADDRESSEE, SALUTATION):
            break
    return taken, said


def _signature_date(line: str) -> tuple[str | None, str] | None:
    """(authority on the same line, ISO date) of a signature's date line (「2018年12月7日」,
    「国务院办公厅　2018年12月7日」, 「*** 2023年1月5日」), or None."""
    if len(line) > 50 or _SENTENCE_END.search(line):
        return None
    found = find_date(line)
    if found is None or len(found.iso) < 10:
        return None
    before = line[: found.start].strip()
    after = line[found.end :].strip(" 日号" + _BRACKETS)
    if after:
        return None
    if not before:
        return None, found.iso
    authority = is_authority(before)
    return (authority, found.iso) if authority else None


def _tail_kind(line: str) -> str | None:
    """Lines after a signature: 「（此件公开发布）」, the 版记, a web page's 「责任编辑：……」."""
    text = line.strip()
    if _DISCLOSURE.match(text):
        return DISCLOSURE
    if len(text) <= 120 and _RECORD.match(text):
        return RECORD
    inner, _ = _strip_wrapping(text)
    labels = list(_LABEL.finditer(inner))
    if (
        labels
        and labels[0].start() == 0
        and len(inner) <= 60
        and all(m.group(1).lower() in _TAIL_LABELS for m in labels)
    ):
        return LABELLED
    return None


def _attachment_note_start(lines: list[str], end: int) -> int:
    """Where the 附件说明 (「附件：1.……」 and its numbered items) that ends at `end` starts;
    `end` if there is none."""
    for start in range(end - 1, max(-1, end - 12), -1):
        line = lines[start].strip()
        if _ATTACHMENT_NOTE.match(line) and len(line) <= 100:
            items = lines[start + 1 : end]
            if all(_ATTACHMENT_ITEM.match(x) and not _SENTENCE_END.search(x) for x in items):
                return start
            return end
        if not (_ATTACHMENT_ITEM.match(line) and len(line) <= 80):
            return end
    return end


def _signature(lines: list[str], at: int, stop: Callable[[str], bool]) -> tuple[int, Matter] | None:
    """The signature whose date line is lines[at]: (its first line, what it says), with the
    authority lines above the date and the 附件说明 above them."""
    dated = _signature_date(lines[at]) if not stop(lines[at]) else None
    if dated is None:
        return None
    authority, date = dated
    start = at
    names: list[str] = []
    while start > 0 and len(names) < 3 and not stop(lines[start - 1]):
        name = is_authority(lines[start - 1])
        if name is None:
            break
        names.insert(0, name)
        start -= 1
    authority = authority or (" ".join(names) if names else None)
    note = _attachment_note_start(lines, start)
    said = Matter(
        tuple(MetaLine(lines[i], ATTACHMENT) for i in range(note, start))
        + tuple(MetaLine(lines[i], SIGNATURE) for i in range(start, at + 1)),
        date=date,
        authority=authority,
    )
    return note, said


def take_back(lines: list[str], stop: Callable[[str], bool] | None = None) -> tuple[int, Matter]:
    """How many lines at the end of `lines` are back matter, and what they say: the 附件说明,
    the signature (authority and date), 「（此件公开发布）」, the 版记."""
    never = stop or (lambda line: False)
    end = len(lines)
    tail: list[MetaLine] = []
    source = None
    while end > 1 and not never(lines[end - 1]):
        kind = _tail_kind(lines[end - 1])
        if kind is None:
            break
        tail.insert(0, MetaLine(lines[end - 1], kind))
        if kind == LABELLED:
            labelled = _labelled(_strip_wrapping(lines[end - 1])[0])
            source = (labelled.source if labelled else None) or source
        end -= 1
    said = Matter()
    signed = _signature(lines, end - 1, never) if end > 1 else None
    if signed is not None and signed[0] > 0:
        end, said = signed
    else:
        note = _attachment_note_start(lines, end)
        if note > 0:
            said = Matter(tuple(MetaLine(lines[i], ATTACHMENT) for i in range(note, end)))
            end = note
    if end == 0:  # nothing left of the body: these were not back matter after all
        return 0, Matter()
    return len(lines) - end, Matter(
        said.lines + tuple(tail), said.date, authority=said.authority, source=source
    )


def take_inner(
    lines: list[str], stop: Callable[[str], bool] | None = None, markdown: bool = False
) -> tuple[dict[int, MetaLine], Matter]:
    """Metadata inside the body: where a 印发通知 ends and its attached document begins (the
    notice's signature, 「（此件公开发布）」, 「附件」, the attachment's title), and the marker and
    title of each further attachment. Returns the lines set aside by index, and what the first
    signature says."""
    never = stop or (lambda line: False)
    marked: dict[int, MetaLine] = {}
    said = Matter()

    def title_at(i: int, need_kind: bool) -> bool:
        if i + 1 >= len(lines):
            return False  # an attachment's title is followed by its text
        text = lines[i].lstrip("#").strip() if markdown else lines[i]
        if len(text) > 60 or re.search(r"[。！？；;，,：:]", text) or text[:1] in "（(":
            return False
        if not markdown and never(lines[i]):
            return False
        return looks_like_a_title(text) or not need_kind

    i = 0
    while i < len(lines):
        line = lines[i]
        if i in marked:
            i += 1
            continue
        if _ATTACHMENT_MARK.match(line.strip()) and i + 1 < len(lines):
            marked[i] = MetaLine(line, ATTACHMENT)
            if title_at(i + 1, need_kind=False):
                marked[i + 1] = MetaLine(lines[i + 1], ATTACHMENT_TITLE)
            i += 2
            continue
        signed = _signature(lines, i, never) if i > 0 else None
        if signed is not None and signed[0] > 0:
            start, signature = signed
            j = i + 1
            extra: list[MetaLine] = []
            while j < len(lines) and (kind := _tail_kind(lines[j])) is not None:
                extra.append(MetaLine(lines[j], kind))
                j += 1
            follows = j < len(lines) and (
                _ATTACHMENT_MARK.match(lines[j].strip()) is not None or title_at(j, True)
            )
            if follows:
                for k, meta in enumerate(signature.lines + tuple(extra)):
                    marked[start + k] = meta
                if not _ATTACHMENT_MARK.match(lines[j].strip()):
                    marked[j] = MetaLine(lines[j], ATTACHMENT_TITLE)
                if said.date is None:
                    said = Matter(date=signature.date, authority=signature.authority)
                i = j
                continue
        i += 1
    return marked, said


def speaker_from_title(title: str) -> str | None:
    """「李强在……上的讲话」 -> 李强; 「在全市……上的讲话」 -> None."""
    m = _TITLE_SPEAKER.match(title)
    if m is None or m.group("who").startswith(("关于", "全市", "全省", "全国", "全区", "全县")):
        return None
    return _clean_name(m.group("who"))


def date_from_title(title: str) -> str | None:
    found = find_date(title)
    return found.iso if found else None
