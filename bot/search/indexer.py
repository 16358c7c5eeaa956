"""Keeping a corpus's saved index up to date: which files changed, segmenting them (in worker
processes when there are many), and writing the new edition.

`update` compares the corpus's files with the live edition's list: a file whose size and
modification time are as recorded (and old enough for its time to be trusted) is not read
at all; one whose time changed is read and hashed, and if its bytes are the same nothing
else happens. A new or changed file is read once: those bytes are hashed and parsed
(`parse` is the single place where a file's bytes become a `Document`), in a reading worker
with a memory and a time limit (`bot.corpus.guard`): a document that passes either is
refused and reported like any file that cannot be used (a worker that dies is reported and
the file tried again next time). Its document goes
into a new small segment and the document it replaces is marked deleted; a removed file's
document is marked deleted. With no usable edition (none yet, another parser or tokenizer,
damage) the whole corpus is indexed into one segment, as one build.

Segmenting runs in a pool of worker processes started by a fork server (or spawned): a
worker is never a fork of the running bot, so it has none of the bot's threads, signal
handlers or asyncio wakeup fd (a forked worker's exit once made the bot stop itself). As
with any such pool, a script run by its path that opens an index must keep its top level
under `if __name__ == "__main__":` (the fork server imports it). Each
worker returns a document's passages with per-passage (term number, count) arrays, so the
parent never holds a Python object per token; it numbers terms itself and sends only the
terms it has not seen before (`TermNumbers`): the parent maps numbers with numpy and touches
each term string about once per worker, not once per document.

`merge` writes one segment in place of all of an edition's (dropping deleted passages), off
the question path: `speechbot index --merge`, or the bot in the background when
`merge_advised` says the newer segments or the deleted passages have grown.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import os
import shutil
import signal
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from bot import texts
from bot.corpus import limits
from bot.corpus.files import display_name
from bot.corpus.guard import WorkerDied, shared_guard
from bot.corpus.library import CorpusError, Problem, notices
from bot.corpus.limits import size_limit, too_large
from bot.corpus.passages import make_passages
from bot.corpus.reading import DocumentError
from bot.corpus.structure import Document
from bot.search.bm25 import BM25Params, deleted_df, deleted_df_of
from bot.search.editions import (
    Deletions,
    Edition,
    FileEntry,
    Manifest,
    SegmentEntry,
    Store,
    folder_size,
    passages_of,
    store_key,
)
from bot.search.merge import Merged, merge_segments
from bot.search.passage_table import DocumentPassages
from bot.search.segments import IndexDamaged, IndexedDocument, SegmentWriter, document_blob
from bot.search.tokenize import WORD_CODES, Tokenizer, gram_codes, gram_string

log = logging.getLogger(__name__)

POOL_FROM = 16  # documents to segment before a worker pool pays for itself
TRUST_AFTER_NS = (
    2_000_000_000  # a file's time is trusted once it is this much older than the edition
)
SCAN_DELETIONS_BELOW = 2_000_000  # a segment's postings below which deletions are counted by a scan
# merge in the background once the newer segments or the deleted passages are this big
MERGE_TAIL_SHARE, MERGE_TAIL_MIN = 0.05, 2_000
MERGE_DELETED_SHARE, MERGE_DELETED_MIN = 0.10, 2_000
MERGE_SEGMENTS = 24


class ReadingLimits(NamedTuple):
    """What reading one document may take: its worker's address space, and time."""

    memory_bytes: int
    seconds: float


def reading_limits() -> ReadingLimits:
    """The limits of `bot.corpus.limits`, as they are now (workers are handed them)."""
    return ReadingLimits(limits.GUARD_MEMORY_BYTES, limits.GUARD_SECONDS)


def parse(path: Path, data: bytes, reading: ReadingLimits | None = None) -> Document:
    """The one place where a file's bytes become a document (DocumentError if unusable):
    exactly the bytes that were hashed are parsed, in this process's reading worker, under
    the reading limits (a document past one is refused; WorkerDied if the worker ended)."""
    memory_bytes, seconds = reading or reading_limits()
    return shared_guard(memory_bytes, seconds).parse(path, data)


def content_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def text_key(document: Document) -> str:
    """The hash of a document's paragraphs: the same text under another name or format."""
    return hashlib.sha256(
        "\n".join(p.text for p in document.paragraphs).encode("utf-8", "surrogatepass")
    ).hexdigest()


# ---- segmenting a document (in a worker or in-process) ---------------------------------------


def passage_terms(
    texts: list[str], tokenizer: Tokenizer, numbering: Numbering | None = None
) -> dict:
    """The terms of passages, numbered in `numbering` (a fresh one if none): per passage its
    distinct terms (`ids`, `tfs`; `counts` of them a passage) and its `lengths` in tokens;
    `terms`, the terms first numbered here, in number order. A word is numbered by its string,
    a character gram by its code (see `gram_codes`; a word that is itself a gram, 长 or 人大,
    is that gram). Grams are most of a passage's terms: they are counted with numpy and never
    made into strings here."""
    numbering = Numbering() if numbering is None else numbering
    numbering.added = []
    n = len(texts)
    words: list[str] = []
    word_counts: list[int] = []
    gram_texts: list[str] = []
    for passage_words, gram_text in tokenizer.index_parts_of(texts):
        words += passage_words
        word_counts.append(len(passage_words))
        gram_texts.append(gram_text)
    word_code = np.fromiter(map(WORD_CODES.__getitem__, words), dtype=np.int64, count=len(words))
    plain = word_code < 0  # the other words are grams: counted with them
    word_owner = np.repeat(np.arange(n, dtype=np.int64), word_counts)
    plain_ids = numbering.word_ids(list(itertools.compress(words, plain.tolist())))
    codes, gram_owner = gram_codes(gram_texts)
    codes = np.concatenate([codes, word_code[~plain]])
    grams, inverse = np.unique(codes, return_inverse=True)
    ids = np.concatenate([plain_ids, numbering.gram_ids(grams)[inverse.reshape(-1)]])
    owner = np.concatenate([word_owner[plain], gram_owner, word_owner[~plain]])
    # one sort of (passage, term) keys gives each passage's distinct terms and their counts
    width = max(len(numbering), 1)
    keys, tfs = np.unique(owner * width + ids, return_counts=True)
    lengths = np.asarray(word_counts, dtype=np.int64) + np.bincount(gram_owner, minlength=n)
    return {
        "terms": numbering.added,
        "ids": (keys % width).astype(np.int32),
        "tfs": tfs.astype(np.int32),
        "counts": np.bincount(keys // width, minlength=n).astype(np.int32),
        "lengths": lengths.astype(np.int32),
    }


def term_string(term: str | int) -> str:
    """A numbered term as its string (a gram is numbered by its code)."""
    return term if isinstance(term, str) else gram_string(term)


def segment_document(
    document: Document, tokenizer: Tokenizer, numbering: Numbering | None = None
) -> dict:
    """A document's passages and their terms (`passage_terms`), with what is listed of it and
    its compressed pickle."""
    passages = make_passages(document, 0)
    entry = passage_terms([p.text for p in passages], tokenizer, numbering)
    entry.update(
        passages=DocumentPassages.of(passages),
        title=document.title,
        date=document.date,
        speaker=document.speaker,
        text_key=text_key(document),
        blob=document_blob(document),
    )
    return entry


class _Words(dict):
    """Word -> number: a new word numbered on first sight by its `Numbering`."""

    def __init__(self, numbering: Numbering) -> None:
        super().__init__()
        self.numbering = numbering

    def __missing__(self, word: str) -> int:
        number = self[word] = self.numbering.new(word)
        return number


class Numbering:
    """Term -> number, a new term numbered on first sight; `added` lists the new terms in
    number order (a word as its string, a gram as its code).

    Grams are most of a document's distinct terms. A dict lookup each (~120 ns: the table
    outgrows the caches) was a sixth of segmenting, so grams are looked up in sorted arrays,
    all of a document's at once (`np.searchsorted`); those not there yet wait in a dict until
    enough have come to merge them in."""

    def __init__(self) -> None:
        self.count = 0
        self.added: list[str | int] = []
        self.words = _Words(self)
        self._codes = np.zeros(0, dtype=np.int64)  # sorted gram codes ...
        self._numbers = np.zeros(0, dtype=np.int64)  # ... and their numbers
        self._recent: dict[int, int] = {}  # gram code -> number, not merged in yet

    def __len__(self) -> int:
        return self.count

    def new(self, term: str | int) -> int:
        number = self.count
        self.count += 1
        self.added.append(term)
        return number

    def word_ids(self, words: list[str]) -> np.ndarray:
        return np.fromiter(map(self.words.__getitem__, words), dtype=np.int64, count=len(words))

    def gram_ids(self, codes: np.ndarray) -> np.ndarray:
        """Numbers of gram codes (distinct and ascending, as `np.unique` gives them)."""
        out = np.empty(codes.size, dtype=np.int64)
        known = self._codes
        at = np.searchsorted(known, codes)
        np.minimum(at, max(known.size - 1, 0), out=at)
        found = known[at] == codes if known.size else np.zeros(codes.size, dtype=bool)
        out[found] = self._numbers[at[found]]
        missing = np.flatnonzero(~found)
        if missing.size:
            recent = self._recent
            numbers = [
                recent[c] if c in recent else recent.setdefault(c, self.new(c))
                for c in codes[missing].tolist()
            ]
            out[missing] = numbers
            if len(recent) >= max(4096, known.size // 8):
                self._merge_recent()
        return out

    def _merge_recent(self) -> None:
        codes = np.fromiter(self._recent.keys(), dtype=np.int64, count=len(self._recent))
        numbers = np.fromiter(self._recent.values(), dtype=np.int64, count=len(self._recent))
        codes = np.concatenate([self._codes, codes])
        order = np.argsort(codes, kind="stable")
        self._codes = codes[order]
        self._numbers = np.concatenate([self._numbers, numbers])[order]
        self._recent = {}


class TermNumbers:
    """Numbers terms in the process that segments (a worker, or the parent without a pool).

    Mapping a document's terms to the segment's numbers takes a dict lookup per term of every
    document (~6 M at 100k passages). Done in the parent, that serial work competed with the
    workers for the two cores, so each worker numbers terms itself as it segments and reports
    only the terms it had not seen before; the parent then maps a worker's numbers to the
    segment's with one numpy take per document."""

    def __init__(self) -> None:
        self.vocab = Numbering()

    def segment(self, document: Document, tokenizer: Tokenizer) -> dict:
        """`segment_document` with `ids` in this process's numbering, `new` the terms first
        numbered here (in number order; a gram as its code), `numbering` who numbered them."""
        entry = segment_document(document, tokenizer, self.vocab)
        entry["new"] = entry.pop("terms")
        entry["numbering"] = os.getpid()
        return entry


class SegmentNumbers:
    """The parent's side: the new segment's term numbers (a `Numbering`: grams by their codes,
    made strings once, at the end), and per numbering process its own numbers -> the
    segment's."""

    def __init__(self) -> None:
        self.vocab = Numbering()
        self._maps: dict[int, np.ndarray] = {}
        self._sizes: dict[int, int] = {}

    def ids(self, entry: dict) -> np.ndarray:
        """Segment numbers of a numbered entry's terms (every entry of a process, in order)."""
        who = entry["numbering"]
        table = self._maps.get(who, np.zeros(0, dtype=np.int32))
        size = self._sizes.get(who, 0)
        new: list[str | int] = entry["new"]
        if new:
            if size + len(new) > table.size:  # grow by doubling: amortised O(1) a term
                grown = np.zeros(max(2 * table.size, size + len(new), 1024), dtype=np.int32)
                grown[:size] = table[:size]
                table = self._maps[who] = grown
            words: list[str] = []
            word_at: list[int] = []
            codes: list[int] = []
            code_at: list[int] = []
            for i, term in enumerate(new, size):
                if isinstance(term, str):
                    words.append(term)
                    word_at.append(i)
                else:
                    codes.append(term)
                    code_at.append(i)
            table[word_at] = self.vocab.word_ids(words)
            order = np.argsort(codes)
            table[np.asarray(code_at, dtype=np.int64)[order]] = self.vocab.gram_ids(
                np.asarray(codes, dtype=np.int64)[order]
            )
            size = self._sizes[who] = size + len(new)
        ids = entry["ids"]
        if ids.size and int(ids.max()) >= size:  # a term used before its process reported it
            raise RuntimeError("term numbers out of order")
        return table[ids]

    def terms(self) -> list[str]:
        return [term_string(t) for t in self.vocab.added]


# ---- the worker side -------------------------------------------------------------------------

_worker: tuple[Tokenizer, TermNumbers, ReadingLimits] | None = None


def _tokenizer_spec(tokenizer: Tokenizer) -> tuple[type, str | None, bool, bool]:
    userdict = str(tokenizer.userdict) if tokenizer.userdict is not None else None
    return type(tokenizer), userdict, tokenizer.grams, tokenizer.search_mode


def _init_worker(spec: tuple[type, str | None, bool, bool], reading: ReadingLimits) -> None:
    """A pool worker: its own tokenizer (of the parent's class and settings) and the parent's
    reading limits (its documents are read in a reading worker of its own); Ctrl+C and
    SIGTERM are the parent's to act on, and no signal is ever written to a wakeup fd."""
    global _worker
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    cls, userdict, grams, search_mode = spec
    tokenizer = cls(Path(userdict) if userdict else None, grams=grams, search_mode=search_mode)
    _worker = (tokenizer, TermNumbers(), ReadingLimits(*reading))


def index_file(
    path: Path, tokenizer: Tokenizer, numbers: TermNumbers, reading: ReadingLimits | None = None
) -> dict:
    """One file read once, hashed, parsed and segmented: its entry (renumbered), or
    {"error": reason, "key"} if it is not a usable document, {"unreadable": reason} if it
    could not be read (or its reading worker died: not recorded, tried again next time)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return {"unreadable": _unreadable(exc)}
    key = content_key(data)
    try:
        document = parse(path, data, reading)
    except WorkerDied as exc:
        return {"unreadable": str(exc)}
    except DocumentError as exc:
        return {"error": str(exc), "key": key}
    entry = numbers.segment(document, tokenizer)
    entry["key"] = key
    entry["notices"] = tuple(p.reason for p in notices(path, document))
    return entry


def _work(path: str) -> dict:
    assert _worker is not None
    tokenizer, numbers, reading = _worker
    return index_file(Path(path), tokenizer, numbers, reading)


def pool_context() -> Any:
    """Workers from a fork server where there is one (Linux, macOS), else spawned: never a fork
    of the running process."""
    import multiprocessing

    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        with contextlib.suppress(ValueError):  # preload once, before the server starts
            context.set_forkserver_preload(["bot.search.indexer"])
        return context
    return multiprocessing.get_context("spawn")


def _entries(
    paths: list[Path], tokenizer: Tokenizer, workers: int | None, bar: Any
) -> Iterator[tuple[Path, dict]]:
    """Each file's entry, in order; segmenting in a process pool when there are many."""
    workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    reading = reading_limits()
    if len(paths) >= POOL_FROM and workers > 1 and _picklable(type(tokenizer)):
        context = pool_context()
        pool = context.Pool(workers, _init_worker, (_tokenizer_spec(tokenizer), reading))
        try:
            results = pool.imap(_work, [str(p) for p in paths], chunksize=8)
            for path, result in zip(paths, results, strict=False):
                if bar is not None:
                    bar.update()
                yield path, result
            pool.close()
        finally:
            pool.terminate()
            pool.join()
        return
    numbers = TermNumbers()
    for path in paths:
        result = index_file(path, tokenizer, numbers, reading)
        if bar is not None:
            bar.update()
        yield path, result


def _picklable(cls: type) -> bool:
    import pickle

    try:
        pickle.dumps(cls)
    except Exception:  # noqa: BLE001 - a class defined in a function: segment in-process
        return False
    return True


def _progress(total: int, enabled: bool | None, desc: str) -> Any:
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total, desc=desc, unit="doc", file=sys.stderr, smoothing=0.05)


# ---- which files changed ---------------------------------------------------------------------


@dataclass
class Scan:
    """The corpus's files against an edition's list."""

    kept: list[FileEntry] = field(default_factory=list)  # as they were (stat refreshed)
    todo: list[tuple[Path, os.stat_result]] = field(default_factory=list)  # to index
    gone: list[FileEntry] = field(default_factory=list)  # their documents are to be deleted
    problems: list[Problem] = field(default_factory=list)  # files not read, found again each time
    seen: list[tuple[str, int, int]] = field(default_factory=list)  # (path, mtime, size) of each

    @property
    def changed(self) -> bool:
        return bool(self.todo or self.gone)


def _limit(name: str) -> int:
    return size_limit(name)


def _unreadable(exc: OSError) -> str:
    return texts.FILE_UNREADABLE.format(reason=exc.strerror or exc)


def scan(files: list[Path], manifest: Manifest | None) -> Scan:
    out = Scan()
    known = {f.path: f for f in manifest.files} if manifest is not None else {}
    trusted_before = manifest.created_ns - TRUST_AFTER_NS if manifest is not None else 0
    for path in files:
        name = str(path)
        entry = known.pop(name, None)
        try:
            st = os.stat(name)
        except OSError as exc:
            out.problems.append(Problem(name, _unreadable(exc)))
            if entry is not None:
                out.gone.append(entry)
            continue
        out.seen.append((name, st.st_mtime_ns, st.st_size))
        limit = _limit(name)
        if st.st_size > limit:  # refused before reading it whole just to hash it
            out.problems.append(Problem(name, too_large(st.st_size, limit)))
            if entry is not None:
                out.gone.append(entry)
            continue
        if entry is None:
            out.todo.append((path, st))
            continue
        if (
            entry.size == st.st_size
            and entry.mtime == st.st_mtime_ns
            and entry.mtime < trusted_before
        ):
            out.kept.append(entry)
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            out.problems.append(Problem(name, _unreadable(exc)))
            out.gone.append(entry)
            continue
        if content_key(data) == entry.key:  # touched, not changed
            out.kept.append(replace(entry, size=st.st_size, mtime=st.st_mtime_ns))
        else:
            out.gone.append(entry)
            out.todo.append((path, st))
    out.gone.extend(known.values())
    return out


# ---- writing a segment -------------------------------------------------------------------------


@dataclass
class NewSegment:
    entries: list[FileEntry]  # every file of `todo`: indexed (seg -1 until placed) or skipped
    segment: SegmentEntry | None  # None: nothing indexed
    problems: list[Problem]  # files that could not be read


def index_into_segment(
    store: Store,
    todo: list[tuple[Path, os.stat_result]],
    params: BM25Params,
    tokenizer: Tokenizer,
    taken: set[str],
    progress: bool | None,
    workers: int | None,
    expected_postings: int = 0,
) -> NewSegment:
    """Index the files of `todo` into a new segment of the store (adopted, not yet published).
    A document whose text is in `taken` (or earlier in `todo`) is passed over as a duplicate."""
    scratch = store.scratch()
    writer = SegmentWriter(scratch, params, expected_postings)
    numbers = SegmentNumbers()
    entries: list[FileEntry] = []
    problems: list[Problem] = []
    bar = _progress(len(todo), progress, "segmenting")
    stats = {str(path): st for path, st in todo}
    try:
        for path, result in _entries([p for p, _ in todo], tokenizer, workers, bar):
            st = stats[str(path)]
            if "unreadable" in result:
                problems.append(Problem(str(path), result["unreadable"]))
                continue
            entry = FileEntry(str(path), st.st_size, st.st_mtime_ns, result["key"])
            if "error" in result:
                entries.append(replace(entry, problem=result["error"]))
                continue
            ids = numbers.ids(result)  # even for a duplicate: its new terms are numbered
            if result["text_key"] in taken:
                entries.append(replace(entry, problem=texts.DUPLICATE_TEXT, dup=result["text_key"]))
                continue
            taken.add(result["text_key"])
            doc = writer.add(
                IndexedDocument(
                    result["title"],
                    result["date"],
                    result["speaker"],
                    result["text_key"],
                    result["notices"],
                    result["passages"],
                    ids,
                    result["tfs"],
                    result["counts"],
                    result["lengths"],
                    result["blob"],
                )
            )
            entries.append(replace(entry, doc=doc))
        if bar is not None:
            bar.close()
        if not writer.documents:
            writer.abandon()
            shutil.rmtree(scratch, ignore_errors=True)
            return NewSegment(entries, None, problems)
        meta = writer.finish(numbers.terms())
        return NewSegment(entries, store.adopt(scratch, meta), problems)
    except BaseException:
        writer.abandon()
        shutil.rmtree(scratch, ignore_errors=True)
        raise


# ---- deletions ---------------------------------------------------------------------------------


def _deleted_df(
    edition: Edition, s: int, docs: np.ndarray, tokenizer: Tokenizer
) -> tuple[np.ndarray, np.ndarray]:
    """(segment term ids, counts) of the passages of segment `s`'s documents `docs`."""
    segment = edition.segments[s]
    postings = segment.postings
    pids = passages_of(segment.meta, docs)
    if postings.n_postings < SCAN_DELETIONS_BELOW:
        return deleted_df(postings, pids)
    # a large segment: segment the passages' texts again to know which lists to search
    terms = passage_terms([segment.table.text(int(p)) for p in pids], tokenizer)
    vocab = postings.vocab
    ids = [vocab.get(term_string(t), -1) for t in terms["terms"]]
    if -1 in ids or not np.array_equal(terms["lengths"], np.asarray(postings.lengths)[pids]):
        log.warning("segmenting a deleted document again gave other terms: counting by a scan")
        return deleted_df(postings, pids)
    return deleted_df_of(postings, pids, ids)


def _combine(
    old: Deletions, docs: np.ndarray, terms: np.ndarray, counts: np.ndarray, n_terms: int
) -> Deletions:
    total = np.zeros(n_terms, dtype=np.int64)
    np.add.at(total, old.terms, old.counts)
    np.add.at(total, terms, counts)
    present = np.flatnonzero(total)
    return Deletions(
        np.union1d(old.docs, docs).astype(np.int64), present.astype(np.int64), total[present]
    )


# ---- updating an edition -----------------------------------------------------------------------


@dataclass
class Opened:
    edition: Edition
    problems: list[Problem]  # files not read this time (found again at every open)
    seen: list[tuple[str, int, int]]  # (path, mtime, size) of every file, before it was read


def tokenizer_kind(tokenizer: Tokenizer) -> str:
    cls = type(tokenizer)
    name = f"{cls.__module__}.{cls.__qualname__}"
    return f"{name}|grams={tokenizer.grams}|search={tokenizer.search_mode}"


def open_store(root: Path, cache_dir: Path, params: BM25Params, tokenizer: Tokenizer) -> Store:
    key = store_key(root, params, tokenizer_kind(tokenizer))
    about = {
        "corpus": os.fsencode(str(root)).decode("utf-8", "backslashreplace"),
        "params": params.__dict__,
        "tokenizer": tokenizer_kind(tokenizer),
    }
    return Store.open(cache_dir, key, about)


def update(
    root: Path,
    files: list[Path],
    cache_dir: Path,
    params: BM25Params,
    tokenizer: Tokenizer,
    parser: str,
    progress: bool | None = None,
    workers: int | None = None,
) -> Opened:
    """The live edition of `root`'s index, brought up to date with `files` (see the module
    docstring). Raises CorpusError when no document can be used."""
    store = open_store(root, cache_dir, params, tokenizer)
    if not store.writable:
        return _read_only(store, root, files, params, tokenizer, parser, progress, workers)
    with store.lock():
        manifest, edition = _live(store, tokenizer, params, parser)
        store.clean(manifest)  # what a crash left behind, or what no edition uses any more
        scanned = scan(files, manifest if edition is not None else None)
        if edition is not None and manifest is not None:
            if not scanned.changed and scanned.kept == manifest.files:
                return Opened(edition, scanned.problems, scanned.seen)
            new = _apply(
                store,
                root,
                manifest,
                edition,
                scanned,
                params,
                tokenizer,
                parser,
                progress,
                workers,
            )
        else:
            new = _build(store, root, scanned, params, tokenizer, parser, progress, workers)
        return Opened(open_edition(store, new), scanned.problems, scanned.seen)


_EDITIONS: dict[str, weakref.ref[Edition]] = {}
_EDITIONS_LOCK = threading.Lock()


def open_edition(store: Store, manifest: Manifest) -> Edition:
    """The opened edition of `manifest`: the one already open in this process if there is one
    (an unchanged library reloads in no time), else opened now."""
    key = str(store.folder)
    with _EDITIONS_LOCK:
        ref = _EDITIONS.get(key)
        edition = ref() if ref is not None else None
    if (
        edition is not None
        and edition.manifest.edition == manifest.edition
        and edition.manifest.created_ns == manifest.created_ns
        and not edition.damaged
    ):
        return edition
    edition = Edition.open(store, manifest)
    with _EDITIONS_LOCK:
        _EDITIONS[key] = weakref.ref(edition)
    return edition


def _live(
    store: Store, tokenizer: Tokenizer, params: BM25Params, parser: str
) -> tuple[Manifest | None, Edition | None]:
    """The live edition if it can be used as it is (same parser, tokenizer and parameters,
    nothing damaged); damage is reported and the index rebuilt."""
    try:
        manifest = store.read_manifest()
        if manifest is None:
            return None, None
        if (manifest.parser, manifest.tokenizer, manifest.params) != (
            parser,
            tokenizer.signature,
            params,
        ):
            log.info("the index was made by another parser or tokenizer: indexing the corpus again")
            return manifest, None
        return manifest, open_edition(store, manifest)
    except IndexDamaged as exc:
        log.warning("the saved index is damaged (%s): indexing the corpus again", exc)
        return None, None


def _build(
    store: Store,
    root: Path,
    scanned: Scan,
    params: BM25Params,
    tokenizer: Tokenizer,
    parser: str,
    progress: bool | None,
    workers: int | None,
) -> Manifest:
    """The whole corpus (`scanned.todo`) indexed into one segment: a new first edition."""
    todo = sorted(scanned.todo, key=lambda x: str(x[0]))
    expected = sum(st.st_size for _, st in todo)  # ~1 posting a byte of text
    new = index_into_segment(store, todo, params, tokenizer, set(), progress, workers, expected)
    scanned.problems.extend(new.problems)
    if new.segment is None:
        raise CorpusError(texts.CORPUS_EMPTY.format(path=display_name(str(root))))
    files = [replace(f, seg=0) if f.problem is None else f for f in new.entries]
    manifest = Manifest(
        store.next_edition(),
        time.time_ns(),
        parser,
        tokenizer.signature,
        params,
        [new.segment],
        files,
    )
    store.publish(manifest)
    return manifest


def _stat_or_none(entry: FileEntry) -> os.stat_result | None:
    try:
        return Path(entry.path).stat()
    except OSError:
        return None


def _apply(
    store: Store,
    root: Path,
    manifest: Manifest,
    edition: Edition,
    scanned: Scan,
    params: BM25Params,
    tokenizer: Tokenizer,
    parser: str,
    progress: bool | None,
    workers: int | None,
) -> Manifest:
    """A new edition: the live one with `scanned`'s changes (deletions and a new segment)."""
    gone = {(f.seg, f.doc) for f in scanned.gone if f.seg >= 0}
    gone_texts = {edition.segments[s].meta.documents[d].text_key for s, d in gone}
    kept = list(scanned.kept)
    todo = list(scanned.todo)
    # a duplicate of a text that is gone now is indexed after all
    for f in list(kept):
        if f.dup is not None and f.dup in gone_texts:
            kept.remove(f)
            st = _stat_or_none(f)
            if st is not None:
                todo.append((Path(f.path), st))
    taken = {edition.segments[f.seg].meta.documents[f.doc].text_key for f in kept if f.seg >= 0}
    todo.sort(key=lambda x: str(x[0]))
    new = (
        index_into_segment(store, todo, params, tokenizer, taken, progress, workers)
        if todo
        else None
    )
    if new is not None:
        scanned.problems.extend(new.problems)

    # deletions, per segment, added to those already there
    segments = [replace(s) for s in manifest.segments]
    by_segment: dict[int, list[int]] = {}
    for s, d in gone:
        by_segment.setdefault(s, []).append(d)
    next_edition = manifest.edition + 1
    for s, docs_list in by_segment.items():
        docs = np.asarray(sorted(docs_list), dtype=np.int64)
        terms, counts = _deleted_df(edition, s, docs, tokenizer)
        combined = _combine(
            edition.deletions[s], docs, terms, counts, edition.segments[s].meta.terms
        )
        name, checksum = store.write_deletions(segments[s].id, next_edition, combined)
        segments[s] = replace(segments[s], deletions=name, deletions_sum=checksum)

    # segments all of whose documents are deleted are dropped
    live_docs = {s: len(edition.segments[s].meta.documents) for s in range(len(segments))}
    deleted = {
        s: set(edition.deletions[s].docs.tolist()) | set(by_segment.get(s, []))
        for s in range(len(segments))
    }
    keep = [s for s in range(len(segments)) if len(deleted[s]) < live_docs[s]]
    renumber = {s: i for i, s in enumerate(keep)}
    files = [
        replace(f, seg=renumber[f.seg]) if renumber.get(f.seg, f.seg) != f.seg else f for f in kept
    ]
    out_segments = [segments[s] for s in keep]
    if new is not None:
        if new.segment is not None:
            out_segments.append(new.segment)
        place = len(out_segments) - 1
        files += [replace(f, seg=place) if f.problem is None else f for f in new.entries]
    if not out_segments:
        raise CorpusError(texts.CORPUS_EMPTY.format(path=display_name(str(root))))
    files.sort(key=lambda f: f.path)
    result = Manifest(
        next_edition, time.time_ns(), parser, tokenizer.signature, params, out_segments, files
    )
    store.publish(result)
    return result


def _read_only(
    store: Store,
    root: Path,
    files: list[Path],
    params: BM25Params,
    tokenizer: Tokenizer,
    parser: str,
    progress: bool | None,
    workers: int | None,
) -> Opened:
    """A cache that cannot be written: its live edition if it is still the corpus's, else a
    build in a temporary folder held in memory (its files removed once open)."""
    try:
        manifest = store.read_manifest()
    except IndexDamaged:
        manifest = None
    if manifest is not None and (manifest.parser, manifest.tokenizer, manifest.params) == (
        parser,
        tokenizer.signature,
        params,
    ):
        scanned = scan(files, manifest)
        if not scanned.changed:
            with contextlib.suppress(IndexDamaged):
                return Opened(open_edition(store, manifest), scanned.problems, scanned.seen)
    temporary = Store.in_memory(store.key)
    try:
        scanned = scan(files, None)
        new = _build(temporary, root, scanned, params, tokenizer, parser, progress, workers)
        return Opened(Edition.open(temporary, new), scanned.problems, scanned.seen)
    finally:
        temporary.discard()


# ---- merging ---------------------------------------------------------------------------------


def merge_advised(edition: Edition) -> bool:
    """Whether the newer segments or the deleted passages have grown enough to merge."""
    bm25 = edition.bm25
    return (
        edition.tail_passages > MERGE_TAIL_SHARE * bm25.n_base + MERGE_TAIL_MIN
        or edition.deleted_passages > MERGE_DELETED_SHARE * bm25.n_docs + MERGE_DELETED_MIN
        or len(edition.segments) > MERGE_SEGMENTS
    )


def merge(
    root: Path, cache_dir: Path, params: BM25Params, tokenizer: Tokenizer, force: bool = True
) -> bool:
    """Merge the live edition's segments into one (when `force`, or when advised); True if a
    merged edition was published. Another merge running, or an edition published meanwhile
    that no longer holds the merged segments, makes this one give up (and say so)."""
    store = open_store(root, cache_dir, params, tokenizer)
    if not store.writable:
        return False
    with store.merging() as alone:
        if not alone:
            log.info("another merge of this index is running")
            return False
        with store.lock():
            manifest = store.read_manifest()
            if manifest is None:
                return False
            edition = Edition.open(store, manifest)
            if len(edition.segments) == 1 and not edition.deletions[0].docs.size:
                return False
            if not force and not merge_advised(edition):
                return False
        started = time.perf_counter()
        merged = merge_segments(store, edition)
        try:
            with store.lock():
                current = store.read_manifest()
                result = _merged_manifest(store, manifest, current, edition, merged)
                if result is None:
                    log.info("the index changed in a way this merge cannot follow: merge dropped")
                    return False
                store.publish(result)
        finally:
            shutil.rmtree(merged.folder, ignore_errors=True)
        log.info(
            "merged %d segments into one: %d passages, %.1f s",
            len(manifest.segments),
            merged.meta.passages,
            time.perf_counter() - started,
        )
        return True


def merge_in_process(root: Path, cache_dir: Path, params: BM25Params, tokenizer: Tokenizer) -> bool:
    """`merge` in a process of its own (a merge of a large index holds a lot of memory for a
    while: not the bot's); blocks until it is done."""
    if not _picklable(type(tokenizer)):
        return merge(root, cache_dir, params, tokenizer)
    with pool_context().Pool(
        1, _init_worker, (_tokenizer_spec(tokenizer), reading_limits())
    ) as pool:
        return bool(pool.apply(_merge_job, (str(root), str(cache_dir), params)))


def _merge_job(root: str, cache_dir: str, params: BM25Params) -> bool:
    assert _worker is not None
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return merge(Path(root), Path(cache_dir), params, _worker[0])


def _merged_manifest(
    store: Store,
    before: Manifest,
    current: Manifest | None,
    edition: Edition,
    merged: Merged,
) -> Manifest | None:
    """The current edition with the merged segment in place of the segments it merged, the
    documents deleted meanwhile deleted in it too; None if that cannot be done."""
    n = len(before.segments)
    if current is None or [s.id for s in current.segments[:n]] != [s.id for s in before.segments]:
        return None
    where = merged.moved
    docs: list[int] = []
    totals = np.zeros(merged.meta.terms, dtype=np.int64)
    for s in range(n):
        old, now = edition.deletions[s], store.read_deletions(current.segments[s])
        fresh = np.setdiff1d(now.docs, old.docs)
        if not fresh.size:
            continue
        docs += [where[(s, int(d))] for d in fresh]
        dense = np.zeros(edition.segments[s].meta.terms, dtype=np.int64)
        np.add.at(dense, now.terms, now.counts)
        np.subtract.at(dense, old.terms, old.counts)
        ids = np.flatnonzero(dense)
        np.add.at(totals, merged.term_maps[s][ids], dense[ids])
    entry = store.adopt(merged.folder, merged.meta)
    if docs:
        present = np.flatnonzero(totals)
        name, checksum = store.write_deletions(
            entry.id,
            current.edition + 1,
            Deletions(np.asarray(sorted(docs), dtype=np.int64), present, totals[present]),
        )
        entry = replace(entry, deletions=name, deletions_sum=checksum)
    files = []
    for f in current.files:
        if 0 <= f.seg < n:
            f = replace(f, seg=0, doc=where[(f.seg, f.doc)])
        elif f.seg >= n:
            f = replace(f, seg=f.seg - n + 1)
        files.append(f)
    return Manifest(
        current.edition + 1,
        time.time_ns(),
        current.parser,
        current.tokenizer,
        current.params,
        [entry] + current.segments[n:],
        files,
    )


# ---- the cache ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CacheReport:
    folder: Path
    total_bytes: int  # the whole cache folder
    store_bytes: int  # this corpus's index (its live edition)
    segments: int
    deleted_passages: int


def cache_report(cache_dir: Path, edition: Edition) -> CacheReport:
    return CacheReport(
        Path(cache_dir),
        folder_size(Path(cache_dir)),
        0 if edition.store.temporary else edition.store.size(),
        len(edition.segments),
        edition.deleted_passages,
    )
