"""SIGTERM (and SIGKILL) while answering: `speechbot run` as a real subprocess against the fake Bot API.

The fake server holds every sendMessage (as a slow or congested network would) when the signal
comes. After SIGTERM the bot must exit within a few seconds; after either signal a new process
must answer every question that had not been answered, and none twice."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest
from fake_bot_api import TOKEN, FakeBotApi
from rel_support import (
    GROUP,
    QUESTIONS,
    bot_env,
    eventually,
    replies,
    start_bot,
    stop_bot,
    tally,
    users,
)

EXIT_WITHIN = 8.0  # seconds from SIGTERM to exit: the grace for answers in progress, then shut-down
HOLD = 6.0  # seconds the fake server holds each answer: longer than the bot takes to stop


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
    log = asyncio.create_task(process.stderr.read())
    try:
        await api.wait_for("deleteWebhook", timeout=60)  # polling has started
        # before: answered normally
        asked += [api.say(u, QUESTIONS[i % len(QUESTIONS)]) for i, u in enumerate(people[:4])]
        await eventually(lambda: tally(api, asked)["answered"] == 4, 20, "the first answers")

        # during: every answer is held on its way to Telegram; the signal comes while they are
        api.slow_down("sendMessage", HOLD)
        held_from = time.perf_counter()
        asked += [api.say(u, QUESTIONS[i % len(QUESTIONS)]) for i, u in enumerate(people[4:10])]
        asked.append(api.say(people[10], f"@{api.username} {QUESTIONS[0]}", chat=GROUP))
        await eventually(lambda: api.holding >= 7, 20, "answers held on the way")
        signalled = time.perf_counter()
        code = await stop_bot(process, sig, timeout=30)
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
    log = asyncio.create_task(process.stderr.read())
    try:
        await eventually(
            lambda: tally(api, asked)["answered"] == len(asked), 30, "every question answered"
        )
        more = [api.say(u, QUESTIONS[2]) for u in people[:3]]
        asked += more
        await eventually(
            lambda: tally(api, asked)["answered"] == len(asked), 20, "the last answers"
        )
        # the held answers are released (never done: their client is gone); a duplicate would show by then
        await eventually(lambda: api.holding == 0, HOLD + 5, "the held answers to be released")
        await asyncio.sleep(0.3)
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
        f"{sig.name}: exit after {took:.1f} s, {time.perf_counter() - held_from:.1f} s from the hold to all "
        f"answered; {result}"
    )
