"""Which files of a corpus folder are documents, and the user dictionary beside them."""

from __future__ import annotations

import logging
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from bot import texts
from bot.corpus.reading import recognised

log = logging.getLogger(__name__)

USER_DICT_NAME = "userdict.txt"  # jieba user dictionary beside the documents; not a document itself
SYNONYMS_NAME = "synonyms.txt"  # the operator's synonym groups beside the documents; not one either


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
    """Files in a document folder that are not documents: the user dictionary, the synonyms
    file, a README, and the lock files Word and WPS leave beside an open document (~$报告.docx)."""
    lowered = name.lower()
    return (
        name in (USER_DICT_NAME, SYNONYMS_NAME)
        or lowered in {"readme.md", "readme.txt"}
        or name.startswith(("~$", ".~"))
    )


def corpus_files(
    root: Path, follow_symlinks: bool = False, problems: list[Problem] | None = None
) -> list[Path]:
    """Document files under `root` (a folder, read recursively, or a single file), sorted.

    Names are taken as the OS gives them: a name that is not valid UTF-8 is kept (with
    surrogate escapes) and works like any other. Hidden files and folders are passed over.
    Files in a format no reader handles (.doc, .wps, ...) are included so that they are
    reported by name instead of silently missing. A link whose target lies outside `root`
    (to a file or a folder) is skipped and reported unless `follow_symlinks`; so are broken
    links and folders that cannot be read. What is skipped goes into `problems` when given,
    else to the log. CorpusError if `root` is missing or cannot be read."""
    left_out: list[Problem] = [] if problems is None else problems
    start = len(left_out)
    try:
        if not root.exists():
            raise CorpusError(texts.CORPUS_NOT_FOUND.format(path=root))
        if root.is_file():
            return [root]
        base = root.resolve()
        os.listdir(base)  # an unreadable root is one clear error, not an empty library
    except OSError as exc:
        raise CorpusError(
            texts.CORPUS_UNREADABLE.format(path=display_name(str(root)), reason=_why(exc))
        ) from None
    files: list[Path] = []
    seen_dirs: set[str] = set()

    def walk_error(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else root
        left_out.append(Problem(str(where), texts.FOLDER_UNREADABLE.format(reason=_why(exc))))

    for folder, dirs, names in os.walk(root, onerror=walk_error, followlinks=follow_symlinks):
        here = Path(folder)
        if follow_symlinks:  # never walk a folder twice (links in a circle)
            real = os.path.realpath(folder)
            if real in seen_dirs:
                dirs[:] = []
                continue
            seen_dirs.add(real)
        kept_dirs = []
        for name in sorted(dirs):
            if name.startswith("."):
                continue
            link = here / name
            if link.is_symlink() and not follow_symlinks:
                if not _inside(link, base):
                    left_out.append(Problem(str(link), _outside(link)))
                continue  # a link to a folder inside the corpus: its files are found there
            kept_dirs.append(name)
        dirs[:] = kept_dirs
        for name in names:
            path = here / name
            if name.startswith(".") or _ignored(name) or not recognised(path):
                continue
            if path.is_symlink():
                if not path.exists():
                    left_out.append(Problem(str(path), texts.LINK_BROKEN))
                    continue
                if not follow_symlinks and not _inside(path, base):
                    left_out.append(Problem(str(path), _outside(path)))
                    continue
            if path.is_file():
                files.append(path)
    if problems is None:
        for problem in left_out[start:]:
            log.warning("skipped %s: %s", display_name(problem.path), problem.reason)
    return sorted(files, key=lambda p: str(p.relative_to(root)))


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _inside(path: Path, base: Path) -> bool:
    try:
        return Path(os.path.realpath(path)).is_relative_to(base)
    except (OSError, ValueError):
        return False


def _outside(link: Path) -> str:
    try:
        target = os.readlink(link)
    except OSError:
        target = "?"
    return texts.LINK_OUTSIDE_CORPUS.format(target=display_name(target))


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
