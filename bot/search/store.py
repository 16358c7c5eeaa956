"""The search index of a corpus: documents, passages, their terms and BM25, saved in the cache.

`open_index` gives the live edition of a corpus's saved index, brought up to date with its
files first (`bot.search.indexer`): an unchanged corpus is loaded without reading its files
or starting jieba's segmenter; a new or changed document is indexed alone into a small new
segment, a removed one marked deleted; a corpus seen for the first time (or after a parser
or tokenizer change, or damage) is indexed whole. `merge_index` merges an edition's segments
into one (`speechbot index --merge`; the bot does it in the background).

Beside the BM25 index over passages, `unit_of` maps each passage to its paragraph (the title
line counts as one) and `leads` marks the first passage of each paragraph: the ranking
(`bot.search.rank`) scores paragraphs from the passage postings, because the paragraph that
answers a question is found far more reliably than the passage inside it.

The saved index is built for a million passages: postings, passage columns and the
paragraph layout are `.npy` files opened memory-mapped, passage texts are read on demand, and
documents are not unpickled at load: `SearchIndex.documents` is a lazy sequence that reads a
`Document` from its segment when asked (with a small LRU).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import bot.corpus
from bot.corpus.library import Problem, corpus_files, report, user_dictionary
from bot.corpus.passages import Passage
from bot.corpus.structure import Document
from bot.search import indexer
from bot.search.bm25 import BM25Index, BM25Params
from bot.search.editions import DOCUMENT_CACHE, DocumentInfo, Edition, LazyDocuments
from bot.search.passage_table import PassageTable
from bot.search.tokenize import Tokenizer

__all__ = [
    "DEFAULT_PARAMS",
    "DOCUMENT_CACHE",
    "DocumentInfo",
    "LazyDocuments",
    "SearchIndex",
    "build_index",
    "merge_in_background",
    "merge_index",
    "open_index",
    "paragraph_layout",
    "parser_version",
    "text_key",
]

text_key = indexer.text_key

DEFAULT_PARAMS = BM25Params(variant="plus", k1=0.6, b=0.75)


def parser_version() -> str:
    """Changes whenever the reading, parsing or passage cutting code changes."""
    return str(bot.corpus.PARSER_VERSION)


@dataclass
class SearchIndex:
    root: Path
    documents: Sequence[Document]
    passages: PassageTable
    problems: list[Problem]
    bm25: BM25Index
    tokenizer: Tokenizer
    fingerprint: str  # changes whenever the passages could change
    unit_of: np.ndarray  # passage -> its paragraph (numbered in passage order)
    leads: np.ndarray  # passage -> True if it opens its paragraph
    load_seconds: float = 0.0
    edition: Edition | None = field(default=None, repr=False)  # None: built in memory
    # (path, mtime_ns, size) of the corpus's files as they were before being read
    files_seen: tuple[tuple[str, int, int], ...] | None = field(default=None, repr=False)
    _doc_starts: np.ndarray | None = field(default=None, repr=False)

    def doc_range(self, doc: int) -> tuple[int, int]:
        """Passages lo <= pid < hi of document `doc`."""
        if self.edition is not None:
            info = self.edition.infos[doc]
            return info.first, info.first + info.count
        if self._doc_starts is None:
            self._doc_starts = np.searchsorted(
                np.asarray(self.passages.doc), np.arange(len(self.documents) + 1)
            )
        return int(self._doc_starts[doc]), int(self._doc_starts[doc + 1])

    def document_infos(self) -> list[DocumentInfo]:
        """Title, path, date, speaker and passage range of every document, without reading any
        document from the cache (a library of a million passages has tens of thousands)."""
        if self.edition is not None:
            return list(self.edition.infos)
        out = []
        for i, document in enumerate(self.documents):
            lo, hi = self.doc_range(i)
            out.append(
                DocumentInfo(
                    document.title,
                    document.path,
                    document.date,
                    document.speaker,
                    "",
                    lo,
                    hi - lo,
                    indexer.text_key(document),
                )
            )
        return out

    @property
    def damaged(self) -> str | None:
        """Why the saved index was found damaged after it was opened (a reload rebuilds it)."""
        return self.edition.damaged if self.edition is not None else None

    def checked(self, timeout: float | None = None) -> bool:
        """Wait until every file of the saved index has been checked (large ones are checked in
        the background after it opens); False if that takes longer than `timeout`."""
        if self.edition is None:
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        for segment in self.edition.segments:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            if not segment.checked.wait(left):
                return False
        return True

    @property
    def merge_advised(self) -> bool:
        """Whether its segments should be merged (see `indexer.merge_advised`)."""
        return self.edition is not None and indexer.merge_advised(self.edition)

    @property
    def segments(self) -> int:
        return len(self.edition.segments) if self.edition is not None else 1

    def cache_report(self, cache_dir: Path) -> indexer.CacheReport | None:
        return indexer.cache_report(cache_dir, self.edition) if self.edition is not None else None


def paragraph_layout(doc: np.ndarray, paragraph: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(paragraph unit of each passage, whether it is the first passage of its unit)."""
    doc, paragraph = np.asarray(doc), np.asarray(paragraph)
    leads = np.ones(doc.size, dtype=bool)
    if doc.size:
        leads[1:] = (doc[1:] != doc[:-1]) | (paragraph[1:] != paragraph[:-1])
    unit_of = (np.cumsum(leads) - 1).astype(np.int32)
    return unit_of, leads


def build_index(
    root: Path,
    documents: list[Document],
    passages: list[Passage],
    terms: list[list[str]],
    tokenizer: Tokenizer,
    params: BM25Params = DEFAULT_PARAMS,
    problems: list[Problem] | None = None,
    fingerprint: str = "",
) -> SearchIndex:
    """The in-memory index of passages already cut and tokenised (no cache involved)."""
    table = PassageTable.from_passages(passages, [d.title for d in documents])
    unit_of, leads = paragraph_layout(table.doc, table.paragraph)
    return SearchIndex(
        root,
        documents,
        table,
        list(problems or []),
        BM25Index.build(terms, params),
        tokenizer,
        fingerprint,
        unit_of,
        leads,
    )


def open_index(
    root: Path,
    cache_dir: Path,
    params: BM25Params = DEFAULT_PARAMS,
    tokenizer: Tokenizer | None = None,
    progress: bool | None = None,
    workers: int | None = None,
    follow_symlinks: bool = False,
) -> SearchIndex:
    """The live edition of `root`'s saved index, brought up to date with its files first.
    Raises CorpusError.

    `progress`: a progress bar on stderr (None: only when stderr is a terminal; the setting
    SPEECHBOT_PROGRESS). `workers`: processes that segment (default: the cores, up to 4).
    `follow_symlinks`: index what links leading out of the folder point to (the setting
    FOLLOW_SYMLINKS); else they are skipped, and listed among the index's problems."""
    started = time.perf_counter()
    root = root.expanduser().resolve()
    listed: list[Problem] = []  # links skipped, folders that cannot be read
    files = corpus_files(root, follow_symlinks=follow_symlinks, problems=listed)
    tokenizer = tokenizer or Tokenizer(user_dictionary(root))
    opened = indexer.update(
        root, files, Path(cache_dir), params, tokenizer, parser_version(), progress, workers
    )
    edition = opened.edition
    problems = [Problem(path, reason, skipped) for path, reason, skipped in edition.notices]
    problems += opened.problems + listed
    report(problems)
    return SearchIndex(
        root,
        edition.documents,
        edition.passages,
        problems,
        edition.bm25,
        tokenizer,
        edition.fingerprint,
        edition.unit_of,
        edition.leads,
        time.perf_counter() - started,
        edition,
        tuple(opened.seen),
    )


def merge_index(
    root: Path,
    cache_dir: Path,
    params: BM25Params = DEFAULT_PARAMS,
    tokenizer: Tokenizer | None = None,
    force: bool = True,
) -> bool:
    """Merge the segments of `root`'s saved index into one (when `force`, or when advised);
    True if a merged edition was published (`open_index` then loads it)."""
    root = root.expanduser().resolve()
    tokenizer = tokenizer or Tokenizer(user_dictionary(root))
    return indexer.merge(root, Path(cache_dir), params, tokenizer, force)


async def merge_in_background(
    root: Path, cache_dir: Path, params: BM25Params, tokenizer: Tokenizer
) -> bool:
    """`merge_index` in a process of its own, waited for on a daemon thread (a shutdown does
    not wait for it: an unfinished merge leaves the index as it was, its folder is removed
    later). True if a merged edition was published."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[bool] = loop.create_future()

    def settle(ok: bool, value: object) -> None:
        if future.done():
            return
        if ok:
            future.set_result(bool(value))
        else:
            future.set_exception(value if isinstance(value, BaseException) else RuntimeError())

    def run() -> None:
        try:
            outcome: tuple[bool, object] = (
                True,
                indexer.merge_in_process(Path(root), Path(cache_dir), params, tokenizer),
            )
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting coroutine
            outcome = (False, exc)
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=run, name="merge-index", daemon=True).start()
    return await future
