"""Plain text and Markdown (.txt, .md): any encoding, an optional YAML front matter block."""

from __future__ import annotations

from pathlib import Path

from bot.corpus.encoding import clean_text, decode_bytes, looks_binary
from bot.corpus.metadata import split_front_matter
from bot.corpus.source import DocumentError, SourceText


def read_plain(path: Path, data: bytes) -> SourceText:
    decoded = decode_bytes(data)
    if looks_binary(decoded.text):
        raise DocumentError("是二进制文件，不是文本")
    notes = (
        (f"部分字节无法按 {decoded.encoding.upper()} 解码，已用 � 代替",) if decoded.lossy else ()
    )
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
