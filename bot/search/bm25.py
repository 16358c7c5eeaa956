"""A sparse BM25 index whose scores equal rank-bm25's for the same tokens and parameters.

rank-bm25 scores every passage in Python for every query term. Here each term's posting
list stores the passages it occurs in and its precomputed BM25 weight there, so a query
touches only the postings of its own terms. Variants follow rank-bm25 exactly:

- ``okapi``: BM25Okapi. idf = ln((N-n+.5)/(n+.5)), negative idfs floored at
  epsilon * mean idf. On a small corpus a term in half the passages weighs ~0 (the
  pitfall of rank-bm25 issues #39/#43): 人大 in a speech about 人大.
- ``plus``: BM25Plus. idf = ln((N+1)/n) stays positive; every query term adds
  idf*delta to *every* passage, a constant that does not change the ranking.
- ``l``: BM25L. idf = ln((N+1)/(n+.5)); rank-bm25 also multiplies by the raw term count.

For ``plus`` the constant part is kept apart (`baseline`), so scores still equal
rank-bm25's `get_scores` while postings stay sparse.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np


@dataclass(frozen=True)
class BM25Params:
    variant: str = "plus"
    k1: float = 1.2
    b: float = 0.75
    delta: float = 1.0  # plus and l
    epsilon: float = 0.25  # okapi


class BM25Index:
    def __init__(
        self,
        params: BM25Params,
        terms: list[str],
        idf: np.ndarray,
        baseline: np.ndarray,
        offsets: np.ndarray,
        docs: np.ndarray,
        weights: np.ndarray,
        n_docs: int,
    ) -> None:
        self.params = params
        self.terms = terms
        self.vocab = {t: i for i, t in enumerate(terms)}
        self.idf = idf
        self.baseline = baseline
        self.offsets = offsets
        self.docs = docs
        self.weights = weights
        self.n_docs = n_docs

    # ---- build -------------------------------------------------------------------------
    @classmethod
    def build(cls, corpus: Sequence[Sequence[str]], params: BM25Params = BM25Params()) -> "BM25Index":
        n = len(corpus)
        vocab: dict[str, int] = {}
        doc_ids: list[int] = []
        term_ids: list[int] = []
        tfs: list[int] = []
        lengths = np.zeros(n, dtype=np.float64)
        for d, tokens in enumerate(corpus):
            lengths[d] = len(tokens)
            for term, tf in Counter(tokens).items():
                doc_ids.append(d)
                term_ids.append(vocab.setdefault(term, len(vocab)))
                tfs.append(tf)
        terms = [""] * len(vocab)
        for term, i in vocab.items():
            terms[i] = term
        t = np.asarray(term_ids, dtype=np.int64)
        order = np.argsort(t, kind="stable")  # postings sorted by term, then by passage
        t = t[order]
        docs = np.asarray(doc_ids, dtype=np.int32)[order]
        tf = np.asarray(tfs, dtype=np.float64)[order]
        df = np.bincount(t, minlength=len(terms)).astype(np.float64)
        offsets = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(df, out=offsets[1:])
        avgdl = float(lengths.sum()) / n if n else 0.0
        idf, baseline, weights = _weights(params, n, df, t, tf, lengths[docs] / avgdl if avgdl else lengths[docs])
        return cls(params, terms, idf, baseline, offsets, docs, weights, n)

    # ---- query -------------------------------------------------------------------------
    def _postings(self, query: Iterable[str]) -> tuple[np.ndarray, np.ndarray, float]:
        counts = Counter(self.vocab.get(q, -1) for q in query)
        constant = 0.0
        doc_parts: list[np.ndarray] = []
        weight_parts: list[np.ndarray] = []
        for tid, times in counts.items():
            if tid < 0:
                continue
            constant += times * float(self.baseline[tid])
            lo, hi = self.offsets[tid], self.offsets[tid + 1]
            doc_parts.append(self.docs[lo:hi])
            w = self.weights[lo:hi]
            weight_parts.append(w * times if times != 1 else w)
        if not doc_parts:
            return np.zeros(0, dtype=np.int32), np.zeros(0), constant
        return np.concatenate(doc_parts), np.concatenate(weight_parts), constant

    def get_scores(self, query: Sequence[str]) -> np.ndarray:
        """Scores of every passage, equal to rank-bm25's `get_scores(query)`."""
        docs, weights, constant = self._postings(query)
        scores = np.bincount(docs, weights=weights, minlength=self.n_docs).astype(np.float64)
        return scores + constant

    def top(self, query: Sequence[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k best (passage, score) pairs among passages that contain a query term, best first.

        `allowed` is an optional boolean mask over passages (e.g. one document only)."""
        docs, weights, constant = self._postings(query)
        if docs.size == 0 or k <= 0:
            return []
        candidates, inverse = np.unique(docs, return_inverse=True)
        sums = np.bincount(inverse, weights=weights).astype(np.float64)
        if allowed is not None:
            keep = allowed[candidates]
            candidates, sums = candidates[keep], sums[keep]
        if candidates.size > k:
            part = np.argpartition(-sums, k - 1)[:k]
            candidates, sums = candidates[part], sums[part]
        order = np.lexsort((candidates, -sums))
        return [(int(candidates[i]), float(sums[i]) + constant) for i in order]

    def idf_of(self, term: str) -> float | None:
        tid = self.vocab.get(term)
        return None if tid is None else float(self.idf[tid])

    def max_idf(self) -> float:
        return float(self.idf.max()) if self.idf.size else 0.0

    # ---- save / load -------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "bm25.npz", idf=self.idf, baseline=self.baseline, offsets=self.offsets,
                 docs=self.docs, weights=self.weights)
        meta = {"params": asdict(self.params), "n_docs": self.n_docs, "terms": self.terms}
        (folder / "bm25.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "BM25Index":
        meta = json.loads((folder / "bm25.json").read_text(encoding="utf-8"))
        with np.load(folder / "bm25.npz") as arrays:
            data = {k: arrays[k] for k in arrays.files}
        return cls(BM25Params(**meta["params"]), meta["terms"], data["idf"], data["baseline"], data["offsets"],
                   data["docs"], data["weights"], int(meta["n_docs"]))


def _weights(
    params: BM25Params, n: int, df: np.ndarray, term_of_posting: np.ndarray, tf: np.ndarray, rel_len: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(idf per term, constant per term, weight per posting) for the chosen variant."""
    k1, b, delta = params.k1, params.b, params.delta
    norm = 1 - b + b * rel_len  # per posting
    if params.variant == "okapi":
        idf = np.log(n - df + 0.5) - np.log(df + 0.5)
        average = float(idf.sum()) / len(idf) if len(idf) else 0.0
        idf = np.where(idf < 0, params.epsilon * average, idf)
        weights = idf[term_of_posting] * (tf * (k1 + 1) / (tf + k1 * norm))
        return idf, np.zeros_like(idf), weights
    if params.variant == "plus":
        idf = np.log((n + 1) / df) if len(df) else df
        weights = idf[term_of_posting] * (tf * (k1 + 1) / (k1 * norm + tf))
        return idf, idf * delta, weights
    if params.variant == "l":
        idf = np.log(n + 1) - np.log(df + 0.5)
        ctd = tf / norm
        weights = idf[term_of_posting] * tf * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)
        return idf, np.zeros_like(idf), weights
    raise ValueError(f"unknown BM25 variant {params.variant!r}")


def rank_bm25_reference(corpus: Sequence[Sequence[str]], params: BM25Params):  # pragma: no cover - thin factory
    """The rank-bm25 object that `BM25Index` must agree with (used by tests and benchmarks)."""
    import rank_bm25

    if params.variant == "okapi":
        return rank_bm25.BM25Okapi(corpus, k1=params.k1, b=params.b, epsilon=params.epsilon)
    if params.variant == "plus":
        return rank_bm25.BM25Plus(corpus, k1=params.k1, b=params.b, delta=params.delta)
    if params.variant == "l":
        return rank_bm25.BM25L(corpus, k1=params.k1, b=params.b, delta=params.delta)
    raise ValueError(params.variant)


