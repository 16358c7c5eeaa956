"""Read a document file into text: encodings detected, not guessed from the extension.

Each reader turns one file into a `SourceText`. A file that cannot be read raises
`DocumentError` with a reason a person can act on; the library reports it by name and
goes on with the other documents.

Formats: .txt/.md (any encoding; optional YAML front matter), .docx, .pdf with a text
layer, .html/.htm. The file's content decides, not only its name: a PDF or .docx saved
under another extension is read as what it is, and a web page saved as .doc (as many
sites serve them) is read as HTML. The readers for .docx, .pdf and .html import their
libraries only when such a file is read.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bot.corpus.encoding import decode, decode_bytes
from bot.corpus.formats.docx import read_docx
from bot.corpus.formats.html import read_html
from bot.corpus.formats.pdf import read_pdf
from bot.corpus.formats.plain import read_plain
from bot.corpus.limits import MAX_FILE_BYTES, MAX_TEXT_CHARS, size_limit, too_large
from bot.corpus.source import DocumentError, SourceText

__all__ = [
    "MAX_FILE_BYTES",
    "READERS",
    "UNSUPPORTED",
    "DocumentError",
    "SourceText",
    "decode",
    "decode_bytes",
    "read_document",
    "recognised",
    "supported",
]

Reader = Callable[[Path, bytes], SourceText]  # (name, the bytes to read)

READERS: dict[str, Reader] = {
    ".txt": read_plain,
    ".text": read_plain,
    ".md": read_plain,
    ".markdown": read_plain,
    ".docx": read_docx,
    ".pdf": read_pdf,
    ".html": read_html,
    ".htm": read_html,
}

# Formats a document library holds but no reader here handles: reported with what to do.
UNSUPPORTED: dict[str, str] = {
    ".doc": "旧版 Word（.doc）格式不支持，请用 Word 或 WPS 另存为 .docx",
    ".wps": "WPS 文字（.wps）格式不支持，请另存为 .docx",
    ".rtf": "RTF 格式不支持，请另存为 .docx 或 .txt",
    ".odt": "OpenDocument（.odt）格式不支持，请另存为 .docx",
    ".mht": "网页归档（.mht）格式不支持，请在浏览器中另存为 .html",
    ".mhtml": "网页归档（.mhtml）格式不支持，请在浏览器中另存为 .html",
}


def supported(path: Path) -> bool:
    """A reader exists for this file name."""
    return path.suffix.lower() in READERS


def recognised(path: Path) -> bool:
    """A document format: readable, or one to report as unsupported rather than pass over."""
    suffix = path.suffix.lower()
    return suffix in READERS or suffix in UNSUPPORTED


def _sniff(data: bytes) -> str | None:
    """What the bytes are, whatever the name says: pdf, docx, zip, ole, rtf, html, mime."""
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return "zip"
        return "docx" if "word/document.xml" in names else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"  # legacy Office file, or an encrypted .docx
    if head.startswith(b"{\\rtf"):
        return "rtf"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith(b"mime-version:") or b"\nmime-version:" in lowered[:512]:
        return "mime"
    if lowered.startswith((b"<!doctype html", b"<html")) or (
        lowered.startswith(b"<") and b"<html" in lowered
    ):
        return "html"
    return None


def _choose_reader(path: Path, data: bytes) -> tuple[Reader, str | None]:
    """The reader for this file and a note when the content is not what the name says."""
    suffix = path.suffix.lower()
    kind = _sniff(data)
    mislabeled = "扩展名是 {0}，实际是 {1} 文件，已按 {1} 读取"
    if kind == "pdf" and suffix != ".pdf":
        return read_pdf, mislabeled.format(suffix, "PDF")
    if kind == "docx" and suffix != ".docx":
        return read_docx, mislabeled.format(suffix, "Word（.docx）")
    if suffix == ".pdf" and kind != "pdf":
        raise DocumentError("不是 PDF 文件（文件头不对，可能已损坏或只是改了扩展名）")
    if suffix == ".docx" and kind != "docx":
        if kind == "ole":
            raise DocumentError(
                "不是 .docx 格式：可能是旧版 .doc 或加密的文档，"
                "请用 Word 或 WPS 另存为不加密的 .docx"
            )
        raise DocumentError("不是有效的 Word（.docx）文件，可能已损坏")
    if suffix in UNSUPPORTED:
        if kind == "html":
            return read_html, mislabeled.format(suffix, "网页（HTML）")
        if kind == "mime" and suffix not in {".mht", ".mhtml"}:
            raise DocumentError(f"扩展名是 {suffix}，实际是网页归档（.mht）：{UNSUPPORTED['.mht']}")
        raise DocumentError(UNSUPPORTED[suffix])
    return READERS[suffix], None


def read_document(path: Path, data: bytes | None = None) -> SourceText:
    """Read one file; raises DocumentError with the reason it cannot be used.

    `data`, when given, is the file's content as already read (so that what was hashed is
    exactly what is parsed); `path` then only names it."""
    suffix = path.suffix.lower()
    if suffix not in READERS and suffix not in UNSUPPORTED:
        raise DocumentError(f"不支持的文件类型 {path.suffix or '(无扩展名)'}")
    try:
        size = path.stat().st_size if data is None else len(data)
    except OSError as exc:
        raise DocumentError(f"无法读取：{exc.strerror or exc}") from exc
    if size == 0:
        raise DocumentError("文件为空")
    limit = size_limit(path)
    if size > limit:
        raise DocumentError(too_large(size, limit))
    try:
        if data is None:
            data = path.read_bytes()
            if len(data) > limit:  # it grew since stat()
                raise DocumentError(too_large(len(data), limit))
        reader, note = _choose_reader(path, data)
        source = reader(path, data)
    except DocumentError:
        raise
    except OSError as exc:
        raise DocumentError(f"无法读取：{exc.strerror or exc}") from exc
    except MemoryError as exc:
        raise DocumentError("文件过大，内存不足") from exc
    except Exception as exc:  # a broken file of any format must not stop the others
        raise DocumentError(f"无法解析：{type(exc).__name__}: {exc}") from exc
    if not source.text.strip():
        raise DocumentError("没有文字内容")
    if len(source.text) > MAX_TEXT_CHARS:
        raise DocumentError(f"文字过多（{len(source.text)} 字，上限 {MAX_TEXT_CHARS} 字）")
    if note:
        source = replace(source, notes=(note, *source.notes))
    return source
