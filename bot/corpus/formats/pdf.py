"""PDF with a text layer -> paragraphs.

A PDF holds lines, not paragraphs, and repeats its running header, footer and page number
on every page. Here:
- lines that recur at the top or bottom of most pages (digits ignored, so 「第 3 页」 and
  「第 4 页」 count as the same line) are dropped, and so are page numbers
  (「- 3 -」, 「— 3 —」, 「第 3 页 共 9 页」, 「3/9」, 「Page 3」) at either end of a page;
- lines of a typed table of contents (「一、总体要求……3」) are dropped;
- lines are joined into paragraphs: a line that fills the text width and does not end a
  sentence continues on the next line, across page breaks too, joined without a space
  between Chinese characters. A short line, a line ending with 。！？；： (or a closing
  quote after them), an indented line and a numbered heading start or end paragraphs; a
  numbered heading continues only onto a short line (its wrapped tail), not onto a full one.
- Kangxi radicals that some PDF producers use for common characters (「⼀」 U+2F00 for 「一」)
  are mapped back.

A PDF whose pages have no text layer (a scan) is reported: it needs OCR first.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections import Counter
from pathlib import Path

from bot import texts
from bot.corpus.headings import heading_family
from bot.corpus.limits import is_toc_line
from bot.corpus.metadata import is_doc_number_line
from bot.corpus.source import DocumentError, SourceText, squeeze_cjk_spaces

_PAGE_NUMBER = re.compile(
    r"^(?:[-－—–~～·•\s]*\d{1,4}[-－—–~～·•\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*[,，]?\s*第\s*\d{1,4}\s*页|\d{1,4}\s*[/／]\s*\d{1,4}"
    r"|[Pp]age\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|[-－—–\s]*[ivxlcIVXLC]{1,6}[-－—–\s]*)$"
)
_SENTENCE_END = re.compile(r"[。！？!?；;：:…][”’」』）)》\"']*$")
_ASCII_WORD_END = re.compile(r"[A-Za-z0-9]$")
_ASCII_WORD_START = re.compile(r"^[A-Za-z0-9]")
_EDGE_LINES = 2  # how many lines at each end of a page may be header or footer
_COMPAT = re.compile("[\u2e80-\u2fdf\uf900-\ufaff]")


def _compat(text: str) -> str:
    """Kangxi radicals and compatibility ideographs -> the ordinary characters."""
    return _COMPAT.sub(
        lambda m: n if len(n := unicodedata.normalize("NFKC", m.group(0))) == 1 else m.group(0),
        text,
    )


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", "".join(line.split()))


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Pages without their running headers, footers and page numbers."""
    counts: Counter[str] = Counter()
    for lines in pages:
        edges = lines[:_EDGE_LINES] + lines[-_EDGE_LINES:] if len(lines) > _EDGE_LINES else lines
        counts.update({_key(ln) for ln in edges})
    n = len(pages)
    repeated = {k for k, c in counts.items() if n >= 2 and c >= 2 and c >= 0.4 * n and k}

    def running(line: str) -> bool:
        return _key(line) in repeated or _PAGE_NUMBER.match(line.strip()) is not None

    out: list[list[str]] = []
    for lines in pages:
        start, end = 0, len(lines)
        while start < min(end, _EDGE_LINES + 1) and running(lines[start]):
            start += 1
        while end > max(start, len(lines) - _EDGE_LINES - 1) and running(lines[end - 1]):
            end -= 1
        out.append(lines[start:end])
    return out


def _drop_table_of_contents(lines: list[str]) -> list[str]:
    entries = [i for i, ln in enumerate(lines) if is_toc_line(ln)]
    if not entries:
        return lines
    drop = set(entries)
    for i in entries:  # the 「目录」 line above the entries goes with them
        if i > 0 and "".join(lines[i - 1].split()) in {"目录", "目次", "Contents", "CONTENTS"}:
            drop.add(i - 1)
    return [ln for i, ln in enumerate(lines) if i not in drop]


def _glue(left: str, right: str) -> str:
    if left.endswith("-") and len(left) > 1 and left[-2].isalpha() and right[:1].islower():
        return left[:-1] + right  # a hyphenated English word
    if _ASCII_WORD_END.search(left) and _ASCII_WORD_START.match(right):
        return left + " " + right
    return left + right


def join_lines(lines: list[str]) -> list[str]:
    """Physical lines -> paragraphs (see the module docstring)."""
    stripped = [ln.strip() for ln in lines]
    widths = sorted(_width(ln) for ln in stripped if ln)
    if not widths:
        return []
    full = widths[min(len(widths) - 1, int(len(widths) * 0.9))]
    full_from = full - max(4, full // 10)
    paragraphs: list[str] = []
    current = ""
    previous = ""
    for raw, line in zip(lines, stripped, strict=True):
        if not line:
            if current:  # an empty line is a paragraph break
                paragraphs.append(current)
                current, previous = "", ""
            continue
        indented = raw[:1] in {" ", "\u3000", "\t"} and len(raw) - len(raw.lstrip()) >= 2
        starts_new = (
            not current
            or indented
            or heading_family(line) is not None
            or is_doc_number_line(line)  # a 文号 is a line of its own, under a long title too
            or is_doc_number_line(previous)
            or _SENTENCE_END.search(previous) is not None
            or _width(previous) < full_from
            # a numbered heading that fills the line is followed by a body line, not by its own
            # short tail: 「二、……发展」 + 「要加强……」 are two paragraphs
            or (
                current == previous
                and heading_family(previous) is not None
                and _width(line) >= full_from
            )
        )
        if starts_new:
            if current:
                paragraphs.append(current)
            current = line
        else:
            current = _glue(current, line)
        previous = line
    if current:
        paragraphs.append(current)
    return paragraphs


def read_pdf(path: Path, data: bytes) -> SourceText:
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about odd but readable files
    try:
        from pypdf import PdfReader
        from pypdf.errors import DependencyError, PdfReadError
    except ImportError as exc:  # pragma: no cover - a broken installation
        raise DocumentError(texts.PDF_NEEDS_PYPDF) from exc
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # an owner password alone (printing or copying restricted, as many official PDFs
            # are) leaves the empty user password: the text can be read
            if not reader.decrypt(""):
                raise DocumentError(texts.PDF_PASSWORD)
        pages = list(reader.pages)
    except DocumentError:
        raise
    except DependencyError as exc:  # AES without cryptography: a broken installation
        raise DocumentError(texts.PDF_NEEDS_CRYPTOGRAPHY) from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise DocumentError(texts.PDF_BROKEN.format(reason=type(exc).__name__)) from exc

    page_lines: list[list[str]] = []
    without_text: list[int] = []
    for number, page in enumerate(pages, start=1):
        try:
            text = page.extract_text() or ""
        except DependencyError as exc:  # not a page without text: the whole file is locked
            raise DocumentError(texts.PDF_NEEDS_CRYPTOGRAPHY) from exc
        except Exception:  # one unreadable page must not cost the others
            text = ""
        text = _compat(text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n"))
        lines = [squeeze_cjk_spaces(ln.rstrip()) for ln in text.split("\n")]
        lines = [ln for ln in lines if ln.strip()]
        if not lines:
            without_text.append(number)
        page_lines.append(lines)
    if not pages:
        raise DocumentError(texts.PDF_NO_PAGES)
    if len(without_text) == len(pages):
        raise DocumentError(texts.PDF_NO_TEXT)

    kept = _drop_running_lines([p for p in page_lines if p])
    lines = _drop_table_of_contents([ln for page in kept for ln in page])
    paragraphs = join_lines(lines)
    notes: tuple[str, ...] = ()
    if without_text:
        shown = texts.LIST_SEPARATOR.join(str(n) for n in without_text[:10])
        if len(without_text) > 10:
            shown += texts.PDF_PAGES_MORE
        notes = (texts.PDF_PAGES_WITHOUT_TEXT.format(pages=shown),)
    return SourceText(path=path, text="\n".join(paragraphs) + "\n", notes=notes)
