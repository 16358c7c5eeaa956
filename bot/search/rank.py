"""Rank passages for a query: passage BM25, blended with the paragraph's BM25, then re-ranked.

The BM25 scores themselves are rank-bm25's (see `bm25.py`); everything here is layered on
top of them and touches only the postings of the query's own terms:

1. every passage that contains a query term gets its passage BM25 score and a score for its
   paragraph, each divided by the best among the candidates, and blended:
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

The cost is a few passes over the query terms' postings, like BM25 itself; no loop over
passages in Python.
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


def _postings(index: BM25Index, query: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(passages, BM25 weights) of each distinct query term the index knows, repeats counted."""
    out = []
    for term, times in Counter(query).items():
        tid = index.vocab.get(term)
        if tid is None:
            continue
        lo, hi = index.offsets[tid], index.offsets[tid + 1]
        weights = index.weights[lo:hi]
        out.append((index.docs[lo:hi], weights * times if times != 1 else weights))
    return out


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
    postings = _postings(bm25, query)
    if not postings or k <= 0:
        return []
    docs = np.concatenate([d for d, _ in postings])
    candidates, inverse = np.unique(docs, return_inverse=True)
    passage_scores = np.bincount(inverse, weights=np.concatenate([w for _, w in postings]))
    if allowed is not None:
        keep = allowed[candidates]
        candidates, passage_scores = candidates[keep], passage_scores[keep]
        if candidates.size == 0:
            return []
    passage_part = _normalised(passage_scores)
    score = passage_part

    units = unit_of[candidates]
    if config.paragraph_weight:
        score = score + config.paragraph_weight * _normalised(_paragraph_scores(postings, unit_of, units))

    if candidates.size > config.candidates:  # only the best few are re-ranked
        part = np.argpartition(-score, config.candidates - 1)[: config.candidates]
        candidates, units, score, passage_part = candidates[part], units[part], score[part], passage_part[part]

    if config.inherit:  # the passage's own part of the score, recomputed with what it takes over
        inherited = _inherited(postings, unit_of, candidates, units, config.inherit, config.inherit_span)
        score = score - passage_part + _normalised(inherited)
    if config.local_weight:
        score = score + config.local_weight * _normalised(_local(postings, unit_of, candidates, units))
    if config.lead_weight:
        score = score + config.lead_weight * leads[candidates]

    order = np.lexsort((candidates, -score))[:k]
    return [(int(candidates[i]), float(score[i])) for i in order]


def _paragraph_scores(postings: list[tuple[np.ndarray, np.ndarray]], unit_of: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Per entry of `units`: the sum over query terms of the term's best weight in that paragraph."""
    wanted = np.unique(units)
    sums = np.zeros(wanted.size)
    for docs, weights in postings:
        term_units = unit_of[docs]  # non-decreasing: postings are in passage order
        starts = np.flatnonzero(np.r_[True, term_units[1:] != term_units[:-1]])
        present = term_units[starts]
        best = np.maximum.reduceat(weights, starts)
        slot = np.searchsorted(present, wanted)
        slot[slot >= present.size] = 0
        hit = present[slot] == wanted
        sums[hit] += best[slot[hit]]
    return sums[np.searchsorted(wanted, units)]


def _local(
    postings: list[tuple[np.ndarray, np.ndarray]], unit_of: np.ndarray, candidates: np.ndarray, units: np.ndarray
) -> np.ndarray:
    """Each candidate's BM25 with every term's weight times its local idf in the paragraph."""
    sizes = _unit_sizes(unit_of, units)
    order = np.argsort(candidates)
    sorted_candidates = candidates[order]
    local = np.zeros(candidates.size)
    for docs, weights in postings:
        term_units = unit_of[docs]
        present, counts = np.unique(term_units, return_counts=True)
        # which of this term's passages are candidates, and where they sit among them
        slot = np.searchsorted(sorted_candidates, docs)
        slot[slot >= sorted_candidates.size] = 0
        hit = sorted_candidates[slot] == docs
        if not hit.any():
            continue
        where = order[slot[hit]]
        df = counts[np.searchsorted(present, term_units[hit])]
        local[where] += weights[hit] * np.log((sizes[where] + 1) / df)
    return local


def _unit_sizes(unit_of: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Number of passages in each of `units` (passages of a unit are contiguous in `unit_of`)."""
    first = np.searchsorted(unit_of, units, side="left")
    last = np.searchsorted(unit_of, units, side="right")
    return (last - first).astype(np.float64)


def _inherited(
    postings: list[tuple[np.ndarray, np.ndarray]], unit_of: np.ndarray, candidates: np.ndarray, units: np.ndarray,
    share: float, span: int,
) -> np.ndarray:
    """Each candidate's BM25 where every term counts the larger of its own weight and `share`
    of the term's best weight in the `span` passages before it in the same paragraph."""
    first = np.searchsorted(unit_of, units, side="left")  # first passage of each candidate's paragraph
    total = np.zeros(candidates.size)
    for docs, weights in postings:
        own = _weights_at(docs, weights, candidates)
        before = np.zeros(candidates.size)
        for back in range(1, span + 1):
            earlier = candidates - back
            before = np.maximum(before, np.where(earlier >= first, _weights_at(docs, weights, earlier), 0.0))
        total += np.maximum(own, share * before)
    return total


def _weights_at(docs: np.ndarray, weights: np.ndarray, passages: np.ndarray) -> np.ndarray:
    """The term's weight in each of `passages` (0 where it does not occur); `docs` is sorted."""
    slot = np.minimum(np.searchsorted(docs, passages), docs.size - 1)
    return np.where(docs[slot] == passages, weights[slot], 0.0)
