"""What the bot reads from a file or folder, for an operator to check before relying on it.

`inspect_files` reads every document as the index would and returns, per file, the parsed
`Document` with its passages, or the reason it was skipped. `as_json` is the shape of
`speechbot inspect --json` (one object a document).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.corpus.files import Problem, corpus_files, display_name
from bot.corpus.guard import Guard
from bot.corpus.library import notices
from bot.corpus.passages import Passage, make_passages
from bot.corpus.source import DocumentError
from bot.corpus.structure import Document


@dataclass(frozen=True)
class Inspected:
    """One file as read: its document and passages, or only the problem that skipped it."""

    path: Path
    name: str  # the path relative to the folder inspected (print it with `display_name`)
    document: Document | None
    passages: tuple[Passage, ...] = ()
    problems: tuple[Problem, ...] = ()  # why it was skipped, or warnings about it


def _name(path: Path, folder: Path) -> str:
    return str(path.relative_to(folder)) if path.is_relative_to(folder) else str(path)


def inspect_files(root: Path, follow_symlinks: bool = False) -> Iterator[Inspected]:
    """Each document file under `root` (a folder or one file), read and parsed in a worker
    process with a memory and a time limit (`bot.corpus.guard`), as the bot reads an upload.
    Files left out by discovery (links out of the folder, ...) come as skipped items.
    Raises CorpusError if `root` is missing or unreadable."""
    folder = root if root.is_dir() else root.parent
    left_out: list[Problem] = []
    files = corpus_files(root, follow_symlinks=follow_symlinks, problems=left_out)
    for problem in left_out:
        yield Inspected(
            Path(problem.path),
            _name(Path(problem.path), folder),
            None,
            problems=(Problem(_name(Path(problem.path), folder), problem.reason),),
        )
    with Guard() as guard:
        for path in files:
            yield _inspect(guard, path, _name(path, folder))


def _inspect(guard: Guard, path: Path, name: str) -> Inspected:
    try:
        document = guard.parse(path)
    except DocumentError as exc:
        return Inspected(path, name, None, problems=(Problem(name, str(exc)),))
    return Inspected(
        path, name, document, tuple(make_passages(document, 0)), tuple(notices(name, document))
    )


def as_json(item: Inspected) -> dict:
    """`{"file", "title", "date", "speaker", "doc_number", "source", "sections", "passages",
    "set_aside"}`: `speaker` is the speaker, else the issuing authority; absent values null."""
    document = item.document
    assert document is not None
    return {
        "file": display_name(item.name),
        "title": document.title,
        "date": document.date,
        "speaker": document.issuer,
        "doc_number": document.doc_number,
        "source": document.source,
        "sections": [{"heading": s.heading, "level": s.level} for s in document.sections],
        "passages": [
            {
                "text": p.text,
                "section": p.section,
                "subsection": p.subsection,
                "paragraph": p.paragraph,
            }
            for p in item.passages
        ],
        "set_aside": [m.text for m in document.set_aside],
    }
