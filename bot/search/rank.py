"""Rank passages for a query: passage BM25, blended with the paragraph's BM25, then re-ranked.

The BM25 scores themselves are rank-bm25's (see `bm25.py`); everything here is layered on
top of them and touches only the postings of the query's own terms:

1. every passage that contains a query term gets its passage BM25 score and a score for its
   paragraph (the title line and each body paragraph of a document are one each), each divided by the best among the candidates, and blended:
   `passage + paragraph_weight * paragraph`. The paragraph's score adds up, for each query
   term, the term's best BM25 weight among the paragraph's passages: the paragraph as a
   whole is asked whether it has each term, so a subject named in one passage and the
   detail asked about in the next both count. The paragraph that answers is found far more
   reliably than the passage inside it, so this mostly decides *where* to look. (A second
   BM25 index over whole paragraphs did as well on CMRC, 0.847 against 0.846 Answer@1,
   but costs a second index; this needs only the passage postings.)
2. the best `candidates` of those are re-ranked inside their paragraphs: each query term's
   BM25 weight in a passage is multiplied by its *local* idf, ln((n + 1) / df), where n is
   the number of passages of the paragraph and df how many of them contain the term. A
   term every passage of the paragraph repeats (its subject: the entity, 人大) says nothing
   about which passage answers; a term only one passage has says a lot;
3. a passage takes over part (`inherit`) of the weight of the terms the one or two passages
   before it in its paragraph have: text refers back to what it is about (公园于……开放 after
   城东湿地公园位于……), so a passage should not lose to the one that merely names the subject;
4. a small bonus for opening a paragraph (`lead_weight`): the first passage states its
   topic; it balances the pull of 3. towards later passages.

The cost is a few vectorised passes over the query terms' postings, like BM25 itself (the
postings of all query terms side by side, sorted by term, then passage); no Python loop
over passages or terms.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from bot.search.bm25 import BM25Index


@dataclass(frozen=True)
class RankConfig:
    paragraph_weight: float = 3.0
    local_weight: float = 0.3
    lead_weight: float = 0.1
    inherit: float = 0.7  # share of a term's weight a passage takes over from the passages before it
    inherit_span: int = 2  # how many passages before it (same paragraph)
    candidates: int = 50


DEFAULT_RANKING = RankConfig()


@dataclass
class _Postings:
    """The postings of the query's terms side by side: term number, passage, BM25 weight."""

    term: np.ndarray
    doc: np.ndarray
    weight: np.ndarray

    @classmethod
    def of(cls, index: BM25Index, query: Sequence[str]) -> "_Postings":
        docs: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for term, times in Counter(query).items():  # a repeated query term counts again, as in rank-bm25
            tid = index.vocab.get(term)
            if tid is None:
                continue
            lo, hi = int(index.offsets[tid]), int(index.offsets[tid + 1])
            docs.append(index.docs[lo:hi])
            weights.append(index.weights[lo:hi] * times if times != 1 else index.weights[lo:hi])
        if not docs:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        term = np.repeat(np.arange(len(docs), dtype=np.int64), [d.size for d in docs])
        return cls(term, np.concatenate(docs).astype(np.int64), np.concatenate(weights))

    @property
    def terms(self) -> int:
        return int(self.term[-1]) + 1 if self.term.size else 0

    def weights_at(self, passages: np.ndarray) -> np.ndarray:
        """(terms x len(passages)) weight of each term in each passage, 0 where absent."""
        n = int(self.doc.max()) + 2 if self.doc.size else 1
        keys = self.term * n + self.doc  # sorted: by term, then passage
        wanted = (np.arange(self.terms, dtype=np.int64)[:, None] * n + np.clip(passages, -1, n - 1)[None, :])
        slot = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
        return np.where(keys[slot] == wanted, self.weight[slot], 0.0)


def _normalised(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if values.size else 0.0
    return values / top if top > 0 else values


def rank(
    bm25: BM25Index,
    unit_of: np.ndarray,
    leads: np.ndarray,
    query: Sequence[str],
    k: int,
    allowed: np.ndarray | None = None,
    config: RankConfig = DEFAULT_RANKING,
) -> list[tuple[int, float]]:
    """The k best (passage, score) pairs, best first, among passages with a query term."""
    postings = _Postings.of(bm25, query)
    if postings.doc.size == 0 or k <= 0:
        return []
    candidates, inverse = np.unique(postings.doc, return_inverse=True)
    passage_scores = np.bincount(inverse, weights=postings.weight)
    if allowed is not None:
        keep = allowed[candidates]
        candidates, passage_scores = candidates[keep], passage_scores[keep]
        if candidates.size == 0:
            return []
    passage_part = _normalised(passage_scores)
    score = passage_part

    units = unit_of[candidates]
    segments = _Segments(postings, unit_of)
    if config.paragraph_weight:
        score = score + config.paragraph_weight * _normalised(segments.paragraph_scores(units))

    if candidates.size > config.candidates:  # only the best few are re-ranked
        part = np.argpartition(-score, config.candidates - 1)[: config.candidates]
        candidates, units, score, passage_part = candidates[part], units[part], score[part], passage_part[part]

    if config.inherit:  # the passage's own part of the score, recomputed with what it takes over
        inherited = _inherited(postings, unit_of, candidates, units, config.inherit, config.inherit_span)
        score = score - passage_part + _normalised(inherited)
    if config.local_weight:
        score = score + config.local_weight * _normalised(segments.local(candidates, units, unit_of))
    if config.lead_weight:
        score = score + config.lead_weight * leads[candidates]

    order = np.lexsort((candidates, -score))[:k]
    return [(int(candidates[i]), float(score[i])) for i in order]


class _Segments:
    """The postings grouped by (term, paragraph): runs, since postings are sorted by term, then passage."""

    def __init__(self, postings: _Postings, unit_of: np.ndarray) -> None:
        self.postings = postings
        self.unit = unit_of[postings.doc].astype(np.int64)
        change = np.r_[True, (postings.term[1:] != postings.term[:-1]) | (self.unit[1:] != self.unit[:-1])]
        self.starts = np.flatnonzero(change)
        self.of_posting = np.cumsum(change) - 1  # segment number of each posting
        self.segment_unit = self.unit[self.starts]

    def paragraph_scores(self, units: np.ndarray) -> np.ndarray:
        """Per entry of `units`: the sum over query terms of the term's best weight in that paragraph."""
        best = np.maximum.reduceat(self.postings.weight, self.starts)
        wanted, where = np.unique(units, return_inverse=True)
        slot = np.searchsorted(wanted, self.segment_unit)
        slot[slot >= wanted.size] = 0
        hit = wanted[slot] == self.segment_unit
        sums = np.bincount(slot[hit], weights=best[hit], minlength=wanted.size)
        return sums[where]

    def local(self, candidates: np.ndarray, units: np.ndarray, unit_of: np.ndarray) -> np.ndarray:
        """Each candidate's BM25 with every term's weight times its idf inside the paragraph,
        ln((n + 1) / df): n passages in the paragraph, df of them with the term."""
        df = np.diff(np.r_[self.starts, self.postings.doc.size])[self.of_posting]
        order = np.argsort(candidates)
        ordered = candidates[order]
        slot = np.minimum(np.searchsorted(ordered, self.postings.doc), ordered.size - 1)
        hit = ordered[slot] == self.postings.doc
        where = order[slot[hit]]
        sizes = _unit_sizes(unit_of, units)[where]
        return np.bincount(where, weights=self.postings.weight[hit] * np.log((sizes + 1) / df[hit]),
                           minlength=candidates.size)


def _inherited(
    postings: _Postings, unit_of: np.ndarray, candidates: np.ndarray, units: np.ndarray, share: float, span: int
) -> np.ndarray:
    """Each candidate's BM25 where every term counts the larger of its own weight and `share`
    of the term's best weight in the `span` passages before it in the same paragraph."""
    first = np.searchsorted(unit_of, units, side="left")  # first passage of each candidate's paragraph
    own = postings.weights_at(candidates)
    before = np.zeros_like(own)
    for back in range(1, span + 1):
        earlier = candidates - back
        before = np.maximum(before, np.where(earlier >= first, postings.weights_at(earlier), 0.0))
    return np.maximum(own, share * before).sum(axis=0)


def _unit_sizes(unit_of: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Number of passages in each of `units` (passages of a unit are contiguous in `unit_of`)."""
    first = np.searchsorted(unit_of, units, side="left")
    last = np.searchsorted(unit_of, units, side="right")
    return (last - first).astype(np.float64)
