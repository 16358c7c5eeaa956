"""Text files in whatever encoding a library collected over the years holds."""

from __future__ import annotations

import codecs
import os
import time
from pathlib import Path

import pytest

from bot.corpus.reading import (
    MAX_FILE_BYTES,
    DocumentError,
    decode,
    decode_bytes,
    read_document,
    supported,
)
from bot.corpus.structure import parse_document
from tests.support.documents import SPEECH_TITLE, speech_text

SIMPLIFIED = speech_text()
TRADITIONAL = (
    "在全市人大代表工作會議上的講話\n同志們：這次會議的主要任務是總結去年的代表工作，部署今年的任務。\n"
    "一、提高站位\n要堅持全面準確深入理解內涵。\n"
)


@pytest.mark.parametrize(
    "data",
    [
        SIMPLIFIED.encode("utf-8"),
        codecs.BOM_UTF8 + SIMPLIFIED.encode("utf-8"),
        SIMPLIFIED.encode("gbk"),
        SIMPLIFIED.encode("gb18030"),
        SIMPLIFIED.encode("utf-16"),  # with BOM (little-endian here)
        codecs.BOM_UTF16_BE + SIMPLIFIED.encode("utf-16-be"),
        SIMPLIFIED.encode("utf-16-le"),  # no BOM
        SIMPLIFIED.encode("utf-16-be"),  # no BOM
        codecs.BOM_UTF32_LE + SIMPLIFIED.encode("utf-32-le"),
    ],
    ids=[
        "utf-8",
        "utf-8-bom",
        "gbk",
        "gb18030",
        "utf-16-bom",
        "utf-16-be-bom",
        "utf-16-le",
        "utf-16-be",
        "utf-32",
    ],
)
def test_decode_recovers_the_text(data: bytes):
    assert decode(data).replace("\ufeff", "") == SIMPLIFIED


def test_gb18030_characters_outside_gbk():
    text = "关于㐀字和䶮字的说明\n这两个字只在GB18030里有编码，GBK没有。\n"
    assert decode(text.encode("gb18030")) == text


def test_big5_is_not_mistaken_for_gbk():
    """Big5 bytes are valid GBK too; the decoded characters tell which one was meant."""
    assert decode(TRADITIONAL.encode("big5")) == TRADITIONAL
    assert decode("講話內容".encode("big5")) == "講話內容"


def test_short_gbk_text():
    assert decode("讲话".encode("gbk")) == "讲话"
    assert decode("一、总体要求\n".encode("gbk")) == "一、总体要求\n"


def test_utf8_with_a_broken_byte_is_kept_and_noted(tmp_path: Path):
    data = SIMPLIFIED.encode("utf-8")
    data = data[:30] + b"\xff" + data[30:]
    decoded = decode_bytes(data)
    assert decoded.lossy and decoded.encoding == "utf-8" and "\ufffd" in decoded.text
    path = tmp_path / "broken.txt"
    path.write_bytes(data)
    source = read_document(path)
    assert any("无法" in note and "UTF-8" in note for note in source.notes)
    assert parse_document(source).notes == source.notes


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "big5"])
def test_read_document_parses_every_encoding(tmp_path: Path, encoding: str):
    text = TRADITIONAL if encoding == "big5" else SIMPLIFIED
    path = tmp_path / f"speech-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    document = parse_document(read_document(path))
    assert document.title == text.splitlines()[0]
    assert document.sections[0].heading.startswith("一、")
    assert not document.notes


def test_encoding_is_not_guessed_from_the_extension(tmp_path: Path):
    path = tmp_path / "speech.md"
    path.write_bytes(
        ("# " + SPEECH_TITLE + "\n\n## 一、总体要求\n\n要坚持党的领导。\n").encode("gb18030")
    )
    source = read_document(path)
    assert source.markdown
    document = parse_document(source)
    assert document.title == SPEECH_TITLE
    assert [s.heading for s in document.sections] == ["一、总体要求"]


def test_crlf_and_stray_bom_lines(tmp_path: Path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(
        ("\ufeff" + SIMPLIFIED.replace("\n", "\r\n")).encode("utf-8")
        + "\ufeff尾注。\r\n".encode("utf-8")
    )
    document = parse_document(read_document(path))
    assert document.title == SPEECH_TITLE
    assert document.paragraphs[-1].text == "尾注。"


# ---- bad input ----------------------------------------------------------------------------


def test_empty_file(tmp_path: Path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(DocumentError, match="文件为空"):
        read_document(path)


def test_whitespace_only_file(tmp_path: Path):
    path = tmp_path / "blank.txt"
    path.write_text("  \n\u3000\n\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="没有文字内容"):
        read_document(path)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
        b"\x7fELF\x02\x01\x01\x00" + bytes(2000),
        bytes((i * 37 + 11) % 256 for i in range(5000)),
    ],
    ids=["png", "elf", "noise"],
)
def test_binary_file_renamed_txt(tmp_path: Path, data: bytes):
    path = tmp_path / "photo.txt"
    path.write_bytes(data)
    with pytest.raises(DocumentError, match="二进制|不是文本|编码"):
        read_document(path)


def test_huge_file_is_refused_without_reading_it(tmp_path: Path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:  # sparse: 200 MB on paper, nothing on disk
        fh.truncate(200 * 1024 * 1024)
    assert os.path.getsize(path) > MAX_FILE_BYTES
    started = time.perf_counter()
    with pytest.raises(DocumentError, match="文件过大（200 MB"):
        read_document(path)
    assert time.perf_counter() - started < 1.0


def test_unsupported_and_supported_names():
    assert supported(Path("a.TXT")) and supported(Path("b.docx")) and supported(Path("c.PDF"))
    assert supported(Path("d.htm")) and supported(Path("e.html")) and supported(Path("f.md"))
    assert not supported(Path("g.doc")) and not supported(Path("h.xlsx"))


def test_unknown_extension_is_refused(tmp_path: Path):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK\x03\x04whatever")
    with pytest.raises(DocumentError, match="不支持的文件类型 .xlsx"):
        read_document(path)
