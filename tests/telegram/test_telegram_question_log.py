"""The owner sees what users ask: every question in the log, 👍/👎 under answers, /stats.

Through the real Application and the fake Bot API; the log is read back through its public API.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from bot import texts
from bot.answer import Engine
from bot.answer.questions import QuestionLog
from bot.frontends.telegram.app import build_application
from tests.support.fake_bot_api import FakeBotApi
from tests.support.telegram import ALICE, BOB, CAROL, GROUP, running
from tests.support.waiting import PATIENCE, eventually

QUESTION = "人大代表需要学习哪些知识？"
NOT_FOUND = "今天天气怎么样，适合去海边钓鱼吗？"
OWNER = BOB


def read_log(data: Path) -> list:
    log = QuestionLog.in_folder(data, read_only=True)
    try:
        return list(log.entries())
    finally:
        log.close()


async def test_questions_are_logged_and_feedback_is_noted_changed_and_kept_across_a_restart(
    api: FakeBotApi, engine: Engine, make_settings, tmp_path: Path
) -> None:
    settings = make_settings(api.base_url, data_dir=tmp_path / "data")
    async with running(build_application(settings, engine)):
        question = api.say(ALICE, QUESTION)
        answer = await api.reply_to(question)
        missed = await api.reply_to(api.say(ALICE, NOT_FOUND))
        up = api.tap(ALICE, answer.result, texts.TG_FEEDBACK_UP_BUTTON)
        toast = await api.wait_for(
            "answerCallbackQuery", lambda c: c.params["callback_query_id"] == up
        )
    assert toast.ok and toast.params["text"] == texts.TG_FEEDBACK_UP
    assert not missed.buttons  # nothing shown, nothing to rate
    first, second = read_log(tmp_path / "data")
    best = engine.ask(QUESTION, top=1).hits[0].passage
    assert (first.question, first.chat, first.found, first.confidence) == (
        QUESTION,
        "private",
        True,
        "high",
    )
    assert (first.document, first.section, first.paragraph) == (
        best.document,
        best.section,
        best.paragraph,
    )
    assert first.feedback == "up" and 0 < first.latency_ms < 30_000
    assert (second.question, second.confidence, second.document, second.feedback) == (
        NOT_FOUND,
        "none",
        None,
        None,
    )
    assert abs(first.asked_at - time.time()) < 120

    # a new process: the same button still finds its answer, and the vote can be changed
    async with running(build_application(settings, engine)):
        down = api.tap(ALICE, api.message(answer), texts.TG_FEEDBACK_DOWN_BUTTON)
        toast = await api.wait_for(
            "answerCallbackQuery", lambda c: c.params["callback_query_id"] == down
        )
    assert toast.params["text"] == texts.TG_FEEDBACK_DOWN
    assert [e.feedback for e in read_log(tmp_path / "data")] == ["down", None]
    assert len(api.sent(ALICE.id)) == 2  # feedback sends no message, only the toast


async def test_stats_for_an_owner_in_private_and_the_help_for_anyone_else(
    api: FakeBotApi, engine: Engine, make_settings, tmp_path: Path
) -> None:
    settings = make_settings(
        api.base_url, data_dir=tmp_path / "data", owner_ids=frozenset({OWNER.id})
    )
    async with running(build_application(settings, engine)):
        found = await api.reply_to(api.say(ALICE, QUESTION))
        await api.reply_to(api.say(ALICE, NOT_FOUND))
        await api.reply_to(api.say(CAROL, f"/ask@speech_test_bot {QUESTION}", chat=GROUP))
        down = api.tap(ALICE, found.result, texts.TG_FEEDBACK_DOWN_BUTTON)
        await api.wait_for("answerCallbackQuery", lambda c: c.params["callback_query_id"] == down)

        stranger = await api.reply_to(api.say(ALICE, "/stats"))
        in_group = await api.reply_to(api.say(OWNER, "/stats@speech_test_bot", chat=GROUP))
        stats = await api.reply_to(api.say(OWNER, "/stats"))
        labels = [b["text"] for b in stats.buttons]
        api.tap(OWNER, stats.result, labels[0])  # the unanswered question: what was answered
        details = await api.wait_for(
            "sendMessage", lambda c: c.text.startswith(texts.TG_ASKED_HEADER.split("{")[0])
        )
    for help_reply in (stranger, in_group):
        assert "/sections" in help_reply.text
        assert not help_reply.text.startswith(texts.TG_STATS_TITLE) and not help_reply.buttons
    text = stats.text
    assert text.startswith(texts.TG_STATS_TITLE)
    assert texts.TG_STATS_COUNTS.format(today=3, week=3, total=3) in text
    assert "已回答 2（67%）" in text and "可能相关 0（0%）" in text and "未找到 1（33%）" in text
    assert texts.TG_STATS_FEEDBACK.format(up=0, down=1) in text
    assert "p50 " in text and "p95 " in text
    assert text.index(texts.TG_STATS_UNANSWERED) < text.index(NOT_FOUND)
    assert text.index(texts.TG_STATS_DISLIKED) < text.rindex(QUESTION)
    assert len(labels) == 2 and NOT_FOUND[:10] in labels[0] and labels[1].startswith("👎")
    assert all(len(b["callback_data"].encode()) <= 64 for b in stats.buttons)
    assert NOT_FOUND in details.text and "未找到" in details.text
    assert texts.TG_ASKED_NOW in details.text


async def test_old_questions_are_pruned_and_recording_off_keeps_counts_only(
    api: FakeBotApi, engine: Engine, make_settings, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    old = QuestionLog.in_folder(data, clock=lambda: time.time() - 100 * 86400)
    old.record(
        chat="private",
        user="x",
        question="一百天前的问题",
        found=False,
        confidence="none",
        document=None,
        section=None,
        paragraph=None,
        latency_ms=5.0,
    )
    old.close()
    assert [e.question for e in read_log(data)] == ["一百天前的问题"]

    settings = make_settings(
        api.base_url,
        data_dir=data,
        owner_ids=frozenset({OWNER.id}),
        record_questions=False,
        question_retention_days=90,
    )
    async with running(build_application(settings, engine)):
        answer = await api.reply_to(api.say(ALICE, QUESTION))
        up = api.tap(ALICE, answer.result, texts.TG_FEEDBACK_UP_BUTTON)
        toast = await api.wait_for(
            "answerCallbackQuery", lambda c: c.params["callback_query_id"] == up
        )
        stats = await api.reply_to(api.say(OWNER, "/stats"))
    assert read_log(data) == []  # the old row is gone, the new one has no text
    assert toast.params["text"] == texts.TG_FEEDBACK_UP
    assert texts.TG_STATS_COUNTS.format(today=1, week=1, total=1) in stats.text
    assert texts.TG_STATS_FEEDBACK.format(up=1, down=0) in stats.text
    assert texts.TG_STATS_NOT_RECORDING in stats.text and not stats.buttons
    log = QuestionLog.in_folder(data, read_only=True)
    numbers = log.stats()
    log.close()
    assert (numbers.total, numbers.high, numbers.up) == (1, 1, 1)
    stored = b"".join(path.read_bytes() for path in data.iterdir())  # the file, its WAL
    assert QUESTION.encode() not in stored


async def test_stats_are_counted_off_the_event_loop(
    api: FakeBotApi, engine: Engine, make_settings, tmp_path: Path, monkeypatch
) -> None:
    """Counting a large log takes a while (half a second for 200,000 questions): the other
    chats are answered meanwhile."""
    counting, go_on = threading.Event(), threading.Event()
    count = QuestionLog.stats

    def slow_stats(self: QuestionLog, *args, **kwargs):
        counting.set()
        go_on.wait(PATIENCE)
        return count(self, *args, **kwargs)

    monkeypatch.setattr(QuestionLog, "stats", slow_stats)
    settings = make_settings(
        api.base_url, data_dir=tmp_path / "data", owner_ids=frozenset({OWNER.id})
    )
    async with running(build_application(settings, engine)):
        stats = api.say(OWNER, "/stats")
        await eventually(counting.is_set, "the log to be counted")
        try:
            answer = await api.reply_to(api.say(ALICE, QUESTION))
        finally:
            go_on.set()
        shown = await api.reply_to(stats)
    assert answer.ok and shown.ok and answer.at < shown.at
    assert texts.TG_STATS_TITLE in shown.text
