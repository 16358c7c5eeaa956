"""Document metadata: title, date and speaker, from a YAML front matter block or from the text.

Sources, strongest first:
- a YAML front matter block at the very top of a .txt/.md file
  (``---`` / ``title: …`` / ``date: 2023-01-05`` / ``speaker: …`` / ``---``);
- byline lines right after the title: 「——2025年3月5日在……上」, 「（2023年1月5日）」,
  「*** 2023年1月5日」, 「国务院总理　李强」 next to a date line, 「时间：2023-01-05」;
- the title itself: 「李强在……上的讲话」 names the speaker, a full date in it is the date;
- a date-only signature line at the end of the text (the 落款 of a notice).

Dates are returned as ISO strings: ``YYYY-MM-DD``, or ``YYYY-MM`` when the day is not given.
"""

from __future__ import annotations

import re
import unicodedata
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
_SPEAKER_LABELS = {"讲话人", "发言人", "主讲人", "报告人", "作者", "speaker", "author"}
_TITLE_SPEAKER = re.compile(
    r"^(?P<who>[^在于，,：:、“”《》（）()]{2,16}?)(?:同志)?(?:在|于).{2,}(?:上|时|中)的"
    r"(?:讲话|致辞|发言|演讲|报告|主旨演讲|重要讲话|讲话提纲)"
)
# Lines above the title in an official document: 版头 「××市人民政府文件」, 文号 「×政发〔2023〕5号」, ……
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
    """The first year-month(-day) date in `text` (full-width digits allowed); a bare year is not a date."""
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
        import yaml  # lazily: only files that start with a front matter block pay for it

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


def is_official_header(line: str) -> bool:
    """A line that sits above the title of an official document (版头, 文号, 密级, 附件)."""
    return (
        len(line) <= 40
        and _OFFICIAL_HEADER.match(line) is not None
        and not _SENTENCE_END.search(line)
    )


@dataclass(frozen=True)
class Byline:
    date: str | None = None
    speaker: str | None = None


def _clean_name(text: str) -> str | None:
    name = text.strip(" \t,，、:：" + _DASHES + _BRACKETS)
    name = re.sub(r"同志$", "", name).strip()
    if len(name) < 2 or not _NAME_CHARS.match(name) or name.startswith(("在", "于")):
        return None
    return " ".join(name.split())


def _strip_wrapping(line: str) -> tuple[str, bool]:
    """The line without a leading dash or enclosing brackets, and whether it had either."""
    text = line.strip()
    marked = False
    if text and text[0] in _DASHES:
        text, marked = text.lstrip(_DASHES).strip(), True
    if len(text) >= 2 and text[0] in "（(【[〔" and text[-1] in "）)】]〕":
        text, marked = text[1:-1].strip(), True
    return text, marked


def parse_byline(line: str) -> tuple[Byline, bool] | None:
    """What a line right after the title says about the document, or None if it is body text.

    Returns (byline, name_only): `name_only` marks a line that is just a name, which
    counts as a byline only beside a dated one."""
    if len(line) > 80 or _SENTENCE_END.search(line):
        return None
    text, marked = _strip_wrapping(line)
    labels = list(_LABEL.finditer(text))
    if labels and any(m.group(1).lower() in _DATE_LABELS | _SPEAKER_LABELS for m in labels):
        date = speaker = None
        for i, m in enumerate(labels):
            value = text[
                m.end() : labels[i + 1].start() if i + 1 < len(labels) else len(text)
            ].strip()
            label = m.group(1).lower()
            if label in _DATE_LABELS and date is None:
                found = find_date(value)
                date = found.iso if found else None
            elif label in _SPEAKER_LABELS and speaker is None:
                speaker = _clean_name(value)
        return (Byline(date, speaker), False) if date or speaker else None
    found = find_date(text)
    if found is None:
        if marked and len(line) <= 60:  # 「——在……上的讲话」: a subtitle without a date
            venue = re.match(r"^(?P<who>[^在于]{2,16}?)(?:同志)?(?:在|于)", text)
            return Byline(None, _clean_name(venue.group("who")) if venue else None), False
        if (
            len(text) <= 24
            and _NAME_CHARS.match(text)
            and (re.search(r"\s", text) or "*" in text or "＊" in text)
        ):
            return Byline(None, _clean_name(text)), True  # 「国务院总理　李强」
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
    return Byline(found.iso, speaker), False


def take_byline(lines: list[str], limit: int = 3, stop=None) -> tuple[int, Byline]:
    """How many of `lines` (those right after the title) are byline lines, and what they say.

    `stop(line)` marks lines that can never be a byline (the caller's headings)."""
    date = speaker = None
    taken = 0
    pending_name: str | None = None
    for i, line in enumerate(lines[:limit]):
        parsed = None if stop is not None and stop(line) else parse_byline(line)
        if parsed is None:
            break
        byline, name_only = parsed
        if name_only:
            nxt = lines[i + 1] if i + 1 < min(len(lines), limit) else None
            following = parse_byline(nxt) if nxt is not None and not (stop and stop(nxt)) else None
            dated = date is not None or (following is not None and following[0].date is not None)
            if not dated:
                break
            pending_name = pending_name or byline.speaker
        date = date or byline.date
        speaker = speaker or byline.speaker
        taken = i + 1
    return taken, Byline(date, speaker or pending_name)


def speaker_from_title(title: str) -> str | None:
    """「李强在……上的讲话」 -> 李强; 「在全市……上的讲话」 -> None."""
    m = _TITLE_SPEAKER.match(title)
    if m is None or m.group("who").startswith(("关于", "全市", "全省", "全国", "全区", "全县")):
        return None
    return _clean_name(m.group("who"))


def date_from_title(title: str) -> str | None:
    found = find_date(title)
    return found.iso if found else None


def trailing_date(lines: list[str]) -> str | None:
    """The date of a signature line (「2023年1月5日」, 「*** 2023年1月5日」) among the last lines."""
    for line in reversed(lines[-3:]):
        if len(line) > 40 or _SENTENCE_END.search(line):
            continue
        found = find_date(line)
        if found is None:
            continue
        rest = (line[: found.start] + line[found.end :]).strip(" 日号" + _BRACKETS)
        if not rest or _clean_name(rest):
            return found.iso
    return None
