"""What users get from a library of several documents (tests/quality/library, written for
these tests): three confidence levels, "is X mentioned?", metadata never as the answer,
place and year cues, synonyms, and questions about the parts of a section."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.answer import Engine
from bot.answer.engine import Answer
from bot.search.synonyms import Synonyms
from tests.support.paths import SEEDS

LIBRARY = Path(__file__).resolve().parent / "library"
JIANGNING = "2025年江宁市政府工作报告"
HEXI = "2025年河西市政府工作报告"
NOTICE = "关于做好秋季森林防火工作的通知"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine.open(LIBRARY, tmp_path_factory.mktemp("library-cache"))


def best_text(answer: Answer) -> str:
    assert answer.hits, answer
    return answer.hits[0].passage.text


# ---- three levels -------------------------------------------------------------------------


def test_a_question_the_text_answers_is_answered_with_high_confidence(engine: Engine):
    answer = engine.ask("江宁市轨道交通运营里程达到多少公里？")
    assert answer.confidence == "high" and answer.found
    assert "186公里" in best_text(answer)


@pytest.mark.parametrize(
    "question",
    ["如何申请护照？", "明天股票会涨吗？", "Who won the football World Cup in 2018?"],
)
def test_questions_whose_words_are_not_in_the_library_are_not_found(engine: Engine, question):
    answer = engine.ask(question)
    assert answer.confidence == "none" and not answer.found


def test_a_question_whose_words_only_partly_match_is_possibly_relevant(engine: Engine):
    # 森林防火 and 林区 are there; 无人机 (the rarest word of the question) is not
    answer = engine.ask("森林防火期间林区能不能放无人机？", top=3)
    assert answer.confidence == "low" and answer.found
    assert 1 < len(answer.hits) <= 3
    assert all(h.passage.document == NOTICE for h in answer.hits)


def test_the_level_does_not_depend_on_how_many_results_are_asked_for(engine: Engine):
    question = "森林防火期间林区能不能放无人机？"
    levels = {engine.ask(question, top=k).confidence for k in (1, 3, 10)}
    levels.add(engine.ask(question, top=1, offset=2).confidence)
    assert len(levels) == 1


# ---- is X mentioned? ----------------------------------------------------------------------


def test_a_mentioned_thing_is_counted_and_its_best_occurrence_shown(engine: Engine):
    answer = engine.ask("报告有没有提到托育？")
    assert answer.topic == "托育" and answer.mentions == 1
    assert answer.confidence == "high" and "托育机构托位1500个" in best_text(answer)


def test_every_occurrence_can_be_seen_one_after_another(engine: Engine):
    first = engine.ask("报告里有没有提到老旧小区？", top=1)
    assert first.mentions == 2
    second = engine.ask("报告里有没有提到老旧小区？", top=1, offset=1)
    assert second.hits and "老旧小区" in best_text(second)
    assert best_text(second) != best_text(first)
    assert not engine.ask("报告里有没有提到老旧小区？", top=1, offset=2).hits


@pytest.mark.parametrize(
    "question", ["通知有没有提到无人机？", "报告讲没讲无人机的问题", "涉及无人机吗"]
)
def test_a_thing_not_mentioned_anywhere_is_said_to_be_absent(engine: Engine, question: str):
    answer = engine.ask(question)
    assert answer.topic == "无人机" and answer.mentions == 0
    assert answer.confidence == "none" and not answer.hits


def test_the_words_before_the_question_name_the_document_to_look_in(engine: Engine):
    everywhere = engine.ask("有没有提到生产总值？")
    hexi = engine.ask("河西的报告里有没有提到生产总值？")
    assert everywhere.mentions is not None and hexi.mentions is not None
    assert 0 < hexi.mentions < everywhere.mentions
    assert all(h.passage.document == HEXI for h in hexi.hits)


def test_a_phrase_not_written_verbatim_is_found_by_its_words(engine: Engine):
    answer = engine.ask("有没有提到家庭医生的签约？")
    assert answer.mentions and "家庭医生签约服务" in best_text(answer)


# ---- metadata is not an answer --------------------------------------------------------------


def test_a_title_line_is_never_the_answer(engine: Engine):
    answer = engine.ask("江宁市政府工作报告", top=10)
    assert answer.hits and all(h.passage.paragraph > 0 for h in answer.hits)


def test_a_question_about_the_occasion_lands_on_the_opening_paragraph(tmp_path: Path):
    engine = Engine.open(SEEDS, tmp_path)
    answer = engine.ask("这篇讲话是在什么会议上发表的？")
    best = answer.hits[0].passage
    assert answer.confidence == "high"
    assert best.section is None and best.paragraph > 0
    assert "这次人大代表集中视察" in best.text


# ---- place and year cues --------------------------------------------------------------------


def test_a_place_in_the_question_picks_the_document_whose_title_names_it(engine: Engine):
    for question, document in (
        ("江宁去年生产总值是多少？", JIANGNING),
        ("河西去年生产总值是多少？", HEXI),
    ):
        answer = engine.ask(question)
        assert answer.hits[0].passage.document == document, question


def test_a_year_picks_the_section_about_that_year(engine: Engine):
    review = engine.ask("江宁2024年生产总值是多少？")
    assert "3200亿元" in best_text(review)
    assert review.hits[0].passage.section == "一、2024年工作回顾"
    target = engine.ask("江宁2025年生产总值预期增长多少？")
    assert "5.5%左右" in best_text(target)


def test_relative_years_are_read_against_the_documents_date(engine: Engine):
    assert "3200亿元" in best_text(engine.ask("江宁去年全市生产总值是多少？"))
    assert "5.5%左右" in best_text(engine.ask("江宁今年全市生产总值增长多少？"))


# ---- words people use for the words the text uses ---------------------------------------------


def test_a_colloquial_word_finds_the_official_one(engine: Engine):
    answer = engine.ask("江宁的地铁一共有多长？")
    assert answer.found and "轨道交通运营里程达到186公里" in best_text(answer)


def test_an_operators_synonyms_file_beside_the_documents_is_used(tmp_path: Path):
    corpus = tmp_path / "corpus"
    shutil.copytree(LIBRARY, corpus)
    with_file = Engine.open(corpus, tmp_path / "cache")
    answer = with_file.ask("防火期内能不能烧山？")
    assert answer.found and "严禁烧荒" in best_text(answer)
    (corpus / "synonyms.txt").unlink()
    without = Engine(with_file.index, with_file.config, Synonyms.load(corpus))
    plain = without.ask("防火期内能不能烧山？")
    assert plain.hits[0].coverage < answer.hits[0].coverage


def test_the_synonyms_file_is_not_read_as_a_document(engine: Engine):
    assert all("synonyms" not in Path(d.path).name for d in engine.index.document_infos())


# ---- the parts of a section -------------------------------------------------------------------


def test_a_question_for_the_parts_of_something_lands_on_the_sections_lead(engine: Engine):
    answer = engine.ask("政府自身建设要加强哪几个方面？")
    best = answer.hits[0].passage
    assert best.section == "三、加强政府自身建设"
    assert "法治政府、廉洁政府、服务型政府" in best.text


def test_the_bundled_speech_answers_its_section_question_with_the_lead(tmp_path: Path):
    engine = Engine.open(SEEDS, tmp_path)
    best = engine.ask("自身建设要加强哪几个方面").hits[0].passage
    assert best.section is not None and best.section.startswith("三、")
    assert "着力加强政治建设" in best.text


# ---- a document added to a built index ------------------------------------------------------


def test_a_document_added_later_is_answered_as_if_the_index_were_built_with_it(tmp_path: Path):
    # the added document goes into a newer segment of the index: its words, mentions and the
    # level of its answers are found there as in a fresh build
    folder = tmp_path / "library"
    shutil.copytree(LIBRARY, folder)
    later = folder / f"{NOTICE}.txt"
    notice = later.read_bytes()
    later.unlink()
    cache = tmp_path / "cache"
    Engine.open(folder, cache)
    later.write_bytes(notice)
    grown = Engine.open(folder, cache)
    assert grown.index.segments > 1
    fresh = Engine.open(folder, tmp_path / "fresh-cache")
    for question in ("秋季森林防火期是从哪天到哪天？", "通知有没有提到林区？"):
        got, expected = grown.ask(question), fresh.ask(question)
        assert got.confidence == expected.confidence == "high", question
        assert got.mentions == expected.mentions
        assert best_text(got) == best_text(expected)
