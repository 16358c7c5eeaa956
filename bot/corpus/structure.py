"""Recover the structure of a Chinese official text: title, front matter, sections, sub-points.

Heading families recognised (outermost first when several occur in one document): `第一章`/
`第一部分`/`第一编`, `第一节`, `一、`, `（一）`, `1.`/`1、`, `（1）`; Markdown `#` headings.
Levels are ranked per document, so a text that starts at `（一）` still has `（一）` as its
top level. Inside a paragraph, a short topic sentence such as 「要回应群众关切。」 or
「一是加强学习。」 opens a sub-point that runs to the next one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.corpus import metadata
from bot.corpus.encoding import file_name_text
from bot.corpus.headings import CN_NUM as _CN_NUM
from bot.corpus.headings import MARKDOWN_HEADING as _MARKDOWN_HEADING
from bot.corpus.headings import heading_family
from bot.corpus.limits import MAX_HEADING_CHARS as _MAX_HEADING_CHARS
from bot.corpus.metadata import Matter, MetaLine
from bot.corpus.sentences import split_sentences
from bot.corpus.source import SourceText

_MARKDOWN_RULE = re.compile(r"^(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
_HAS_WORD = re.compile(r"[^\W_]")  # a letter, digit or CJK character
_NOT_A_TITLE_END = re.compile(r"[。；;：:，,]$")  # a sentence or a salutation, not a title
_MAX_LEAD_SENTENCE_CHARS = 40

# Sub-point topic sentences: short, no inner clause punctuation, opened by a marker.
_TOPIC_OPENERS = re.compile(
    rf"^(?:要|必须|务必|坚持|着力|[{_CN_NUM}]是|[{_CN_NUM}]要|第[{_CN_NUM}]，?|首先|其次)"
)
_TOPIC_MAX_CHARS = 30
_TOPIC_INNER_PUNCT = re.compile(r"[，,；;：:“”\"（）()]")
# A vocative that opens the closing words or a new topic: 「各位代表、同志们，当前……」,
# 「各位代表！」; it ends the sub-point (and the lower heading) it follows.
_CLOSING = re.compile(
    r"^(?:各位[^，。：！!]{0,10}、)?"
    r"(?:同志们|各位代表|各位委员|朋友们|女士们、先生们|女士们，先生们)[，：,:！!]"
)


@dataclass(frozen=True)
class Section:
    """A heading and where it sits. `parent` is the index of the enclosing section."""

    index: int
    heading: str
    level: int
    parent: int | None
    paragraphs: tuple[int, ...]  # numbers of the paragraphs directly under this heading


@dataclass(frozen=True)
class SubPoint:
    title: str
    start: int  # character offsets inside the paragraph
    end: int


@dataclass(frozen=True)
class Paragraph:
    number: int  # 1-based among the document's body paragraphs
    text: str
    section: int | None  # index of the innermost section it sits under; None for front matter
    subpoints: tuple[SubPoint, ...] = ()


@dataclass(frozen=True)
class Document:
    title: str
    path: str
    paragraphs: tuple[Paragraph, ...]
    sections: tuple[Section, ...]
    title_in_text: bool = True  # False when the title is only the file name
    # Metadata from YAML front matter or from the text (bot.corpus.metadata); None if not stated.
    date: str | None = None  # ISO: YYYY-MM-DD, or YYYY-MM
    speaker: str | None = None  # who gave the speech: 「上海市市长 龚正」
    byline: tuple[str, ...] = ()  # lines above and right after the title set aside as metadata
    notes: tuple[str, ...] = ()  # what reading the file noticed (lossy decoding, ...)
    authority: str | None = None  # who issued it: 「国务院办公厅」 (signature, 发文机关, title)
    doc_number: str | None = None  # 文号: 「国办发〔2018〕123号」
    source: str | None = None  # where it was published: 「解放日报」
    salutation: str | None = None  # 主送机关 of a document, or a speech's 「同志们：」
    set_aside: tuple[MetaLine, ...] = ()  # every line kept out of the body, in text order

    @property
    def issuer(self) -> str | None:
        """The speaker of a speech, else the authority that issued the document."""
        return self.speaker or self.authority

    def heading_path(self, section: int | None) -> tuple[str, ...]:
        """Headings from the outermost section down to `section`."""
        path: list[str] = []
        while section is not None:
            path.append(self.sections[section].heading)
            section = self.sections[section].parent
        return tuple(reversed(path))

    def section_paragraphs(self, section: int) -> tuple[int, ...]:
        """Paragraph numbers under a section and all its sub-sections, in order."""
        inside = {section}
        for sec in self.sections[section + 1 :]:
            if sec.parent in inside:
                inside.add(sec.index)
            elif sec.level <= self.sections[section].level:
                break
        return tuple(p.number for p in self.paragraphs if p.section in inside)


def _same_title(line: str, title: str) -> bool:
    md = _MARKDOWN_HEADING.match(line)
    text = md.group(2) if md else line
    return "".join(text.split()) == "".join(title.split())


def _split_heading(line: str) -> tuple[str, str] | None:
    """Heading text and the body that follows it on the same line, or None if the line is body text.

    「（一）坚持党的领导。各地要……」 is a heading 「（一）坚持党的领导。」 and a body."""
    sentences = split_sentences(line)
    first = sentences[0] if sentences else line
    if len(sentences) <= 1:
        return (line, "") if len(line) <= _MAX_HEADING_CHARS else None
    if len(first) <= _MAX_LEAD_SENTENCE_CHARS:
        return first.strip(), line[len(first) :].strip()
    return None


def _subpoints(text: str) -> tuple[SubPoint, ...]:
    points: list[SubPoint] = []
    open_title: str | None = None
    open_start = 0
    pos = 0
    for sentence in split_sentences(text):
        start = text.index(sentence, pos)
        pos = start + len(sentence)
        body = sentence.strip()
        is_topic = (
            len(body) <= _TOPIC_MAX_CHARS
            and _TOPIC_OPENERS.match(body) is not None
            and not _TOPIC_INNER_PUNCT.search(body)
        )
        closes = _CLOSING.match(body) is not None
        if (is_topic or closes) and open_title is not None:
            points.append(SubPoint(open_title, open_start, start))
            open_title = None
        if is_topic:
            open_title, open_start = body, start
    if open_title is not None:
        points.append(SubPoint(open_title, open_start, len(text)))
    return tuple(points)


def _is_heading_line(line: str, markdown: bool) -> bool:
    return (markdown and _MARKDOWN_HEADING.match(line) is not None) or heading_family(
        line
    ) is not None


def _bare(line: str) -> str:
    """A line without Markdown heading marks and without spaces, to compare with a title."""
    md = _MARKDOWN_HEADING.match(line)
    return "".join((md.group(2) if md else line).split())


def _repeats(lines: list[str], start: int, title: str) -> int:
    """How many lines from `start` state `title` (one line, or the title split over up to
    three lines as a centred title often is); 0 if they do not."""
    want = "".join(title.split())
    joined = ""
    for k in range(start, min(start + 3, len(lines))):
        joined += _bare(lines[k])
        if joined == want:
            return k - start + 1
        if not want.startswith(joined):
            return 0
    return 0


def _split_title(lines: list[str], markdown: bool) -> int:
    """How many of the first lines make the title when it is written over two or three lines
    (「国务院办公厅关于推进」 / 「政务新媒体健康有序发展的意见」): the parts are short, none
    ends as a title does, and together they do. 1 when the first line is the whole title."""
    for k in (2, 3):
        parts = lines[:k]
        if len(parts) < k or any(
            len(p) > 40
            or _NOT_A_TITLE_END.search(p)
            or _is_heading_line(p, markdown)
            or metadata.front_line(p) is not None
            for p in parts
        ):
            return 1
        if any(metadata.looks_like_a_title(p) for p in parts[:-1]):
            return 1
        if metadata.looks_like_a_title("".join(parts)):
            return k
    return 1


def _title(lines: list[str], source: SourceText) -> tuple[str, bool, Matter, list[str]]:
    """(title, title_in_text, what the lines above or repeating it say, the lines after it)."""
    title = file_name_text(Path(source.path).stem)
    above = Matter()
    header = 0  # 版头, 文号 and the like above the title of an official document
    while header < min(4, len(lines) - 1) and metadata.is_official_header(lines[header]):
        header += 1

    def set_aside(part: list[str]) -> Matter:
        said = Matter()
        for line in part:
            said = said.merged(metadata.header_line(line))
        return said

    if source.title:
        title = source.title
        at = next((i for i in range(min(6, len(lines))) if _repeats(lines, i, title)), None)
        if at is None:
            return title, True, above, lines
        above = set_aside(lines[:at])
        lines = lines[at + _repeats(lines, at, title) :]
    elif lines:
        above, rest = set_aside(lines[:header]), lines[header:]
        first = rest[0]
        md = _MARKDOWN_HEADING.match(first) if source.markdown else None
        if md and len(md.group(1)) == 1:
            title, lines = md.group(2), rest[1:]
        elif (
            not md
            and heading_family(first) is None
            and len(first) <= 80
            and not _NOT_A_TITLE_END.search(first)
        ):
            span = _split_title(rest, source.markdown)
            title, lines = "".join(rest[:span]), rest[span:]
        else:  # no title in the text: nothing above it to set aside
            return title, False, Matter(), lines
    else:
        return title, False, above, lines
    again = _repeats(lines, 0, title)  # a page that states its title twice
    if again:
        above = above.merged(
            Matter(tuple(metadata.MetaLine(line, metadata.TITLE) for line in lines[:again]))
        )
        lines = lines[again:]
    return title, True, above, lines


def parse_document(source: SourceText) -> Document:
    lines = [
        ln.strip().replace("\u3000", " ").strip()
        for ln in source.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    # Lines without a single letter or digit (「***」, 「——」, a Markdown rule) are not text.
    lines = [
        ln
        for ln in lines
        if ln and _HAS_WORD.search(ln) and not (source.markdown and _MARKDOWN_RULE.match(ln))
    ]

    def is_heading(line: str) -> bool:
        return _is_heading_line(line, source.markdown)

    title, title_in_text, above, lines = _title(lines, source)
    front = Matter()
    if title_in_text:
        taken, front = metadata.take_front(lines, stop=is_heading)
        lines = lines[taken:]
    front = above.merged(front)
    taken, back = metadata.take_back(lines, stop=is_heading)
    back_lines = lines[len(lines) - taken :]
    lines = lines[: len(lines) - taken]
    inner_lines, inner = metadata.take_inner(lines, stop=is_heading, markdown=source.markdown)
    body = [ln for i, ln in enumerate(lines) if i not in inner_lines]
    set_aside = front.lines + tuple(inner_lines[i] for i in sorted(inner_lines)) + back.lines
    assert len(back.lines) == len(back_lines)

    date = (
        source.date
        or front.date
        or (metadata.date_from_title(title) if title_in_text else None)
        or inner.date
        or back.date
    )
    speaker = (
        source.speaker
        or front.speaker
        or (metadata.speaker_from_title(title) if title_in_text else None)
    )
    authority = (
        front.authority
        or inner.authority
        or back.authority
        or (metadata.authority_from_title(title) if title_in_text else None)
    )
    doc_number = front.doc_number or (
        metadata.doc_number_in_title(title) if title_in_text else None
    )

    # First pass: classify lines into headings (with family) and body paragraphs.
    items: list[tuple[str, str]] = []  # ("h", family key) / ("p", text)
    heading_texts: list[str] = []
    for line in body:
        family: str | None = None
        head_text, rest = line, ""
        md = _MARKDOWN_HEADING.match(line) if source.markdown else None
        if md:
            family, head_text = f"md{len(md.group(1))}", md.group(2)
        else:
            rank = heading_family(line)
            if rank is not None:
                split = _split_heading(line)
                if split is not None:
                    family = f"cn{rank}"
                    head_text, rest = split
        if family is None:
            items.append(("p", line))
            continue
        items.append(("h", family))
        heading_texts.append(head_text)
        if rest:
            items.append(("p", rest))

    families = sorted(
        {key for kind, key in items if kind == "h"}, key=lambda k: (k[:2] != "md", int(k[2:]))
    )
    level_of = {key: i + 1 for i, key in enumerate(families)}

    sections: list[Section] = []
    under: list[list[int]] = []  # paragraph numbers directly under each section
    paragraphs: list[Paragraph] = []
    stack: list[int] = []  # open section indices, outermost first
    heading_iter = iter(heading_texts)
    for kind, value in items:
        if kind == "h":
            level = level_of[value]
            while stack and sections[stack[-1]].level >= level:
                stack.pop()
            index = len(sections)
            sections.append(
                Section(index, next(heading_iter), level, stack[-1] if stack else None, ())
            )
            under.append([])
            stack.append(index)
            continue
        if len(stack) > 1 and _CLOSING.match(value):
            # 「各位代表，……」 after the last numbered point: the point has ended; what follows
            # belongs to the outermost heading only, until the next heading
            del stack[1:]
        current = stack[-1] if stack else None
        number = len(paragraphs) + 1
        if current is not None:
            under[current].append(number)
        paragraphs.append(
            Paragraph(number=number, text=value, section=current, subpoints=_subpoints(value))
        )

    return Document(
        title=title,
        path=str(source.path),
        paragraphs=tuple(paragraphs),
        sections=tuple(
            Section(s.index, s.heading, s.level, s.parent, tuple(under[s.index])) for s in sections
        ),
        title_in_text=title_in_text,
        date=date,
        speaker=speaker,
        byline=tuple(m.text for m in front.lines),
        notes=source.notes,
        authority=authority,
        doc_number=doc_number,
        source=front.source or back.source,
        salutation=next(
            (m.text for m in front.lines if m.kind in (metadata.ADDRESSEE, metadata.SALUTATION)),
            None,
        ),
        set_aside=set_aside,
    )
