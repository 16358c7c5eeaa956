"""The pruned first stage (MaxScore) must return rank-bm25's top 10, on a corpus shaped like
the real one: a few very common "characters" in most passages, rarer "words". Every pruning
path is forced through the search's tuning; the answer may never depend on it."""

import random

import numpy as np
import pytest

from bot.search.bm25 import BM25Index, BM25Params, MaxScoreTuning, rank_bm25_reference, row_min_df

# every path: MaxScore always, long lists waiting for a better threshold, tiny seeds, the
# last candidates scored from their rows or never from rows, no probes of the seed
TUNINGS = [
    MaxScoreTuning(exhaustive_below=0),
    MaxScoreTuning(exhaustive_below=0, long_list=40, seed_postings=64),
    MaxScoreTuning(exhaustive_below=0, long_list=400, seed_postings=16, seed_scored=0),
    MaxScoreTuning(exhaustive_below=0, rows_below=100_000, seed_factor=1),
    MaxScoreTuning(exhaustive_below=0, rows_below=0),
    MaxScoreTuning(),
]


def _zipf_corpus(seed: int, n: int):
    rng = random.Random(seed)
    vocab = [f"t{i}" for i in range(3000)]
    weights = [1.0 / (i + 1) ** 1.1 for i in range(len(vocab))]
    corpus = [rng.choices(vocab, weights, k=rng.randint(5, 60)) for _ in range(n)]
    return rng, vocab, weights, corpus


def _query(rng: random.Random, vocab: list[str], weights: list[float]) -> list[str]:
    # questions mix common terms (long lists) with a few rare ones, some repeated
    return rng.choices(vocab[:30], k=rng.randint(3, 12)) + rng.choices(
        vocab, weights, k=rng.randint(1, 8)
    )


def _matched(expected: np.ndarray, corpus: list[list[str]], query: list[str], k: int) -> list[int]:
    ranked = sorted(range(len(corpus)), key=lambda i: (-expected[i], i))
    return [i for i in ranked if any(t in corpus[i] for t in query)][:k]


@pytest.mark.parametrize("variant", ["plus", "okapi", "l"])
def test_maxscore_top10_equals_rank_bm25(variant: str):
    rng, vocab, weights, corpus = _zipf_corpus(11, 4000)
    params = BM25Params(variant=variant, k1=0.6, b=0.75)
    ours, ref = BM25Index.build(corpus, params), rank_bm25_reference(corpus, params)
    pruned = 0
    for _ in range(30):
        query = _query(rng, vocab, weights)
        expected = ref.get_scores(query)
        matched = _matched(expected, corpus, query, 10)
        lists = ours.term_lists(query)
        pruned += sum(tl.docs.size for tl in lists) > 10_000
        for tuning in TUNINGS:
            pids, scores = ours.top_lists(lists, 10, tuning=tuning)
            assert len(pids) == len(matched), tuning
            # same top 10, ties aside: position by position the reference scores agree
            np.testing.assert_allclose(expected[pids], expected[matched], rtol=1e-12)
            np.testing.assert_allclose(scores + ours.constant(query), expected[matched], rtol=1e-9)
        top = ours.top(query, 10)
        np.testing.assert_allclose([s for _, s in top], expected[matched], rtol=1e-9)
    assert pruned > 15  # the queries really had long lists to prune


def test_maxscore_with_a_mask_and_a_span():
    rng, vocab, weights, corpus = _zipf_corpus(5, 3000)
    params = BM25Params(variant="plus", k1=0.6)
    ours, ref = BM25Index.build(corpus, params), rank_bm25_reference(corpus, params)
    allowed = np.zeros(len(corpus), dtype=bool)
    allowed[1000:1400] = True
    tuning = MaxScoreTuning(exhaustive_below=0)
    for _ in range(20):
        query = rng.choices(vocab[:20], k=6) + rng.choices(vocab, weights, k=3)
        expected = ref.get_scores(query)
        inside = [i for i in range(1000, 1400) if any(t in corpus[i] for t in query)]
        want = sorted(inside, key=lambda i: (-expected[i], i))[:10]
        pids, _ = ours.top_lists(ours.term_lists(query), 10, allowed, tuning)
        np.testing.assert_allclose(expected[pids], expected[want], rtol=1e-12)
        spanned = [p for p, _ in ours.top(query, 10, span=(1000, 1400), tuning=tuning)]
        np.testing.assert_allclose(expected[spanned], expected[want], rtol=1e-12)


@pytest.mark.parametrize("variant", ["plus", "okapi", "l"])
def test_each_terms_bound_holds_for_all_its_weights(variant: str):
    _, vocab, _, corpus = _zipf_corpus(3, 500)
    index = BM25Index.build(corpus, BM25Params(variant=variant, k1=0.6))
    everyone = np.arange(len(corpus))
    for term in vocab[:300:7]:
        lists = index.term_lists([term])
        if not lists:
            continue
        found, weights = index.lookup_many(lists, everyone)
        assert found[0].any() and weights[0][found[0]].max() <= lists[0].bound
        np.testing.assert_allclose(weights[0][found[0]].max(), lists[0].bound, rtol=1e-9)


def _weights_from_scores(index: BM25Index, term: str) -> np.ndarray:
    """A term's weight in every passage, as get_scores of the one-term query gives it."""
    return index.get_scores([term]) - index.constant([term])


@pytest.mark.parametrize("rows_min_df", [1, 40, None, 10**9])
def test_forward_rows_look_up_what_the_lists_hold(rows_min_df):
    # rows of every term (1), of the frequent ones with the rest in their lists (40), the
    # default, and of none (every look-up searches the lists)
    rng, vocab, weights, corpus = _zipf_corpus(7, 1500)
    index = BM25Index.build(corpus, BM25Params(variant="plus", k1=0.6), rows_min_df=rows_min_df)
    df = np.diff(index.offsets)
    assert index.fwd_row_of is not None
    kept: np.ndarray = index.fwd_row_of >= 0
    assert np.array_equal(kept, df >= (rows_min_df or row_min_df(len(corpus))))
    assert np.array_equal(index.fwd_row_of[kept], np.arange(kept.sum()))
    mixed = 0
    for _ in range(20):
        query = rng.choices(vocab[:40], k=8) + rng.choices(
            vocab, weights, k=4
        )  # repeats: times > 1
        lists = index.term_lists(query)
        mixed += 0 < sum(tl.in_rows for tl in lists) < len(lists)
        pids = np.unique(rng.choices(range(len(corpus)), k=rng.randint(1, 120)))
        found, w = index.lookup_many(lists, pids)
        for i, tl in enumerate(lists):
            term = index.terms[tl.tid]
            expected = _weights_from_scores(index, term)[pids] * tl.times
            assert np.array_equal(found[i], [term in corpus[p] for p in pids])
            np.testing.assert_allclose(w[i], expected, rtol=1e-12, atol=0)
        span = index.term_lists(query, (300, 900))  # parts of lists: never from the rows
        assert not any(tl.in_rows for tl in span if tl.docs.size < (df[tl.tid]))
        sf, sw = index.lookup_many(span, pids)
        inside = (pids >= 300) & (pids < 900)
        for i, tl in enumerate(span):
            j = next(j for j, other in enumerate(lists) if other.tid == tl.tid)
            assert np.array_equal(sf[i], found[j] & inside)
            np.testing.assert_allclose(sw[i], np.where(inside, w[j], 0.0), rtol=1e-12)
    assert (mixed > 10) == (rows_min_df in (40, None))


@pytest.mark.parametrize("rows", ["all", "frequent", "none"])
def test_ties_of_repeated_passages_go_to_the_lower_id_as_in_get_scores(rows: str):
    # repeated text (as in the synthetic benchmark corpus) ties exactly at the k-th score;
    # whichever path scored them, the top k must be get_scores' order, ties by passage id
    rng, vocab, weights, distinct = _zipf_corpus(13, 400)
    corpus = [list(p) for p in distinct for _ in range(10)]
    rng.shuffle(corpus)
    min_df = {"all": 1, "frequent": 100, "none": 10**9}[rows]
    index = BM25Index.build(corpus, BM25Params(variant="plus", k1=0.6), rows_min_df=min_df)
    tied = 0
    for _ in range(30):
        query = rng.choices(vocab[:30], k=rng.randint(3, 12)) + rng.choices(
            vocab, weights, k=rng.randint(1, 6)
        )
        full = index.get_scores(query)
        has = np.zeros(len(corpus), bool)
        for tl in index.term_lists(query):
            has[tl.docs] = True
        cands = np.flatnonzero(has)
        for k in (10, 20):
            want = cands[np.lexsort((cands, -full[cands]))][:k]
            for tuning in (TUNINGS[1], TUNINGS[3]):
                pids, _ = index.top_lists(index.term_lists(query), k, tuning=tuning)
                np.testing.assert_array_equal(pids, want)
            tied += int(np.sum(full[cands] == full[want[-1]]) > 1)
    assert tied > 20  # the k-th score really was tied


def test_unknown_variants_are_refused_once_when_the_parameters_are_made():
    with pytest.raises(ValueError, match="variant"):
        BM25Params(variant="bm42")
