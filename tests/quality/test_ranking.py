"""The ranking layer (bot.search.rank) on hand-made term lists."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np

from bot.search.bm25 import BM25Index, BM25Params, rank_bm25_reference
from bot.search.rank import RankConfig, rank

PURE_BM25 = RankConfig(paragraph_weight=0.0, local_weight=0.0, lead_weight=0.0, inherit=0.0)


def _layout(sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    unit_of = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
    leads = np.r_[True, unit_of[1:] != unit_of[:-1]]
    return unit_of, leads


def test_without_the_extra_signals_the_order_is_rank_bm25s():
    rng = random.Random(5)
    vocab = [f"w{i}" for i in range(60)]
    corpus = [[rng.choice(vocab[: rng.randint(5, 60)]) for _ in range(rng.randint(1, 25))] for _ in range(120)]
    params = BM25Params(variant="plus", k1=0.6)
    index, reference = BM25Index.build(corpus, params), rank_bm25_reference(corpus, params)
    unit_of, leads = _layout([4] * 30)
    for _ in range(20):
        query = [rng.choice(vocab) for _ in range(rng.randint(1, 5))]
        expected = reference.get_scores(query)
        ranked = rank(index, unit_of, leads, query, 10, config=PURE_BM25)
        got = [expected[pid] for pid, _ in ranked]
        want = sorted((expected[i] for i in range(len(corpus)) if any(t in corpus[i] for t in query)), reverse=True)
        np.testing.assert_allclose(got, want[:10])


def test_the_paragraph_decides_between_equal_passages():
    # passages 0 and 2 match 'topic' alike; passage 2's paragraph also has 'detail'
    corpus = [["topic", "x"], ["y", "z"], ["topic", "x"], ["detail", "z"]]
    index = BM25Index.build(corpus, BM25Params(k1=0.6))
    unit_of, leads = _layout([2, 2])
    config = RankConfig(local_weight=0.0, lead_weight=0.0, inherit=0.0)
    assert rank(index, unit_of, leads, ["topic", "detail"], 3, config=config)[0][0] in (2, 3)
    assert rank(index, unit_of, leads, ["topic"], 2, config=config)[0][0] == 0  # a tie: the earlier passage


def test_a_passage_takes_over_the_subject_named_before_it():
    # the subject is named in passage 0; passage 1 has the detail asked about
    corpus = [["city", "east", "wetland", "park", "size"], ["park", "opened", "may"], ["birds", "reeds", "park"],
              ["city", "museum"]]
    index = BM25Index.build(corpus, BM25Params(k1=0.6))
    unit_of, leads = _layout([3, 1])
    query = ["city", "east", "wetland", "park", "opened"]
    plain = RankConfig(paragraph_weight=0.0, local_weight=0.0, lead_weight=0.0, inherit=0.0)
    assert rank(index, unit_of, leads, query, 1, config=plain)[0][0] == 0
    assert rank(index, unit_of, leads, query, 1, config=replace(plain, inherit=0.7))[0][0] == 1
    # only from the passages just before, in the same paragraph: passage 3 gets nothing
    assert rank(index, unit_of, leads, query, 4, config=replace(plain, inherit=0.7))[-1][0] == 3


def test_mask_k_and_unknown_terms():
    corpus = [["a"], ["a", "b"], ["b"], ["a", "a"]]
    index = BM25Index.build(corpus)
    unit_of, leads = _layout([1, 1, 1, 1])
    allowed = np.array([True, False, True, True])
    assert {pid for pid, _ in rank(index, unit_of, leads, ["a"], 10, allowed)} == {0, 3}
    assert len(rank(index, unit_of, leads, ["a", "b"], 2)) == 2
    assert rank(index, unit_of, leads, ["zzz"], 5) == []
    assert rank(index, unit_of, leads, ["a"], 5, np.zeros(4, dtype=bool)) == []
    scores = [s for _, s in rank(index, unit_of, leads, ["a", "b"], 4)]
    assert scores == sorted(scores, reverse=True)
