"""Rank passages for a query: passage BM25, blended with the paragraph's BM25, then re-ranked.

The BM25 scores themselves are rank-bm25's (see `bm25.py`); everything here is layered on
top of them:

0. the first stage is exact: the `first_stage` best passages by BM25 (MaxScore, see
   `BM25Index.top_lists`), and as many of each document the question names in its title
   (`spans`). Their paragraphs, whole, make the pool that is re-ranked; no later step ever
   looks at a passage outside it, so the cost does not grow with the library (with
   character unigrams nearly every passage shares a term with a question). A term may
   weigh less than 1 (`weights`): a synonym the question does not use itself, a word that
   says little in general Chinese (`general_weight`); MaxScore stays exact with them;
1. every pool passage that contains a query term gets its passage BM25 score and a score
   for its paragraph (the title line and each body paragraph of a document are one each),
   each divided by the best among the candidates, and blended:
   `passage + paragraph_weight * paragraph`. The paragraph's score adds up, for each query
   term, the term's best BM25 weight among the paragraph's passages: the paragraph as a
   whole is asked whether it has each term, so a subject named in one passage and the
   detail asked about in the next both count. The paragraph that answers is found far more
   reliably than the passage inside it, so this mostly decides *where* to look;
2. the best `candidates` of those are re-ranked inside their paragraphs: each query term's
   BM25 weight in a passage is multiplied by its *local* idf, ln((n + 1) / df), where n is
   the number of passages of the paragraph and df how many of them contain the term. A
   term every passage of the paragraph repeats (its subject: the entity, 人大) says nothing
   about which passage answers; a term only one passage has says a lot;
3. a passage takes over part (`inherit`) of the weight of the terms the one or two passages
   before it in its paragraph have: text refers back to what it is about (公园于……开放 after
   城东湿地公园位于……), so a passage should not lose to the one that merely names the subject;
4. a small bonus for opening a paragraph (`lead_weight`): the first passage states its
   topic; it balances the pull of 3. towards later passages;
5. the best `judged` are read more closely (`priors`, supplied by the answer engine): how
   much of the question each holds read with its title and headings (`coverage_weight`),
   its document title's score (`title_weight`), and whether its headings are about the year
   asked (`year_weight`); these put the passage of the named place and year first.

Single characters taken from a longer question word (地 and 位 of 地位) find a passage
that words its answer differently (体长 / 长63厘米), but they are weak evidence: the
character may belong to another word there (各位, 单位). They count fully in the first
stage (recall), at `char_weight` in steps 1-3 (the passage), and at `paragraph_char_weight`
in the paragraph's score: a long paragraph has nearly every common character somewhere,
so counting them there favours paragraphs for their length.

Steps 1-4 work on a (query terms x pool passages) matrix of BM25 weights, filled by binary
search in each term's sorted posting list.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.chars import HAN
from bot.search.bm25 import BM25Index, TermList


@dataclass(frozen=True)
class RankConfig:
    """The ranking's weights. The defaults are the ones 5-fold cross-validation selects on all
    of CMRC 2018 and DRCD (`benchmarks/quality.py --cv`, docs/quality.md). `synonym_weight`,
    `named_weight` and `year_weight` act on what those sets hardly have (curated synonyms,
    documents named by their titles, years in headings): there the search left them at 0
    for want of any effect, and they are set by design (their rows in the ablation)."""

    paragraph_weight: float = 2.0
    local_weight: float = 0.0  # local idf inside the paragraph (cross-validation: none)
    lead_weight: float = 0.2
    inherit: float = 0.85  # share of a term's weight a passage takes over from those before it
    inherit_span: int = 2  # how many passages before it (same paragraph)
    candidates: int = 50
    first_stage: int = 20  # exact BM25 top passages whose paragraphs are re-ranked
    char_weight: float = 0.7  # a character of a longer question word, in the passage's score
    paragraph_char_weight: float = 0.0  # ... in the paragraph's score
    coverage_weight: float = 4.0  # the share of the question a candidate holds, with context
    title_weight: float = 0.5  # its document title's BM25 score for the question, normalised
    named_weight: float = 1.0  # 1 for a passage of a document the question names by title
    year_weight: float = 2.0  # +1 under a heading of a year asked about, -1 of another year
    # (2: a heading of the year asked about outweighs a passage's own lead over its neighbours;
    # library_dev's hit@1 is the same for 1, 2 and 3, docs/quality.md)
    judged: int = 20  # the best candidates whose priors (coverage, title, year) are read
    synonym_weight: float = 0.8  # a curated synonym's share of the weight of its word
    thesaurus_weight: float = 0.0  # ... a 词林 synonym's (measured: it does not help)
    general_weight: float = 0.5  # exponent of a term's informativeness in general Chinese


DEFAULT_RANKING = RankConfig()


def _is_char_gram(term: str, words: Collection[str]) -> bool:
    """A single Han character that is not itself one of the question's words."""
    return len(term) == 1 and term not in words and HAN.match(term) is not None


def _span_top(bm25: BM25Index, lists: list[TermList], span: tuple[int, int], k: int) -> np.ndarray:
    """The k best live passages of `span` (one document) that have a query term, by their
    BM25 scores read from the question's term lists: what `top_lists` over the span's own
    term lists gives (ties by passage id), without cutting every list to the span."""
    pids = np.arange(span[0], span[1], dtype=np.int64)
    if not pids.size or not lists:
        return pids[:0]
    present, weights = bm25.lookup_many(lists, pids)
    ok: np.ndarray = np.asarray(present.any(axis=0), dtype=bool)
    if bm25.live is not None:
        ok &= bm25.live[pids]
    if not ok.any():
        return pids[:0]
    scores = np.where(ok, weights.sum(axis=0), -np.inf)
    order = np.lexsort((pids, -scores))[:k]
    return pids[order[ok[order]]]


def members(values: np.ndarray, sorted_ids: np.ndarray) -> np.ndarray:
    """`np.isin(values, sorted_ids)` for sorted ids, by binary search: a handful of
    candidates against every title line of a large library, without sorting those again."""
    if not sorted_ids.size:
        return np.zeros(np.shape(values), dtype=bool)
    at = np.searchsorted(sorted_ids, values)
    return sorted_ids[np.minimum(at, sorted_ids.size - 1)] == values


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
    span: tuple[int, int] | None = None,
    words: Collection[str] | None = None,
    weights: Mapping[str, float] | None = None,
    priors: Sequence[tuple[float, Callable[[np.ndarray], np.ndarray]]] = (),
    spans: Sequence[tuple[int, int]] = (),
    excluded: np.ndarray | None = None,
) -> list[tuple[int, float]]:
    """The k best (passage, score) pairs, best first, among passages with a query term.

    `allowed` (a mask over passages) or `span` (lo, hi: passages lo <= pid < hi, e.g. one
    document) restricts the answer. `words` are the question's words: a one-character
    term that is not one of them is a character of a longer word (see `char_weight`);
    without `words` every term is taken as a word. `weights` scale terms the question
    does not use itself (synonyms). `priors` are (weight, function of passage ids) pairs
    whose values are added, times the weight, to the best `judged` candidates' scores, which
    are then put first in their new order (reading a passage's text for its coverage costs
    tens of microseconds, so not every candidate is read): evidence
    from outside the passage's own text (its coverage of the question read with its title
    and headings, its document title's score); `spans` are parts of the library
    (documents whose title the question names) whose own best passages join the pool, so
    that they are compared even when other documents use the question's words more.
    `excluded` (sorted passage ids) are never returned: title lines."""
    if k <= 0:
        return []
    if allowed is not None and span is None:
        where = np.flatnonzero(allowed)
        if not where.size:
            return []
        span = (int(where[0]), int(where[-1]) + 1)
    lists = bm25.term_lists(query, span, weights)
    wanted = max(config.first_stage, k)
    first, _ = bm25.top_lists(lists, wanted, allowed)
    for extra in spans if span is None else ():
        first = np.union1d(first, _span_top(bm25, lists, extra, wanted))
    if not first.size:
        return []

    # the pool: whole paragraphs of the first stage, in passage order
    units = np.unique(unit_of[first])
    starts = np.searchsorted(unit_of, units, side="left")
    ends = np.searchsorted(unit_of, units, side="right")
    sizes = ends - starts
    seg = np.cumsum(sizes) - sizes  # where each unit starts in the pool
    pool = np.repeat(starts - seg, sizes) + np.arange(int(sizes.sum()))
    unit_index = np.repeat(np.arange(units.size), sizes)  # pool position -> unit number in `units`

    present, term_scores = bm25.lookup_many(lists, pool)  # (query terms x pool passages)

    paragraph_scores = term_scores
    if words is not None:
        chars = np.array([_is_char_gram(bm25.terms[tl.tid], words) for tl in lists], dtype=bool)
        if chars.any():
            paragraph_scores = np.where(
                chars[:, None], config.paragraph_char_weight * term_scores, term_scores
            )
            term_scores = np.where(chars[:, None], config.char_weight * term_scores, term_scores)

    eligible = present.any(axis=0)
    if excluded is not None and excluded.size:
        eligible &= ~members(pool, excluded)
    if allowed is not None:
        eligible &= allowed[pool]
    elif span is not None:
        eligible &= (pool >= span[0]) & (pool < span[1])
    cand = np.flatnonzero(eligible)  # pool positions of the candidates
    if not cand.size:
        return []
    passage_scores = term_scores[:, cand].sum(axis=0)
    passage_part = _normalised(passage_scores)
    score = passage_part
    if config.paragraph_weight:
        paragraph = np.maximum.reduceat(paragraph_scores, seg, axis=1).sum(axis=0)  # per unit
        score = score + config.paragraph_weight * _normalised(paragraph[unit_index[cand]])

    if cand.size > config.candidates:  # only the best few are re-ranked
        part = np.argpartition(-score, config.candidates - 1)[: config.candidates]
        cand, score, passage_part = cand[part], score[part], passage_part[part]

    if config.inherit:  # the passage's own part of the score, recomputed with what it takes over
        own = term_scores[:, cand]
        before = np.zeros_like(own)
        first_of_unit = seg[unit_index[cand]]
        for back in range(1, config.inherit_span + 1):
            earlier = cand - back
            ok = earlier >= first_of_unit
            before = np.maximum(before, np.where(ok, term_scores[:, np.maximum(earlier, 0)], 0.0))
        inherited = np.maximum(own, config.inherit * before).sum(axis=0)
        score = score - passage_part + _normalised(inherited)
    if config.local_weight:
        df = np.add.reduceat(present, seg, axis=1)[
            :, unit_index[cand]
        ]  # passages of the unit with the term
        n = sizes[unit_index[cand]].astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            local = np.where(
                present[:, cand], term_scores[:, cand] * np.log((n + 1) / np.maximum(df, 1)), 0.0
            )
        score = score + config.local_weight * _normalised(local.sum(axis=0))
    pids = pool[cand].astype(np.int64)
    if config.lead_weight:
        score = score + config.lead_weight * leads[pids]
    order = np.lexsort((pids, -score))
    active = [(weight, prior) for weight, prior in priors if weight]
    if active:  # read the best `judged` of them more closely, and put those first, re-ordered
        head = order[: max(config.judged, k)]
        judged = score[head].copy()
        for weight, prior in active:
            judged += weight * prior(pids[head])
        again = np.lexsort((pids[head], -judged))
        order = np.concatenate([head[again], order[head.size :]])
        score = score.copy()
        score[head] = judged
    order = order[:k]
    return [(int(pids[i]), float(score[i])) for i in order]
