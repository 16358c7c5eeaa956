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

from bot import texts
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
UNSUPPORTED: dict[str, str] = texts.FORMAT_UNSUPPORTED


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

    def mislabeled(kind: str) -> str:
        return texts.FORMAT_MISLABELED.format(suffix=suffix, kind=texts.FORMAT_NAMES[kind])

    if kind == "pdf" and suffix != ".pdf":
        return read_pdf, mislabeled("pdf")
    if kind == "docx" and suffix != ".docx":
        return read_docx, mislabeled("docx")
    if suffix == ".pdf" and kind != "pdf":
        raise DocumentError(texts.NOT_A_PDF)
    if suffix == ".docx" and kind != "docx":
        raise DocumentError(texts.DOCX_OLE if kind == "ole" else texts.DOCX_INVALID)
    if suffix in UNSUPPORTED:
        if kind == "html":
            return read_html, mislabeled("html")
        if kind == "mime" and suffix not in {".mht", ".mhtml"}:
            raise DocumentError(
                texts.MIME_MISLABELED.format(suffix=suffix, hint=UNSUPPORTED[".mht"])
            )
        raise DocumentError(UNSUPPORTED[suffix])
    return READERS[suffix], None


def read_document(path: Path, data: bytes | None = None) -> SourceText:
    """Read one file; raises DocumentError with the reason it cannot be used.

    `data`, when given, is the file's content as already read (so that what was hashed is
    exactly what is parsed); `path` then only names it."""
    suffix = path.suffix.lower()
    if suffix not in READERS and suffix not in UNSUPPORTED:
        raise DocumentError(
            texts.FILE_TYPE_UNSUPPORTED.format(suffix=path.suffix or texts.FILE_NO_SUFFIX)
        )
    try:
        size = path.stat().st_size if data is None else len(data)
    except OSError as exc:
        raise DocumentError(texts.FILE_UNREADABLE.format(reason=exc.strerror or exc)) from exc
    if size == 0:
        raise DocumentError(texts.FILE_EMPTY)
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
        raise DocumentError(texts.FILE_UNREADABLE.format(reason=exc.strerror or exc)) from exc
    except MemoryError as exc:
        raise DocumentError(texts.FILE_OUT_OF_MEMORY) from exc
    except Exception as exc:  # a broken file of any format must not stop the others
        reason = texts.FILE_UNPARSABLE.format(error=type(exc).__name__, detail=exc)
        raise DocumentError(reason) from exc
    if not source.text.strip():
        raise DocumentError(texts.NO_TEXT)
    if len(source.text) > MAX_TEXT_CHARS:
        raise DocumentError(
            texts.TEXT_TOO_LONG.format(chars=len(source.text), limit=MAX_TEXT_CHARS)
        )
    if note:
        source = replace(source, notes=(note, *source.notes))
    return source
