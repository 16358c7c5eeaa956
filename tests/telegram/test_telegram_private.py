"""Private chats over HTTP: questions, /start and /help, both buttons, not found, limits, errors."""

from __future__ import annotations

import copy
import logging

import pytest

from bot import texts
from bot.answer import Engine
from bot.frontends.telegram import buttons
from bot.frontends.telegram.app import build_application
from tests.support.fake_bot_api import ApiError, Call, FakeBotApi
from tests.support.telegram import ALICE, BOB, running
from tests.support.waiting import eventually

QUESTION = "人大代表需要学习哪些知识？"


def bold_texts(call: Call) -> list[str]:
    """The bold stretches of a sent message as the user sees them (entity offsets are UTF-16)."""
    units = call.text.encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in call.result.get("entities", [])
        if e["type"] == "bold"
    ]


def labels(call: Call) -> list[str]:
    return [b["text"] for b in call.buttons]


def no_failed_calls(api: FakeBotApi) -> None:
    failed = [(c.method, c.error) for c in api.calls if not c.ok]
    assert not failed, failed


async def test_startup_registers_the_command_menu_and_logs_once(
    api: FakeBotApi, engine: Engine, make_settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="speechbot")
    async with running(build_application(make_settings(api.base_url), engine)):
        pass
    private = api.commands["all_private_chats"]
    group = api.commands["all_group_chats"]
    assert [c["command"] for c in private] == ["help", "docs", "sections"]
    assert [c["command"] for c in group] == ["ask", "help", "docs", "sections"]
    ready = [r.getMessage() for r in caplog.records if "ready" in r.getMessage()]
    assert len(ready) == 1
    index = engine.index
    assert "@speech_test_bot" in ready[0]
    assert f"{len(index.documents)} documents, {len(index.passages)} passages" in ready[0]
    assert "index loaded in" in ready[0]


@pytest.mark.parametrize("command", ["/start", "/help"])
async def test_start_and_help_explain_how_to_ask_with_two_examples(
    api: FakeBotApi, bot, engine: Engine, command: str
) -> None:
    message = api.say(ALICE, command)
    reply = await api.reply_to(message)
    assert reply.chat_id == ALICE.id and reply.params["parse_mode"] == "HTML"
    examples = engine.examples()
    assert len(examples) == 2
    for example in examples:
        assert example in reply.text
    assert "/sections" in reply.text and "/ask" in reply.text and "@speech_test_bot" in reply.text
    assert (
        texts.CORPUS_SUMMARY.format(documents=1, passages=len(engine.index.passages)) in reply.text
    )


async def test_a_private_question_is_answered_with_title_heading_highlights_and_place(
    api: FakeBotApi, bot, engine: Engine, fp: str
) -> None:
    message = api.say(ALICE, QUESTION)
    reply = await api.reply_to(message)
    best = engine.ask(QUESTION, top=1).hits[0].passage
    assert reply.chat_id == ALICE.id
    assert reply.reply_to == message["message_id"]
    assert reply.params["parse_mode"] == "HTML"
    assert reply.thread is None
    lines = reply.text.split("\n")
    assert lines[0] == f"《{best.document}》"
    assert lines[1] == f"{best.section} › {best.subsection} · 第{best.paragraph}段"
    assert lines[2] == best.text
    bold = bold_texts(reply)
    assert bold[:3] == [f"《{best.document}》", best.section, best.subsection]
    assert {"知识", "学习", "人大"} <= set(bold[3:])
    assert labels(reply) == [
        texts.MORE_RESULTS,
        texts.CONTEXT,
        texts.TG_FEEDBACK_UP_BUTTON,
        texts.TG_FEEDBACK_DOWN_BUTTON,
    ]
    for button in reply.buttons:
        assert len(button["callback_data"].encode()) <= 64
    assert all(f":{fp}:" in b["callback_data"] for b in reply.buttons[:2])  # the corpus's buttons
    no_failed_calls(api)


async def test_more_results_shows_the_next_passage_and_retires_its_button(
    api: FakeBotApi, bot, engine: Engine
) -> None:
    question = api.say(ALICE, QUESTION)
    first = await api.reply_to(question)
    hits = engine.ask(QUESTION, top=3).hits

    api.tap(ALICE, first.result, texts.MORE_RESULTS)
    second = await api.wait_for("sendMessage", lambda c: c.text.startswith("[2] "))
    assert (
        second.reply_to == question["message_id"]
    )  # threads under the question, so it can be re-read
    assert second.chat_id == ALICE.id
    assert hits[1].passage.text in second.text and hits[0].passage.text not in second.text
    assert labels(second) == [texts.MORE_RESULTS, texts.CONTEXT]
    edit = await api.wait_for("editMessageReplyMarkup")
    assert edit.ok and edit.params["message_id"] == first.result["message_id"]
    assert [
        b["text"] for row in api.message(first)["reply_markup"]["inline_keyboard"] for b in row
    ] == [texts.CONTEXT, texts.TG_FEEDBACK_UP_BUTTON, texts.TG_FEEDBACK_DOWN_BUTTON]

    api.tap(ALICE, second.result, texts.MORE_RESULTS)
    third = await api.wait_for("sendMessage", lambda c: c.text.startswith("[3] "))
    assert hits[2].passage.text in third.text
    answers = [c for c in api.calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 2 and all(c.ok and not c.params.get("text") for c in answers)
    no_failed_calls(api)


async def test_a_double_tap_on_more_is_harmless(api: FakeBotApi, bot) -> None:
    question = api.say(ALICE, QUESTION)
    first = await api.reply_to(question)
    snapshot = copy.deepcopy(first.result)  # both taps come from the message as it was shown
    data = first.buttons[0]["callback_data"]
    api.tap(ALICE, snapshot, data=data, as_shown=True)
    await api.wait_for("editMessageReplyMarkup")
    api.tap(ALICE, snapshot, data=data, as_shown=True)
    second_edit = await api.wait_for("editMessageReplyMarkup", lambda c: not c.ok)
    assert "message is not modified" in (second_edit.error or "")
    await api.wait_for(
        "answerCallbackQuery",
        lambda c: len([a for a in api.calls if a.method == "answerCallbackQuery"]) == 2,
    )
    assert all(texts.TG_ERROR not in c.text for c in api.sent())


async def test_context_shows_the_whole_paragraph_with_the_passage_in_bold(
    api: FakeBotApi, bot, engine: Engine
) -> None:
    question = api.say(ALICE, QUESTION)
    first = await api.reply_to(question)
    api.tap(ALICE, first.result, texts.CONTEXT)
    context = await api.reply_to(first.result)
    passage = engine.ask(QUESTION, top=1).hits[0].passage
    paragraph = engine.paragraph_text(passage)
    assert len(paragraph) > len(passage.text)
    assert paragraph in context.text
    assert context.text.startswith(f"《{passage.document}》\n")
    assert passage.text in bold_texts(context)
    assert context.params["parse_mode"] == "HTML" and not context.buttons
    no_failed_calls(api)


async def test_not_found_is_friendly_and_suggests_sections(api: FakeBotApi, bot) -> None:
    message = api.say(ALICE, "今天天气怎么样，适合去海边钓鱼吗？")
    reply = await api.reply_to(message)
    assert reply.text == texts.NOT_FOUND + texts.NOT_FOUND_HINT
    assert "/sections" in reply.text
    assert not reply.buttons


async def test_a_question_of_only_punctuation_gets_the_example_hint(
    api: FakeBotApi, bot, engine: Engine
) -> None:
    message = api.say(ALICE, "？？……！")
    reply = await api.reply_to(message)
    assert reply.ok
    assert reply.text == texts.EMPTY_QUESTION.format(example="、".join(engine.examples()))


async def test_tags_and_ampersands_in_a_question_are_harmless(api: FakeBotApi, bot) -> None:
    message = api.say(ALICE, "<b>人大代表</b>需要学习哪些知识 &amp; 本领？")
    reply = await api.reply_to(message)
    # the markup is not part of the question, and it never reaches Telegram as markup
    assert reply.ok and "宪法法律知识" in reply.text
    context = api.say(ALICE, "<b>人大代表</b> & 学习")
    assert (await api.reply_to(context)).ok
    no_failed_calls(api)


async def test_text_needing_escapes_is_escaped(
    api: FakeBotApi, two_doc_engine: Engine, make_settings
) -> None:
    async with running(build_application(make_settings(api.base_url), two_doc_engine)):
        message = api.say(ALICE, "A&B 两组对照什么研究方法？")
        reply = await api.reply_to(message)
    assert reply.ok
    assert "A&B 两组要对照 <研究> 方法" in reply.text and "“x < y”与“y > z”" in reply.text
    sent = reply.params["text"]
    assert (
        "&amp;" in sent
        and "&lt;" in sent
        and "&gt;" in sent
        and "&"
        not in sent.replace("&amp;", "")
        .replace("&lt;", "")
        .replace("&gt;", "")
        .replace("&quot;", "")
        .replace("&#x27;", "")
    )


async def test_a_5000_character_question_is_cut_with_a_notice(api: FakeBotApi, bot) -> None:
    long_question = (QUESTION * 400)[:5000]
    message = api.say(ALICE, long_question)
    reply = await api.reply_to(message)
    assert reply.ok
    assert reply.text.startswith(texts.QUESTION_TRUNCATED.format(limit=500))
    assert len(reply.text) <= 4096


@pytest.mark.parametrize(
    "data",
    [
        "c:deadbeef:3",
        "m:{fp}:1:zzzzzzzz",
        "m:{fp}:x:00000000",
        "c:{fp}:99999999",
        "s:{fp}:0:77",
        "d:{fp}:5",
        "c:{fp}:-1",
        "nonsense",
        "c:{fp}:1:2:3",
    ],
)
async def test_stale_or_forged_buttons_get_a_short_notice(
    api: FakeBotApi, bot, fp: str, data: str
) -> None:
    question = api.say(ALICE, QUESTION)
    first = await api.reply_to(question)
    query_id = api.tap(ALICE, first.result, data=data.format(fp=fp))
    answer = await api.wait_for(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id
    )
    assert answer.ok and answer.params["text"] == texts.STALE_BUTTON
    assert len(api.sent()) == 1  # nothing else was sent
    no_failed_calls(api)


async def test_more_after_the_question_is_gone_or_edited_is_stale(api: FakeBotApi, bot) -> None:
    question = api.say(ALICE, QUESTION)
    first = await api.reply_to(question)
    orphan = {k: v for k, v in first.result.items() if k != "reply_to_message"}  # question deleted
    gone = api.tap(ALICE, orphan, texts.MORE_RESULTS, as_shown=True)
    edited = copy.deepcopy(first.result)
    edited["reply_to_message"]["text"] = "怎样加强政治引领？"  # the user edited the question since
    changed = api.tap(ALICE, edited, texts.MORE_RESULTS, as_shown=True)
    for query_id in (gone, changed):

        def answering(c: Call, q: str = query_id) -> bool:
            return c.params["callback_query_id"] == q

        answer = await api.wait_for("answerCallbackQuery", answering)
        assert answer.params["text"] == texts.STALE_BUTTON
    assert len(api.sent()) == 1


async def test_more_past_the_last_result_says_so(
    api: FakeBotApi, bot, engine: Engine, fp: str
) -> None:
    question = api.say(ALICE, QUESTION)
    first = await api.reply_to(question)
    total = len(engine.ask(QUESTION, top=1000).hits)
    data = buttons.encode(buttons.More(total, buttons.question_hash(QUESTION)), fp)
    query_id = api.tap(ALICE, first.result, data=data)
    answer = await api.wait_for(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id
    )
    assert answer.params["text"] == texts.NO_MORE_RESULTS
    await api.wait_for("editMessageReplyMarkup", lambda c: c.ok)
    assert len(api.sent()) == 1


async def test_sections_lists_the_toc_as_buttons_and_shows_a_section(
    api: FakeBotApi, bot, engine: Engine
) -> None:
    message = api.say(ALICE, "/sections")
    toc = await api.reply_to(message)
    entries = engine.toc()
    assert texts.SECTIONS_TITLE in toc.text
    assert labels(toc) == [e.heading for e in entries]
    api.tap(ALICE, toc.result, entries[2].heading)
    section = await api.reply_to(toc.result)
    body = engine.section_text(0, 2)
    assert body is not None
    assert section.text.split("\n")[1] == entries[2].heading
    assert entries[2].heading in bold_texts(section)
    assert all(paragraph in section.text for paragraph in body)
    no_failed_calls(api)


async def test_a_long_section_is_split_at_sentence_ends(
    api: FakeBotApi, two_doc_engine: Engine, make_settings
) -> None:
    async with running(build_application(make_settings(api.base_url), two_doc_engine)):
        message = api.say(ALICE, "/sections")
        chooser = await api.reply_to(message)
        assert texts.TG_SECTIONS_CHOOSE in chooser.text and len(chooser.buttons) == 2
        api.tap(ALICE, chooser.result, "《关于测试文档的说明》")
        edit = await api.wait_for("editMessageText")
        assert edit.ok and [b["text"] for b in edit.buttons] == [
            "一、总体要求",
            "二、长篇内容",
            "三、结束语",
        ]
        api.tap(ALICE, api.message(chooser), "二、长篇内容")
        await api.wait_for("sendMessage", lambda c: "第29条" in c.text)
    parts = [c for c in api.sent(ALICE.id) if c.result and "检查工作" in c.text]
    assert len(parts) >= 2
    assert all(c.ok and len(c.text.encode("utf-16-le")) // 2 <= 4096 for c in parts)
    assert all(c.text.endswith("。") for c in parts)
    paragraphs = two_doc_engine.section_text(1, 1)
    assert paragraphs is not None
    joined = "".join(c.text for c in parts).replace("\n", "")
    assert joined.endswith("".join(paragraphs))
    no_failed_calls(api)


async def test_an_error_is_logged_and_told_and_the_bot_keeps_going(
    api: FakeBotApi,
    bot,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("index exploded")

    monkeypatch.setattr(engine, "ask", broken)
    message = api.say(ALICE, QUESTION)
    reply = await api.reply_to(message)
    assert reply.text == texts.TG_ERROR
    assert any(
        "index exploded" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records
    )
    monkeypatch.undo()
    again = api.say(ALICE, QUESTION)
    assert (await api.reply_to(again)).text.startswith("《")


async def test_a_refused_send_goes_to_the_error_handler_not_up(
    api: FakeBotApi, bot, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail_next["sendmessage"] = ApiError(400, "Bad Request: message is too long")
    message = api.say(BOB, QUESTION)
    notice = await api.wait_for("sendMessage", lambda c: c.ok and c.chat_id == BOB.id)
    assert notice.text == texts.TG_ERROR
    assert any("message is too long" in r.getMessage().lower() for r in caplog.records)
    again = api.say(BOB, QUESTION)
    assert (await api.reply_to(again)).ok and message["message_id"] < again["message_id"]


async def test_questions_are_logged_with_latency_and_a_hashed_user(
    api: FakeBotApi, bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="speechbot")
    await api.reply_to(api.say(ALICE, QUESTION))
    await api.reply_to(api.say(ALICE, "今天天气怎么样，适合去海边钓鱼吗？"))

    def logged() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.getMessage().startswith("question ")]

    await eventually(lambda: len(logged()) == 2)  # the line is written just after the reply is sent
    lines = logged()
    assert "found=True" in lines[0] and "found=False" in lines[1]
    assert all("total_ms=" in line and "search_ms=" in line for line in lines)
    assert str(ALICE.id) not in "".join(lines)
    tag = lines[0].split("user=")[1].split()[0]
    assert len(tag) == 12 and tag == lines[1].split("user=")[1].split()[0]
