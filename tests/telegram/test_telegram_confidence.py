"""The three confidence levels and "is X mentioned?" in private chats, groups and inline mode.

The thresholds are forced (every answer 「可能相关」, or none), so that what is checked is how
Telegram says each level; the levels themselves are tested in tests/quality/test_answers.py."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import texts
from bot.answer import Engine
from bot.answer.confidence import ConfidenceConfig
from bot.answer.engine import EngineConfig
from bot.frontends.answer_view import LOW_SHOWN
from bot.frontends.telegram.app import build_application
from tests.support.fake_bot_api import Call, FakeBotApi
from tests.support.telegram import ALICE, BOB, GROUP, running

LIBRARY = Path(__file__).resolve().parents[1] / "quality" / "library"
QUESTION = "江宁市轨道交通运营里程达到多少公里？"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine.open(LIBRARY, tmp_path_factory.mktemp("tg-library-cache"))


@pytest.fixture
async def unsure_bot(api: FakeBotApi, library: Engine, make_settings) -> AsyncIterator[Engine]:
    """The bot answering every question as possibly relevant."""
    unsure = Engine(library.index, EngineConfig(library.ranking, ConfidenceConfig(1.01, 0.0)))
    async with running(build_application(make_settings(api.base_url, corpus=LIBRARY), unsure)):
        yield unsure


@pytest.fixture
async def library_bot(api: FakeBotApi, library: Engine, make_settings) -> AsyncIterator[Engine]:
    async with running(build_application(make_settings(api.base_url, corpus=LIBRARY), library)):
        yield library


async def test_a_possibly_relevant_answer_in_a_private_chat(api: FakeBotApi, unsure_bot: Engine):
    reply = await api.reply_to(api.say(ALICE, QUESTION))
    hits = unsure_bot.ask(QUESTION, top=LOW_SHOWN + 1).hits
    assert reply.text.startswith(texts.POSSIBLY_RELEVANT)
    for i, hit in enumerate(hits[:LOW_SHOWN], 1):
        assert f"[{i}] 《{hit.passage.document}》" in reply.text and hit.passage.text in reply.text
    labels = [b["text"] for b in reply.buttons]
    assert labels[:2] == [texts.MORE_RESULTS, texts.CONTEXT]
    api.tap(ALICE, reply.result, texts.MORE_RESULTS)
    more = await api.wait_for("sendMessage", lambda c: c.text.startswith(f"[{LOW_SHOWN + 1}] "))
    assert hits[LOW_SHOWN].passage.text in more.text
    assert texts.POSSIBLY_RELEVANT not in more.text


async def test_a_possibly_relevant_answer_in_a_group(api: FakeBotApi, unsure_bot: Engine):
    message = api.say(BOB, f"/ask@speech_test_bot {QUESTION}", chat=GROUP)
    reply = await api.reply_to(message)
    assert reply.chat_id == GROUP and reply.text.startswith(texts.POSSIBLY_RELEVANT)
    assert "[2] 《" in reply.text


async def test_possibly_relevant_inline_results_say_so(api: FakeBotApi, unsure_bot: Engine):
    query_id = api.inline(ALICE, QUESTION)
    call = await api.wait_for(
        "answerInlineQuery", lambda c: c.params["inline_query_id"] == query_id
    )
    titles = [r["title"] for r in call.params["results"]]
    assert titles and all(
        t.startswith(texts.INLINE_POSSIBLY_RELEVANT.format(where="")) for t in titles
    )


async def test_mentions_in_a_private_chat(api: FakeBotApi, library_bot: Engine):
    yes = await api.reply_to(api.say(ALICE, "报告有没有提到托育？"))
    assert yes.text.startswith(texts.MENTIONED.format(topic="托育", count=1))
    assert "托育机构托位1500个" in yes.text
    no = await api.reply_to(api.say(ALICE, "通知有没有提到无人机？"))
    assert no.text == texts.NOT_MENTIONED.format(topic="无人机") and not no.buttons


async def test_not_found_and_not_mentioned_inline(api: FakeBotApi, library_bot: Engine):
    for question, said in (
        ("如何申请护照？", texts.NOT_FOUND),
        ("通知有没有提到无人机？", texts.NOT_MENTIONED.format(topic="无人机")),
    ):
        query_id = api.inline(ALICE, question)
        call = await api.wait_for("answerInlineQuery", functools.partial(_for_query, query_id))
        assert call.params["results"] == [] and call.params["button"]["text"] == said


def _for_query(query_id: str, call: Call) -> bool:
    return bool(call.params["inline_query_id"] == query_id)
