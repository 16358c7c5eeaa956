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

import codecs
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MAX_FILE_BYTES = 50 * 1024 * 1024  # text and web pages
MAX_PACKAGE_BYTES = 100 * 1024 * 1024  # .docx and .pdf, whose bytes are mostly images
MAX_TEXT_CHARS = 5_000_000  # about fifty books; more is not a document a person collected


class DocumentError(Exception):
    """A document that cannot be used, with the reason."""


@dataclass(frozen=True)
class SourceText:
    path: Path
    text: str
    markdown: bool = False  # '#' lines are headings
    # Metadata the file states outright (YAML front matter); None: find it in the text.
    title: str | None = None
    date: str | None = None
    speaker: str | None = None
    notes: tuple[str, ...] = ()  # things the reader noticed that the owner should know


# ---- decoding -------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SAMPLE_CHARS = 20000
_PLAUSIBLE = 0.9


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    lossy: bool = False  # some bytes could not be decoded and were replaced by U+FFFD


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    sample = text[:_SAMPLE_CHARS]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\ufffd")
    return "\x00" in sample or bad / len(sample) > 0.02


@lru_cache(maxsize=65536)
def _common_hanzi(ch: str) -> bool:
    """In the common level of GB2312 (3,755 characters) or of Big5 (5,401 characters)."""
    try:
        if 0xB0 <= ch.encode("gb2312")[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        code = ch.encode("big5")
    except UnicodeEncodeError:
        return False
    return len(code) == 2 and 0xA440 <= (code[0] << 8 | code[1]) <= 0xC67E


def plausibility(text: str) -> float:
    """Share of characters a Chinese document plausibly holds.

    Decoding bytes with the wrong CJK codec also yields CJK characters, but rare ones,
    kana and symbols; the right codec yields common characters."""
    good = total = 0
    for ch in text[:_SAMPLE_CHARS]:
        if ch.isspace():
            continue
        total += 1
        o = ord(ch)
        if (
            0x20 <= o < 0x7F
            or 0x3000 <= o <= 0x303F
            or 0xFF01 <= o <= 0xFF5E
            or 0x2010 <= o <= 0x2027
            or ch in "·×…—‘’“”°±÷"
            or (0x4E00 <= o <= 0x9FFF and _common_hanzi(ch))
        ):
            good += 1
        elif (
            unicodedata.category(ch)[0] == "L" and o < 0x2000
        ):  # Latin letters with accents, Greek, ...
            good += 1
    return good / total if total else 1.0


def decode_bytes(data: bytes) -> Decoded:
    """Decode bytes of unknown encoding: BOM, then UTF-8, then the most plausible of
    GB18030, Big5 and UTF-16 (no BOM), then charset-normalizer's guess."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data.decode(encoding, errors="replace")
            return Decoded(text, encoding, "\ufffd" in text)
    head = data[:4096]
    has_nul = b"\x00" in head
    if not has_nul:
        try:
            return Decoded(data.decode("utf-8"), "utf-8")
        except UnicodeDecodeError:
            pass
    candidates = ["utf-16-le", "utf-16-be"] if len(data) % 2 == 0 else []
    if not has_nul:
        candidates = ["gb18030", "big5", *candidates]
    best: tuple[float, Decoded] | None = None
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            continue
        score = plausibility(text)
        if best is None or score > best[0]:
            best = (score, Decoded(text, encoding))
    if best is not None and best[0] >= _PLAUSIBLE:
        return best[1]
    if not has_nul:  # UTF-8 with a few broken bytes (a file cut mid-character, say)
        text = data.decode("utf-8", errors="replace")
        if text.count("\ufffd") <= max(2, len(text) // 2000):
            return Decoded(text, "utf-8", True)
    from charset_normalizer import from_bytes  # lazily: rarely needed, slow to import

    guess = from_bytes(data).best()
    if guess is None:
        raise DocumentError("不是文本文件（无法识别编码）")
    try:
        encoding = codecs.lookup(guess.encoding).name
    except LookupError:
        raise DocumentError(f"无法识别的编码 {guess.encoding}") from None
    if encoding in {"gbk", "gb2312", "cp936", "hz"}:
        encoding = "gb18030"
    text = data.decode(encoding, errors="replace")
    return Decoded(text, encoding, "\ufffd" in text)


def decode(data: bytes) -> str:
    """Decode bytes of unknown encoding (see `decode_bytes`)."""
    return decode_bytes(data).text


def _clean_text(text: str) -> str:
    """Unify line ends and drop characters that only get in the way (stray BOMs, NULs)."""
    text = (
        text.replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\u2028", "\n")
        .replace("\u2029", "\n")
    )
    return text.replace("\ufeff", "").replace("\x00", "")


# ---- readers --------------------------------------------------------------------------------


def read_plain(path: Path, data: bytes) -> SourceText:
    from bot.corpus.metadata import split_front_matter

    decoded = decode_bytes(data)
    if _looks_binary(decoded.text):
        raise DocumentError("是二进制文件，不是文本")
    notes = (
        (f"部分字节无法按 {decoded.encoding.upper()} 解码，已用 � 代替",) if decoded.lossy else ()
    )
    meta, text = split_front_matter(_clean_text(decoded.text))
    return SourceText(
        path=path,
        text=text,
        markdown=path.suffix.lower() in {".md", ".markdown"},
        title=meta.get("title"),
        date=meta.get("date"),
        speaker=meta.get("speaker"),
        notes=notes,
    )


def read_docx(path: Path, data: bytes) -> SourceText:
    from bot.corpus.formats_docx import read_docx as reader

    return reader(path, data)


def read_pdf(path: Path, data: bytes) -> SourceText:
    from bot.corpus.formats_pdf import read_pdf as reader

    return reader(path, data)


def read_html(path: Path, data: bytes) -> SourceText:
    from bot.corpus.formats_html import read_html as reader

    return reader(path, data)


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

_LIMITS = {".docx": MAX_PACKAGE_BYTES, ".pdf": MAX_PACKAGE_BYTES}


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
                "不是 .docx 格式：可能是旧版 .doc 或加密的文档，请用 Word 或 WPS 另存为不加密的 .docx"
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
    limit = _LIMITS.get(suffix, MAX_FILE_BYTES)
    if size > limit:
        raise DocumentError(
            f"文件过大（{size // (1024 * 1024)} MB，上限 {limit // (1024 * 1024)} MB）"
        )
    try:
        if data is None:
            data = path.read_bytes()
            if len(data) > limit:  # it grew since stat()
                raise DocumentError(f"文件过大（上限 {limit // (1024 * 1024)} MB）")
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
        source = SourceText(
            source.path,
            source.text,
            source.markdown,
            source.title,
            source.date,
            source.speaker,
            (note, *source.notes),
        )
    return source


def escape_markdown_line(line: str) -> str:
    """A body line for markdown=True text: a leading '#' would make it a heading."""
    return "＃" + line[1:] if line.startswith("#") else line


_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0]+(?=[{_CJK}])")


def squeeze_cjk_spaces(text: str) -> str:
    """Spaces between two Chinese characters (justified PDF text, HTML source line breaks) removed."""
    return _CJK_GAP.sub("", text)
