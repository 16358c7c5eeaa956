"""A sparse BM25 index whose scores equal rank-bm25's for the same tokens and parameters.

rank-bm25 scores every passage in Python for every query term. Here each term's posting
list stores the passages it occurs in (sorted, uint32) and the term's count there (a small
unsigned int); with each passage's length norm kept beside them, the BM25 weight of a
posting is computed in float64 only when a query touches it, exactly as rank-bm25 does.
Variants follow rank-bm25 exactly:

- ``okapi``: BM25Okapi. idf = ln((N-n+.5)/(n+.5)), negative idfs floored at
  epsilon * mean idf. On a small corpus a term in half the passages weighs ~0 (the
  pitfall of rank-bm25 issues #39/#43): 人大 in a speech about 人大.
- ``plus``: BM25Plus. idf = ln((N+1)/n) stays positive; every query term adds
  idf*delta to *every* passage, a constant that does not change the ranking.
- ``l``: BM25L. idf = ln((N+1)/(n+.5)); rank-bm25 also multiplies by the raw term count.

For ``plus`` the constant part is kept apart (`baseline`), so scores still equal
rank-bm25's `get_scores` while postings stay sparse.

`top` is an exact top-k by MaxScore (Turtle & Flood 1995): each term's upper bound is its
largest weight. Once some k passages' scores give a threshold theta, any set of terms whose
bounds add up to less than theta may be left out of the summing: a passage in none of the
other ("essential") lists cannot reach the top k. The terms left out are chosen by postings
per unit of bound, so the long lists of common characters are left out and mostly short,
rare ones are summed; the left-out terms are looked up only for the candidates whose partial
score plus their bounds can still reach theta (binary search, flags read along a long list
for many candidates, or the candidates' forward rows once few are left). Character unigrams
make nearly every passage share a term with a question, so scoring every posting would cost
milliseconds per 100k passages; this touches a few thousand.

The postings of the frequent terms are also kept passage by passage (`fwd_*`: each passage's
row of those terms, sorted, and counts), so the weights of a few passages for many terms
(probes, near-tie re-scoring, the re-ranking pool, the last few candidates) come from their
rows rather than from a binary search in every long list. Only terms in at least
`row_min_df` passages (2% of them, at least 64) are in the rows, renumbered densely
(`fwd_row_of`: term id -> row id, -1 if not kept) so row ids fit in uint8/uint16: the rows
are touched at random passages, so after some questions nearly all their pages are resident,
and rows of every term (571 MB at 1M passages) cost ~550 MiB of RSS where these cost ~135.
Terms left out have short lists, searched as without rows; `lookup_many` mixes the two and
gives the same bits either way.

Scores added up along different paths may differ in the last bit for equal passages (the
synthetic benchmark corpus repeats every sentence ~300 times at 1M passages), so candidates
near the k-th score are scored again in the lists' order, as `get_scores` does: ties go to
the lower passage id whichever path found them.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class BM25Params:
    variant: str = "plus"
    k1: float = 1.2
    b: float = 0.75
    delta: float = 1.0  # plus and l
    epsilon: float = 0.25  # okapi


_ARRAYS = (
    "offsets",
    "docs",
    "tfs",
    "lengths",
    "idf",
    "baseline",
    "bound",
    "fwd_offsets",
    "fwd_terms",
    "fwd_tfs",
    "fwd_row_of",
)
_MAPPED = (
    "docs",
    "tfs",
    "fwd_terms",
    "fwd_tfs",
)  # memory-mapped on load: postings, read where queries touch them
_EXHAUSTIVE = 30_000  # below this many postings a query is simply scored in full
# forward rows keep the terms in at least max(n_docs // ROW_DF_DIVISOR, ROW_DF_FLOOR) passages (2%: at 1M
# passages 833 terms, 42% of the postings, 138 MB; rows of all terms were 571 MB, nearly all resident)
ROW_DF_DIVISOR = 50
ROW_DF_FLOOR = 64


@dataclass
class TermList:
    """One query term's postings (possibly restricted to a range of passages)."""

    tid: int
    times: float  # how often the query repeats the term (rank-bm25 counts it again each time),
    # times its query weight
    docs: np.ndarray
    tfs: np.ndarray
    bound: float  # times * the term's largest weight
    start: int = -1  # where `docs` starts in the index's postings arrays (-1: not a view of them)
    in_rows: bool = False  # the whole list is in the forward rows (decided once, in `term_lists`)


class BM25Index:
    def __init__(
        self,
        params: BM25Params,
        terms: list[str],
        arrays: dict[str, np.ndarray],
        n_docs: int,
    ) -> None:
        self.params = params
        self.terms = terms
        self.vocab = {t: i for i, t in enumerate(terms)}
        self.offsets = arrays["offsets"]  # term -> start of its postings (len terms + 1)
        # plain ndarray views of the (memory-mapped) postings: slicing a np.memmap is slow
        self.docs = np.asarray(arrays["docs"])  # postings: passage ids, sorted within each term
        self.tfs = np.asarray(arrays["tfs"])  # postings: term count in the passage
        self.lengths = arrays["lengths"]  # passage -> number of tokens
        self.idf = arrays["idf"]
        self.baseline = arrays["baseline"]
        self.bound = arrays["bound"]  # term -> its largest weight (MaxScore upper bound)
        # the same postings passage by passage (terms sorted within a passage): a few passages'
        # weights for many terms are read from their rows instead of a binary search per list
        self.fwd_offsets = arrays.get(
            "fwd_offsets"
        )  # passage -> start of its row (len passages + 1)
        self.fwd_terms = (
            None if arrays.get("fwd_terms") is None else np.asarray(arrays["fwd_terms"])
        )
        self.fwd_tfs = None if arrays.get("fwd_tfs") is None else np.asarray(arrays["fwd_tfs"])
        self.fwd_row_of = arrays.get(
            "fwd_row_of"
        )  # term -> its id in the rows (-1: only in its list)
        self.n_row_terms = (
            0
            if self.fwd_row_of is None or not self.fwd_row_of.size
            else int(self.fwd_row_of.max()) + 1
        )
        self.n_docs = n_docs
        self._local = threading.local()
        self.seed_postings = (
            6144  # MaxScore's first estimate of the k-th score: postings of the strongest terms
        )
        self.long_list: int | None = (
            None  # essential lists longer than this wait for a better theta (None: auto)
        )
        self.seed_factor = 4  # candidates scored in full to raise theta: this many times k
        self.rows_below = (
            256  # this few candidates left: their rows give all remaining terms at once
        )
        self.seed_scored = (
            40  # ... and this many of the seed's (0: the seed's partial sums give theta)
        )
        total = float(np.asarray(self.lengths, dtype=np.float64).sum())
        avgdl = total / n_docs if n_docs and total else 0.0
        lengths = np.asarray(self.lengths, dtype=np.float64)
        rel = lengths / avgdl if avgdl else lengths
        norm = (
            1 - params.b + params.b * rel
        )  # passage -> BM25 length norm, as rank-bm25 computes it
        # okapi and plus only ever use k1 * norm: kept multiplied (the same values, one pass less a weighing)
        self.norm = norm if params.variant == "l" else None
        self.k1_norm = None if params.variant == "l" else params.k1 * norm

    # ---- build -------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        corpus: Sequence[Sequence[str]],
        params: BM25Params = BM25Params(),
        rows_min_df: int | None = None,
    ) -> BM25Index:
        n = len(corpus)
        vocab: dict[str, int] = {}
        doc_ids: list[int] = []
        term_ids: list[int] = []
        tfs: list[int] = []
        lengths = np.zeros(n, dtype=np.int64)
        for d, tokens in enumerate(corpus):
            lengths[d] = len(tokens)
            for term, tf in Counter(tokens).items():
                doc_ids.append(d)
                term_ids.append(vocab.setdefault(term, len(vocab)))
                tfs.append(tf)
        terms = [""] * len(vocab)
        for term, i in vocab.items():
            terms[i] = term
        return cls.from_postings(
            terms,
            np.asarray(term_ids, dtype=np.int64),
            np.asarray(doc_ids, dtype=np.int64),
            np.asarray(tfs, dtype=np.int64),
            lengths,
            params,
            rows_min_df,
        )

    @classmethod
    def from_postings(
        cls,
        terms: list[str],
        term_of: np.ndarray,
        doc_of: np.ndarray,
        tf_of: np.ndarray,
        lengths: np.ndarray,
        params: BM25Params = BM25Params(),
        rows_min_df: int | None = None,
    ) -> BM25Index:
        """The index of postings given as parallel arrays (term id, passage, count), any order;
        the forward rows keep the terms in at least `rows_min_df` passages (default `row_min_df`)."""
        n = int(len(lengths))
        n_terms = len(terms)
        term_of, doc_of, tf_of = np.asarray(term_of), np.asarray(doc_of), np.asarray(tf_of)
        top_tf = int(tf_of.max()) if tf_of.size else 0
        bits = [max(int(x), 1).bit_length() for x in (n_terms, n, top_tf)]
        if sum(bits) <= 64:
            t, docs, tf_sorted = _sorted_postings(term_of, doc_of, tf_of, bits)
        else:
            order = np.argsort(
                (term_of.astype(np.uint64) << np.uint64(32)) | doc_of.astype(np.uint64)
            )
            t = term_of[order].astype(np.int64)
            docs = doc_of[order].astype(np.uint32)
            tf_sorted = tf_of[order]
            del order
        top_tf = int(tf_sorted.max()) if tf_sorted.size else 0
        tfs = tf_sorted.astype(
            np.uint8 if top_tf < 2**8 else np.uint16 if top_tf < 2**16 else np.uint32
        )
        del tf_sorted
        df = np.bincount(t, minlength=n_terms).astype(np.int64)
        offsets = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(df, out=offsets[1:])
        lengths = np.asarray(lengths, dtype=np.int32)
        idf, baseline = _idf(params, n, df.astype(np.float64))
        arrays = {
            "offsets": offsets,
            "docs": docs,
            "tfs": tfs,
            "lengths": lengths,
            "idf": idf,
            "baseline": baseline,
            "bound": np.zeros(n_terms),
        }
        arrays.update(
            forward_postings(
                offsets, docs, tfs, n, row_min_df(n) if rows_min_df is None else rows_min_df
            )
        )
        index = cls(params, terms, arrays, n)
        bound = np.zeros(n_terms)
        step = 1 << 22
        for lo in range(0, docs.size, step):  # weights in chunks: the build never holds them all
            hi = min(lo + step, docs.size)
            w = index._weights(t[lo:hi], docs[lo:hi], tfs[lo:hi])
            _segment_max(bound, t[lo:hi], w)
        index.bound = bound
        return index

    # ---- weights -----------------------------------------------------------------------
    def _weights(self, tid: np.ndarray | int, docs: np.ndarray, tfs: np.ndarray) -> np.ndarray:
        """BM25 weight of postings (float64), the same expression as rank-bm25's."""
        p = self.params
        k1, delta = p.k1, p.delta
        tf = tfs.astype(np.float64)
        idf = self.idf[tid]
        if p.variant == "okapi":
            return idf * (tf * (k1 + 1) / (tf + self.k1_norm[docs]))
        if p.variant == "plus":
            return idf * (tf * (k1 + 1) / (self.k1_norm[docs] + tf))
        if p.variant == "l":
            ctd = tf / self.norm[docs]
            return idf * tf * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)
        raise ValueError(f"unknown BM25 variant {p.variant!r}")

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
        for term, count in Counter(query).items():
            times: float = count * (weights.get(term, 1.0) if weights else 1.0)
            tid = self.vocab.get(term)
            if tid is None:
                continue
            lo, hi = int(self.offsets[tid]), int(self.offsets[tid + 1])
            docs, tfs = self.docs[lo:hi], self.tfs[lo:hi]
            if span is not None:
                a, b = np.searchsorted(docs, span, side="left")
                docs, tfs = docs[a:b], tfs[a:b]
                lo += int(a)
                if not docs.size:
                    continue
            whole = docs.size == int(self.offsets[tid + 1]) - int(
                self.offsets[tid]
            )  # no span cut it: the rows hold the same
            in_rows = whole and self.fwd_row_of is not None and int(self.fwd_row_of[tid]) >= 0
            out.append(TermList(tid, times, docs, tfs, times * float(self.bound[tid]), lo, in_rows))
        return out

    def constant(self, query: Iterable[str]) -> float:
        return sum(
            times * float(self.baseline[tid])
            for term, times in Counter(query).items()
            if (tid := self.vocab.get(term)) is not None
        )

    def get_scores(self, query: Sequence[str]) -> np.ndarray:
        """Scores of every passage, equal to rank-bm25's `get_scores(query)`."""
        scores = np.zeros(self.n_docs, dtype=np.float64)
        for tl in self.term_lists(query):
            scores += np.bincount(tl.docs, weights=self.term_weights(tl), minlength=self.n_docs)
        return scores + self.constant(query)

    def lookup(self, tl: TermList, pids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, weight) of the term in each of the sorted passages `pids`."""
        if not tl.docs.size or not pids.size:
            return np.zeros(pids.size, bool), np.zeros(pids.size)
        pos = np.searchsorted(
            tl.docs, _as_docs(pids, tl.docs)
        )  # same dtype: the list is not converted
        np.minimum(pos, tl.docs.size - 1, out=pos)
        found = tl.docs[pos] == pids
        w = np.zeros(pids.size)
        at = np.flatnonzero(found)  # positions, not the mask: see `_kept`
        if at.size:
            w[at] = self.term_weights(tl, pids.take(at), tl.tfs[pos.take(at)])
        return found, w

    def top_lists(
        self,
        lists: list[TermList],
        k: int,
        allowed: np.ndarray | None = None,
        exhaustive_below: int = _EXHAUSTIVE,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The exact k best (passages, scores without the constant) among passages that have
        one of the terms (and are `allowed`), best first; ties by passage id."""
        if not lists or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0)
        total = sum(tl.docs.size for tl in lists)
        if total < exhaustive_below:
            return self._exhaustive(lists, k, allowed)

        # 1. a first k-th score (theta) from the passages of the strongest terms with short lists
        seed_lists: list[TermList] = []
        in_seed: set[int] = set()
        seeded = 0
        short_cap = max(4 * k, self.seed_postings // 4)
        by_strength = [
            tl
            for tl in sorted(lists, key=lambda tl: (-tl.bound, tl.docs.size))
            if tl.docs.size <= short_cap
        ]
        for tl in by_strength + sorted(
            lists, key=lambda tl: tl.docs.size
        ):  # short strong ones, then by length
            if id(tl) in in_seed or (tl.docs.size > short_cap and seeded >= 2 * k):
                continue
            seed_lists.append(tl)
            in_seed.add(id(tl))
            seeded += tl.docs.size
            if seeded >= max(2 * k, self.seed_postings):
                break
        # a passage's sum over some of its terms is a lower bound of its score: the k-th best
        # of these sums is a valid theta without looking anything up
        seed, seed_partial = self._masked(self._sums(seed_lists), allowed)
        theta = (
            float(np.partition(seed_partial, seed.size - k)[seed.size - k])
            if seed.size >= k
            else -np.inf
        )
        probes = _Scored()
        if self.seed_scored:  # full scores of the best few: a higher theta
            theta = self._probe(
                lists, seed_lists, seed, seed_partial, k, theta, probes, self.seed_scored
            )

        # 2. essential terms: any set of terms whose complement's bounds add up to less than
        #    theta will do (a passage in none of them cannot reach the top k). The cheapest
        #    such set is chosen: the long lists of common characters are left out first, so
        #    mostly short lists are summed. When long lists are still needed, the short ones
        #    are summed first for a better theta, which may leave the long ones out after all
        essential = self._essential(lists, theta, [])
        long_list = self.long_list if self.long_list is not None else max(self.n_docs // 64, 4096)
        short = [tl for tl in essential if tl.docs.size <= long_list]
        probed = False  # theta already probed from the present candidates
        if short and len(short) < len(essential):
            cands, partial = self._masked(
                self._sums_after(short, seed_lists, (seed, seed_partial)), allowed
            )
            theta = self._probe(lists, short, cands, partial, k, theta, probes)
            essential = self._essential(lists, theta, short)
            more = [tl for tl in essential if not any(tl is s for s in short)]
            if more:
                cands, partial = self._masked(self._sums(more, (cands, partial)), allowed)
            else:
                probed = True
        else:
            cands, partial = self._masked(
                self._sums_after(essential, seed_lists, (seed, seed_partial)), allowed
            )
        in_essential = {id(tl) for tl in essential}
        other = sorted(
            (tl for tl in lists if id(tl) not in in_essential), key=lambda tl: tl.bound
        )  # weakest first
        remaining = [0.0]  # remaining[j]: bound of other[:j]
        for tl in other:
            remaining.append(remaining[-1] + max(tl.bound, 0.0))

        # 3. only candidates whose partial score plus the weak terms' bounds reach theta are looked up
        if other:
            if not probed:
                theta = self._probe(lists, essential, cands, partial, k, theta, probes)
            cut = theta - 1e-9 * abs(theta)
            hopeful = partial + remaining[-1] >= cut
            cands, partial = _kept(hopeful, cands, partial)
            for j in range(
                len(other) - 1, -1, -1
            ):  # strongest of the weak terms first, pruning as bounds shrink
                if j and cands.size <= self.rows_below and self.fwd_offsets is not None:
                    # passages probed already keep their probed score (below): not looked up again
                    fresh = ~probes.has(cands)
                    cands, partial = cands[fresh], partial[fresh]
                    partial = partial + self._scores_of(
                        other[: j + 1], cands
                    )  # the rest at once, from rows
                    break
                partial = partial + self._weights_at(other[j], cands)
                if j and cands.size:
                    hopeful = partial + remaining[j] >= cut
                    cands, partial = _kept(hopeful, cands, partial)
        probes.add(cands, partial)  # where a passage was probed too, the probed score is kept
        return self._final(lists, probes.pids.astype(np.int64), probes.scores, k)

    def _final(
        self, lists: list[TermList], pids: np.ndarray, scores: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k best of the sorted candidates. Their sums were added up in different orders
        (seed, probes, essential lists then looked-up ones), so passages with equal scores
        (repeated text) may differ in the last bit; when several are near the k-th score they
        are scored again in one order, the lists' (as `get_scores` does), so that ties go
        to the lower passage id whichever path found them."""
        if pids.size > k:
            kth = float(np.partition(scores, pids.size - k)[pids.size - k])
            near = scores >= kth - 1e-9 * abs(kth)
            if int(np.count_nonzero(near)) > k:
                pids = pids[near]
                scores = self._scores_of(lists, pids)
        return _best(pids, scores, k)

    @staticmethod
    def _essential(lists: list[TermList], theta: float, summed: list[TermList]) -> list[TermList]:
        """`summed` and the other lists that must be summed in full: those left out are chosen,
        most postings per unit of bound first, while their bounds together stay below theta."""
        if not np.isfinite(theta):
            return list(lists)
        cut = theta - 1e-9 * abs(theta)
        done = {id(tl) for tl in summed}
        free = [tl for tl in lists if id(tl) not in done]
        free.sort(
            key=lambda tl: (-tl.docs.size / tl.bound if tl.bound > 0 else -np.inf, -tl.docs.size)
        )
        left_out: set[int] = set()
        budget = 0.0
        for tl in free:
            b = max(tl.bound, 0.0)
            if budget + b < cut:
                budget += b
                left_out.add(id(tl))
        return [tl for tl in lists if id(tl) not in left_out]

    @staticmethod
    def _masked(
        pair: tuple[np.ndarray, np.ndarray], allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        cands, partial = pair
        if allowed is None:
            return cands, partial
        keep = allowed[cands]
        return cands[keep], partial[keep]

    def _probe(
        self,
        lists: list[TermList],
        summed: list[TermList],
        cands: np.ndarray,
        partial: np.ndarray,
        k: int,
        theta: float,
        probes: _Scored,
        n: int | None = None,
    ) -> float:
        """A k-th score at least `theta`, from full scores of the `n` (default seed_factor * k)
        best candidates by `partial` (the sums over `summed`); the scored passages are kept in
        `probes`. Passages an earlier probe scored (the best candidates of the phases overlap)
        are not looked up again: their score is taken from `probes`."""
        n = max(n or self.seed_factor * k, k)
        if cands.size <= n:
            return theta
        best = np.sort(np.argpartition(partial, partial.size - n)[partial.size - n :])
        probe = cands[best]
        new = ~probes.has(probe)
        done = {id(tl) for tl in summed}
        fresh = partial[best[new]] + self._scores_of(
            [tl for tl in lists if id(tl) not in done], probe[new]
        )
        known = probes.score_of(probe[~new])
        probes.add(probe[new], fresh)
        scores = np.concatenate([fresh, known])
        return max(theta, float(np.partition(scores, scores.size - k)[scores.size - k]))

    def _sums_after(
        self, lists: list[TermList], summed: list[TermList], sums: tuple[np.ndarray, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """`_sums(lists)`, starting from `sums` (the sums over `summed`) when all of `summed` are
        among `lists`: the seed's short lists are not weighed and added up a second time."""
        ids = {id(tl) for tl in lists}
        if not summed or not all(id(tl) in ids for tl in summed):
            return self._sums(lists)
        done = {id(tl) for tl in summed}
        rest = [tl for tl in lists if id(tl) not in done]
        return self._sums(rest, sums) if rest else sums

    def lookup_many(self, lists: list[TermList], pids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found, weight), each (lists x passages), of the terms in the sorted passages `pids`:
        `lookup` for every list. Whole lists of terms kept in the forward rows are read from the
        passages' rows, the others with one binary search a list and the rest done at once."""
        m, n = len(lists), pids.size
        if m and n and self.fwd_offsets is not None:
            in_rows = [i for i, tl in enumerate(lists) if tl.in_rows]
            if len(in_rows) == m:
                return self._lookup_rows(lists, pids)
            if in_rows:
                rest = [i for i, tl in enumerate(lists) if not tl.in_rows]
                found, weights = np.empty((m, n), bool), np.empty((m, n))
                found[in_rows], weights[in_rows] = self._lookup_rows(
                    [lists[i] for i in in_rows], pids
                )
                found[rest], weights[rest] = self._lookup_lists([lists[i] for i in rest], pids)
                return found, weights
        return self._lookup_lists(lists, pids)

    def _lookup_lists(
        self, lists: list[TermList], pids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """`lookup_many` by binary searches in the lists."""
        m, n = len(lists), pids.size
        if not m or not n or any(tl.start < 0 for tl in lists):
            found, weights = np.zeros((m, n), bool), np.zeros((m, n))
            for i, tl in enumerate(lists):
                found[i], weights[i] = self.lookup(tl, pids)
            return found, weights
        keys = _as_docs(pids, self.docs)
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
        found = self.docs[pos] == keys
        if empty:
            found[empty] = False
        tids = np.fromiter((tl.tid for tl in lists), dtype=np.int64, count=m)[:, None]
        weights = self._weights(
            tids, pids[None, :], self.tfs[pos]
        )  # as `term_weights`, element by element
        if any(tl.times != 1 for tl in lists):
            weights = (
                weights
                * np.fromiter((tl.times for tl in lists), dtype=np.float64, count=m)[:, None]
            )
        weights[~found] = 0.0
        return found, weights

    def _lookup_rows(
        self, lists: list[TermList], pids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """`lookup_many` from the passages' rows of the forward postings (terms kept in the rows).
        Each row posting is placed by its term's list number (a small table from row id to list)
        and its passage's: gathers and one scatter, where a search of every (list, passage) pair
        in the rows cost several times more."""
        m, n = len(lists), pids.size
        tids = np.fromiter((tl.tid for tl in lists), dtype=np.int64, count=m)
        rids = self.fwd_row_of[tids]
        if rids.min() < 0:
            raise ValueError("a term not kept in the forward rows")
        distinct = list(dict.fromkeys(rids.tolist()))  # a term given twice is read once
        column = np.full(self.n_row_terms, -1, dtype=np.int64)  # row id -> its number in `distinct`
        column[distinct] = np.arange(len(distinct))
        lo = self.fwd_offsets[pids].astype(np.int64)
        lens = self.fwd_offsets[pids + 1].astype(np.int64) - lo
        total = int(lens.sum())
        firsts = np.cumsum(lens) - lens
        at = np.repeat(lo - firsts, lens) + np.arange(total)  # positions of the rows' postings
        col = column[self.fwd_terms[at]]
        hit = np.flatnonzero(col >= 0)
        where = (
            col[hit],
            np.repeat(np.arange(n), lens)[hit],
        )  # (term, passage) of the postings wanted
        found = np.zeros((len(distinct), n), bool)
        tfs = np.zeros((len(distinct), n), self.fwd_tfs.dtype)
        found[where] = True
        tfs[where] = self.fwd_tfs[at[hit]]
        if len(distinct) < m:
            back = column[rids]
            found, tfs = found[back], tfs[back]
        weights = self._weights(
            tids[:, None], pids[None, :], tfs
        )  # as `term_weights`, element by element
        if any(tl.times != 1 for tl in lists):
            weights = (
                weights
                * np.fromiter((tl.times for tl in lists), dtype=np.float64, count=m)[:, None]
            )
        weights[~found] = 0.0
        return found, weights

    def _scores_of(self, lists: list[TermList], pids: np.ndarray) -> np.ndarray:
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

    def _sums(
        self, lists: list[TermList], init: tuple[np.ndarray, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(sorted passages in any of the lists, their summed weights), added to `init`
        (sorted passages, their partial sums) when given."""
        if init is None and len(lists) == 1:
            return lists[0].docs, self.term_weights(lists[0])
        parts = ([init[0]] if init is not None else []) + [tl.docs for tl in lists]
        docs = np.concatenate(parts) if len(parts) > 1 else parts[0].copy()
        docs.sort()
        (cands,) = _kept(_firsts(docs), docs)
        acc = (
            self._scratch()
        )  # dense accumulation (cleared again below): cheaper than sorting the weights along
        try:
            if init is not None:
                acc[init[0]] = init[1]
            for tl in lists:  # a passage occurs once per list: adds in order, as `get_scores` does
                np.add.at(acc, tl.docs, self.term_weights(tl))
            return cands, acc[cands]
        finally:
            acc[cands] = 0.0

    def _weights_at(self, tl: TermList, pids: np.ndarray) -> np.ndarray:
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

    def _exhaustive(self, lists, k, allowed):
        cands, sums = self._sums(lists)
        if allowed is not None:
            keep = allowed[cands]
            cands, sums = cands[keep], sums[keep]
        return _best(cands.astype(np.int64), sums, k)

    def top(
        self,
        query: Sequence[str],
        k: int,
        allowed: np.ndarray | None = None,
        span: tuple[int, int] | None = None,
    ) -> list[tuple[int, float]]:
        """The k best (passage, score) pairs among passages that contain a query term, best first.

        `allowed` is an optional boolean mask over passages (e.g. one document only)."""
        pids, scores = self.top_lists(self.term_lists(query, span), k, allowed)
        constant = self.constant(query)
        return [(int(p), float(s) + constant) for p, s in zip(pids, scores)]

    def idf_of(self, term: str) -> float | None:
        tid = self.vocab.get(term)
        return None if tid is None else float(self.idf[tid])

    # ---- save / load -------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Separate .npy files (memory-mapped on load) and the terms, one a line."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            if getattr(self, name) is not None:
                np.save(folder / f"bm25.{name}.npy", getattr(self, name))
        meta = {"params": asdict(self.params), "n_docs": self.n_docs, "n_terms": len(self.terms)}
        (folder / "bm25.json").write_text(json.dumps(meta), encoding="utf-8")
        (folder / "bm25.terms").write_text("\n".join(self.terms), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> BM25Index:
        meta = json.loads((folder / "bm25.json").read_text(encoding="utf-8"))
        text = (folder / "bm25.terms").read_text(encoding="utf-8")
        terms = text.split("\n") if meta["n_terms"] else []
        if len(terms) != meta["n_terms"]:
            raise ValueError("bm25.terms does not match bm25.json")
        arrays = {}
        rows = all(
            (folder / f"bm25.{name}.npy").exists() for name in _ARRAYS if name.startswith("fwd_")
        )
        for name in _ARRAYS:
            if name.startswith("fwd_") and not rows:
                continue  # an index saved without (all of) the forward postings: look-ups search the lists
            path = folder / f"bm25.{name}.npy"
            arrays[name] = np.load(path, mmap_mode="r" if mmap and name in _MAPPED else None)
        return cls(BM25Params(**meta["params"]), terms, arrays, int(meta["n_docs"]))


def row_min_df(n_docs: int) -> int:
    """The document frequency from which a term is kept in the forward rows (see the module
    docstring): the long lists whose binary searches the rows replace."""
    return max(n_docs // ROW_DF_DIVISOR, ROW_DF_FLOOR)


_CHUNK = (
    1 << 22
)  # postings packed or unpacked at a time: temporaries of 32 MB, not of the whole corpus


def _sorted_postings(
    term_of: np.ndarray, doc_of: np.ndarray, tf_of: np.ndarray, bits: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(term ids, passages, counts) in (term, passage) order, by one sort of packed uint64
    (term, passage, count) keys: several times faster than an argsort. The keys are packed
    and unpacked chunk by chunk, so that besides the inputs the build holds the keys and the
    outputs, never a full-size temporary (at a million passages each is ~900 MB)."""
    u64 = np.uint64
    n = term_of.size
    term_shift, doc_shift = u64(bits[1] + bits[2]), u64(bits[2])
    key = np.empty(n, dtype=u64)
    for lo in range(0, n, _CHUNK):
        hi = min(lo + _CHUNK, n)
        chunk = term_of[lo:hi].astype(u64) << term_shift
        chunk |= doc_of[lo:hi].astype(u64) << doc_shift
        chunk |= tf_of[lo:hi].astype(u64)
        key[lo:hi] = chunk
    key.sort()
    t = np.empty(n, dtype=np.int32 if bits[0] < 32 else np.int64)
    docs = np.empty(n, dtype=np.uint32)
    tfs = np.empty(n, dtype=np.min_scalar_type((1 << bits[2]) - 1))
    doc_mask, tf_mask = u64((1 << bits[1]) - 1), u64((1 << bits[2]) - 1)
    for lo in range(0, n, _CHUNK):
        hi = min(lo + _CHUNK, n)
        chunk = key[lo:hi]
        tfs[lo:hi] = chunk & tf_mask
        docs[lo:hi] = (chunk >> doc_shift) & doc_mask
        t[lo:hi] = chunk >> term_shift
    return t, docs, tfs


def forward_postings(
    offsets: np.ndarray, docs: np.ndarray, tfs: np.ndarray, n_docs: int, min_df: int = 1
) -> dict[str, np.ndarray]:
    """The postings of the terms in at least `min_df` passages (`offsets`, `docs`, `tfs`, term
    by term) passage by passage: row offsets per passage, and in each row its terms' row ids
    (the kept terms numbered densely in term-id order, so sorted as the term ids are) and
    counts; `fwd_row_of` maps a term id to its row id, -1 for terms left to their lists.
    One sort of packed keys."""
    n_terms = len(offsets) - 1
    df = np.diff(offsets)
    keep = df >= max(int(min_df), 1)
    row_of = np.full(n_terms, -1, dtype=np.int32)
    n_rows_terms = int(np.count_nonzero(keep))
    row_of[keep] = np.arange(n_rows_terms, dtype=np.int32)
    if n_rows_terms < n_terms:
        sel = np.repeat(keep, df)
        docs, tfs = np.asarray(docs)[sel], np.asarray(tfs)[sel]
        del sel
    df = df[keep]
    tid_dtype = (
        np.uint8 if n_rows_terms <= 2**8 else np.uint16 if n_rows_terms <= 2**16 else np.uint32
    )
    top_tf = int(tfs.max()) if tfs.size else 0
    bits = [max(int(x), 1).bit_length() for x in (n_docs, n_rows_terms, top_tf)]
    u64 = np.uint64
    counts = (
        np.bincount(np.asarray(docs), minlength=n_docs) if docs.size else np.zeros(n_docs, np.int64)
    )
    total = int(counts.sum())
    fwd_offsets = np.zeros(n_docs + 1, dtype=np.uint32 if total < 2**32 else np.int64)
    np.cumsum(counts, out=fwd_offsets[1:])
    if sum(bits) <= 64:
        key = np.asarray(docs).astype(u64)
        key <<= u64(bits[1] + bits[2])
        part = np.repeat(np.arange(n_rows_terms, dtype=u64), df)
        part <<= u64(bits[2])
        key |= part
        part[:] = np.asarray(tfs)
        key |= part
        del part
        key.sort()
        fwd_tfs = (key & u64((1 << bits[2]) - 1)).astype(tfs.dtype)
        key >>= u64(bits[2])
        key &= u64((1 << bits[1]) - 1)
        fwd_terms = key.astype(tid_dtype)
        del key
    else:
        order = np.argsort(
            np.asarray(docs), kind="stable"
        )  # term-major already: stable keeps terms sorted
        fwd_terms = np.repeat(np.arange(n_rows_terms, dtype=tid_dtype), df)[order]
        fwd_tfs = np.asarray(tfs)[order]
    return {
        "fwd_offsets": fwd_offsets,
        "fwd_terms": fwd_terms,
        "fwd_tfs": fwd_tfs,
        "fwd_row_of": row_of,
    }


class _Scored:
    """Passages whose full score is known (sorted) and their scores: the probes of `top_lists`.
    A passage keeps the first score it was given."""

    def __init__(self) -> None:
        self.pids = np.zeros(0, np.int64)
        self.scores = np.zeros(0)

    def has(self, pids: np.ndarray) -> np.ndarray:
        """Which of `pids` have a score."""
        if not self.pids.size:
            return np.zeros(pids.size, bool)
        at = np.searchsorted(self.pids, pids)
        np.minimum(at, self.pids.size - 1, out=at)
        return self.pids[at] == pids

    def score_of(self, pids: np.ndarray) -> np.ndarray:
        """The scores of `pids`, all of which have one."""
        return self.scores[np.searchsorted(self.pids, pids)]

    def add(self, pids: np.ndarray, scores: np.ndarray) -> None:
        """Scores of the sorted `pids`; those with a score already keep theirs."""
        if self.pids.size and pids.size:
            new = ~self.has(pids)
            pids, scores = pids[new], scores[new]
        if pids.size:
            merged = np.concatenate([self.pids, pids.astype(np.int64)])
            order = np.argsort(merged, kind="stable")
            self.pids, self.scores = merged[order], np.concatenate([self.scores, scores])[order]


def _as_docs(pids: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """`pids` in the postings' dtype when they fit: np.searchsorted converts the searched array
    (a whole posting list) to the keys' dtype otherwise, at every call."""
    if pids.dtype == docs.dtype or not pids.size:
        return pids
    if (
        docs.dtype == np.uint32 and 0 <= int(pids[0]) and int(pids[-1]) < 2**32
    ):  # sorted: the ends bound it
        return pids.astype(np.uint32)
    return pids


def _kept(mask: np.ndarray, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """`array[mask]` for each array. By positions: indexing by a boolean mask mispredicts a
    branch an element where about half are kept (60k candidates: ~200 us a mask against ~35)."""
    at = np.flatnonzero(mask)
    return tuple(a.take(at) for a in arrays)


def _firsts(values: np.ndarray) -> np.ndarray:
    """Mask of the first of each run of equal values in sorted `values` (without np.r_'s
    Python-level cost, paid by every query)."""
    first = np.empty(values.size, bool)
    if values.size:
        first[0] = True
        np.not_equal(values[1:], values[:-1], out=first[1:])
    return first


def _segment_max(bound: np.ndarray, t: np.ndarray, w: np.ndarray) -> None:
    """bound[t] = max(bound[t], w) for postings sorted by term."""
    starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    best = np.maximum.reduceat(w, starts)
    ids = t[starts]
    bound[ids] = np.maximum(bound[ids], best)


def _best(cands: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    if cands.size > k:
        part = np.argpartition(-scores, k - 1)[:k]
        # keep ties at the k-th score by passage id, so the result does not depend on partitioning
        kth = scores[part].min()
        tied = np.flatnonzero(scores >= kth)
        cands, scores = cands[tied], scores[tied]
    order = np.lexsort((cands, -scores))[:k]
    return cands[order], scores[order]


def _idf(params: BM25Params, n: int, df: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(idf per term, constant per term) for the chosen variant, as rank-bm25 computes them."""
    if params.variant == "okapi":
        idf = np.log(n - df + 0.5) - np.log(df + 0.5)
        average = float(idf.sum()) / len(idf) if len(idf) else 0.0
        idf = np.where(idf < 0, params.epsilon * average, idf)
        return idf, np.zeros_like(idf)
    if params.variant == "plus":
        idf = np.log((n + 1) / df) if len(df) else df
        return idf, idf * params.delta
    if params.variant == "l":
        idf = np.log(n + 1) - np.log(df + 0.5)
        return idf, np.zeros_like(idf)
    raise ValueError(f"unknown BM25 variant {params.variant!r}")


def rank_bm25_reference(
    corpus: Sequence[Sequence[str]], params: BM25Params
):  # pragma: no cover - thin factory
    """The rank-bm25 object that `BM25Index` must agree with (used by tests and benchmarks)."""
    import rank_bm25

    if params.variant == "okapi":
        return rank_bm25.BM25Okapi(corpus, k1=params.k1, b=params.b, epsilon=params.epsilon)
    if params.variant == "plus":
        return rank_bm25.BM25Plus(corpus, k1=params.k1, b=params.b, delta=params.delta)
    if params.variant == "l":
        return rank_bm25.BM25L(corpus, k1=params.k1, b=params.b, delta=params.delta)
    raise ValueError(params.variant)
