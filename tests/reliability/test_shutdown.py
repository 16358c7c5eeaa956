"""SIGTERM (and SIGKILL) while answering: `speechbot run` as a subprocess against the fake Bot API.

The fake server holds every sendMessage (as a slow or congested network would) when the signal
comes. After SIGTERM the bot must exit within its stop deadline; after either signal a new process
must answer every question that had not been answered, and none twice."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from bot.frontends.telegram.delivery import STOP_DEADLINE
from tests.support.fake_bot_api import TOKEN, FakeBotApi
from tests.support.process import bot_env, start_bot, stop_bot
from tests.support.telegram import GROUP, QUESTIONS, all_answered, replies, tally, users
from tests.support.waiting import eventually

# Seconds from SIGTERM to exit. The bot gives answers in progress 3 s, then stops, and exits at
# STOP_DEADLINE (6 s) whatever happens; the margin is for a busy machine. Held answers would keep
# a bot without that deadline waiting until HOLD.
EXIT_WITHIN = STOP_DEADLINE + 10.0
# Seconds the fake server holds each answer: far longer than the bot may take to stop (a hold ends
# as soon as the bot's connection goes, so it costs the test nothing).
HOLD = 60.0

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
async def test_a_signal_while_answering_loses_no_question_and_answers_none_twice(
    api: FakeBotApi, cache_dir: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    env = bot_env(
        cache_dir,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        GROUP_COOLDOWN_SECONDS="0",
    )
    people = users(12)
    asked: list[dict] = []

    process = await start_bot(env, tmp_path)
    assert process.stderr is not None
    log = asyncio.create_task(process.stderr.read())
    try:
        await api.wait_for("deleteWebhook")  # polling has started
        # before: answered normally
        asked += [api.say(u, QUESTIONS[i % len(QUESTIONS)]) for i, u in enumerate(people[:4])]
        await eventually(all_answered(api, asked), "the first answers")

        # during: every answer is held on its way to Telegram; the signal comes while they are
        api.slow_down("sendMessage", HOLD)
        held_from = time.perf_counter()
        asked += [api.say(u, QUESTIONS[i % len(QUESTIONS)]) for i, u in enumerate(people[4:10])]
        asked.append(api.say(people[10], f"@{api.username} {QUESTIONS[0]}", chat=GROUP))
        await eventually(lambda: api.holding >= 7, "answers held on the way")
        signalled = time.perf_counter()
        code = await stop_bot(process, sig)
        took = time.perf_counter() - signalled
    finally:
        if process.returncode is None:
            process.kill()
    first_log = (await log).decode()
    if sig == signal.SIGTERM:
        assert code == 0, first_log[-3000:]
        assert took < EXIT_WITHIN, f"exit took {took:.1f} s"
        assert "Telegram will send those questions again" in first_log
    assert took < HOLD - 1  # gone before the held answers could have been done

    # after: a new process answers what was left, and questions asked while it was down
    api.slow_down("sendMessage", None)
    asked.append(api.say(people[11], QUESTIONS[1]))
    process = await start_bot(env, tmp_path)
    assert process.stderr is not None
    log = asyncio.create_task(process.stderr.read())
    try:
        await eventually(all_answered(api, asked), "every question answered")
        more = [api.say(u, QUESTIONS[2]) for u in people[:3]]
        asked += more
        await eventually(all_answered(api, asked), "the last answers")
        # the held answers are let go (never done: their client is gone)
        await eventually(lambda: api.holding == 0, "the held answers to be released")
        await asyncio.sleep(0.3)  # a duplicate would show by then
    finally:
        code = await stop_bot(process)
    second_log = (await log).decode()
    result = tally(api, asked)
    assert result == {"sent": 15, "answered": 15, "lost": 0, "duplicated": 0}, (
        result,
        replies(api),
    )
    assert code == 0, second_log[-3000:]
    assert len(api.abandoned) >= 7  # the held answers really were cut off by the signal
    print(
        f"{sig.name}: exit after {took:.1f} s, {time.perf_counter() - held_from:.1f} s from the "
        f"hold to all answered; {result}"
    )
