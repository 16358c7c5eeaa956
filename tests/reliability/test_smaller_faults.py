"""The smaller Telegram faults of issue 15 (item 9): a group that has just become a supergroup, a
big upload through a local Bot API server, a long question that is slow to rank."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot import texts
from bot.answer import Engine
from bot.frontends.telegram.app import build_application
from tests.support.fake_bot_api import FakeBotApi, User
from tests.support.paths import SEEDS
from tests.support.telegram import QUESTIONS, running
from tests.support.waiting import PATIENCE, eventually

OLD_GROUP = -4242
NEW_GROUP = -1004242000001
ALICE = User(7101, "Alice")
OWNER = User(7102, "Owner")
MB = 1024 * 1024


async def test_an_answer_to_a_group_that_just_became_a_supergroup_arrives_and_its_choice_moves(
    api: FakeBotApi, engine: Engine, make_settings, tmp_path: Path
) -> None:
    api.basic_group(OLD_GROUP)
    settings = make_settings(api.base_url, cache_dir=tmp_path / "state")
    title = engine.index.documents[0].title
    async with running(build_application(settings, engine)):
        narrowed = await api.reply_to(api.say(ALICE, "/doc@speech_test_bot 1", chat=OLD_GROUP))
        assert title in narrowed.text
        api.migrate(OLD_GROUP, NEW_GROUP)
        # asked in the old group just before it moved; the answer can only go to the new one
        api.say(ALICE, f"/ask@speech_test_bot {QUESTIONS[0]}", chat=OLD_GROUP)
        answer = await api.wait_for("sendMessage", lambda c: c.ok and c.chat_id == NEW_GROUP)
        later = await api.reply_to(
            api.say(ALICE, f"/ask@speech_test_bot {QUESTIONS[1]}", chat=NEW_GROUP)
        )
    refused = [c for c in api.sent(OLD_GROUP) if not c.ok]
    assert refused and "upgraded to a supergroup" in (refused[0].error or "")
    assert "宪法法律知识" in answer.text
    scope = texts.TG_SCOPE_LINE.format(title=title)
    assert answer.text.endswith(scope) and later.text.endswith(scope)  # the /doc choice moved
    assert not [c for c in api.calls if c.text == texts.TG_ERROR]


async def test_the_service_message_of_a_move_moves_the_choice(
    api: FakeBotApi, engine: Engine, make_settings, tmp_path: Path
) -> None:
    api.basic_group(OLD_GROUP)
    settings = make_settings(api.base_url, cache_dir=tmp_path / "state")
    async with running(build_application(settings, engine)):
        await api.reply_to(api.say(ALICE, "/doc@speech_test_bot 1", chat=OLD_GROUP))
        api.migrate(OLD_GROUP, NEW_GROUP)
        moved = api.compose(ALICE, "", chat=OLD_GROUP)
        moved.pop("text", None)
        moved["migrate_to_chat_id"] = NEW_GROUP
        api.push({"message": moved})
        later = await api.reply_to(
            api.say(ALICE, f"/ask@speech_test_bot {QUESTIONS[1]}", chat=NEW_GROUP)
        )
    title = engine.index.documents[0].title
    assert later.text.endswith(texts.TG_SCOPE_LINE.format(title=title))


async def test_a_60_mb_upload_through_a_local_bot_api_server_is_refused_before_downloading(
    api: FakeBotApi, make_settings, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in SEEDS.glob("*.txt"):
        (corpus / path.name).write_bytes(path.read_bytes())
    settings = make_settings(  # a local Bot API server: no 20 MB download limit of its own
        api.base_url, corpus=corpus, owner_ids=frozenset({OWNER.id}), cache_dir=tmp_path / "c"
    )
    engine = Engine.open(corpus, tmp_path / "c")
    async with running(build_application(settings, engine)):
        big = api.send_document(OWNER, "会议纪要.txt", "很长的纪要。".encode() * 10, size=60 * MB)
        refusal = await api.reply_to(big)
    assert refusal.text == texts.TG_FILE_OVER_LIMIT.format(name="会议纪要.txt", size=60.0, limit=50)
    assert not [c for c in api.calls if c.method == "getFile"] and api.downloads == []
    assert sorted(p.name for p in corpus.iterdir()) == sorted(p.name for p in SEEDS.glob("*.txt"))


async def test_a_question_slow_to_rank_does_not_hold_up_the_other_chats(
    api: FakeBotApi, engine: Engine, make_settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    rank = engine.ask
    ranking, go_on = threading.Event(), threading.Event()

    def slow_for_long_questions(question: str, *args, **kwargs):
        if len(question) > 400:  # a degenerate corpus: ranking this one takes a while
            ranking.set()
            go_on.wait(PATIENCE)
        return rank(question, *args, **kwargs)

    async with running(build_application(make_settings(api.base_url), engine)):
        monkeypatch.setattr(engine, "ask", slow_for_long_questions)
        long_question = api.say(ALICE, (QUESTIONS[0] * 60)[:480])
        await eventually(ranking.is_set, "the long question to be ranked")
        try:  # answered while the ranking goes on (it would wait for it on the event loop)
            helped = await api.reply_to(api.say(OWNER, "/help"))
        finally:
            go_on.set()
        answered = await api.reply_to(long_question)
    assert helped.ok and helped.at < answered.at
    assert "宪法法律知识" in answered.text
