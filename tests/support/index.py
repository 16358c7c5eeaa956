"""Helpers for the index tests: libraries of documents whose terms are known (a tokenizer that
takes space-separated words as they are), and the checks every edition must pass."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from bot.search.bm25 import BM25Params, MaxScoreTuning, rank_bm25_reference
from bot.search.store import SearchIndex
from bot.search.tokenize import Tokenizer
from tests.support.paths import SPEECH

# the search paths: MaxScore always, long lists waiting, tiny seeds, rows for the last few
TUNINGS = [
    MaxScoreTuning(),
    MaxScoreTuning(exhaustive_below=0),
    MaxScoreTuning(exhaustive_below=0, long_list=40, seed_postings=64),
    MaxScoreTuning(exhaustive_below=0, long_list=400, seed_postings=16, seed_scored=0),
    MaxScoreTuning(exhaustive_below=0, rows_below=100_000, seed_factor=1),
]


class Words(Tokenizer):
    """Index terms are a text's space-separated words, as they are: a library whose tokens the
    test knows, so that rank-bm25 can be given the very same."""

    @property
    def signature(self) -> str:
        return "words-1"

    def index_parts(self, text: str) -> tuple[list[str], str]:
        return text.split(), ""


class Zipf:
    """Words drawn as in real text: a few in most passages, most in few."""

    def __init__(self, seed: int, size: int = 2000) -> None:
        self.rng = random.Random(seed)
        self.vocab = [f"w{i}" for i in range(size)]
        self.weights = [1.0 / (i + 1) ** 1.1 for i in range(size)]

    def line(self, low: int = 4, high: int = 22) -> str:
        return " ".join(self.rng.choices(self.vocab, self.weights, k=self.rng.randint(low, high)))

    def document(self, title: str, paragraphs: int) -> str:
        # each line a paragraph of one passage (under 150 characters, no sentence punctuation)
        return "\n".join([title] + [self.line() for _ in range(paragraphs)]) + "\n"

    def query(self) -> list[str]:
        return self.rng.choices(self.vocab[:25], k=self.rng.randint(3, 10)) + self.rng.choices(
            self.vocab, self.weights, k=self.rng.randint(1, 5)
        )


def write_library(folder: Path, zipf: Zipf, documents: int, paragraphs: int = 30) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(documents):
        (folder / f"doc{i:03d}.txt").write_text(
            zipf.document(f"文件{i}", paragraphs), encoding="utf-8"
        )
    return folder


def live_passages(index: SearchIndex) -> tuple[np.ndarray, list[list[str]]]:
    """(passage ids, their terms) of the live passages, in order."""
    doc = np.asarray(index.passages.doc)
    pids = np.flatnonzero(doc >= 0)
    return pids, [index.tokenizer.index_terms(index.passages.text(int(p))) for p in pids]


def assert_top_k_is_rank_bm25s(
    index: SearchIndex, params: BM25Params, queries: list[list[str]], k: int = 10
) -> int:
    """The top k of every query, by every search path, has rank-bm25's scores on the live
    passages (position by position: ties may be broken either way); returns how many queries
    had long lists to prune."""
    pids, corpus = live_passages(index)
    ref = rank_bm25_reference(corpus, params)
    full = np.full(index.bm25.n_docs, -np.inf)
    long_lists = 0
    for query in queries:
        expected = ref.get_scores(query)
        full[pids] = expected
        has = [i for i, terms in enumerate(corpus) if any(t in terms for t in query)]
        want = sorted(has, key=lambda i: (-expected[i], i))[:k]
        lists = index.bm25.term_lists(query)
        long_lists += sum(tl.docs.size for tl in lists) > 1000
        for tuning in TUNINGS:
            top = index.bm25.top(query, k, tuning=tuning)
            got = [p for p, _ in top]
            assert len(got) == len(want), (query, tuning)
            assert np.all(np.asarray(index.passages.doc)[got] >= 0)  # never a deleted passage
            np.testing.assert_allclose(full[got], expected[want], rtol=1e-12)
            np.testing.assert_allclose([s for _, s in top], expected[want], rtol=1e-9)
    return long_lists


def speech_library(folder: Path, n: int, step: int = 5, size: int = 8) -> Path:
    """`n` small .txt documents made of the bundled speech's longer lines (`size` lines each,
    starting `step` lines apart), each with a title and one heading."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [ln for ln in SPEECH.read_text(encoding="utf-8").splitlines() if len(ln.strip()) > 20]
    for i in range(n):
        body = "\n".join(lines[(i * step) % len(lines) :][:size])
        (folder / f"doc{i:02d}.txt").write_text(
            f"第{i}号文件\n一、总则\n{body}\n", encoding="utf-8"
        )
    return folder


def store_folder(cache: Path) -> Path:
    """The one corpus folder in a cache used by one corpus."""
    (folder,) = (cache / "corpora").iterdir()
    return folder


def store_entries(cache: Path) -> list[str]:
    return sorted(p.name for p in store_folder(cache).iterdir())
