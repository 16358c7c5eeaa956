"""Plain text and Markdown (.txt, .md): any encoding, an optional YAML front matter block."""

from __future__ import annotations

from pathlib import Path

from bot import texts
from bot.corpus.encoding import clean_text, decode_bytes, looks_binary
from bot.corpus.metadata import split_front_matter
from bot.corpus.source import DocumentError, SourceText


def odd_lines_note(odd: tuple[tuple[int, str], ...]) -> str:
    """「第 3、7 行不是 UTF-8 编码，已按 GB18030 读取……」"""
    numbers = texts.LIST_SEPARATOR.join(str(n) for n, _ in odd[:10])
    if len(odd) > 10:
        numbers += texts.LINES_NOT_UTF8_MORE.format(count=len(odd))
    encodings = texts.LIST_SEPARATOR.join(dict.fromkeys(e.upper() for _, e in odd))
    return texts.LINES_NOT_UTF8.format(lines=numbers, encoding=encodings)


def read_plain(path: Path, data: bytes) -> SourceText:
    decoded = decode_bytes(data)
    if looks_binary(decoded.text):
        raise DocumentError(texts.BINARY_FILE)
    notes: tuple[str, ...] = ()
    if decoded.lossy:
        notes += (texts.BYTES_REPLACED.format(encoding=decoded.encoding.upper()),)
    if decoded.odd_lines:
        notes += (odd_lines_note(decoded.odd_lines),)
    meta, text = split_front_matter(clean_text(decoded.text))
    return SourceText(
        path=path,
        text=text,
        markdown=path.suffix.lower() in {".md", ".markdown"},
        title=meta.get("title"),
        date=meta.get("date"),
        speaker=meta.get("speaker"),
        notes=notes,
    )
