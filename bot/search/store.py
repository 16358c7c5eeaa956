"""The search index of a corpus: documents, passages, their terms and BM25, cached on disk.

Beside the sparse BM25 index over passages, `unit_of` maps each passage to its paragraph
(the title line counts as one) and `leads` marks the first passage of each paragraph: the
ranking (`bot.search.rank`) scores paragraphs from the passage postings, because the
paragraph that answers a question is found far more reliably than the passage inside it.

Nothing is segmented twice: each document's passages and terms are cached under a key
made of its bytes and the tokenizer's signature, and the whole index under the keys of
all its documents. A changed document re-segments only itself; an unchanged corpus loads
the saved index without touching jieba's segmenter.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from bot.corpus.library import CorpusError, Problem, corpus_files, parse_file, report, user_dictionary
from bot.corpus import passages as packing
from bot.corpus.passages import Passage, make_passages
from bot.corpus.reading import DocumentError
from bot.corpus.structure import Document
from bot.search.bm25 import BM25Index, BM25Params
from bot.search.tokenize import Tokenizer

log = logging.getLogger(__name__)

DEFAULT_PARAMS = BM25Params(variant="plus", k1=0.6, b=0.75)
_FORMAT = "3"


def _packing_signature() -> str:
    return "/".join(str(getattr(packing, name)) for name in (
        "TARGET_CHARS", "MIN_CHARS", "MAX_CHARS", "SLACK_CHARS", "CLAUSE_CHARS", "SHORT_PENALTY", "LONG_PENALTY"))


@dataclass
class SearchIndex:
    root: Path
    documents: list[Document]
    passages: list[Passage]
    problems: list[Problem]
    bm25: BM25Index
    tokenizer: Tokenizer
    fingerprint: str  # changes whenever the passages could change
    unit_of: np.ndarray  # passage -> its paragraph (numbered in passage order)
    leads: np.ndarray  # passage -> True if it opens its paragraph
    load_seconds: float = 0.0
    doc_masks: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    def mask_for(self, doc: int) -> np.ndarray:
        if doc not in self.doc_masks:
            self.doc_masks[doc] = np.fromiter((p.doc == doc for p in self.passages), bool, len(self.passages))
        return self.doc_masks[doc]


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


def _document_entry(path: Path, key: str, tokenizer: Tokenizer, cache: Path) -> tuple[Document, list[Passage], list[list[str]]]:
    entry_path = cache / "docs" / f"{key}.pkl"
    entry = _load_pickle(entry_path)
    if isinstance(entry, tuple) and len(entry) == 3:
        document, passages, terms = entry
        return replace(document, path=str(path)), passages, terms
    document = parse_file(path)
    passages = make_passages(document, 0)
    terms = [tokenizer.index_terms(_indexed_text(p)) for p in passages]
    _atomic_pickle((document, passages, terms), entry_path)
    return document, passages, terms


def _indexed_text(passage: Passage) -> str:
    return passage.text


def paragraph_layout(passages: list[Passage]) -> tuple[np.ndarray, np.ndarray]:
    """(paragraph unit of each passage, whether it is the first passage of its unit)."""
    unit_of = np.zeros(len(passages), dtype=np.int32)
    leads = np.zeros(len(passages), dtype=bool)
    unit, last = -1, None
    for i, p in enumerate(passages):
        key = (p.doc, p.paragraph)
        if key != last:
            unit, last = unit + 1, key
            leads[i] = True
        unit_of[i] = unit
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
    unit_of, leads = paragraph_layout(passages)
    return SearchIndex(root, documents, passages, list(problems or []), BM25Index.build(terms, params), tokenizer,
                       fingerprint, unit_of, leads)


def open_index(
    root: Path, cache_dir: Path, params: BM25Params = DEFAULT_PARAMS, tokenizer: Tokenizer | None = None
) -> SearchIndex:
    """Load the saved index of `root`, or build (and save) it. Raises CorpusError."""
    started = time.perf_counter()
    root = root.expanduser().resolve()
    files = corpus_files(root)
    tokenizer = tokenizer or Tokenizer(user_dictionary(root))
    salt = f"{_FORMAT}|{tokenizer.signature}|{params}|{_packing_signature()}"
    keys: list[tuple[Path, str]] = []
    problems: list[Problem] = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(str(path), f"无法读取：{exc.strerror or exc}"))
            continue
        keys.append((path, hashlib.sha256(salt.encode() + data).hexdigest()[:32]))
    corpus_key = hashlib.sha256("\n".join(f"{p}|{k}" for p, k in keys).encode()).hexdigest()[:32]
    index_dir = cache_dir / "index" / corpus_key
    saved = _load_pickle(index_dir / "corpus.pkl")
    if isinstance(saved, dict) and (index_dir / "bm25.npz").exists():
        try:
            bm25 = BM25Index.load(index_dir)
            with np.load(index_dir / "layout.npz") as layout:
                unit_of, leads = layout["unit_of"], layout["leads"]
        except Exception as exc:
            log.warning("saved index unreadable, rebuilding: %s", exc)
        else:
            report(saved["problems"])
            return SearchIndex(root, saved["documents"], saved["passages"], saved["problems"] + problems, bm25,
                               tokenizer, corpus_key, unit_of, leads, time.perf_counter() - started)

    documents: list[Document] = []
    passages: list[Passage] = []
    terms: list[list[str]] = []
    seen: set[str] = set()
    for path, key in keys:
        try:
            document, doc_passages, doc_terms = _document_entry(path, key, tokenizer, cache_dir)
        except DocumentError as exc:
            problems.append(Problem(str(path), str(exc)))
            continue
        text_key = hashlib.sha256("\n".join(p.text for p in document.paragraphs).encode()).hexdigest()
        if text_key in seen:
            problems.append(Problem(str(path), "与另一文档内容相同，只收录一次"))
            continue
        seen.add(text_key)
        doc_index = len(documents)
        documents.append(document)
        for passage, passage_terms in zip(doc_passages, doc_terms):
            passages.append(replace(passage, pid=len(passages), doc=doc_index, document=document.title))
            terms.append(passage_terms)
    report(problems)
    if not passages:
        raise CorpusError(f"语料中没有可用的文档：{root}")
    index = build_index(root, documents, passages, terms, tokenizer, params, problems, corpus_key)
    try:
        index.bm25.save(index_dir)
        np.savez(index_dir / "layout.npz", unit_of=index.unit_of, leads=index.leads)
        _atomic_pickle({"documents": documents, "passages": passages, "problems": problems}, index_dir / "corpus.pkl")
    except OSError as exc:
        log.warning("could not save the index to %s: %s", index_dir, exc)
    index.load_seconds = time.perf_counter() - started
    return index
