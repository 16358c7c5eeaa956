"""Word (.docx) documents -> Markdown-flavoured text that `structure` understands.

- The title: the first paragraph in the Title style (标题), else the first paragraph when
  it is styled as a heading, becomes a `# ` line; a plain first paragraph stays plain and
  `structure` decides, as for a text file.
- Heading styles (Heading 1/2/3, 标题 1/2/3, custom styles based on them, or an outline
  level) become `## `, `### `, … lines. A plain paragraph numbered like the styled headings
  of some level (「二、……」 when 「一、……」 is Heading 1) gets that level too, so a
  document styled by hand halfway still has one outline.
- Word's automatic numbering is written out (「一、」「（一）」「1.」), since the numbers are
  not part of the paragraph text but are what `structure` recognises headings by.
- Tables: a row of short cells is one line, cells separated by spaces; longer cells give
  one line per paragraph. Table-of-contents paragraphs are skipped.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from bot import texts
from bot.corpus.headings import heading_family
from bot.corpus.limits import (
    MAX_HEADING_CHARS,
    MAX_UNZIPPED_BYTES,
    MAX_XML_BYTES,
    MAX_ZIP_MEMBERS,
    MAX_ZIP_RATIO,
    ZIP_RATIO_FROM_BYTES,
    is_toc_line,
)
from bot.corpus.source import DocumentError, SourceText, escape_markdown_line

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
_TITLE_STYLES = {"title", "标题"}
_SUBTITLE_STYLES = {"subtitle", "副标题"}
_TOC_STYLE = re.compile(r"^(?:toc|目录)\s*\d|^toc heading$|^目录标题$", re.I)
_SHORT_CELL = 50

_CN = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n % 10] if n % 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, sym in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while n >= value:
            out, n = out + sym, n - value
    return out


def _format_number(n: int, fmt: str) -> str:
    if fmt in {
        "chineseCounting",
        "chineseCountingThousand",
        "chineseLegalSimplified",
        "taiwaneseCounting",
        "taiwaneseCountingThousand",
        "japaneseCounting",
        "ideographDigital",
    }:
        return _chinese(n)
    if fmt == "ideographTraditional":
        return "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return "子丑寅卯辰巳午未申酉戌亥"[(n - 1) % 12]
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    if fmt in {"upperLetter", "lowerLetter"}:
        letter = chr(ord("A") + (n - 1) % 26) * (1 + (n - 1) // 26)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in {"upperRoman", "lowerRoman"}:
        return _roman(n) if fmt == "upperRoman" else _roman(n).lower()
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


class _Numbering:
    """Renders the automatic list numbers Word shows in front of numbered paragraphs."""

    def __init__(self, document, qn) -> None:
        self.qn = qn
        self.levels: dict[
            tuple[str, int], tuple[str, str, int]
        ] = {}  # (numId, ilvl) -> (fmt, text, start)
        self.abstract_of: dict[str, str] = {}
        self.counters: dict[str, list[int]] = {}  # abstractNumId -> counter per level
        try:
            part = document.part.numbering_part
        except (KeyError, NotImplementedError, AttributeError):
            part = None
        if part is None:
            return
        root = part.element
        abstracts: dict[str, dict[int, tuple[str, str, int]]] = {}
        for abstract in root.findall(qn("w:abstractNum")):
            levels: dict[int, tuple[str, str, int]] = {}
            for lvl in abstract.findall(qn("w:lvl")):
                ilvl = int(lvl.get(qn("w:ilvl"), "0"))
                fmt = self._val(lvl, "w:numFmt") or "decimal"
                text = self._val(lvl, "w:lvlText")
                start = int(self._val(lvl, "w:start") or 1)
                levels[ilvl] = (fmt, text if text is not None else "", start)
            abstracts[abstract.get(qn("w:abstractNumId"))] = levels
        for num in root.findall(qn("w:num")):
            num_id = num.get(qn("w:numId"))
            abstract_id = self._val(num, "w:abstractNumId")
            if abstract_id is None or abstract_id not in abstracts:
                continue
            self.abstract_of[num_id] = abstract_id
            for ilvl, spec in abstracts[abstract_id].items():
                self.levels[(num_id, ilvl)] = spec
            for override in num.findall(qn("w:lvlOverride")):
                ilvl = int(override.get(qn("w:ilvl"), "0"))
                override_start = self._val(override, "w:startOverride")
                if override_start is not None and (num_id, ilvl) in self.levels:
                    fmt, text, _ = self.levels[(num_id, ilvl)]
                    self.levels[(num_id, ilvl)] = (fmt, text, int(override_start))

    def _val(self, element, tag: str) -> str | None:
        child = element.find(self.qn(tag))
        return None if child is None else child.get(self.qn("w:val"))

    def label(self, num_id: str | None, ilvl: int) -> str:
        if not num_id or num_id == "0" or (num_id, ilvl) not in self.levels:
            return ""
        fmt, text, start = self.levels[(num_id, ilvl)]
        key = self.abstract_of.get(num_id, num_id)
        counters = self.counters.setdefault(key, [])
        while len(counters) <= ilvl:
            counters.append(0)
        starts = [self.levels.get((num_id, i), ("decimal", "", 1))[2] for i in range(ilvl + 1)]
        counters[ilvl] = starts[ilvl] if counters[ilvl] == 0 else counters[ilvl] + 1
        del counters[ilvl + 1 :]
        if fmt in {"bullet", "none"}:
            return ""

        def level_number(m: re.Match[str]) -> str:
            i = int(m.group(1)) - 1
            value = (
                counters[i]
                if i < len(counters) and counters[i]
                else starts[i]
                if i < len(starts)
                else 1
            )
            level_fmt = self.levels.get((num_id, i), (fmt,))[0]
            return _format_number(value, level_fmt)

        return re.sub(r"%(\d)", level_number, text)


def _style_kind(style) -> str | int | None:
    """'title', 'subtitle', 'toc', a heading level 1-9, or None, following the base styles."""
    seen = 0
    while style is not None and seen < 8:
        name = (style.name or "").strip()
        lowered = name.lower()
        if lowered in _TITLE_STYLES:
            return "title"
        if lowered in _SUBTITLE_STYLES:
            return "subtitle"
        if _TOC_STYLE.match(name):
            return "toc"
        m = _HEADING_STYLE.match(name)
        if m:
            return max(1, int(m.group(1)))
        style = style.base_style
        seen += 1
    return None


def _outline_level(element, qn) -> int | None:
    ppr = element.find(qn("w:pPr"))
    lvl = None if ppr is None else ppr.find(qn("w:outlineLvl"))
    if lvl is None:
        return None
    value = int(lvl.get(qn("w:val"), "9"))
    return value + 1 if value < 9 else None


def _num_pr(elements, qn) -> tuple[str | None, int] | None:
    """(numId, ilvl) of a numbered paragraph, from its own properties or its style chain
    (`elements`: the paragraph's element first, then its styles' elements)."""
    num_id = ilvl = None
    for element in elements:
        ppr = element.find(qn("w:pPr"))
        numpr = None if ppr is None else ppr.find(qn("w:numPr"))
        if numpr is None:
            continue
        if num_id is None and numpr.find(qn("w:numId")) is not None:
            num_id = numpr.find(qn("w:numId")).get(qn("w:val"))
        if ilvl is None and numpr.find(qn("w:ilvl")) is not None:
            ilvl = int(numpr.find(qn("w:ilvl")).get(qn("w:val"), "0"))
    if num_id is None:
        return None
    return num_id, ilvl or 0


class _Styles:
    """Paragraph styles by id, looked up once: python-docx's `paragraph.style` scans every
    style for the default on each call, which dominates the reading time of a long document."""

    def __init__(self, document, qn) -> None:
        from docx.enum.style import WD_STYLE_TYPE

        self.by_id = {}
        self.default = None
        for style in document.styles:
            if style.type != WD_STYLE_TYPE.PARAGRAPH:
                continue
            self.by_id[style.style_id] = style
            if self.default is None and style.element.get(qn("w:default")) in ("1", "true", "on"):
                self.default = style
        self._kinds: dict[str | None, str | int | None] = {}
        self._chains: dict[str | None, list] = {}

    def _style(self, style_id: str | None):
        return self.by_id.get(style_id, self.default) if style_id is not None else self.default

    def kind(self, style_id: str | None) -> str | int | None:
        if style_id not in self._kinds:
            self._kinds[style_id] = _style_kind(self._style(style_id))
        return self._kinds[style_id]

    def chain(self, style_id: str | None) -> list:
        """The elements of the style and its base styles."""
        if style_id not in self._chains:
            out: list = []
            style = self._style(style_id)
            while style is not None and len(out) < 8:
                out.append(style.element)
                style = style.base_style
            self._chains[style_id] = out
        return self._chains[style_id]


def _style_id(p_element, qn) -> str | None:
    ppr = p_element.find(qn("w:pPr"))
    pstyle = None if ppr is None else ppr.find(qn("w:pStyle"))
    return None if pstyle is None else pstyle.get(qn("w:val"))


class _Block:
    __slots__ = ("text", "kind")

    def __init__(self, text: str, kind: str | int | None) -> None:
        self.text = text
        self.kind = kind  # 'title' | 'subtitle' | a heading level (int) | None for body text


def _blocks(document, qn, Paragraph, Table) -> list[_Block]:
    numbering = _Numbering(document, qn)
    styles = _Styles(document, qn)
    out: list[_Block] = []

    def paragraph_block(p) -> _Block | None:
        style_id = _style_id(p._p, qn)
        style_kind = styles.kind(style_id)
        if style_kind == "toc":
            return None
        text = p.text.replace("\t", " ")
        num = _num_pr([p._p, *styles.chain(style_id)], qn)
        if num is not None:
            label = numbering.label(*num)
            if label and text.strip():
                text = label + text.lstrip()
        if not text.strip():
            return None
        kind = style_kind
        if kind is None:
            kind = _outline_level(p._p, qn)
        return _Block(text, kind)

    def walk(container_element, parent) -> None:
        for child in container_element.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                block = paragraph_block(Paragraph(child, parent))
                if block is not None:
                    out.append(block)
            elif tag == "tbl":
                table_blocks(Table(child, parent))
            elif tag == "sdt":  # content control; a table of contents is one
                gallery = child.find(f".//{qn('w:docPartGallery')}")
                if gallery is not None and "contents" in (gallery.get(qn("w:val")) or "").lower():
                    continue
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    walk(content, parent)

    def table_blocks(table) -> None:
        for row in table.rows:
            cells = []
            seen: set[int] = set()
            for cell in row.cells:
                if id(cell._tc) in seen:
                    continue
                seen.add(id(cell._tc))
                cells.append(cell)
            texts = [
                " ".join(p.text.split()) for c in cells for p in c.paragraphs if p.text.strip()
            ]
            simple = all(len(c.paragraphs) <= 1 and not c.tables for c in cells) and all(
                len(t) <= _SHORT_CELL for t in texts
            )
            if simple:
                if texts:
                    out.append(
                        _Block("\u3000".join(texts), None)
                    )  # structure reads it as one space
                continue
            for cell in cells:
                walk(cell._tc, cell)

    walk(document.element.body, document._body)
    return out


def _title_index(blocks: list[_Block]) -> int | None:
    """The block that is the document's own title: the first in the Title style, else a first
    block styled as an unnumbered heading. None: a plain first paragraph, for `structure`."""
    for i, block in enumerate(blocks[:8]):
        if block.kind == "title":
            return i
    first = blocks[0]
    if isinstance(first.kind, int) and heading_family(first.text.strip()) is None:
        return 0
    return None


def _markdown(blocks: list[_Block]) -> tuple[str, str | None]:
    """The text with headings as `#` lines, and the document's title if it states one."""
    # Which numbering family the styled headings of each level use: 「一、」 for level 1, ...
    family_level: dict[int, int] = {}
    for block in blocks:
        if isinstance(block.kind, int):
            family = heading_family(block.text.strip())
            if family is not None:
                family_level.setdefault(family, block.kind)

    title_at = _title_index(blocks)
    # a title set over two or three paragraphs of the same style is one title
    title_parts = 1
    while (
        title_at is not None
        and title_parts < 3
        and title_at + title_parts < len(blocks)
        and blocks[title_at].kind == "title"
        and blocks[title_at + title_parts].kind == "title"
    ):
        title_parts += 1
    title = None
    lines: list[str] = []
    for i, block in enumerate(blocks):
        text = block.text.strip()
        kind = block.kind
        if title_at is not None and title_at < i < title_at + title_parts:
            continue
        if i == title_at:
            parts = (b.text for b in blocks[i : i + title_parts])
            title = "".join(" ".join("".join(part.split("\n")).split()) for part in parts)
            lines.append("# " + title)
            continue
        if kind is None and is_toc_line(text):
            continue
        if kind is None and "\n" not in text and len(text) <= MAX_HEADING_CHARS:
            family = heading_family(text)
            if (
                family is not None
                and family in family_level
                and not re.search(r"[。！？；]", text[:-1])
            ):
                kind = family_level[family]
        if kind == "title":
            kind = 1
        if isinstance(kind, int):
            lines.append("#" * min(6, kind + 1) + " " + " ".join("".join(text.split("\n")).split()))
            continue
        for line in text.split("\n"):
            line = line.strip()
            if line and not is_toc_line(line):
                lines.append(escape_markdown_line(line))
    return "\n".join(lines) + "\n", title


def check_zip(data: bytes) -> None:
    """Refuse a .docx that would inflate to too much (a zip bomb) before anything is inflated:
    from the sizes its central directory declares, which bound what zipfile will inflate."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError(texts.DOCX_INVALID) from exc
    mib = 1024 * 1024
    if len(members) > MAX_ZIP_MEMBERS:
        raise DocumentError(texts.DOCX_TOO_MANY_PARTS.format(count=len(members)))
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED_BYTES:
        raise DocumentError(
            texts.DOCX_INFLATES_TOO_MUCH.format(size=total // mib, limit=MAX_UNZIPPED_BYTES // mib)
        )
    xml = sum(m.file_size for m in members if m.filename.lower().endswith((".xml", ".rels")))
    if xml > MAX_XML_BYTES:
        raise DocumentError(
            texts.DOCX_XML_TOO_LARGE.format(size=xml // mib, limit=MAX_XML_BYTES // mib)
        )
    for member in members:
        if member.file_size >= ZIP_RATIO_FROM_BYTES and (
            member.file_size > MAX_ZIP_RATIO * max(member.compress_size, 1)
        ):
            raise DocumentError(
                texts.DOCX_RATIO_TOO_HIGH.format(
                    part=member.filename[:60],
                    ratio=member.file_size // max(member.compress_size, 1),
                    limit=MAX_ZIP_RATIO,
                )
            )


def read_docx(path: Path, data: bytes) -> SourceText:
    check_zip(data)
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
        from docx.oxml.ns import qn
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - a broken installation
        raise DocumentError(texts.DOCX_NEEDS_PYTHON_DOCX) from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as exc:
        raise DocumentError(texts.DOCX_INVALID) from exc
    except ValueError as exc:  # e.g. a template (.dotx) or macro document renamed .docx
        raise DocumentError(texts.DOCX_NOT_PLAIN.format(reason=exc)) from exc
    blocks = _blocks(document, qn, Paragraph, Table)
    if not blocks:
        raise DocumentError(texts.DOCX_NO_TEXT)
    text, title = _markdown(blocks)
    return SourceText(path=path, text=text, markdown=True, title=title)
