"""Read a document file into text: encodings detected, not guessed from the extension.

Each reader turns one file into a `SourceText`. A file that cannot be read raises
`DocumentError` with a reason a person can act on; the library reports it by name and
goes on with the other documents.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from charset_normalizer import from_bytes

MAX_FILE_BYTES = 50 * 1024 * 1024


class DocumentError(Exception):
    """A document that cannot be used, with the reason."""


@dataclass(frozen=True)
class SourceText:
    path: Path
    text: str
    markdown: bool = False  # '#' lines are headings


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    sample = text[:20000]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\ufffd")
    return "\x00" in sample or bad / len(sample) > 0.02


def decode(data: bytes) -> str:
    """Decode bytes of unknown encoding: BOMs, then strict UTF-8, then detection.

    GBK and GB2312 guesses are widened to GB18030, their superset."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" not in data[:4096]:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            text = None
        if text is not None and not _looks_binary(text) and _mostly_cjk_or_ascii(text):
            return text
    best = from_bytes(data).best()
    if best is None:
        raise DocumentError("不是文本文件（无法识别编码）")
    encoding = best.encoding.lower().replace("_", "")
    if encoding in {"gbk", "gb2312", "cp936", "hz"}:
        encoding = "gb18030"
    return data.decode(encoding, errors="replace")


def _mostly_cjk_or_ascii(text: str) -> bool:
    sample = text[:20000]
    good = sum(1 for ch in sample if ch.isascii() or "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef")
    return good / max(1, len(sample)) > 0.9


def read_plain(path: Path) -> SourceText:
    data = path.read_bytes()
    text = decode(data)
    if _looks_binary(text):
        raise DocumentError("是二进制文件，不是文本")
    return SourceText(path=path, text=text, markdown=path.suffix.lower() in {".md", ".markdown"})


Reader = Callable[[Path], SourceText]

READERS: dict[str, Reader] = {
    ".txt": read_plain,
    ".md": read_plain,
    ".markdown": read_plain,
}


def supported(path: Path) -> bool:
    return path.suffix.lower() in READERS


def read_document(path: Path) -> SourceText:
    """Read one file; raises DocumentError with the reason it cannot be used."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(f"不支持的文件类型 {path.suffix or '(无扩展名)'}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(f"无法读取：{exc.strerror or exc}") from exc
    if size == 0:
        raise DocumentError("文件为空")
    if size > MAX_FILE_BYTES:
        raise DocumentError(f"文件过大（{size // (1024 * 1024)} MB，上限 {MAX_FILE_BYTES // (1024 * 1024)} MB）")
    try:
        source = reader(path)
    except DocumentError:
        raise
    except OSError as exc:
        raise DocumentError(f"无法读取：{exc.strerror or exc}") from exc
    except Exception as exc:  # a broken file of any format must not stop the others
        raise DocumentError(f"无法解析：{type(exc).__name__}: {exc}") from exc
    if not source.text.strip():
        raise DocumentError("没有文字内容")
    return source
