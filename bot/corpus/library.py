"""A corpus folder (or one file) -> documents and passages, with bad files reported, not fatal.

The index (`bot.search`) reads a corpus through the names here: `corpus_files`,
`user_dictionary`, `parse_file`, `notices`, `report`, `Problem`, `CorpusError`,
`DocumentError`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot import texts
from bot.corpus.files import (
    SYNONYMS_NAME,
    USER_DICT_NAME,
    CorpusError,
    Problem,
    corpus_files,
    display_name,
    user_dictionary,
)
from bot.corpus.passages import Passage, make_passages
from bot.corpus.reading import read_document
from bot.corpus.source import DocumentError
from bot.corpus.structure import Document, parse_document

__all__ = [
    "NO_HEADINGS",
    "SYNONYMS_NAME",
    "USER_DICT_NAME",
    "CorpusError",
    "DocumentError",
    "Problem",
    "corpus_files",
    "notices",
    "parse_file",
    "passages_for",
    "report",
    "user_dictionary",
]

log = logging.getLogger(__name__)

NO_HEADINGS = texts.NO_HEADINGS_NOTE


def parse_file(path: Path, data: bytes | None = None) -> Document:
    """Read and parse one file; DocumentError if it cannot be used. `data`: its bytes, when
    already read (they are what is parsed; `path` only names the document)."""
    document = parse_document(read_document(path, data))
    if not document.paragraphs:
        raise DocumentError(texts.TITLE_ONLY)
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
    """Each problem to the log, its file name escaped (a name may hold a line break)."""
    for problem in problems:
        if getattr(problem, "skipped", True):
            log.warning("skipped %s: %s", display_name(problem.path), problem.reason)
        else:
            log.info("note on %s: %s", display_name(problem.path), problem.reason)
