"""The search index of a corpus: documents, passages, their terms and BM25, cached on disk.

Beside the sparse BM25 index over passages, `unit_of` maps each passage to its paragraph
(the title line counts as one) and `leads` marks the first passage of each paragraph: the
ranking (`bot.search.rank`) scores paragraphs from the passage postings, because the
paragraph that answers a question is found far more reliably than the passage inside it.

Nothing is segmented twice: each document's passages and terms are cached under a key
made of its bytes, the tokenizer's signature and the parser's version (a hash of the
`bot.corpus` sources), and the whole index under the keys of all its documents. A changed
document re-segments only itself; an unchanged corpus loads the saved index without
touching jieba's segmenter.

The saved index is built for a million passages: postings, passage columns and the
paragraph layout are separate `.npy` files opened memory-mapped, passage texts one UTF-8
file read on demand, and documents are not unpickled at load: `SearchIndex.documents` is
a lazy sequence that reads a `Document` from its cache entry when asked (with a small LRU).
Segmenting runs in a pool of worker processes, each returning a document's passages with
per-passage (term number, count) arrays, so the parent never holds a Python object per
token. Each worker numbers terms itself and sends only the terms it has not seen before
(`TermNumbers`): the parent maps numbers with numpy and touches each term string about
once per worker, not once per document.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import pickle
import shutil
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

import bot.corpus
from bot.corpus.library import (
    CorpusError,
    Problem,
    corpus_files,
    notices,
    parse_file,
    report,
    user_dictionary,
)
from bot.corpus.limits import size_limit, too_large
from bot.corpus.passages import Passage, make_passages
from bot.corpus.reading import DocumentError
from bot.corpus.structure import Document
from bot.search.bm25 import BM25Index, BM25Params
from bot.search.passage_table import PassageTable, TableBuilder
from bot.search.tokenize import WORD_CODES, Tokenizer, gram_codes, gram_string

log = logging.getLogger(__name__)

DEFAULT_PARAMS = BM25Params(variant="plus", k1=0.6, b=0.75)
_FORMAT = "6"
_ENTRY_FORMAT = "5"  # a document's cache entry (docs/<key>.pkl): 5 keeps its grams as codes
DOCUMENT_CACHE = 64  # documents kept unpickled (paragraph_text, section_text, toc)
_POOL_FROM = 16  # documents to segment before a worker pool pays for itself


def parser_version() -> str:
    """Changes whenever the reading, parsing or passage cutting code changes."""
    return str(bot.corpus.PARSER_VERSION)


# ---- documents ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentInfo:
    """What is kept in memory of each document: enough to list it and find its passages."""

    title: str
    path: str
    date: str | None
    speaker: str | None
    key: str  # its cache entry: docs/<key>.pkl
    first: int  # its passages are first <= pid < first + count
    count: int


class LazyDocuments(Sequence[Document]):
    """The indexed documents, read from their cache entries when asked for."""

    def __init__(
        self, infos: list[DocumentInfo], cache_dir: Path, size: int = DOCUMENT_CACHE
    ) -> None:
        self.infos = infos
        self.cache_dir = cache_dir
        self.size = size
        self._cache: OrderedDict[int, Document] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.infos)

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        with self._lock:
            if i in self._cache:
                self._cache.move_to_end(i)
                return self._cache[i]
        info = self.infos[i]
        entry = _load_pickle(self.cache_dir / "docs" / f"{info.key}.pkl")
        if isinstance(entry, dict) and "document" in entry:
            document = entry["document"]
        else:  # the cache entry went missing: read the file again
            document = parse_file(Path(info.path))
        document = replace(document, path=info.path)
        with self._lock:  # questions may be answered from several threads
            self._cache[i] = document
            if len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return document

    def __iter__(self) -> Iterator[Document]:
        return (self[i] for i in range(len(self)))


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
    doc_starts: np.ndarray | None = field(
        default=None, repr=False
    )  # doc -> first passage (len docs + 1)

    def doc_range(self, doc: int) -> tuple[int, int]:
        """Passages lo <= pid < hi of document `doc`."""
        if self.doc_starts is None:
            self.doc_starts = np.searchsorted(
                np.asarray(self.passages.doc), np.arange(len(self.documents) + 1)
            )
        return int(self.doc_starts[doc]), int(self.doc_starts[doc + 1])

    def document_infos(self) -> list[DocumentInfo]:
        """Title, path, date, speaker and passage range of every document, without reading any
        document from the cache (a library of a million passages has tens of thousands)."""
        infos = getattr(self.documents, "infos", None)
        if infos is not None:
            return list(infos)
        out = []
        for i, document in enumerate(self.documents):
            lo, hi = self.doc_range(i)
            out.append(
                DocumentInfo(
                    document.title, document.path, document.date, document.speaker, "", lo, hi - lo
                )
            )
        return out


# ---- cache files --------------------------------------------------------------------------


def _atomic_pickle(obj: object, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load_pickle(path: Path) -> object | None:
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged cache entry is rebuilt, never fatal
        log.warning("ignoring damaged cache file %s: %s", path.name, exc)
        return None


# ---- segmenting one document (in a worker or in-process) ------------------------------------


class TermNumbers:
    """Numbers terms in the process that segments (a worker, or the parent without a pool).

    A document's entry numbers its terms 0..n-1 in its own `vocab`; mapping those to global
    numbers takes a dict lookup per distinct term of every document (~6 M at 100k passages).
    Done in the parent, that serial work competed with the workers for the two cores, so
    each worker numbers terms itself and reports only the terms it had not seen before; the
    parent then maps a worker's numbers to global ones with one numpy take per document."""

    def __init__(self) -> None:
        self.vocab = _Numbering()

    def renumber(self, entry: dict) -> dict:
        """The light entry with `ids` in this process's numbering, `new` the terms first
        numbered here (in number order; a gram as its code), `numbering` who numbered them;
        `vocab` and `grams` dropped."""
        vocab = self.vocab  # words by their string, grams by their code (an int never equals a str)
        vocab.added = []
        local = np.concatenate(
            [vocab.numbers(entry.pop("vocab")), vocab.numbers(entry.pop("grams").tolist())]
        )
        entry["ids"] = local[entry["ids"]].astype(np.int32)
        entry["new"] = vocab.added
        entry["numbering"] = os.getpid()
        return entry


class _GlobalNumbers:
    """The parent's side: global term numbers, and per numbering process its own -> global."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self._maps: dict[int, np.ndarray] = {}
        self._sizes: dict[int, int] = {}

    def ids(self, entry: dict) -> np.ndarray:
        """Global numbers of a renumbered entry's terms (every entry of a process, in order)."""
        who = entry["numbering"]
        table = self._maps.get(who, np.zeros(0, dtype=np.int32))
        size = self._sizes.get(who, 0)
        new: list[str | int] = entry["new"]
        if new:
            vocab = self.vocab
            gids = [
                vocab.setdefault(t if isinstance(t, str) else gram_string(t), len(vocab))
                for t in new
            ]
            if size + len(gids) > table.size:  # grow by doubling: amortised O(1) a term
                grown = np.zeros(max(2 * table.size, size + len(gids), 1024), dtype=np.int32)
                grown[:size] = table[:size]
                table = self._maps[who] = grown
            table[size : size + len(gids)] = gids
            size = self._sizes[who] = size + len(gids)
        ids = entry["ids"]
        if ids.size and int(ids.max()) >= size:  # a term used before its process reported it
            raise RuntimeError("term numbers out of order")
        return table[ids]

    def terms(self) -> list[str]:
        out = [""] * len(self.vocab)
        for term, i in self.vocab.items():
            out[i] = term
        return out


_worker_tokenizer: Tokenizer | None = None
_worker_numbers: TermNumbers | None = None


def _init_worker(tokenizer: Tokenizer | None, spec: tuple[str | None, bool, bool]) -> None:
    """A forked worker gets the parent's tokenizer itself (a subclass too); a spawned one
    makes one from `spec` (user dictionary, grams, search mode)."""
    global _worker_tokenizer, _worker_numbers
    if tokenizer is None:
        userdict, grams, search_mode = spec
        tokenizer = Tokenizer(
            Path(userdict) if userdict else None, grams=grams, search_mode=search_mode
        )
    _worker_tokenizer = tokenizer
    _worker_numbers = TermNumbers()


class _Numbering(dict):
    """Term -> number, a new term numbered on first sight (`map(numbering.__getitem__, terms)`
    stays in C but for the new terms); `added` lists them in number order."""

    def __init__(self) -> None:
        super().__init__()
        self.added: list[str | int] = []

    def __missing__(self, term: str | int) -> int:
        number = self[term] = len(self)
        self.added.append(term)
        return number

    def numbers(self, terms: list[str] | list[int]) -> np.ndarray:
        return np.fromiter(map(self.__getitem__, terms), dtype=np.int64, count=len(terms))


def _segment(document: Document, tokenizer: Tokenizer) -> dict:
    """A document's cache entry: passages and, per passage, (term number, count) into the
    document's own terms: `vocab`, its words in order of first appearance, then `grams`,
    the codes of its distinct character grams (see `gram_codes`; a word that is itself a
    gram, 长 or 人大, is counted as that gram). Grams are most of a passage's terms: they are
    counted with numpy and never made into strings here."""
    passages = make_passages(document, 0)
    n = len(passages)
    words: list[str] = []
    word_counts: list[int] = []
    gram_texts: list[str] = []
    for p in passages:
        passage_words, gram_text = tokenizer.index_parts(p.text)
        words += passage_words
        word_counts.append(len(passage_words))
        gram_texts.append(gram_text)
    distinct = list(dict.fromkeys(words))
    word_code = np.fromiter(
        map(WORD_CODES.__getitem__, distinct), dtype=np.int64, count=len(distinct)
    )
    plain = word_code < 0
    vocab = list(itertools.compress(distinct, plain.tolist()))
    which = dict(zip(distinct, range(len(distinct))))
    token = np.fromiter(map(which.__getitem__, words), dtype=np.int64, count=len(words))
    token_owner = np.repeat(np.arange(n, dtype=np.int64), word_counts)
    token_plain = plain[token]
    plain_ids = (np.cumsum(plain) - 1)[token[token_plain]]
    codes, gram_owner = gram_codes(gram_texts)
    codes = np.concatenate([codes, word_code[token[~token_plain]]])
    grams, inverse = np.unique(codes, return_inverse=True)
    ids = np.concatenate([plain_ids, len(vocab) + inverse.reshape(-1)])
    owner = np.concatenate([token_owner[token_plain], gram_owner, token_owner[~token_plain]])
    # one sort of (passage, term) keys gives each passage's distinct terms and their counts
    width = max(len(vocab) + len(grams), 1)
    keys, tfs = np.unique(owner * width + ids, return_counts=True)
    lengths = np.asarray(word_counts, dtype=np.int64) + np.bincount(gram_owner, minlength=n)
    return {
        "document": document,
        "passages": passages,
        "vocab": vocab,
        "grams": grams,
        "ids": (keys % width).astype(np.int32),
        "tfs": tfs.astype(np.int32),
        "counts": np.bincount(keys // width, minlength=n).astype(np.int32),
        "lengths": lengths.astype(np.int32),
    }


def _document_entry(path: Path, key: str, tokenizer: Tokenizer, cache: Path) -> dict:
    entry_path = cache / "docs" / f"{key}.pkl"
    entry = _load_pickle(entry_path)
    if not (isinstance(entry, dict) and entry.get("format") == _ENTRY_FORMAT):
        entry = _segment(parse_file(path), tokenizer)
        entry["format"] = _ENTRY_FORMAT
        _atomic_pickle(entry, entry_path)
    return entry


def _light(path: Path, entry: dict) -> dict:
    """What the parent needs of an entry: no Document (its texts are in the passages)."""
    document: Document = entry["document"]
    out = {k: v for k, v in entry.items() if k != "document"}
    out["title"], out["date"], out["speaker"] = document.title, document.date, document.speaker
    out["notices"] = notices(path, document)
    out["text_key"] = hashlib.sha256(
        "\n".join(p.text for p in document.paragraphs).encode()
    ).hexdigest()
    return out


def _work(job: tuple[str, str, str]) -> dict:
    path, key, cache = job
    tokenizer, numbers = _worker_tokenizer, _worker_numbers
    assert tokenizer is not None and numbers is not None
    try:
        return numbers.renumber(
            _light(Path(path), _document_entry(Path(path), key, tokenizer, Path(cache)))
        )
    except DocumentError as exc:
        return {"error": str(exc)}


# ---- building -----------------------------------------------------------------------------


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


def _progress(total: int, enabled: bool | None, desc: str):  # noqa: ANN202
    if enabled is None:
        enabled = sys.stderr.isatty() or os.environ.get("SPEECHBOT_PROGRESS") == "1"
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total, desc=desc, unit="doc", file=sys.stderr, smoothing=0.05)


def _entries(
    jobs: list[tuple[Path, str]], tokenizer: Tokenizer, cache_dir: Path, workers: int | None, bar
) -> Iterator[tuple[Path, str, dict]]:  # noqa: ANN001
    """Each document's light entry, in order; segmenting in a process pool when many are new."""
    todo = sum(1 for _, key in jobs if not (cache_dir / "docs" / f"{key}.pkl").exists())
    workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    fork = sys.platform == "linux"
    if todo >= _POOL_FROM and workers > 1 and (fork or type(tokenizer) is Tokenizer):
        import multiprocessing

        userdict = str(tokenizer.userdict) if tokenizer.userdict is not None else None
        spec = (userdict, tokenizer.grams, tokenizer.search_mode)
        context = multiprocessing.get_context("fork" if fork else "spawn")
        with context.Pool(workers, _init_worker, (tokenizer if fork else None, spec)) as pool:
            results = pool.imap(_work, [(str(p), k, str(cache_dir)) for p, k in jobs], chunksize=8)
            for (path, key), result in zip(jobs, results):
                if bar is not None:
                    bar.update()
                yield path, key, result
        return
    numbers = TermNumbers()
    for path, key in jobs:
        try:
            result = numbers.renumber(
                _light(path, _document_entry(path, key, tokenizer, cache_dir))
            )
        except DocumentError as exc:
            result = {"error": str(exc)}
        if bar is not None:
            bar.update()
        yield path, key, result


def _read_keys(files: list[Path], salt: bytes, problems: list[Problem]) -> list[tuple[Path, str]]:
    keys: list[tuple[Path, str]] = []
    for path in files:
        try:
            size = path.stat().st_size
            limit = size_limit(path)
            if size > limit:  # refused before reading it whole just to hash it
                problems.append(Problem(str(path), too_large(size, limit)))
                continue
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(str(path), f"无法读取：{exc.strerror or exc}"))
            continue
        keys.append((path, hashlib.sha256(salt + data).hexdigest()[:32]))
    return keys


def _load_saved(
    index_dir: Path,
    root: Path,
    cache_dir: Path,
    tokenizer: Tokenizer,
    corpus_key: str,
    problems: list[Problem],
    started: float,
) -> SearchIndex | None:
    try:
        meta = json.loads((index_dir / "index.json").read_text(encoding="utf-8"))
        if meta.get("format") != _FORMAT:
            return None
        bm25 = BM25Index.load(index_dir)
        table = PassageTable.load(index_dir)
        unit_of = np.asarray(
            np.load(index_dir / "layout.unit_of.npy", mmap_mode="r")
        )  # plain views: fast slicing
        leads = np.asarray(np.load(index_dir / "layout.leads.npy", mmap_mode="r"))
        doc_starts = np.load(index_dir / "layout.doc_starts.npy")
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a damaged index is rebuilt
        log.warning("saved index unreadable, rebuilding: %s", exc)
        return None
    saved = [Problem(**p) for p in meta["problems"]]
    report(saved)
    infos = [DocumentInfo(**d) for d in meta["documents"]]
    return SearchIndex(
        root,
        LazyDocuments(infos, cache_dir),
        table,
        saved + problems,
        bm25,
        tokenizer,
        corpus_key,
        unit_of,
        leads,
        time.perf_counter() - started,
        doc_starts,
    )


def open_index(
    root: Path,
    cache_dir: Path,
    params: BM25Params = DEFAULT_PARAMS,
    tokenizer: Tokenizer | None = None,
    progress: bool | None = None,
    workers: int | None = None,
) -> SearchIndex:
    """Load the saved index of `root`, or build (and save) it. Raises CorpusError.

    `progress`: a progress bar on stderr (None: only when stderr is a terminal, or
    SPEECHBOT_PROGRESS=1). `workers`: processes that segment (default: the cores, up to 4)."""
    started = time.perf_counter()
    root = root.expanduser().resolve()
    cache_dir = Path(cache_dir)
    files = corpus_files(root)
    tokenizer = tokenizer or Tokenizer(user_dictionary(root))
    salt = f"{_FORMAT}|{tokenizer.signature}|{parser_version()}".encode()
    problems: list[Problem] = []
    keys = _read_keys(files, salt, problems)
    corpus_key = hashlib.sha256(
        (f"{_FORMAT}|{params}|" + "\n".join(f"{p}|{k}" for p, k in keys)).encode()
    ).hexdigest()[:32]
    index_dir = cache_dir / "index" / corpus_key
    loaded = _load_saved(index_dir, root, cache_dir, tokenizer, corpus_key, problems, started)
    if loaded is not None:
        return loaded
    index = _build(
        root, cache_dir, keys, tokenizer, params, problems, corpus_key, index_dir, progress, workers
    )
    index.load_seconds = time.perf_counter() - started
    return index


def _build(
    root: Path,
    cache_dir: Path,
    keys: list[tuple[Path, str]],
    tokenizer: Tokenizer,
    params: BM25Params,
    problems: list[Problem],
    corpus_key: str,
    index_dir: Path,
    progress: bool | None,
    workers: int | None,
) -> SearchIndex:
    (cache_dir / "index").mkdir(parents=True, exist_ok=True)
    read_problems = len(problems)  # found again at every open: not saved
    work = Path(tempfile.mkdtemp(dir=cache_dir / "index", prefix=f"{corpus_key}.tmp"))
    try:
        numbers = _GlobalNumbers()
        term_parts: list[np.ndarray] = []
        pid_parts: list[np.ndarray] = []
        tf_parts: list[np.ndarray] = []
        length_parts: list[np.ndarray] = []
        infos: list[DocumentInfo] = []
        seen: set[str] = set()
        n_passages = 0
        bar = _progress(len(keys), progress, "segmenting")
        with (work / "texts.bin").open("wb") as sink:
            table = TableBuilder(sink)
            for path, key, result in _entries(keys, tokenizer, cache_dir, workers, bar):
                if "error" in result:
                    problems.append(Problem(str(path), result["error"]))
                    continue
                ids = numbers.ids(result)  # even for a duplicate: its new terms are numbered
                if result["text_key"] in seen:
                    problems.append(Problem(str(path), "与另一文档内容相同，只收录一次"))
                    continue
                seen.add(result["text_key"])
                problems.extend(result["notices"])
                doc = len(infos)
                passages: list[Passage] = result["passages"]
                infos.append(
                    DocumentInfo(
                        result["title"],
                        str(path),
                        result["date"],
                        result["speaker"],
                        key,
                        n_passages,
                        len(passages),
                    )
                )
                for p in passages:
                    table.add(doc, p)
                term_parts.append(ids)
                pid_parts.append(
                    np.repeat(
                        np.arange(n_passages, n_passages + len(passages), dtype=np.uint32),
                        result["counts"],
                    )
                )
                tf_parts.append(result["tfs"])
                length_parts.append(result["lengths"])
                n_passages += len(passages)
        if bar is not None:
            bar.close()
        report(problems)
        if not n_passages:
            raise CorpusError(f"语料中没有可用的文档：{root}")
        terms = numbers.terms()
        del numbers
        titles = [info.title for info in infos]
        table.save(work, titles)
        del table
        term_of, pid_of = _concat(term_parts, np.int32), _concat(pid_parts, np.uint32)
        tf_of = _concat(tf_parts, np.result_type(*tf_parts) if tf_parts else np.uint8)
        bm25 = BM25Index.from_postings(
            terms, term_of, pid_of, tf_of, _concat(length_parts, np.int32), params
        )
        del term_of, pid_of, tf_of
        bm25.save(work)
        passages_table = PassageTable.load(work)
        unit_of, leads = paragraph_layout(passages_table.doc, passages_table.paragraph)
        doc_starts = np.asarray([i.first for i in infos] + [n_passages], dtype=np.int64)
        np.save(work / "layout.unit_of.npy", unit_of)
        np.save(work / "layout.leads.npy", leads)
        np.save(work / "layout.doc_starts.npy", doc_starts)
        meta = {
            "format": _FORMAT,
            "documents": [info.__dict__ for info in infos],
            "problems": [p.__dict__ for p in problems[read_problems:]],
        }
        (work / "index.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        final = work
        try:
            if index_dir.exists():
                shutil.rmtree(index_dir, ignore_errors=True)
            os.replace(work, index_dir)
            final = index_dir
        except OSError as exc:
            log.warning("could not save the index to %s: %s", index_dir, exc)
        bm25 = BM25Index.load(final)
        passages_table = PassageTable.load(final)
        return SearchIndex(
            root,
            LazyDocuments(infos, cache_dir),
            passages_table,
            problems,
            bm25,
            tokenizer,
            corpus_key,
            unit_of,
            leads,
            0.0,
            doc_starts,
        )
    finally:
        if work.exists() and work != index_dir:
            # the texts file stays readable through open mmaps even once removed
            shutil.rmtree(work, ignore_errors=True)


def _concat(parts: list[np.ndarray], dtype) -> np.ndarray:  # noqa: ANN001
    """The parts one after the other, each part let go of once copied (`parts` ends up empty):
    the build never holds a corpus-wide array twice."""
    out = np.empty(sum(p.size for p in parts), dtype=dtype)
    at = 0
    for i, part in enumerate(parts):
        out[at : at + part.size] = part
        at += part.size
        parts[i] = None  # type: ignore[call-overload]
    parts.clear()
    return out
