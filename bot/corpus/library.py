"""A corpus folder (or one file) -> documents and passages, with bad files reported, not fatal."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.corpus.passages import Passage, make_passages
from bot.corpus.reading import DocumentError, read_document, recognised
from bot.corpus.structure import Document, parse_document

log = logging.getLogger(__name__)

USER_DICT_NAME = "userdict.txt"  # jieba user dictionary beside the documents; not a document itself
SYNONYMS_NAME = "synonyms.txt"  # the operator's synonym groups beside the documents; not one either


class CorpusError(Exception):
    """The corpus as a whole cannot be used (missing path, nothing readable)."""


NO_HEADINGS = "没有分节标题，只能按段落检索"


@dataclass(frozen=True)
class Problem:
    path: str
    reason: str
    skipped: bool = True  # False: the document was loaded and `reason` is a warning about it


def _ignored(name: str) -> bool:
    """Files in a document folder that are not documents: the user dictionary, a README,
    and the lock files Word and WPS leave beside an open document (~$报告.docx)."""
    lowered = name.lower()
    return (
        name in (USER_DICT_NAME, SYNONYMS_NAME)
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


def parse_file(path: Path, data: bytes | None = None) -> Document:
    """Read and parse one file; DocumentError if it cannot be used. `data`: its bytes, when
    already read (they are what is parsed; `path` only names the document)."""
    document = parse_document(read_document(path, data))
    if not document.paragraphs:
        raise DocumentError("只有标题，没有正文")
    return document


def passages_for(documents: list[Document]) -> list[Passage]:
    passages: list[Passage] = []
    for i, document in enumerate(documents):
        passages.extend(make_passages(document, i, first_pid=len(passages)))
    return passages


def notices(path: Path | str, document: Document) -> list[Problem]:
    """Warnings about a document that did load: no headings (it is searched by paragraph
    only) and what its reader noticed (undecodable bytes, PDF pages without text, ...)."""
    out = [Problem(str(path), note, skipped=False) for note in document.notes]
    if not document.sections:
        out.append(Problem(str(path), NO_HEADINGS, skipped=False))
    return out


def report(problems: list[Problem]) -> None:
    for problem in problems:
        if getattr(problem, "skipped", True):
            log.warning("skipped %s: %s", problem.path, problem.reason)
        else:
            log.info("note on %s: %s", problem.path, problem.reason)
