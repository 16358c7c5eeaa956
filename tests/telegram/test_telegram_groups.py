"""Group chats with privacy mode on: /ask@bot, /ask as a reply, replies to the bot, mentions,
topics, the cooldown."""

from __future__ import annotations

from bot import texts
from bot.answer import Engine
from bot.frontends.telegram.app import build_application
from tests.support.fake_bot_api import FakeBotApi
from tests.support.telegram import ALICE, BOB, CAROL, FORUM, GROUP, running

QUESTION = "人大代表需要学习哪些知识？"
OTHER = "怎样加强政治引领？"


async def sentinel(api: FakeBotApi) -> None:
    """A private question answered after everything sent before it has been handled."""
    await api.reply_to(api.say(CAROL, QUESTION))


async def test_ask_with_the_bot_name_answers_in_the_group_as_a_reply(
    api: FakeBotApi, bot, engine: Engine
) -> None:
    message = api.say(ALICE, f"/ask@speech_test_bot {QUESTION}", chat=GROUP)
    reply = await api.reply_to(message)
    best = engine.ask(QUESTION, top=1).hits[0].passage
    assert reply.chat_id == GROUP and reply.reply_to == message["message_id"]
    assert reply.params["parse_mode"] == "HTML" and reply.thread is None
    assert best.text in reply.text
    assert [b["text"] for b in reply.buttons] == [
        texts.MORE_RESULTS,
        texts.CONTEXT,
        texts.TG_FEEDBACK_UP_BUTTON,
        texts.TG_FEEDBACK_DOWN_BUTTON,
    ]


async def test_more_in_a_group_rereads_the_question_from_the_ask_command(
    api: FakeBotApi, bot, engine: Engine
) -> None:
    message = api.say(ALICE, f"/ask@speech_test_bot {QUESTION}", chat=GROUP)
    reply = await api.reply_to(message)
    api.tap(BOB, reply.result, texts.MORE_RESULTS)
    more = await api.wait_for("sendMessage", lambda c: c.text.startswith("[2] "))
    assert more.chat_id == GROUP and more.reply_to == message["message_id"]
    assert engine.ask(QUESTION, top=2).hits[1].passage.text in more.text


async def test_ask_as_a_reply_answers_the_message_replied_to(
    api: FakeBotApi, bot, engine: Engine
) -> None:
    original = api.say(BOB, OTHER, chat=GROUP)
    command = api.say(ALICE, "/ask@speech_test_bot", chat=GROUP, reply_to=original["message_id"])
    reply = await api.wait_for("sendMessage", lambda c: c.chat_id == GROUP)
    assert reply.reply_to == original["message_id"]  # under the question, where 更多结果 finds it
    assert engine.ask(OTHER, top=1).hits[0].passage.text in reply.text
    assert command["message_id"] > original["message_id"]


async def test_ask_without_a_question_shows_examples(api: FakeBotApi, bot, engine: Engine) -> None:
    message = api.say(ALICE, "/ask@speech_test_bot", chat=GROUP)
    reply = await api.reply_to(message)
    assert reply.text == texts.EMPTY_QUESTION.format(example="、".join(engine.examples()))


async def test_a_reply_to_the_bot_is_a_new_question(api: FakeBotApi, bot, engine: Engine) -> None:
    first = await api.reply_to(api.say(ALICE, f"/ask@speech_test_bot {QUESTION}", chat=GROUP))
    follow_up = api.say(BOB, OTHER, chat=GROUP, reply_to=first.result["message_id"])
    reply = await api.reply_to(follow_up)
    assert reply.chat_id == GROUP
    assert engine.ask(OTHER, top=1).hits[0].passage.text in reply.text


async def test_a_mention_is_answered_without_the_mention(
    api: FakeBotApi, bot, engine: Engine
) -> None:
    message = api.say(ALICE, f"@speech_test_bot {OTHER}", chat=GROUP)
    reply = await api.reply_to(message)
    assert engine.ask(OTHER, top=1).hits[0].passage.text in reply.text
    bare = api.say(BOB, QUESTION, chat=GROUP)
    mention = api.say(CAROL, "@Speech_Test_Bot", chat=GROUP, reply_to=bare["message_id"])
    answer = await api.reply_to(bare)  # a bare mention as a reply: the message replied to is asked
    assert engine.ask(QUESTION, top=1).hits[0].passage.text in answer.text
    assert mention["message_id"] > bare["message_id"]


async def test_group_chatter_is_ignored(api: FakeBotApi, bot) -> None:
    chatter = [
        api.say(ALICE, QUESTION, chat=GROUP),
        api.say(BOB, "我觉得要多学习法律知识", chat=GROUP),
    ]
    chatter.append(api.say(ALICE, "同意", chat=GROUP, reply_to=chatter[1]["message_id"]))
    chatter.append(api.say(BOB, f"/ask@other_helper_bot {QUESTION}", chat=GROUP))
    chatter.append(api.say(BOB, "@someone_else 你怎么看？", chat=GROUP))
    await sentinel(api)
    assert api.sent(GROUP) == []


async def test_answers_go_to_the_same_forum_topic(api: FakeBotApi, bot, engine: Engine) -> None:
    topic = api.new_topic(FORUM, "学习讨论", BOB)
    message = api.say(ALICE, f"/ask@speech_test_bot {QUESTION}", chat=FORUM, thread=topic)
    reply = await api.reply_to(message)
    assert reply.chat_id == FORUM and reply.thread == topic and reply.ok
    api.tap(ALICE, reply.result, texts.CONTEXT)
    context = await api.reply_to(reply.result)
    assert context.thread == topic and context.ok
    api.tap(ALICE, reply.result, texts.MORE_RESULTS)
    more = await api.wait_for("sendMessage", lambda c: c.text.startswith("[2] "))
    assert more.thread == topic and more.reply_to == message["message_id"]
    # a post in the topic "replies" to the topic's opening message; that is not a reply to anyone
    plain = api.say(BOB, QUESTION, chat=FORUM, thread=topic)
    await sentinel(api)
    assert all(c.reply_to != plain["message_id"] for c in api.sent(FORUM))
    ask = api.say(BOB, "/ask@speech_test_bot", chat=FORUM, thread=topic)
    hint = await api.reply_to(ask)
    assert hint.thread == topic and hint.text.startswith(texts.EMPTY_QUESTION.split("{")[0])


async def test_a_question_inside_the_cooldown_waits_for_its_turn_and_is_answered(
    api: FakeBotApi, engine: Engine, make_settings
) -> None:
    cooldown = 1.0
    settings = make_settings(api.base_url, group_cooldown_seconds=cooldown)
    async with running(build_application(settings, engine)):
        first = api.say(ALICE, f"/ask@speech_test_bot {QUESTION}", chat=GROUP)
        answered_first = await api.reply_to(first)
        second = api.say(ALICE, f"/ask@speech_test_bot {OTHER}", chat=GROUP)  # waits its turn
        third = api.say(ALICE, f"@speech_test_bot {OTHER}", chat=GROUP)  # one waits already
        fourth = api.say(ALICE, f"/ask@speech_test_bot {QUESTION}", chat=GROUP)
        other_user = api.say(BOB, f"/ask@speech_test_bot {OTHER}", chat=GROUP)
        await api.reply_to(other_user)  # others are not held up
        notice = await api.reply_to(third)
        answered_second = await api.reply_to(second)
        await sentinel(api)
    waited = answered_second.at - answered_first.at
    assert waited >= cooldown * 0.5, waited  # answered when its turn came, not at once
    assert engine.ask(OTHER, top=1).hits[0].passage.text in answered_second.text
    assert notice.text == texts.TG_COOLDOWN_QUEUED
    assert not [c for c in api.sent(GROUP) if c.reply_to == fourth["message_id"]]  # one notice
    assert all(c.ok for c in api.sent(GROUP))


async def test_taps_inside_the_cooldown_get_a_notice_and_an_empty_ask_the_hint(
    api: FakeBotApi, engine: Engine, make_settings
) -> None:
    settings = make_settings(api.base_url, group_cooldown_seconds=60.0)
    async with running(build_application(settings, engine)):
        first = api.say(ALICE, f"/ask@speech_test_bot {QUESTION}", chat=GROUP)
        reply = await api.reply_to(first)
        empty = api.say(ALICE, "/ask@speech_test_bot", chat=GROUP)  # nothing to ask: no waiting
        hint = await api.reply_to(empty)
        private = [api.say(ALICE, OTHER) for _ in range(2)]  # private chats have no cooldown
        for message in private:
            await api.reply_to(message)
        more = reply.buttons[0]["callback_data"]
        api.tap(ALICE, reply.result, data=more, as_shown=True)
        await api.wait_for(
            "sendMessage", lambda c: c.text.startswith("[2] ")
        )  # the first tap counts
        second_tap = api.tap(ALICE, reply.result, data=more, as_shown=True)
        notice = await api.wait_for(
            "answerCallbackQuery", lambda c: c.params["callback_query_id"] == second_tap
        )
        vote = api.tap(ALICE, reply.result, texts.TG_FEEDBACK_UP_BUTTON)  # feedback is exempt
        thanks = await api.wait_for(
            "answerCallbackQuery", lambda c: c.params["callback_query_id"] == vote
        )
    assert hint.text == texts.EMPTY_QUESTION.format(example="、".join(engine.examples()))
    assert notice.params["text"] == texts.TG_COOLDOWN
    assert thanks.params["text"] == texts.TG_FEEDBACK_UP


async def test_ask_as_a_reply_to_a_sticker_gets_the_hint(
    api: FakeBotApi, bot, engine: Engine
) -> None:
    sticker = api.sticker(BOB, chat=GROUP)
    ask = api.say(ALICE, "/ask@speech_test_bot", chat=GROUP, reply_to=sticker["message_id"])
    hint = await api.wait_for("sendMessage", lambda c: c.chat_id == GROUP)
    assert hint.text == texts.EMPTY_QUESTION.format(example="、".join(engine.examples()))
    assert hint.reply_to == ask["message_id"]


async def test_allowed_chats_limit_where_the_bot_answers(
    api: FakeBotApi, engine: Engine, make_settings
) -> None:
    settings = make_settings(
        api.base_url, allowed_chat_ids=frozenset({GROUP}), owner_ids=frozenset({BOB.id})
    )
    async with running(build_application(settings, engine)):
        stranger = api.say(ALICE, QUESTION)  # a private chat that is not allowed
        in_group = api.say(ALICE, f"/ask@speech_test_bot {QUESTION}", chat=GROUP)
        await api.reply_to(in_group)
        owner = api.say(BOB, QUESTION)  # owners are answered everywhere
        await api.reply_to(owner)
        elsewhere = api.say(CAROL, f"/ask@speech_test_bot {QUESTION}", chat=FORUM)
        await api.reply_to(api.say(BOB, OTHER))  # handled after everything above
    assert api.sent(ALICE.id) == [] and api.sent(FORUM) == []
    assert stranger["message_id"] and elsewhere["message_id"]
