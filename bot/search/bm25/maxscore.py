"""Exact top-k by MaxScore (Turtle & Flood 1995) over one segment's posting lists.

Each term's upper bound is its largest weight. Once some k passages' scores give a threshold
theta, any set of terms whose bounds add up to less than theta may be left out of the
summing: a passage in none of the other ("essential") lists cannot reach the top k. The
terms left out are chosen by postings per unit of bound, so the long lists of common
characters are left out and mostly short, rare ones are summed; the left-out terms are looked
up only for the candidates whose partial score plus their bounds can still reach theta
(binary search, flags read along a long list for many candidates, or the candidates'
forward rows once few are left). Character unigrams make nearly every passage share a term
with a question, so scoring every posting would cost milliseconds per 100k passages; this
touches a few thousand.

Scores added up along different paths may differ in the last bit for equal passages (the
synthetic benchmark corpus repeats every sentence ~300 times at 1M passages), so candidates
near the k-th score are scored again in the lists' order, as `get_scores` does: ties go to
the lower passage id whichever path found them.

The tuning is a frozen `MaxScoreTuning` given with each search; every setting changes how
fast the answer comes, never the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass
class TermList:
    """One query term's postings in the base segment (possibly restricted to a range of
    passages), and in the newer segments (`tail`, passage ids of the whole index)."""

    tid: int
    times: float  # how often the query repeats the term (rank-bm25 counts it again each time),
    # times its query weight
    docs: np.ndarray
    tfs: np.ndarray
    bound: float  # times * the term's largest weight in `docs`
    start: int = -1  # where `docs` starts in its postings arrays (-1: not a view of them)
    in_rows: bool = False  # the whole list is in the forward rows (decided once, in `term_lists`)
    tail: TermList | None = None  # the term's postings in the newer segments


@dataclass(frozen=True)
class MaxScoreTuning:
    """How the top-k search prunes (speed only: the answer is the same for any values)."""

    exhaustive_below: int = 30_000  # fewer postings than this: score them all
    seed_postings: int = 6144  # the first estimate of the k-th score: postings of strong terms
    long_list: int | None = None  # essential lists longer than this wait for a better theta
    # (None: max(passages // 64, 4096))
    seed_factor: int = 4  # candidates scored in full to raise theta: this many times k
    rows_below: int = 256  # this few candidates left: their rows give all remaining terms
    seed_scored: int = 40  # ... and this many of the seed's (0: the seed's partial sums)


DEFAULT_TUNING = MaxScoreTuning()


class Scorer(Protocol):
    """What the search needs of the index: weights and look-ups of one segment's lists."""

    n_docs: int
    has_rows: bool

    def term_weights(
        self, tl: TermList, docs: np.ndarray | None = None, tfs: np.ndarray | None = None
    ) -> np.ndarray: ...

    def sums(
        self, lists: list[TermList], init: tuple[np.ndarray, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def weights_at(self, tl: TermList, pids: np.ndarray) -> np.ndarray: ...

    def scores_of(self, lists: list[TermList], pids: np.ndarray) -> np.ndarray: ...


def top_k(
    ix: Scorer,
    lists: list[TermList],
    k: int,
    allowed: np.ndarray | None = None,
    tuning: MaxScoreTuning = DEFAULT_TUNING,
) -> tuple[np.ndarray, np.ndarray]:
    """The exact k best (passages, scores without the constant) among passages that have one
    of the terms (and are `allowed`), best first; ties by passage id."""
    if not lists or k <= 0:
        return np.zeros(0, np.int64), np.zeros(0)
    total = sum(tl.docs.size for tl in lists)
    if total < tuning.exhaustive_below:
        cands, sums = _masked(ix.sums(lists), allowed)
        return best(cands.astype(np.int64), sums, k)

    # 1. a first k-th score (theta) from the passages of the strongest terms with short lists
    seed_lists: list[TermList] = []
    in_seed: set[int] = set()
    seeded = 0
    short_cap = max(4 * k, tuning.seed_postings // 4)
    by_strength = [
        tl
        for tl in sorted(lists, key=lambda tl: (-tl.bound, tl.docs.size))
        if tl.docs.size <= short_cap
    ]
    for tl in by_strength + sorted(
        lists, key=lambda tl: tl.docs.size
    ):  # short strong, then by length
        if id(tl) in in_seed or (tl.docs.size > short_cap and seeded >= 2 * k):
            continue
        seed_lists.append(tl)
        in_seed.add(id(tl))
        seeded += tl.docs.size
        if seeded >= max(2 * k, tuning.seed_postings):
            break
    # a passage's sum over some of its terms is a lower bound of its score: the k-th best
    # of these sums is a valid theta without looking anything up
    seed, seed_partial = _masked(ix.sums(seed_lists), allowed)
    theta = (
        float(np.partition(seed_partial, seed.size - k)[seed.size - k])
        if seed.size >= k
        else -np.inf
    )
    probes = _Scored()
    if tuning.seed_scored:  # full scores of the best few: a higher theta
        theta = _probe(
            ix, lists, seed_lists, seed, seed_partial, k, theta, probes, tuning.seed_scored
        )

    # 2. essential terms: any set of terms whose complement's bounds add up to less than
    #    theta will do (a passage in none of them cannot reach the top k). The cheapest
    #    such set is chosen: the long lists of common characters are left out first, so
    #    mostly short lists are summed. When long lists are still needed, the short ones
    #    are summed first for a better theta, which may leave the long ones out after all
    essential = _essential(lists, theta, [])
    long_list = tuning.long_list if tuning.long_list is not None else max(ix.n_docs // 64, 4096)
    short = [tl for tl in essential if tl.docs.size <= long_list]
    probed = False  # theta already probed from the present candidates
    if short and len(short) < len(essential):
        cands, partial = _masked(_sums_after(ix, short, seed_lists, (seed, seed_partial)), allowed)
        theta = _probe(ix, lists, short, cands, partial, k, theta, probes, tuning.seed_factor * k)
        essential = _essential(lists, theta, short)
        more = [tl for tl in essential if not any(tl is s for s in short)]
        if more:
            cands, partial = _masked(ix.sums(more, (cands, partial)), allowed)
        else:
            probed = True
    else:
        cands, partial = _masked(
            _sums_after(ix, essential, seed_lists, (seed, seed_partial)), allowed
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
            theta = _probe(
                ix, lists, essential, cands, partial, k, theta, probes, tuning.seed_factor * k
            )
        cut = theta - 1e-9 * abs(theta)
        hopeful = partial + remaining[-1] >= cut
        cands, partial = kept(hopeful, cands, partial)
        for j in range(len(other) - 1, -1, -1):  # strongest of the weak terms first
            if j and cands.size <= tuning.rows_below and ix.has_rows:
                # passages probed already keep their probed score (below): not looked up again
                fresh = ~probes.has(cands)
                cands, partial = cands[fresh], partial[fresh]
                partial = partial + ix.scores_of(other[: j + 1], cands)  # the rest at once
                break
            partial = partial + ix.weights_at(other[j], cands)
            if j and cands.size:
                hopeful = partial + remaining[j] >= cut
                cands, partial = kept(hopeful, cands, partial)
    probes.add(cands, partial)  # where a passage was probed too, the probed score is kept
    return final(ix, lists, probes.pids.astype(np.int64), probes.scores, k)


def final(
    ix: Scorer, lists: list[TermList], pids: np.ndarray, scores: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The k best of the sorted candidates `pids`. Their sums may have been added up in
    different orders (seed, probes, essential lists then looked-up ones), so passages with
    equal scores (repeated text) may differ in the last bit; when several are near the k-th
    score they are scored again in one order, the lists' (as `get_scores` does), so that ties
    go to the lower passage id whichever path found them."""
    if pids.size > k:
        kth = float(np.partition(scores, pids.size - k)[pids.size - k])
        near = scores >= kth - 1e-9 * abs(kth)
        if int(np.count_nonzero(near)) > k:
            pids = pids[near]
            scores = ix.scores_of(lists, pids)
    return best(pids, scores, k)


def _essential(lists: list[TermList], theta: float, summed: list[TermList]) -> list[TermList]:
    """`summed` and the other lists that must be summed in full: those left out are chosen,
    most postings per unit of bound first, while their bounds together stay below theta."""
    if not np.isfinite(theta):
        return list(lists)
    cut = theta - 1e-9 * abs(theta)
    done = {id(tl) for tl in summed}
    free = [tl for tl in lists if id(tl) not in done]
    free.sort(key=lambda tl: (-tl.docs.size / tl.bound if tl.bound > 0 else -np.inf, -tl.docs.size))
    left_out: set[int] = set()
    budget = 0.0
    for tl in free:
        b = max(tl.bound, 0.0)
        if budget + b < cut:
            budget += b
            left_out.add(id(tl))
    return [tl for tl in lists if id(tl) not in left_out]


def _masked(
    pair: tuple[np.ndarray, np.ndarray], allowed: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    cands, partial = pair
    if allowed is None:
        return cands, partial
    at = np.flatnonzero(allowed[cands])
    return cands.take(at), partial.take(at)


def _probe(
    ix: Scorer,
    lists: list[TermList],
    summed: list[TermList],
    cands: np.ndarray,
    partial: np.ndarray,
    k: int,
    theta: float,
    probes: _Scored,
    n: int,
) -> float:
    """A k-th score at least `theta`, from full scores of the `n` best candidates by `partial`
    (the sums over `summed`); the scored passages are kept in `probes`. Passages an earlier
    probe scored (the best candidates of the phases overlap) are not looked up again: their
    score is taken from `probes`."""
    n = max(n, k)
    if cands.size <= n:
        return theta
    top = np.sort(np.argpartition(partial, partial.size - n)[partial.size - n :])
    probe = cands[top]
    new = ~probes.has(probe)
    done = {id(tl) for tl in summed}
    fresh = partial[top[new]] + ix.scores_of([tl for tl in lists if id(tl) not in done], probe[new])
    known = probes.score_of(probe[~new])
    probes.add(probe[new], fresh)
    scores = np.concatenate([fresh, known])
    return max(theta, float(np.partition(scores, scores.size - k)[scores.size - k]))


def _sums_after(
    ix: Scorer,
    lists: list[TermList],
    summed: list[TermList],
    sums: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """`sums(lists)`, starting from `sums` (the sums over `summed`) when all of `summed` are
    among `lists`: the seed's short lists are not weighed and added up a second time."""
    ids = {id(tl) for tl in lists}
    if not summed or not all(id(tl) in ids for tl in summed):
        return ix.sums(lists)
    done = {id(tl) for tl in summed}
    rest = [tl for tl in lists if id(tl) not in done]
    return ix.sums(rest, sums) if rest else sums


class _Scored:
    """Passages whose full score is known (sorted) and their scores: the probes of `top_k`.
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


def kept(mask: np.ndarray, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """`array[mask]` for each array. By positions: indexing by a boolean mask mispredicts a
    branch an element where about half are kept (60k candidates: ~200 us a mask against ~35)."""
    at = np.flatnonzero(mask)
    return tuple(a.take(at) for a in arrays)


def firsts(values: np.ndarray) -> np.ndarray:
    """Mask of the first of each run of equal values in sorted `values` (without np.r_'s
    Python-level cost, paid by every query)."""
    first = np.empty(values.size, bool)
    if values.size:
        first[0] = True
        np.not_equal(values[1:], values[:-1], out=first[1:])
    return first


def best(cands: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best (passage, score), best first, ties by passage id."""
    if cands.size > k:
        part = np.argpartition(-scores, k - 1)[:k]
        # keep ties at the k-th score by passage id, so the result does not depend on partitioning
        kth = scores[part].min()
        tied = np.flatnonzero(scores >= kth)
        cands, scores = cands[tied], scores[tied]
    order = np.lexsort((cands, -scores))[:k]
    return cands[order], scores[order]
