"""Recover the structure of a Chinese official text: title, front matter, sections, sub-points.

Heading families recognised (outermost first when several occur in one document):
`第一章`/`第一部分`/`第一编`, `第一节`, `一、`, `（一）`, `1.`/`1、`, `（1）`; Markdown `#` headings.
Levels are ranked per document, so a text that starts at `（一）` still has `（一）` as its
top level. Inside a paragraph, a short topic sentence such as 「要回应群众关切。」 or
「一是加强学习。」 opens a sub-point that runs to the next one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.corpus import metadata
from bot.corpus.headings import CN_NUM as _CN_NUM
from bot.corpus.headings import MARKDOWN_HEADING as _MARKDOWN_HEADING
from bot.corpus.headings import heading_family
from bot.corpus.limits import MAX_HEADING_CHARS as _MAX_HEADING_CHARS
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
# A vocative that opens the closing words: 「各位代表、同志们，当前……」
_CLOSING = re.compile(
    r"^(?:各位[^，。：]{0,10}、)?(?:同志们|各位代表|朋友们|女士们、先生们)[，：,:]"
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
    # Metadata, from YAML front matter or from the text (see bot.corpus.metadata); None if not stated.
    date: str | None = None  # ISO: YYYY-MM-DD, or YYYY-MM
    speaker: str | None = None
    byline: tuple[
        str, ...
    ] = ()  # lines around the title that carry metadata; not numbered paragraphs
    notes: tuple[
        str, ...
    ] = ()  # what reading the file noticed (lossy decoding, pages without text, ...)

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


def _title_and_byline(
    lines: list[str], source: SourceText
) -> tuple[str, bool, list[str], list[str], metadata.Byline]:
    """(title, title_in_text, byline lines, remaining lines, what the byline says)."""
    title = Path(source.path).stem
    title_in_text = False
    byline: list[str] = []
    header = 0  # 版头, 文号 and the like above the title of an official document
    while header < min(4, len(lines) - 1) and metadata.is_official_header(lines[header]):
        header += 1
    if source.title:
        title, title_in_text = source.title, True
        at = next((i for i, ln in enumerate(lines[:6]) if _same_title(ln, source.title)), None)
        if at is not None:
            byline, lines = lines[:at], lines[at + 1 :]
    elif lines:
        byline, lines = lines[:header], lines[header:]
        first = lines[0]
        md = _MARKDOWN_HEADING.match(first) if source.markdown else None
        if md and len(md.group(1)) == 1:
            title, lines, title_in_text = md.group(2), lines[1:], True
        elif (
            not md
            and heading_family(first) is None
            and len(first) <= 80
            and not _NOT_A_TITLE_END.search(first)
        ):
            title, lines, title_in_text = first, lines[1:], True
        else:
            lines = byline + lines  # no title in the text: nothing above it to set aside
            byline = []
    taken, said = metadata.take_byline(lines, stop=lambda ln: _is_heading_line(ln, source.markdown))
    byline, lines = byline + lines[:taken], lines[taken:]
    return title, title_in_text, byline, lines, said


def parse_document(source: SourceText) -> Document:
    lines = [
        ln.strip().replace("\u3000", " ").strip()
        for ln in source.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    lines = [ln for ln in lines if ln]
    title, title_in_text, byline, lines, said = _title_and_byline(lines, source)
    date = (
        source.date
        or said.date
        or (metadata.date_from_title(title) if title_in_text else None)
        or metadata.trailing_date(lines)
    )
    speaker = (
        source.speaker
        or said.speaker
        or (metadata.speaker_from_title(title) if title_in_text else None)
    )
    # Lines without a single letter or digit (「***」, 「——」, a Markdown rule) are not paragraphs.
    lines = [
        ln
        for ln in lines
        if _HAS_WORD.search(ln) and not (source.markdown and _MARKDOWN_RULE.match(ln))
    ]

    # First pass: classify lines into headings (with family) and body paragraphs.
    items: list[tuple[str, str | int]] = []  # ("h", family key) / ("p", text)
    heading_texts: list[str] = []
    for line in lines:
        family: str | None = None
        head_text, body = line, ""
        md = _MARKDOWN_HEADING.match(line) if source.markdown else None
        if md:
            family, head_text = f"md{len(md.group(1))}", md.group(2)
        else:
            rank = heading_family(line)
            if rank is not None:
                split = _split_heading(line)
                if split is not None:
                    family = f"cn{rank}"
                    head_text, body = split
        if family is None:
            items.append(("p", line))
            continue
        items.append(("h", family))
        heading_texts.append(head_text)
        if body:
            items.append(("p", body))

    families = sorted(
        {key for kind, key in items if kind == "h"}, key=lambda k: (k[:2] != "md", int(k[2:]))
    )
    level_of = {key: i + 1 for i, key in enumerate(families)}

    sections: list[dict] = []
    paragraphs: list[Paragraph] = []
    stack: list[int] = []  # open section indices, outermost first
    heading_iter = iter(heading_texts)
    for kind, value in items:
        if kind == "h":
            level = level_of[str(value)]
            while stack and sections[stack[-1]]["level"] >= level:
                stack.pop()
            index = len(sections)
            sections.append(
                {
                    "index": index,
                    "heading": next(heading_iter),
                    "level": level,
                    "parent": stack[-1] if stack else None,
                    "paragraphs": [],
                }
            )
            stack.append(index)
        else:
            text = str(value)
            current = stack[-1] if stack else None
            number = len(paragraphs) + 1
            if current is not None:
                sections[current]["paragraphs"].append(number)
            paragraphs.append(
                Paragraph(number=number, text=text, section=current, subpoints=_subpoints(text))
            )

    return Document(
        title=title,
        path=str(source.path),
        paragraphs=tuple(paragraphs),
        sections=tuple(Section(**{**s, "paragraphs": tuple(s["paragraphs"])}) for s in sections),
        title_in_text=title_in_text,
        date=date,
        speaker=speaker,
        byline=tuple(byline),
        notes=source.notes,
    )
