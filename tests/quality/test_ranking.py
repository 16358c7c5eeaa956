"""The ranking layer (bot.search.rank) on hand-made term lists."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np

from bot.search.bm25 import BM25Index, BM25Params, rank_bm25_reference
from bot.search.rank import RankConfig, rank

PURE_BM25 = RankConfig(  # BM25 alone: no paragraph, position or prior on top of it
    paragraph_weight=0.0,
    local_weight=0.0,
    lead_weight=0.0,
    inherit=0.0,
    coverage_weight=0.0,
    title_weight=0.0,
    year_weight=0.0,
    general_weight=0.0,
)


def _layout(sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    unit_of = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
    leads = np.r_[True, unit_of[1:] != unit_of[:-1]]
    return unit_of, leads


def test_without_the_extra_signals_the_order_is_rank_bm25s():
    rng = random.Random(5)
    vocab = [f"w{i}" for i in range(60)]
    corpus = [
        [rng.choice(vocab[: rng.randint(5, 60)]) for _ in range(rng.randint(1, 25))]
        for _ in range(120)
    ]
    params = BM25Params(variant="plus", k1=0.6)
    index, reference = BM25Index.build(corpus, params), rank_bm25_reference(corpus, params)
    unit_of, leads = _layout([4] * 30)
    for _ in range(20):
        query = [rng.choice(vocab) for _ in range(rng.randint(1, 5))]
        expected = reference.get_scores(query)
        ranked = rank(index, unit_of, leads, query, 10, config=PURE_BM25)
        got = [expected[pid] for pid, _ in ranked]
        want = sorted(
            (expected[i] for i in range(len(corpus)) if any(t in corpus[i] for t in query)),
            reverse=True,
        )
        np.testing.assert_allclose(got, want[:10])


def test_the_paragraph_decides_between_equal_passages():
    # passages 0 and 2 match 'topic' alike; passage 2's paragraph also has 'detail'
    corpus = [["topic", "x"], ["y", "z"], ["topic", "x"], ["detail", "z"]]
    index = BM25Index.build(corpus, BM25Params(k1=0.6))
    unit_of, leads = _layout([2, 2])
    config = RankConfig(local_weight=0.0, lead_weight=0.0, inherit=0.0)
    assert rank(index, unit_of, leads, ["topic", "detail"], 3, config=config)[0][0] in (2, 3)
    assert (
        rank(index, unit_of, leads, ["topic"], 2, config=config)[0][0] == 0
    )  # a tie: the earlier passage


def test_a_passage_takes_over_the_subject_named_before_it():
    # the subject is named in passage 0; passage 1 has the detail asked about
    corpus = [
        ["city", "east", "wetland", "park", "size"],
        ["park", "opened", "may"],
        ["birds", "reeds", "park"],
        ["city", "museum"],
    ]
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


def test_characters_of_other_words_do_not_pull_a_paragraph_ahead():
    # 代表 and 工作 are asked about in 处于什么地位; 地位 is nowhere. Passage 0 has 代表 twice;
    # passage 2 has them once, but its paragraph has 地 (地方) and 位 (单位) in other words
    corpus = [
        ["代表", "代", "表", "代表", "代", "表", "工作", "工", "作", "基础", "基", "础"],
        ["监督", "监", "督", "质效", "质", "效"],
        ["代表", "代", "表", "工作", "工", "作", "会议", "会", "议"],
        ["地方", "地", "方", "建设", "建", "设"],
        ["单位", "单", "位", "处理", "处", "理"],
        ["会议", "会", "议"],
        ["学习", "学", "习"],
        ["法治", "法", "治"],
    ]
    index = BM25Index.build(corpus, BM25Params(k1=0.6))
    unit_of, leads = _layout([2, 3, 1, 1, 1])
    words = ["代表", "工作", "地位"]
    query = words + ["代", "表", "工", "作", "地", "位", "代表", "工作", "地位"]
    weakened = RankConfig(local_weight=0.3, inherit=0.7)  # the weights this case was built for
    counted_fully = replace(weakened, char_weight=1.0, paragraph_char_weight=1.0)
    assert rank(index, unit_of, leads, query, 1, config=counted_fully, words=words)[0][0] == 2
    assert rank(index, unit_of, leads, query, 1, config=weakened, words=words)[0][0] == 0
    # without the question's words every term is taken as a word
    assert rank(index, unit_of, leads, query, 4, config=weakened) == rank(
        index, unit_of, leads, query, 4, config=counted_fully, words=words
    )
    # a one-character word of the question is a word, not a character of a longer one
    assert rank(index, unit_of, leads, ["位"], 1, words=["位"]) == rank(
        index, unit_of, leads, ["位"], 1
    )
