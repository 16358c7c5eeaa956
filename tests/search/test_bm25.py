"""The sparse BM25 index must score exactly like rank-bm25 (the reference)."""

import random

import numpy as np
import pytest

from bot.search.bm25 import BM25Index, BM25Params, rank_bm25_reference


def _corpus(seed: int = 7, n: int = 400):
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(250)]
    # Zipf-like: some terms are in most passages (the rank-bm25 small-corpus IDF pitfall)
    return (
        rng,
        vocab,
        [
            [rng.choice(vocab[: rng.randint(3, 250)]) for _ in range(rng.randint(0, 40))]
            for _ in range(n)
        ],
    )


@pytest.mark.parametrize("variant", ["okapi", "plus", "l"])
def test_scores_equal_rank_bm25(variant: str):
    rng, vocab, corpus = _corpus()
    params = BM25Params(variant=variant, k1=1.3, b=0.7)
    ours, ref = BM25Index.build(corpus, params), rank_bm25_reference(corpus, params)
    for _ in range(40):
        query = [rng.choice(vocab) for _ in range(rng.randint(1, 6))] + ["never-seen"]
        expected = ref.get_scores(query)
        np.testing.assert_allclose(ours.get_scores(query), expected, rtol=1e-9, atol=1e-9)
        top = ours.top(query, 10)
        ranked = sorted(range(len(corpus)), key=lambda i: (-expected[i], i))
        matched = [i for i in ranked if any(t in corpus[i] for t in query)][:10]
        # same top 10, ties aside: position by position the reference scores agree
        assert len(top) == len(matched)
        np.testing.assert_allclose([expected[pid] for pid, _ in top], expected[matched], rtol=1e-12)
        np.testing.assert_allclose([s for _, s in top], expected[matched], rtol=1e-9)


def test_repeated_query_terms_count_twice_like_rank_bm25():
    _, _, corpus = _corpus(3, 50)
    params = BM25Params()
    ours, ref = BM25Index.build(corpus, params), rank_bm25_reference(corpus, params)
    query = ["w1", "w1", "w2"]
    np.testing.assert_allclose(ours.get_scores(query), ref.get_scores(query))


def test_okapi_pitfall_is_real_and_plus_avoids_it():
    # a term in more than half the passages gets ~zero (floored) weight under BM25Okapi
    corpus = [["人大", "代表"]] * 6 + [["人大", "监督"]] * 3 + [["会议"]]
    okapi = BM25Index.build(corpus, BM25Params(variant="okapi"))
    plus = BM25Index.build(corpus, BM25Params(variant="plus"))
    common, rare, kept = okapi.idf_of("人大"), okapi.idf_of("会议"), plus.idf_of("人大")
    assert common is not None and rare is not None and kept is not None
    assert common < 0.3 * rare and kept > 0


def test_top_respects_mask_and_k():
    corpus = [["a"], ["a", "b"], ["b"], ["a", "a"]]
    index = BM25Index.build(corpus)
    allowed = np.array([True, False, True, True])
    assert [pid for pid, _ in index.top(["a"], 10, allowed)] == [3, 0]
    assert len(index.top(["a", "b"], 2)) == 2
    assert index.top(["zzz"], 5) == []


@pytest.mark.parametrize("spill_at", [1, 50, 997, 10**9])
def test_collected_runs_hold_every_posting_sorted(spill_at: int):
    """A build collects postings document by document into buffers that are sorted into runs
    when full (in place): every run is in (term, passage) order, and together they hold the
    postings given, whatever the buffers' size."""
    from bot.search.bm25.build import RunCollector

    rng = np.random.default_rng(3)
    collector = RunCollector(spill_at=spill_at)
    given = []
    first = 0
    for _ in range(60):
        passages = int(rng.integers(1, 6))
        per = rng.integers(1, 9, size=passages)
        pids = np.repeat(np.arange(first, first + passages, dtype=np.uint32), per)
        first += passages
        terms = rng.integers(0, 300, size=pids.size).astype(np.int32)
        tfs = rng.integers(1, 40, size=pids.size).astype(np.int32)
        collector.add(terms, pids, tfs)
        given += list(zip(terms.tolist(), pids.tolist(), tfs.tolist(), strict=True))
    held = []
    for run in collector.finish():
        tids, pids, tfs = run.window(0, 300)
        keys = list(zip(tids.tolist(), pids.tolist(), strict=True))
        assert keys == sorted(keys)
        held += list(zip(tids.tolist(), pids.tolist(), tfs.tolist(), strict=True))
    assert sorted(held) == sorted(given)


def test_postings_are_the_same_whatever_the_window_and_runs():
    """A large build assembles its postings window by window (the next one on a second
    thread) from several runs: the arrays are those of one window over one run."""
    from collections import Counter

    from bot.search.bm25.build import RunCollector, write_postings
    from bot.search.bm25.postings import Postings

    _, vocab, corpus = _corpus(seed=5, n=300)
    ids = {term: i for i, term in enumerate(vocab)}
    lengths = np.asarray([len(tokens) for tokens in corpus], dtype=np.int32)

    def built(spill_at: int, window: int) -> Postings:
        collector = RunCollector(spill_at=spill_at)
        for pid, tokens in enumerate(corpus):
            counts = Counter(tokens)
            collector.add(
                np.asarray([ids[t] for t in counts], dtype=np.int64),
                np.full(len(counts), pid, dtype=np.uint32),
                np.asarray(list(counts.values()), dtype=np.int32),
            )
        postings = write_postings(
            vocab, collector.finish(), lengths, BM25Params(), rows_min_df=20, window=window
        )
        assert postings is not None
        return postings

    one = built(10**9, 10**9)
    for spill_at, window in ((500, 1), (97, 64), (2000, 1000)):
        other = built(spill_at, window)
        for name in ("offsets", "docs", "tfs", "tf_bound", "fwd_offsets", "fwd_terms", "fwd_tfs"):
            np.testing.assert_array_equal(getattr(other, name), getattr(one, name), name)
