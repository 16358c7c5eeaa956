"""The three levels and "is X mentioned?" as the command line and the terminal chat show them.

The engine's levels are checked in test_answers.py; here the thresholds are forced, so that
what is checked is how each front end says a level, whatever the tuned thresholds are."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot import texts
from bot.answer import Engine
from bot.answer.confidence import ConfidenceConfig
from bot.answer.engine import EngineConfig
from bot.frontends.answer_view import LOW_SHOWN, view
from bot.frontends.cli import main
from bot.frontends.plain import format_answer
from bot.frontends.terminal import run_chat

LIBRARY = Path(__file__).resolve().parent / "library"
EVERYTHING_LOW = ConfidenceConfig(high=1.01, low=0.0)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine.open(LIBRARY, tmp_path_factory.mktemp("views-cache"))


@pytest.fixture(scope="module")
def unsure(engine: Engine) -> Engine:
    """The same index with every answer 「可能相关」."""
    return Engine(engine.index, EngineConfig(engine.ranking, EVERYTHING_LOW))


def test_a_possibly_relevant_answer_shows_a_caveat_and_up_to_three_passages(unsure: Engine):
    answer = unsure.ask("江宁市轨道交通运营里程达到多少公里？", top=LOW_SHOWN)
    assert answer.confidence == "low"
    shown = view(answer)
    assert shown.lead == texts.POSSIBLY_RELEVANT and len(shown.hits) == LOW_SHOWN
    text = format_answer(answer)
    assert text.startswith(texts.POSSIBLY_RELEVANT)
    for i, hit in enumerate(answer.hits, 1):
        assert f"[{i}] 《{hit.passage.document}》" in text and hit.passage.text in text


def test_an_answer_shows_one_passage_without_a_caveat(engine: Engine):
    answer = engine.ask("江宁市轨道交通运营里程达到多少公里？", top=LOW_SHOWN)
    text = format_answer(answer)
    assert answer.confidence == "high" and texts.POSSIBLY_RELEVANT not in text
    assert text.startswith("《") and "186公里" in text and "[1]" not in text


def test_mentions_are_counted_and_absence_said_in_those_words(engine: Engine):
    yes = format_answer(engine.ask("报告有没有提到托育？"))
    assert yes.startswith(texts.MENTIONED.format(topic="托育", count=1)) and "托育机构" in yes
    no = format_answer(engine.ask("通知有没有提到无人机？"))
    assert no == texts.NOT_MENTIONED.format(topic="无人机")


def test_ask_json_gives_the_confidence_and_the_mentions(capsys):
    main(["ask", "报告有没有提到托育？", "--corpus", str(LIBRARY), "--json"])
    main(["ask", "如何申请护照？", "--corpus", str(LIBRARY), "--json"])
    main(["ask", "江宁市轨道交通运营里程达到多少公里？", "--corpus", str(LIBRARY), "--json"])
    mention, nothing, answered = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert mention["confidence"] == "high" and mention["found"] is True
    assert mention["topic"] == "托育" and mention["mentions"] == 1
    assert nothing["confidence"] == "none" and nothing["found"] is False
    assert nothing["topic"] is None and nothing["mentions"] is None
    assert answered["confidence"] == "high" and "186公里" in answered["results"][0]["text"]


def test_the_terminal_chat_shows_the_levels_and_more_goes_on_after_them(unsure: Engine):
    out = io.StringIO()
    run_chat(unsure, io.StringIO("江宁市轨道交通运营里程达到多少公里？\n/more\n/quit\n"), out)
    text = out.getvalue()
    assert texts.POSSIBLY_RELEVANT in text and "[3] 《" in text
    fourth = unsure.ask("江宁市轨道交通运营里程达到多少公里？", top=5).hits[LOW_SHOWN]
    after_more = text.split("[3] 《", 1)[1]
    assert fourth.passage.text in after_more
