"""Which files of a corpus folder are documents, and the user dictionary beside them."""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from bot.corpus.reading import recognised

log = logging.getLogger(__name__)

USER_DICT_NAME = "userdict.txt"  # jieba user dictionary beside the documents; not a document itself


class CorpusError(Exception):
    """The corpus as a whole cannot be used (missing path, nothing readable)."""


@dataclass(frozen=True)
class Problem:
    path: str
    reason: str
    skipped: bool = True  # False: the document was loaded and `reason` is a warning about it


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def display_name(text: str) -> str:
    """A file name as it can be printed safely on one line: bytes that were not valid UTF-8
    (held as surrogates) as \\xNN, line breaks, escape and other control or format characters
    (a right-to-left override) as \\n, \\x1b, \\u202e; a backslash doubled."""
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's surrogateescape for an undecodable byte
            out.append(f"\\x{code - 0xDC00:02x}")
        elif unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def _ignored(name: str) -> bool:
    """Files in a document folder that are not documents: the user dictionary, a README,
    and the lock files Word and WPS leave beside an open document (~$报告.docx)."""
    lowered = name.lower()
    return (
        name == USER_DICT_NAME
        or lowered in {"readme.md", "readme.txt"}
        or name.startswith(("~$", ".~"))
    )


def corpus_files(root: Path) -> list[Path]:
    """Document files under `root` (a folder, read recursively, or a single file), sorted.

    Hidden files and folders are passed over. Files in a format no reader handles (.doc,
    .wps, ...) are included so that they are reported by name instead of silently missing."""
    if not root.exists():
        raise CorpusError(f"找不到语料路径：{root}")
    if root.is_file():
        return [root]
    files = [
        p
        for p in root.rglob("*")
        if p.is_file()
        and recognised(p)
        and not _ignored(p.name)
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    return sorted(files, key=lambda p: str(p.relative_to(root)))


def user_dictionary(root: Path) -> Path | None:
    """`userdict.txt` beside the documents, if it is there and usable.

    jieba reads it as UTF-8 only and raises on anything else, which would stop every
    question; a dictionary in another encoding is left out with a warning instead."""
    folder = root if root.is_dir() else root.parent
    candidate = folder / USER_DICT_NAME
    if not candidate.is_file():
        return None
    try:
        candidate.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        log.warning("ignoring %s: not UTF-8; save it as UTF-8 to use it", candidate)
        return None
    except OSError as exc:
        log.warning("ignoring %s: %s", candidate, exc.strerror or exc)
        return None
    return candidate
