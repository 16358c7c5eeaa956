"""Answer quality on a small corpus written for these tests (tests/quality/corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer import Engine
from bot.answer.engine import Answer
from bot.corpus.passages import Passage

CORPUS = Path(__file__).resolve().parent / "corpus"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine.open(CORPUS, tmp_path_factory.mktemp("quality-cache"))


def best_passage(answer: Answer) -> Passage:
    """The passage shown as the answer (the question is answered: high or low)."""
    assert answer.found and answer.best is not None, answer
    return answer.best.passage


def test_answer_in_the_second_passage_of_a_paragraph(engine: Engine):
    # The park is named in the paragraph's first passage; the opening date is in the second,
    # which only says 公园.
    question = "城东湿地公园是哪一年开始对市民开放的？"
    best = best_passage(engine.ask(question))
    assert "二〇一九年五月" in best.text
    first_of_paragraph = next(
        p for p in engine.index.passages if p.doc == best.doc and p.paragraph == best.paragraph
    )
    assert best.pid == first_of_paragraph.pid + 1


def test_traditional_characters_find_the_same_passage(engine: Engine):
    simplified = best_passage(engine.ask("城东湿地公园是哪一年开始对市民开放的？"))
    traditional = best_passage(engine.ask("城東濕地公園是哪一年開始對市民開放的？"))
    assert traditional.pid == simplified.pid


@pytest.mark.parametrize(
    "question,quote",
    [
        ("保护区冬天能进去吗？", "禁止游人进入"),
        ("八十岁以上的老人每餐补贴多少？", "八十周岁以上老人每餐补贴五元"),
        ("湿地公园收门票吗？", "不收门票"),
        ("行动不便的老人能送餐吗？", "送餐上门"),
    ],
)
def test_paraphrased_questions_find_the_passage(engine: Engine, question: str, quote: str):
    assert quote in best_passage(engine.ask(question)).text


@pytest.mark.parametrize("question", ["明年的高考什么时候报名？", "如何申请护照？"])
def test_unrelated_questions_are_not_found(engine: Engine, question: str):
    answer = engine.ask(question)
    assert not answer.found and answer.hits  # candidates are kept, but not claimed as the answer


def test_a_question_sharing_only_everyday_words_is_never_a_confident_answer(engine: Engine):
    # 中午 and 吃 are in the canteen notice, what to eat today is not
    assert engine.ask("今天中午吃什么好？").confidence != "high"


def test_found_does_not_depend_on_how_many_results_are_asked_for(engine: Engine):
    for question in ["湿地公园收门票吗？", "如何申请护照？"]:
        assert engine.ask(question, top=1).found == engine.ask(question, top=10).found
