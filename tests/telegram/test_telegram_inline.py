"""Inline mode: `@botname 问题` in any chat offers the top passages; empty queries get a hint."""

from __future__ import annotations

from bot import texts
from bot.answer import Engine
from tests.support.fake_bot_api import FakeBotApi, parse_html
from tests.support.telegram import ALICE

QUESTION = "人大代表需要学习哪些知识？"


async def answered(api: FakeBotApi, query_id: str):
    return await api.wait_for(
        "answerInlineQuery", lambda c: c.params["inline_query_id"] == query_id
    )


async def test_an_inline_question_offers_the_top_passages(
    api: FakeBotApi, bot, engine: Engine
) -> None:
    call = await answered(api, api.inline(ALICE, QUESTION))
    assert call.ok
    results = call.params["results"]
    hits = engine.ask(QUESTION, top=5).hits
    assert 1 < len(results) <= 5 and len(results) == len(hits)
    for result, hit in zip(results, hits, strict=True):
        p = hit.passage
        assert result["type"] == "article"
        assert result["title"] == (p.section or p.subsection or texts.FRONT_MATTER)
        assert p.text.startswith(result["description"].rstrip("…"))
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        text, entities = parse_html(content["message_text"])
        assert text.split("\n")[0] == f"《{p.document}》" and p.text in text
        assert any(e["type"] == "bold" for e in entities)
    assert len({r["id"] for r in results}) == len(results)


async def test_an_empty_inline_query_shows_a_hint(api: FakeBotApi, bot, engine: Engine) -> None:
    call = await answered(api, api.inline(ALICE, "   "))
    assert call.ok
    [hint] = call.params["results"]
    assert hint["title"] == texts.TG_INLINE_HINT_TITLE.format(example=engine.examples()[0])
    assert engine.examples()[1] in hint["input_message_content"]["message_text"]
    assert call.params["button"] == {"text": texts.TG_INLINE_HELP_BUTTON, "start_parameter": "help"}


async def test_an_inline_question_without_an_answer_says_so(api: FakeBotApi, bot) -> None:
    call = await answered(api, api.inline(ALICE, "今天天气怎么样，适合去海边钓鱼吗？"))
    assert call.ok and call.params["results"] == []
    assert call.params["button"]["text"] == texts.NOT_FOUND


async def test_the_help_button_of_inline_mode_opens_the_help(
    api: FakeBotApi, bot, engine: Engine
) -> None:
    message = api.say(
        ALICE, "/start help"
    )  # what Telegram sends after the switch-to-private button
    reply = await api.reply_to(message)
    assert engine.examples()[0] in reply.text
