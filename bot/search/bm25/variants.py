"""The BM25 variants, each chosen once from `BM25Params.variant` (as bm25s keeps its formulas
apart): how a term's idf is computed from the corpus statistics, what is kept per passage for
its length, and the weight of one posting. The expressions are rank-bm25's, operation for
operation, so that scores equal its `get_scores` for the same tokens and parameters:

- ``okapi``: BM25Okapi. idf = ln(N - n + .5) - ln(n + .5), negative idfs floored at
  epsilon * mean idf. On a small corpus a term in half the passages weighs ~0 (the
  pitfall of rank-bm25 issues #39/#43): 人大 in a speech about 人大.
- ``plus``: BM25Plus. idf = ln((N + 1) / n) stays positive; every query term adds
  idf * delta to *every* passage, a constant that does not change the ranking and is kept
  apart (`baseline`), so postings stay sparse.
- ``l``: BM25L. idf = ln(N + 1) - ln(n + .5); rank-bm25 also multiplies by the raw count.

A weight is `idf * f(tf, passage length)`; the part without the idf, at its largest over a
term's postings (`tf_bound`), bounds the term's weight for any idf (see `BM25Index`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np


@dataclass(frozen=True)
class BM25Params:
    variant: str = "plus"
    k1: float = 1.2
    b: float = 0.75
    delta: float = 1.0  # plus and l
    epsilon: float = 0.25  # okapi

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(
                f"unknown BM25 variant {self.variant!r} (one of {', '.join(VARIANTS)})"
            )

    @property
    def formulas(self) -> Variant:
        return VARIANTS[self.variant]


Weigher = Callable[[Any, np.ndarray, np.ndarray], np.ndarray]


class Variant:
    """One variant's formulas. `lf` is what is kept per passage for its length: k1 * norm for
    okapi and plus (they only ever use that product), norm for l."""

    name: ClassVar[str]

    def idf(self, p: BM25Params, n: int, df: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(idf, constant added to every passage) of terms in `df` passages (all df >= 1)."""
        raise NotImplementedError

    def length_factor(self, p: BM25Params, lengths: np.ndarray, avgdl: float) -> np.ndarray:
        out = BM25L().length_factor(p, lengths, avgdl)  # the norm, then k1 * norm
        out *= p.k1
        return out

    def weights(self, p: BM25Params, idf: Any, tf: np.ndarray, lf: np.ndarray) -> np.ndarray:
        """The weight of postings with counts `tf` (float64) in passages whose length factor
        is `lf`; `idf` broadcasts (a number or an array)."""
        raise NotImplementedError

    def weigher(self, p: BM25Params, idf: np.ndarray, lf: np.ndarray) -> Weigher:
        """`weights` for one index, chosen once: a function of (term ids, passage ids, counts)
        with the index's idf and length factors bound (what every query calls, many times)."""
        raise NotImplementedError

    def reference(self, corpus: Sequence[Sequence[str]], p: BM25Params) -> Any:
        """The rank-bm25 object these formulas must agree with (tests and benchmarks)."""
        raise NotImplementedError


class Okapi(Variant):
    name = "okapi"

    def idf(self, p: BM25Params, n: int, df: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idf = np.log(n - df + 0.5) - np.log(df + 0.5)
        average = float(idf.sum()) / len(idf) if len(idf) else 0.0
        idf = np.where(idf < 0, p.epsilon * average, idf)
        return idf, np.zeros_like(idf)

    def weights(self, p: BM25Params, idf: Any, tf: np.ndarray, lf: np.ndarray) -> np.ndarray:
        return idf * (tf * (p.k1 + 1) / (tf + lf))

    def weigher(self, p: BM25Params, idf: np.ndarray, lf: np.ndarray) -> Weigher:
        k1p1 = p.k1 + 1

        def weigh(tid: Any, docs: np.ndarray, tfs: np.ndarray) -> np.ndarray:
            tf = tfs.astype(np.float64)
            return idf[tid] * (tf * k1p1 / (tf + lf[docs]))

        return weigh

    def reference(self, corpus: Sequence[Sequence[str]], p: BM25Params) -> Any:
        import rank_bm25

        return rank_bm25.BM25Okapi(corpus, k1=p.k1, b=p.b, epsilon=p.epsilon)


class Plus(Variant):
    name = "plus"

    def idf(self, p: BM25Params, n: int, df: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idf = np.log((n + 1) / df) if len(df) else df.astype(np.float64)
        return idf, idf * p.delta

    def weights(self, p: BM25Params, idf: Any, tf: np.ndarray, lf: np.ndarray) -> np.ndarray:
        return idf * (tf * (p.k1 + 1) / (lf + tf))

    def weigher(self, p: BM25Params, idf: np.ndarray, lf: np.ndarray) -> Weigher:
        k1p1 = p.k1 + 1

        def weigh(tid: Any, docs: np.ndarray, tfs: np.ndarray) -> np.ndarray:
            tf = tfs.astype(np.float64)
            return idf[tid] * (tf * k1p1 / (lf[docs] + tf))

        return weigh

    def reference(self, corpus: Sequence[Sequence[str]], p: BM25Params) -> Any:
        import rank_bm25

        return rank_bm25.BM25Plus(corpus, k1=p.k1, b=p.b, delta=p.delta)


class BM25L(Variant):
    name = "l"

    def idf(self, p: BM25Params, n: int, df: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idf = np.log(n + 1) - np.log(df + 0.5)
        return idf, np.zeros_like(idf)

    def length_factor(self, p: BM25Params, lengths: np.ndarray, avgdl: float) -> np.ndarray:
        # 1 - b + b * length / avgdl, operation for operation as rank-bm25 (in place)
        out = np.multiply(lengths, p.b, dtype=np.float64)
        if avgdl:
            out /= avgdl
        np.add(1 - p.b, out, out=out)
        return out

    def weights(self, p: BM25Params, idf: Any, tf: np.ndarray, lf: np.ndarray) -> np.ndarray:
        ctd = tf / lf
        return idf * tf * (p.k1 + 1) * (ctd + p.delta) / (p.k1 + ctd + p.delta)

    def weigher(self, p: BM25Params, idf: np.ndarray, lf: np.ndarray) -> Weigher:
        k1, k1p1, delta = p.k1, p.k1 + 1, p.delta

        def weigh(tid: Any, docs: np.ndarray, tfs: np.ndarray) -> np.ndarray:
            tf = tfs.astype(np.float64)
            ctd = tf / lf[docs]
            return idf[tid] * tf * k1p1 * (ctd + delta) / (k1 + ctd + delta)

        return weigh

    def reference(self, corpus: Sequence[Sequence[str]], p: BM25Params) -> Any:
        import rank_bm25

        return rank_bm25.BM25L(corpus, k1=p.k1, b=p.b, delta=p.delta)


VARIANTS: dict[str, Variant] = {v.name: v for v in (Okapi(), Plus(), BM25L())}


def rank_bm25_reference(corpus: Sequence[Sequence[str]], params: BM25Params) -> Any:
    """The rank-bm25 object that `BM25Index` must agree with (used by tests and benchmarks)."""
    return params.formulas.reference(corpus, params)
