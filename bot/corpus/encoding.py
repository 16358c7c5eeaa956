"""Bytes of unknown encoding -> text: BOM, UTF-8, the most plausible CJK codec, detection.

Chinese documents collected over the years come in UTF-8, GBK/GB18030, Big5 and UTF-16
with or without a BOM; the encoding is found from the bytes, never from the file name.
"""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bot import texts
from bot.corpus.source import DocumentError

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
    # A UTF-8 file with a few lines in another encoding (a line pasted from an old GBK file):
    # (1-based line number, the encoding it was read in) of each such line.
    odd_lines: tuple[tuple[int, str], ...] = ()


_BINARY_CHARS = re.compile("[\x00-\x08\x0e-\x1f\ufffd]")  # control characters but \t\n\v\f\r


def looks_binary(text: str) -> bool:
    if not text:
        return False
    sample = text[:_SAMPLE_CHARS]
    bad = len(_BINARY_CHARS.findall(sample))
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
        mixed = _mostly_utf8(data)
        if mixed is not None:
            return mixed
    candidates = ["utf-16-le", "utf-16-be"] if len(data) % 2 == 0 else []
    if not has_nul:
        candidates = ["gb18030", "big5", *candidates]
    best: tuple[float, Decoded] | None = None
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if looks_binary(text):
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
        raise DocumentError(texts.NOT_TEXT)
    try:
        encoding = codecs.lookup(guess.encoding).name
    except LookupError:
        raise DocumentError(texts.ENCODING_UNKNOWN.format(encoding=guess.encoding)) from None
    if encoding in {"gbk", "gb2312", "cp936", "hz"}:
        encoding = "gb18030"
    text = data.decode(encoding, errors="replace")
    return Decoded(text, encoding, "\ufffd" in text)


_MAX_ODD_LINES = 20
_MAX_ODD_SHARE = 0.05


def _mostly_utf8(data: bytes) -> Decoded | None:
    """UTF-8 but for a few lines: those lines decoded on their own (GB18030, Big5, or UTF-8
    with replacement characters as a last resort), the rest as UTF-8. None if the file is not
    mostly UTF-8 text with Chinese in it."""
    lines = data.split(b"\n")
    bad: list[int] = []
    chinese_ok = False
    for number, line in enumerate(lines):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(number)
            if len(bad) > _MAX_ODD_LINES:
                return None
            continue
        chinese_ok = chinese_ok or any("\u4e00" <= ch <= "\u9fff" for ch in text)
    if not bad or not chinese_ok or len(bad) > max(3, _MAX_ODD_SHARE * len(lines)):
        return None
    out: list[str] = []
    odd: list[tuple[int, str]] = []
    lossy = False
    bad_set = set(bad)
    for number, line in enumerate(lines):
        if number not in bad_set:
            out.append(line.decode("utf-8"))
            continue
        for encoding in ("gb18030", "big5"):
            try:
                text = line.decode(encoding)
            except UnicodeDecodeError:
                continue
            if plausibility(text) >= _PLAUSIBLE and not looks_binary(text):
                break
        else:
            text, encoding = line.decode("utf-8", errors="replace"), "utf-8"
            lossy = True
        out.append(text)
        odd.append((number + 1, encoding))
    return Decoded("\n".join(out), "utf-8", lossy, tuple(odd))


def file_name_text(name: str) -> str:
    """A file name as text for people (a title taken from it). The OS gives a name whose
    bytes are not UTF-8 with surrogate escapes; such bytes are mostly GBK from an old Windows
    archive, so they are read as GB18030 (or Big5) when that gives Chinese, else replaced."""
    if not any("\udc80" <= ch <= "\udcff" for ch in name):
        return name
    raw = os.fsencode(name)
    for encoding in ("gb18030", "big5"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if plausibility(text) >= _PLAUSIBLE:
            return text
    return raw.decode("utf-8", errors="replace")


def decode(data: bytes) -> str:
    """Decode bytes of unknown encoding (see `decode_bytes`)."""
    return decode_bytes(data).text


def clean_text(text: str) -> str:
    """Unify line ends and drop characters that only get in the way (stray BOMs, NULs)."""
    text = (
        text.replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\u2028", "\n")
        .replace("\u2029", "\n")
    )
    return text.replace("\ufeff", "").replace("\x00", "")
