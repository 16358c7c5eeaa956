"""The pruned first stage (MaxScore) must return rank-bm25's top 10, on a corpus shaped
like the real one: a few very common "characters" in most passages, rarer "words"."""

import random

import numpy as np
import pytest

from bot.search.bm25 import BM25Index, BM25Params, rank_bm25_reference, row_min_df


def _zipf_corpus(seed: int, n: int):
    rng = random.Random(seed)
    vocab = [f"t{i}" for i in range(3000)]
    weights = [1.0 / (i + 1) ** 1.1 for i in range(len(vocab))]
    corpus = [rng.choices(vocab, weights, k=rng.randint(5, 60)) for _ in range(n)]
    return rng, vocab, weights, corpus


@pytest.mark.parametrize(
    "variant,long_list,seed",
    [
        ("plus", None, 16384),
        ("plus", 40, 64),
        ("plus", 400, 16),
        ("okapi", None, 16384),
        ("l", 100, 64),
    ],
)
def test_maxscore_top10_equals_rank_bm25(variant: str, long_list: int | None, seed: int):
    rng, vocab, weights, corpus = _zipf_corpus(11, 4000)
    params = BM25Params(variant=variant, k1=0.6, b=0.75)
    ours, ref = BM25Index.build(corpus, params), rank_bm25_reference(corpus, params)
    ours.long_list, ours.seed_postings = long_list, seed  # exercise every path of the pruning
    pruned = 0
    for _ in range(60):
        # questions mix common terms (long lists) with a few rare ones, some repeated
        query = rng.choices(vocab[:30], k=rng.randint(3, 12)) + rng.choices(
            vocab, weights, k=rng.randint(1, 8)
        )
        expected = ref.get_scores(query)
        lists = ours.term_lists(query)
        pids, scores = ours.top_lists(lists, 10, exhaustive_below=0)  # always the MaxScore path
        pruned += sum(tl.docs.size for tl in lists) > 10_000
        ranked = sorted(range(len(corpus)), key=lambda i: (-expected[i], i))
        matched = [i for i in ranked if any(t in corpus[i] for t in query)][:10]
        assert len(pids) == len(matched)
        # same top 10, ties aside: position by position the reference scores agree
        np.testing.assert_allclose(expected[pids], expected[matched], rtol=1e-12)
        np.testing.assert_allclose(scores + ours.constant(query), expected[matched], rtol=1e-9)
        top = ours.top(query, 10)
        np.testing.assert_allclose([s for _, s in top], expected[matched], rtol=1e-9)
    assert pruned > 30  # the queries really had long lists to prune


def test_maxscore_with_a_mask_and_a_span():
    rng, vocab, weights, corpus = _zipf_corpus(5, 3000)
    params = BM25Params(variant="plus", k1=0.6)
    ours, ref = BM25Index.build(corpus, params), rank_bm25_reference(corpus, params)
    allowed = np.zeros(len(corpus), dtype=bool)
    allowed[1000:1400] = True
    for _ in range(20):
        query = rng.choices(vocab[:20], k=6) + rng.choices(vocab, weights, k=3)
        expected = ref.get_scores(query)
        inside = [i for i in range(1000, 1400) if any(t in corpus[i] for t in query)]
        want = sorted(inside, key=lambda i: (-expected[i], i))[:10]
        pids, _ = ours.top_lists(ours.term_lists(query), 10, allowed, exhaustive_below=0)
        np.testing.assert_allclose(expected[pids], expected[want], rtol=1e-12)
        pids, _ = ours.top_lists(ours.term_lists(query, (1000, 1400)), 10, exhaustive_below=0)
        np.testing.assert_allclose(expected[pids], expected[want], rtol=1e-12)


def test_weights_are_computed_from_counts_exactly_and_bounds_hold():
    _, _, _, corpus = _zipf_corpus(3, 500)
    index = BM25Index.build(corpus, BM25Params(variant="plus", k1=0.6))
    for tid in range(0, len(index.terms), 97):
        lo, hi = index.offsets[tid], index.offsets[tid + 1]
        w = index._weights(tid, index.docs[lo:hi], index.tfs[lo:hi])
        assert w.max() == index.bound[tid]
        assert np.all(np.diff(index.docs[lo:hi].astype(np.int64)) > 0)


@pytest.mark.parametrize("rows_min_df", [1, 40, None])
def test_forward_rows_look_up_what_the_lists_hold(tmp_path, rows_min_df):
    # rows of every term (1), of the frequent ones with the rest in their lists (40), the default
    rng, vocab, weights, corpus = _zipf_corpus(7, 1500)
    index = BM25Index.build(corpus, BM25Params(variant="plus", k1=0.6), rows_min_df=rows_min_df)
    assert index.fwd_offsets is not None
    df = np.diff(index.offsets)
    kept = index.fwd_row_of >= 0
    assert np.array_equal(kept, df >= (rows_min_df or row_min_df(len(corpus))))
    assert index.fwd_terms.dtype == (np.uint8 if kept.sum() <= 256 else np.uint16)
    assert np.array_equal(index.fwd_row_of[kept], np.arange(kept.sum()))
    mixed = 0
    for _ in range(20):
        query = rng.choices(vocab[:40], k=8) + rng.choices(
            vocab, weights, k=4
        )  # repeats: times > 1
        lists = index.term_lists(query)
        in_rows = [tl for tl in lists if index.fwd_row_of[tl.tid] >= 0]
        mixed += 0 < len(in_rows) < len(lists)
        pids = np.unique(rng.choices(range(len(corpus)), k=rng.randint(1, 120)))
        found, w = index.lookup_many(lists, pids)
        rows_found, rows_w = index._lookup_rows(in_rows, pids)
        for i, tl in enumerate(lists):  # the same bits as the binary search in each list
            f, expected = index.lookup(tl, pids)
            np.testing.assert_array_equal(found[i], f)
            np.testing.assert_array_equal(w[i], expected)
            if index.fwd_row_of[tl.tid] >= 0:
                j = next(j for j, r in enumerate(in_rows) if r is tl)
                np.testing.assert_array_equal(rows_found[j], f)
                np.testing.assert_array_equal(rows_w[j], expected)
        if in_rows:  # a list given twice: both rows read alike
            twice_found, twice_w = index._lookup_rows(in_rows + in_rows[:1], pids)
            np.testing.assert_array_equal(twice_found, np.vstack([rows_found, rows_found[:1]]))
            np.testing.assert_array_equal(twice_w, np.vstack([rows_w, rows_w[:1]]))
        span = index.term_lists(query, (300, 900))  # parts of lists: never from the rows
        found, w = index.lookup_many(span, pids)
        for i, tl in enumerate(span):
            f, expected = index.lookup(tl, pids)
            np.testing.assert_array_equal(found[i], f)
            np.testing.assert_array_equal(w[i], expected)
    assert (mixed > 10) == (
        rows_min_df != 1
    )  # the default floor leaves rare terms to their lists too
    # saved and loaded (mapped) the rows stay; an index saved without them searches the lists
    index.save(tmp_path / "with")
    loaded = BM25Index.load(tmp_path / "with")
    assert loaded.fwd_terms is not None and np.array_equal(loaded.fwd_terms, index.fwd_terms)
    assert np.array_equal(loaded.fwd_row_of, index.fwd_row_of)
    query = vocab[:12] + vocab[200:204]
    expected = index.top_lists(index.term_lists(query), 10, exhaustive_below=0)
    got = loaded.top_lists(loaded.term_lists(query), 10, exhaustive_below=0)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    pids = np.arange(0, len(corpus), 7)
    np.testing.assert_array_equal(
        loaded.lookup_many(loaded.term_lists(query), pids)[1],
        index.lookup_many(index.term_lists(query), pids)[1],
    )
    for name in ("fwd_offsets", "fwd_terms", "fwd_tfs", "fwd_row_of"):
        (tmp_path / "with" / f"bm25.{name}.npy").unlink()
    without = BM25Index.load(tmp_path / "with")
    assert without.fwd_offsets is None
    got = without.top_lists(without.term_lists(query), 10, exhaustive_below=0)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


@pytest.mark.parametrize("rows", ["all", "frequent", "none"])
def test_ties_of_repeated_passages_go_to_the_lower_id_as_in_get_scores(rows: str):
    # repeated text (as in the synthetic benchmark corpus) ties exactly at the k-th score;
    # whichever path scored them, the top k must be get_scores' order, ties by passage id
    rng, vocab, weights, distinct = _zipf_corpus(13, 400)
    corpus = [list(p) for p in distinct for _ in range(10)]
    rng.shuffle(corpus)
    index = BM25Index.build(
        corpus, BM25Params(variant="plus", k1=0.6), rows_min_df=1 if rows == "all" else 100
    )
    if rows == "none":
        index.fwd_offsets = None
    else:
        assert (index.fwd_row_of >= 0).all() == (rows == "all")
    index.seed_postings = 64
    tied = 0
    for _ in range(40):
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
            pids, _ = index.top_lists(index.term_lists(query), k, exhaustive_below=0)
            np.testing.assert_array_equal(pids, want)
            tied += int(np.sum(full[cands] == full[want[-1]]) > 1)
    assert tied > 20  # the k-th score really was tied


def test_near_ties_at_the_kth_score_are_scored_again_in_one_order():
    # sums added up in different orders may differ in the last bit for equal passages: the
    # candidates near the k-th score are re-scored in the lists' order, ties by passage id
    rng, vocab, weights, distinct = _zipf_corpus(17, 100)
    corpus = [list(p) for p in distinct for _ in range(6)]
    rng.shuffle(corpus)
    index = BM25Index.build(corpus, BM25Params(variant="plus", k1=0.6))
    query = vocab[:8] + vocab[50:53]
    lists = index.term_lists(query)
    full = index.get_scores(query) - index.constant(query)
    has = np.zeros(len(corpus), bool)
    for tl in lists:
        has[tl.docs] = True
    cands = np.flatnonzero(has)
    want = cands[np.lexsort((cands, -full[cands]))][:10]
    assert np.sum(full[cands] == full[want[-1]]) > 1  # a tie at the 10th
    noisy = full[cands].copy()
    lower_ids_first = np.argsort(cands)
    noisy[lower_ids_first[::2]] = np.nextafter(
        noisy[lower_ids_first[::2]], -np.inf
    )  # a bit off, every other
    pids, scores = index._final(lists, cands, noisy, 10)
    np.testing.assert_array_equal(pids, want)
    np.testing.assert_array_equal(scores, index._scores_of(lists, want))
