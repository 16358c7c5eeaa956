"""Web pages (.html/.htm) -> the main text, with headings.

- Page furniture goes: script, style, nav, header, footer, aside, forms, menus, hidden
  elements, and elements whose role is navigation, banner or contentinfo. A <header>
  inside the <article> stays: it holds the article's title and byline.
- The main text is <main>, else the <article> with the most text, else <body>.
- <h1>…<h6> become Markdown headings; the title is the first <h1> of the main text, else
  the page's <title> (without a 「 - 网站名」 tail), else the first <h1> anywhere.
- Block elements (p, div, li, tr, br, …) end lines; inline elements do not, so 「<b>坚持</b>
  党的领导」 stays one line. Spaces between Chinese characters (source line breaks) go.
- The encoding: a BOM, else the charset the page declares, else detection as for text files.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot import texts
from bot.corpus.encoding import decode_bytes, plausibility
from bot.corpus.source import DocumentError, SourceText, escape_markdown_line, squeeze_cjk_spaces

_DROP = (
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "canvas",
    "button",
    "select",
    "textarea",
    "object",
    "embed",
    "menu",
    "dialog",
    "head",
)
_DROP_ROLES = {"navigation", "banner", "contentinfo", "search", "menu", "menubar", "complementary"}
_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "tr",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "address",
    "center",
    "hr",
    "caption",
    "fieldset",
    "details",
    "summary",
    "body",
    "html",
}
_CELL = {"td", "th"}
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_TITLE_TAIL = re.compile(
    r"\s*[-_|｜]\s*(?!\d)[^-_|｜]{2,30}$"
)  # 「……_中国政府网」, not 「2021-2025年」
_SPACES = re.compile(r"[ \t\r\n\f\u00a0\u200b]+")


def _decode(data: bytes) -> str:
    """BOM, else valid UTF-8 (pages that declare gb2312 but are UTF-8 are common), else the
    declared charset if the text it gives is plausible, else detection."""
    if (
        not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
        and b"\x00" not in data[:4096]
    ):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        m = _CHARSET.search(data[:4096])
        if m:
            name = m.group(1).decode("ascii", "replace").lower()
            if name in {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936"}:
                name = "gb18030"
            try:
                text = data.decode(name)
            except (LookupError, UnicodeDecodeError):
                text = None
            if text is not None and plausibility(text) >= 0.9:
                return text
    return decode_bytes(data).text


def _text_length(element) -> int:
    return len("".join(element.get_text().split()))


def _main(soup):
    main = soup.find("main") or soup.find(attrs={"role": "main"})
    if main is not None and _text_length(main) > 0:
        return main
    articles = soup.find_all("article")
    if articles:
        best = max(articles, key=_text_length)
        if _text_length(best) > 0:
            return best
    return soup.body or soup


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.buffer: list[str] = []

    def flush(self) -> None:
        text = squeeze_cjk_spaces(_SPACES.sub(" ", "".join(self.buffer))).strip(" \u3000")
        text = re.sub("\u3000+", "\u3000", text)
        self.buffer = []
        if text:
            self.lines.append(escape_markdown_line(text))

    def heading(self, level: int, text: str) -> None:
        self.flush()
        text = squeeze_cjk_spaces(_SPACES.sub(" ", text)).strip()
        if text:
            self.lines.append("#" * level + " " + text)


def _walk(node, out: _Lines, NavigableString, skip_types) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, skip_types):
                out.buffer.append(str(child))
            continue
        name = child.name
        if name in _HEADINGS:
            out.heading(_HEADINGS[name], child.get_text(" "))
        elif name == "br":
            out.flush()
        elif name == "pre":
            out.flush()
            for line in child.get_text().splitlines():
                out.buffer.append(line)
                out.flush()
        elif name in _BLOCK:
            out.flush()
            _walk(child, out, NavigableString, skip_types)
            out.flush()
        elif name in _CELL:  # cells apart by an ideographic space, which squeezing leaves alone
            out.buffer.append("\u3000")
            _walk(child, out, NavigableString, skip_types)
            out.buffer.append("\u3000")
        else:
            _walk(child, out, NavigableString, skip_types)


def read_html(path: Path, data: bytes) -> SourceText:
    try:
        from bs4 import (
            BeautifulSoup,
            CData,
            Comment,
            Declaration,
            Doctype,
            NavigableString,
            ProcessingInstruction,
        )
    except ImportError as exc:  # pragma: no cover - a broken installation
        raise DocumentError(texts.HTML_NEEDS_BS4) from exc
    text = _decode(data)
    soup = BeautifulSoup(text, "html.parser")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    first_h1_anywhere = soup.find("h1")
    fallback_h1 = first_h1_anywhere.get_text(" ", strip=True) if first_h1_anywhere else ""

    for element in soup.find_all(_DROP):
        if getattr(element, "decomposed", False):
            continue
        if element.name == "header" and element.find_parent(("article", "main")) is not None:
            continue  # an article's own header holds its title and byline
        element.decompose()
    for element in soup.find_all(role=True):
        if (
            not getattr(element, "decomposed", False)
            and str(element.get("role", "")).lower() in _DROP_ROLES
        ):
            element.decompose()
    for element in soup.find_all(hidden=True):
        if not getattr(element, "decomposed", False):
            element.decompose()
    for element in soup.find_all(style=re.compile(r"display\s*:\s*none", re.I)):
        if not getattr(element, "decomposed", False):
            element.decompose()

    main = _main(soup)
    out = _Lines()
    _walk(main, out, NavigableString, (Comment, CData, Declaration, Doctype, ProcessingInstruction))
    out.flush()
    lines = out.lines

    first_h1 = next((i for i, ln in enumerate(lines) if ln.startswith("# ")), None)
    if first_h1 is not None:
        title = lines[first_h1][2:]
        if first_h1 >= 6:  # far down: what precedes it is not its byline
            lines = [lines[first_h1]] + lines[:first_h1] + lines[first_h1 + 1 :]
    else:
        title = _TITLE_TAIL.sub("", page_title).strip() or fallback_h1
        # the page's own title lines (a centred title is often split over two <p>) stay where
        # they are, for `structure` to find; a title the text does not state goes on top
        top = "".join("".join(ln.split()) for ln in lines[:8])
        if title and "".join(title.split()) not in top:
            lines = [f"# {title}"] + lines
    if not any(not ln.startswith("#") for ln in lines):
        raise DocumentError(texts.HTML_NO_BODY)
    return SourceText(path=path, text="\n".join(lines) + "\n", markdown=True, title=title or None)
