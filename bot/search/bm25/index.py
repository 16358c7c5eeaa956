"""The BM25 index of a library's live passages, over its segments; scores equal rank-bm25's.

A library is one or more segments (see `bot.search.segments`): the first and largest (the
*base*) as it was built or last merged, and the newer ones, each a document or a batch of
documents added since. Passages are numbered through all segments in order; a removed
document's passages stay in their segment, marked deleted. The statistics BM25 uses (the
number of passages N, their average length, each term's document frequency) are those of
the live passages only, so that a score is the one rank-bm25 gives on the live passages:
idf and the length factors are recomputed for each edition (a pass over the terms and one
over the passages, milliseconds at a million), never stored.

Each term's postings list stores the passages it occurs in (sorted, uint32) and its count
there; a posting's weight is computed in float64 only when a query touches it, with
rank-bm25's own expression (`variants.py`). The base is searched by MaxScore (`maxscore.py`)
with the deleted passages left out; the newer segments are combined, when an edition opens,
into one small in-memory index (`TailPostings`) that is scored in full and merged into the
top k. A term's bound in the base is its largest weight without the idf at the base's own
average length (`Postings.tf_bound`) times its idf now, scaled up by the ratio of the average
lengths when it grew (the length factor falls at most in that ratio): a bound, never less.

The postings of the frequent terms are also kept passage by passage (`fwd_*`), so the
weights of a few passages for many terms (probes, near-tie re-scoring, the re-ranking pool,
the last few candidates) come from their rows rather than from a binary search in every long
list; `lookup_many` mixes the two and gives the same bits either way.
"""

from __future__ import annotations

import threading
from collections import ChainMap, Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.search.bm25.build import postings_of_tokens, sort_postings
from bot.search.bm25.maxscore import (
    DEFAULT_TUNING,
    MaxScoreTuning,
    TermList,
    best,
    final,
    firsts,
    kept,
    top_k,
)
from bot.search.bm25.postings import Postings
from bot.search.bm25.variants import BM25Params, Weigher

_BOUND_MARGIN = 1 + 1e-12  # the bound is a product of rounded numbers: never below a weight


@dataclass(frozen=True)
class SegmentPart:
    """A segment as an edition has it: its postings and which of its passages are deleted,
    with the deleted passages' document frequencies (segment term ids and counts)."""

    postings: Postings
    deleted: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    deleted_terms: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    deleted_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


def deleted_df(postings: Postings, deleted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(term ids, counts): how many of the `deleted` passages each term of the segment is in,
    read from its postings (every list is read: for small segments, or to check)."""
    if not len(deleted):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    mask = np.zeros(postings.n_docs, dtype=bool)
    mask[np.asarray(deleted)] = True
    hit = mask[np.asarray(postings.docs)]
    tids = np.repeat(np.arange(postings.n_terms), postings.df)[hit]
    counts = np.bincount(tids, minlength=postings.n_terms)
    terms = np.flatnonzero(counts)
    return terms.astype(np.int64), counts[terms].astype(np.int64)


def deleted_df_of(
    postings: Postings, deleted: np.ndarray, candidates: Iterable[int]
) -> tuple[np.ndarray, np.ndarray]:
    """`deleted_df` for a large segment, knowing which terms the deleted passages can have
    (`candidates`, e.g. from segmenting their texts again): only those lists are searched."""
    deleted = np.asarray(deleted, dtype=np.int64)
    keys = deleted.astype(postings.docs.dtype) if deleted.size else deleted
    terms, counts = [], []
    offsets = postings.offsets
    for t in sorted(set(candidates)):
        lo, hi = int(offsets[t]), int(offsets[t + 1])
        docs = postings.docs[lo:hi]
        if not docs.size:
            continue
        at = np.searchsorted(docs, keys)
        np.minimum(at, docs.size - 1, out=at)
        c = int(np.count_nonzero(docs[at] == keys))
        if c:
            terms.append(t)
            counts.append(c)
    return np.asarray(terms, dtype=np.int64), np.asarray(counts, dtype=np.int64)


@dataclass
class TailPostings:
    """The postings of the segments after the base, in the index's numbering: term ids of the
    whole index (the base's, then `extra_terms`), passage ids from `first` on."""

    first: int
    lengths: np.ndarray
    offsets: np.ndarray  # term id -> start of its postings (len all terms + 1)
    docs: np.ndarray
    tfs: np.ndarray
    extra_terms: list[str]
    extra_vocab: dict[str, int]
    maps: list[np.ndarray]  # per segment: its term ids -> the index's

    @property
    def n_docs(self) -> int:
        return int(self.lengths.shape[0])


def combine_tail(base: Postings, segments: Sequence[Postings]) -> TailPostings:
    vocab = base.vocab
    extra: dict[str, int] = {}
    n_base_terms = base.n_terms
    term_parts, pid_parts, tf_parts, maps = [], [], [], []
    at = base.n_docs
    for seg in segments:
        ids = np.fromiter((vocab.get(t, -1) for t in seg.terms), dtype=np.int64, count=seg.n_terms)
        for i in np.flatnonzero(ids < 0).tolist():
            term = seg.terms[i]
            ids[i] = n_base_terms + extra.setdefault(term, len(extra))
        maps.append(ids)
        term_parts.append(np.repeat(ids, seg.df))
        pid_parts.append(np.asarray(seg.docs, dtype=np.int64) + at)
        tf_parts.append(np.asarray(seg.tfs))
        at += seg.n_docs
    n_terms = n_base_terms + len(extra)
    if term_parts:
        t, docs, tfs = sort_postings(
            np.concatenate(term_parts), np.concatenate(pid_parts), np.concatenate(tf_parts)
        )
    else:
        t, docs, tfs = np.zeros(0, np.int64), np.zeros(0, np.uint32), np.zeros(0, np.uint8)
    offsets = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(np.bincount(t, minlength=n_terms), out=offsets[1:])
    lengths = (
        np.concatenate([np.asarray(s.lengths, dtype=np.int32) for s in segments])
        if segments
        else np.zeros(0, np.int32)
    )
    extra_terms = [""] * len(extra)
    for term, i in extra.items():
        extra_terms[i] = term
    return TailPostings(
        base.n_docs,
        lengths,
        offsets,
        docs,
        tfs,
        extra_terms,
        {t: n_base_terms + i for t, i in extra.items()},
        maps,
    )


class BM25Index:
    """BM25 over the live passages of one or more segments (see the module docstring).

    `top_lists`, `term_lists`, `lookup_many` and `terms` are what the ranking uses; passage
    and term ids are the index's (all segments numbered in order)."""

    def __init__(
        self,
        params: BM25Params,
        base: Postings,
        parts: Sequence[SegmentPart] = (),
    ) -> None:
        """The index of `base` (the first segment, as the first of `parts` when it has
        deletions) and the newer segments of `parts`."""
        if parts and parts[0].postings is not base:
            raise ValueError("the first part must be the base")
        parts = list(parts) or [SegmentPart(base)]
        self.params = params
        self.formulas = params.formulas
        self.base = base
        self.offsets = np.asarray(base.offsets)
        self.docs = np.asarray(base.docs)  # plain ndarray views of mapped files: fast slicing
        self.tfs = np.asarray(base.tfs)
        self.fwd_offsets = base.fwd_offsets
        self.fwd_terms = None if base.fwd_terms is None else np.asarray(base.fwd_terms)
        self.fwd_tfs = None if base.fwd_tfs is None else np.asarray(base.fwd_tfs)
        self.fwd_row_of = base.fwd_row_of
        self.n_row_terms = base.n_row_terms
        self.has_rows = self.fwd_offsets is not None
        self.n_base = base.n_docs
        self.tail = combine_tail(base, [p.postings for p in parts[1:]]) if len(parts) > 1 else None
        self.n_segments = len(parts)
        self.n_docs = self.n_base + (self.tail.n_docs if self.tail is not None else 0)
        n_terms = base.n_terms + (len(self.tail.extra_terms) if self.tail is not None else 0)
        self.n_terms = n_terms
        self._terms: list[str] | None = None if self.tail is not None else base.terms
        self._local = threading.local()

        # the live passages' statistics
        df = np.zeros(n_terms, dtype=np.int64)
        df[: base.n_terms] = base.df
        if self.tail is not None:
            df[base.n_terms :] = 0
            df += np.diff(self.tail.offsets)
        live: np.ndarray | None = None
        n_live, length = self.n_docs, base.total_length
        if self.tail is not None:
            length += int(self.tail.lengths.astype(np.int64).sum())
        at = 0
        for i, part in enumerate(parts):
            seg = part.postings
            if len(part.deleted):
                if live is None:
                    live = np.ones(self.n_docs, dtype=bool)
                deleted = np.asarray(part.deleted, dtype=np.int64)
                live[at + deleted] = False
                n_live -= deleted.size
                length -= int(np.asarray(seg.lengths)[deleted].astype(np.int64).sum())
                ids = (
                    np.asarray(part.deleted_terms, dtype=np.int64)
                    if i == 0 or self.tail is None
                    else self.tail.maps[i - 1][np.asarray(part.deleted_terms, dtype=np.int64)]
                )
                np.subtract.at(df, ids, np.asarray(part.deleted_counts, dtype=np.int64))
            at += seg.n_docs
        if np.any(df < 0):
            raise ValueError("more deleted postings than postings")
        self.live = live
        self.n_live = n_live
        self.length_sum = length
        self.avgdl = length / n_live if n_live and length else 0.0
        self.df = df
        present = df > 0
        idf = np.zeros(n_terms)
        baseline = np.zeros(n_terms)
        idf[present], baseline[present] = self.formulas.idf(
            params, n_live, df[present].astype(np.float64)
        )
        self.idf, self.baseline = idf, baseline
        lengths = np.asarray(base.lengths, dtype=np.float64)
        if self.tail is not None:
            lengths = np.concatenate([lengths, self.tail.lengths.astype(np.float64)])
        self.lf = self.formulas.length_factor(params, lengths, self.avgdl)
        del lengths
        # a posting's BM25 weight (float64), the same expression as rank-bm25's: the variant's
        # formula chosen once, with this index's idf and length factors
        self._weights: Weigher = self.formulas.weigher(params, self.idf, self.lf)
        grow = self.avgdl / base.avgdl if base.avgdl and self.avgdl > base.avgdl else 1.0
        base_idf = idf[: base.n_terms]
        self.bound = np.where(base_idf > 0, base_idf * base.tf_bound * (grow * _BOUND_MARGIN), 0.0)

    # ---- construction ----------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        corpus: Sequence[Sequence[str]],
        params: BM25Params | None = None,
        rows_min_df: int | None = None,
    ) -> BM25Index:
        """The index of passages given as token lists (one segment, in memory)."""
        params = params or BM25Params()
        return cls(params, postings_of_tokens(corpus, params, rows_min_df))

    @property
    def terms(self) -> list[str]:
        """Term id -> term."""
        if self._terms is None:
            assert self.tail is not None
            self._terms = self.base.terms + self.tail.extra_terms
        return self._terms

    @property
    def vocab(self) -> Mapping[str, int]:
        """Term -> id, every term of every segment (one whose passages are all deleted too:
        `term_id` says None for it)."""
        if self.tail is None:
            return self.base.vocab
        return ChainMap(self.tail.extra_vocab, self.base.vocab)

    def term_id(self, term: str) -> int | None:
        """The term's id, None if no live passage has it."""
        tid = self.base.vocab.get(term)
        if tid is None and self.tail is not None:
            tid = self.tail.extra_vocab.get(term)
        return tid if tid is not None and self.df[tid] > 0 else None

    # ---- weights -----------------------------------------------------------------------
    def term_weights(
        self, tl: TermList, docs: np.ndarray | None = None, tfs: np.ndarray | None = None
    ) -> np.ndarray:
        docs = tl.docs if docs is None else docs
        tfs = tl.tfs if tfs is None else tfs
        w = self._weights(tl.tid, docs, tfs)
        return w * tl.times if tl.times != 1 else w

    # ---- query -------------------------------------------------------------------------
    def term_lists(
        self,
        query: Iterable[str],
        span: tuple[int, int] | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> list[TermList]:
        """The postings of the query's known terms, in order of first occurrence; `span`
        (lo, hi) keeps only passages lo <= pid < hi. `weights` scales a term's weight (a
        term the question does not use itself, such as a synonym, counts for less); a term
        repeated in the query counts again each time, as in rank-bm25."""
        out = []
        n_base_terms = self.base.n_terms
        tail = self.tail
        vocab, extra, df = self.base.vocab, tail.extra_vocab if tail is not None else None, self.df
        for term, count in Counter(query).items():
            times: float = count * (weights.get(term, 1.0) if weights else 1.0)
            tid = vocab.get(term)
            if tid is None and extra is not None:
                tid = extra.get(term)
            if tid is None or df[tid] <= 0:
                continue
            if tid < n_base_terms:
                lo, hi = int(self.offsets[tid]), int(self.offsets[tid + 1])
            else:
                lo = hi = 0
            docs, tfs = self.docs[lo:hi], self.tfs[lo:hi]
            whole = True
            if span is not None and docs.size:
                a, b = np.searchsorted(docs, span, side="left")
                whole = b - a == docs.size  # no span cut it: the rows hold the same
                docs, tfs = docs[a:b], tfs[a:b]
                lo += int(a)
            in_rows = whole and self.has_rows and docs.size > 0 and int(self.fwd_row_of[tid]) >= 0  # type: ignore[index]
            bound = times * float(self.bound[tid]) if tid < n_base_terms else 0.0
            part = None
            if tail is not None and int(tail.offsets[tid + 1]) > int(tail.offsets[tid]):
                tlo, thi = int(tail.offsets[tid]), int(tail.offsets[tid + 1])
                tdocs, ttfs = tail.docs[tlo:thi], tail.tfs[tlo:thi]
                if span is not None:
                    a, b = np.searchsorted(tdocs, span, side="left")
                    tdocs, ttfs = tdocs[a:b], ttfs[a:b]
                    tlo += int(a)
                if tdocs.size:
                    part = TermList(tid, times, tdocs, ttfs, 0.0, tlo)
            if not docs.size and part is None:
                continue
            out.append(TermList(tid, times, docs, tfs, bound, lo, in_rows, part))
        return out

    def constant(self, query: Iterable[str]) -> float:
        return sum(
            times * float(self.baseline[tid])
            for term, times in Counter(query).items()
            if (tid := self.term_id(term)) is not None
        )

    def get_scores(self, query: Sequence[str]) -> np.ndarray:
        """Scores of every passage, equal to rank-bm25's `get_scores(query)` on the live
        passages (deleted passages: -inf)."""
        scores = np.zeros(self.n_docs, dtype=np.float64)
        for tl in self.term_lists(query):
            for part in (tl, tl.tail):
                if part is not None and part.docs.size:
                    scores += np.bincount(
                        part.docs, weights=self.term_weights(part), minlength=self.n_docs
                    )
        scores += self.constant(query)
        if self.live is not None:
            scores[~self.live] = -np.inf
        return scores

    def lookup(self, tl: TermList, pids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, weight) of the term's list `tl.docs` in each of the sorted `pids`."""
        if not tl.docs.size or not pids.size:
            return np.zeros(pids.size, bool), np.zeros(pids.size)
        pos = np.searchsorted(tl.docs, _as_docs(pids, tl.docs))  # same dtype: not converted
        np.minimum(pos, tl.docs.size - 1, out=pos)
        found = tl.docs[pos] == pids
        w = np.zeros(pids.size)
        at = np.flatnonzero(found)  # positions, not the mask: see `kept`
        if at.size:
            w[at] = self.term_weights(tl, pids.take(at), tl.tfs[pos.take(at)])
        return found, w

    def top_lists(
        self,
        lists: list[TermList],
        k: int,
        allowed: np.ndarray | None = None,
        tuning: MaxScoreTuning = DEFAULT_TUNING,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The exact k best (passages, scores without the constant) among live passages that
        have one of the terms (and are `allowed`: a mask over passages), best first; ties by
        passage id."""
        if not lists or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0)
        if self.live is not None:
            allowed = self.live if allowed is None else allowed & self.live
        base = [tl for tl in lists if tl.docs.size]
        pids, scores = (
            top_k(self, base, k, allowed, tuning) if base else (np.zeros(0, np.int64), np.zeros(0))
        )
        if self.tail is None or all(tl.tail is None for tl in lists):
            return pids, scores
        tail_pids, tail_scores = self._tail_top(lists, k, allowed)
        pids = np.concatenate([pids, tail_pids])
        scores = np.concatenate([scores, tail_scores])
        if pids.size > k:
            # each side's scores are exact and consistent; passages of both sides with equal
            # scores near the k-th may differ in the last bit (added up in other orders): then
            # those are scored again in one order, as `get_scores` adds them up
            kth = float(np.partition(scores, pids.size - k)[pids.size - k])
            near = pids[scores >= kth - 1e-9 * abs(kth)]
            if near.size > k and near.min() < self.n_base <= near.max():
                order = np.argsort(pids)
                return final(self, lists, pids[order], scores[order], k)
        return best(pids, scores, k)

    def _tail_top(
        self, lists: list[TermList], k: int, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k best of the newer segments, all their postings scored (they are small)."""
        assert self.tail is not None
        parts = [tl.tail for tl in lists if tl.tail is not None]
        sizes = [p.docs.size for p in parts]
        docs = np.concatenate([p.docs for p in parts])
        tids = np.repeat(np.fromiter((p.tid for p in parts), np.int64, len(parts)), sizes)
        weights = self._weights(tids, docs, np.concatenate([p.tfs for p in parts]))
        if any(p.times != 1 for p in parts):
            weights *= np.repeat(
                np.fromiter((p.times for p in parts), np.float64, len(parts)), sizes
            )
        first, n = self.tail.first, self.tail.n_docs
        local = docs.astype(np.int64) - first
        sums = np.bincount(local, weights=weights, minlength=n)  # in the lists' order
        cands = np.flatnonzero(np.bincount(local, minlength=n))
        if allowed is not None:
            (cands,) = kept(allowed[cands + first], cands)
        return best(cands + first, sums[cands], k)

    def top(
        self,
        query: Sequence[str],
        k: int,
        allowed: np.ndarray | None = None,
        span: tuple[int, int] | None = None,
        tuning: MaxScoreTuning = DEFAULT_TUNING,
    ) -> list[tuple[int, float]]:
        """The k best (passage, score) pairs among live passages that contain a query term,
        best first. `allowed`: an optional mask over passages; `span`: passages lo <= pid < hi."""
        pids, scores = self.top_lists(self.term_lists(query, span), k, allowed, tuning)
        constant = self.constant(query)
        return [(int(p), float(s) + constant) for p, s in zip(pids, scores, strict=False)]

    def idf_of(self, term: str) -> float | None:
        tid = self.term_id(term)
        return None if tid is None else float(self.idf[tid])

    # ---- what the search does with lists (see `maxscore.Scorer`) -----------------------------
    def lookup_many(self, lists: list[TermList], pids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found, weight), each (lists x passages), of the terms in the sorted passages `pids`.
        Whole lists of terms kept in the forward rows are read from the passages' rows, the
        others with one binary search a list and the rest done at once; passages of the newer
        segments from their postings."""
        pids = np.asarray(pids)
        if self.tail is None or not pids.size or int(pids[-1]) < self.n_base:
            return self._lookup_base(lists, pids)
        cut = int(np.searchsorted(pids, self.n_base))
        m, n = len(lists), pids.size
        found, weights = np.empty((m, n), bool), np.empty((m, n))
        found[:, :cut], weights[:, :cut] = self._lookup_base(lists, pids[:cut])
        parts = [tl.tail if tl.tail is not None else _EMPTY for tl in lists]
        found[:, cut:], weights[:, cut:] = self._lookup_lists(
            parts, pids[cut:], self.tail.docs, self.tail.tfs
        )
        return found, weights

    def _lookup_base(
        self, lists: list[TermList], pids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        m, n = len(lists), pids.size
        if m and n and self.has_rows:
            in_rows = [i for i, tl in enumerate(lists) if tl.in_rows]
            if len(in_rows) == m:
                return self._lookup_rows(lists, pids)
            if in_rows:
                rest = [i for i, tl in enumerate(lists) if not tl.in_rows]
                found, weights = np.empty((m, n), bool), np.empty((m, n))
                found[in_rows], weights[in_rows] = self._lookup_rows(
                    [lists[i] for i in in_rows], pids
                )
                found[rest], weights[rest] = self._lookup_lists(
                    [lists[i] for i in rest], pids, self.docs, self.tfs
                )
                return found, weights
        return self._lookup_lists(lists, pids, self.docs, self.tfs)

    def _lookup_lists(
        self, lists: list[TermList], pids: np.ndarray, all_docs: np.ndarray, all_tfs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """`lookup_many` by binary searches in the lists (views of `all_docs` from `tl.start`)."""
        m, n = len(lists), pids.size
        if not m or not n or not all_docs.size or any(tl.start < 0 for tl in lists):
            found, weights = np.zeros((m, n), bool), np.zeros((m, n))
            for i, tl in enumerate(lists):
                found[i], weights[i] = self.lookup(tl, pids)
            return found, weights
        keys = _as_docs(pids, all_docs)
        pos = np.empty((m, n), dtype=np.int64)
        empty = []
        for i, tl in enumerate(lists):
            if tl.docs.size:
                row = np.searchsorted(tl.docs, keys)
                np.minimum(row, tl.docs.size - 1, out=row)
                np.add(row, tl.start, out=pos[i])
            else:
                pos[i] = 0
                empty.append(i)
        found = all_docs[pos] == keys
        if empty:
            found[empty] = False
        tids = np.fromiter((tl.tid for tl in lists), dtype=np.int64, count=m)[:, None]
        weights = self._weights(tids, pids[None, :], all_tfs[pos])  # as `term_weights`
        if any(tl.times != 1 for tl in lists):
            weights = weights * np.fromiter((tl.times for tl in lists), np.float64, m)[:, None]
        weights[~found] = 0.0
        return found, weights

    def _lookup_rows(
        self, lists: list[TermList], pids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """`lookup_many` from the passages' rows of the forward postings (terms kept in the rows).
        Each row posting is placed by its term's list number (a small table from row id to list)
        and its passage's: gathers and one scatter, where a search of every (list, passage) pair
        in the rows cost several times more."""
        assert self.fwd_offsets is not None and self.fwd_terms is not None
        assert self.fwd_tfs is not None and self.fwd_row_of is not None
        m, n = len(lists), pids.size
        tids = np.fromiter((tl.tid for tl in lists), dtype=np.int64, count=m)
        rids = self.fwd_row_of[tids]
        if rids.min() < 0:
            raise ValueError("a term not kept in the forward rows")
        distinct = list(dict.fromkeys(rids.tolist()))  # a term given twice is read once
        column = np.full(self.n_row_terms, -1, dtype=np.int64)  # row id -> number in `distinct`
        column[distinct] = np.arange(len(distinct))
        lo = self.fwd_offsets[pids].astype(np.int64)
        lens = self.fwd_offsets[pids + 1].astype(np.int64) - lo
        total = int(lens.sum())
        starts = np.cumsum(lens) - lens
        at = np.repeat(lo - starts, lens) + np.arange(total)  # positions of the rows' postings
        col = column[self.fwd_terms[at]]
        hit = np.flatnonzero(col >= 0)
        where = (col[hit], np.repeat(np.arange(n), lens)[hit])  # (term, passage) wanted
        found = np.zeros((len(distinct), n), bool)
        tfs = np.zeros((len(distinct), n), self.fwd_tfs.dtype)
        found[where] = True
        tfs[where] = self.fwd_tfs[at[hit]]
        if len(distinct) < m:
            back = column[rids]
            found, tfs = found[back], tfs[back]
        weights = self._weights(tids[:, None], pids[None, :], tfs)  # as `term_weights`
        if any(tl.times != 1 for tl in lists):
            weights = weights * np.fromiter((tl.times for tl in lists), np.float64, m)[:, None]
        weights[~found] = 0.0
        return found, weights

    def scores_of(self, lists: list[TermList], pids: np.ndarray) -> np.ndarray:
        """Full scores (without the constant) of the sorted passages `pids`, added up in the
        lists' order (as `get_scores` does)."""
        scores = np.zeros(pids.size)
        if lists and pids.size:
            for row in self.lookup_many(lists, pids)[1]:
                scores += row
        return scores

    def _scratch(self) -> np.ndarray:
        """A zeroed float array over all passages, one a thread, reused (and left zeroed) by
        every query: dense accumulation without allocating per query."""
        acc = getattr(self._local, "acc", None)
        if acc is None:
            acc = np.zeros(self.n_docs)
            self._local.acc = acc
        return acc

    def _marks(self) -> np.ndarray:
        """A cleared flag per passage, one array a thread, left cleared by its users."""
        marks = getattr(self._local, "marks", None)
        if marks is None:
            marks = np.zeros(self.n_docs, dtype=bool)
            self._local.marks = marks
        return marks

    def sums(
        self, lists: list[TermList], init: tuple[np.ndarray, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(sorted passages in any of the lists, their summed weights), added to `init`
        (sorted passages, their partial sums) when given."""
        if init is None and len(lists) == 1:
            return lists[0].docs, self.term_weights(lists[0])
        parts = ([init[0]] if init is not None else []) + [tl.docs for tl in lists]
        docs = np.concatenate(parts) if len(parts) > 1 else parts[0].copy()
        docs.sort()
        (cands,) = kept(firsts(docs), docs)
        acc = self._scratch()  # dense accumulation (cleared again below)
        try:
            if init is not None:
                acc[init[0]] = init[1]
            for tl in lists:  # a passage occurs once per list: adds in order, as `get_scores` does
                np.add.at(acc, tl.docs, self.term_weights(tl))  # (faster than `acc[docs] +=`)
            return cands, acc[cands]
        finally:
            acc[cands] = 0.0

    def weights_at(self, tl: TermList, pids: np.ndarray) -> np.ndarray:
        """The term's weight in each of the sorted passages `pids` (0 where absent)."""
        if pids.size * 12 < tl.docs.size or pids.size < 256:  # few passages: binary search
            return self.lookup(tl, pids)[1]
        # many: mark them in a dense flag array and read the flags along the list (sequential,
        # a few ns a posting, where a binary search costs tens of ns of cache misses a passage)
        keys = _as_docs(pids, tl.docs)
        marks = self._marks()
        marks[keys] = True
        try:
            sel = np.flatnonzero(marks[tl.docs])
        finally:
            marks[keys] = False
        out = np.zeros(pids.size)
        if sel.size:
            docs = tl.docs[sel]
            out[np.searchsorted(keys, docs)] = self.term_weights(tl, docs, tl.tfs[sel])
        return out


_EMPTY = TermList(-1, 1, np.zeros(0, np.uint32), np.zeros(0, np.uint8), 0.0, 0)


def _as_docs(pids: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """`pids` in the postings' dtype when they fit: np.searchsorted converts the searched array
    (a whole posting list) to the keys' dtype otherwise, at every call."""
    if pids.dtype == docs.dtype or not pids.size:
        return pids
    if (
        docs.dtype == np.uint32 and 0 <= int(pids[0]) and int(pids[-1]) < 2**32
    ):  # sorted: ends bound it
        return pids.astype(np.uint32)
    return pids
