"""A flaky Bot API: 429 with retry_after, 500, a 502 page, timeouts, dropped connections and the
server going away between getUpdates calls. The real Application (as `speechbot run` builds it,
with AIORateLimiter) runs in-process against the fake server; every question sent before, during
and after the faults must get exactly one answer, and the bot must recover by itself.

The read timeout is shortened for these tests (0.5 s to read an answer instead of 5 s) so that a
timeout shows in a second rather than in six; nothing else is changed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import pytest
from telegram.ext import Application

from bot.answer import Engine
from bot.frontends.telegram.app import build_application
from bot.settings import Settings
from tests.support.fake_bot_api import FakeBotApi, Fault, User
from tests.support.telegram import GROUP, QUESTIONS, all_answered, running, tally, users
from tests.support.waiting import eventually

READ_TIMEOUT = 0.5
# After a fault, python-telegram-bot polls again after 1 s, then 1.5 s, 2.25 s, ... (at most
# 30 s) while getUpdates keeps failing, and the answers come a moment later: about 3 s here.
# The bound leaves a wide margin for a busy machine and still fails if the backoff ran away.
RECOVERY_WITHIN = 15.0
# python-telegram-bot itself reads RetryAfter.retry_after, which warns about a future type change
pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]


def quick_app(
    api: FakeBotApi, engine: Engine, make_settings: Callable[..., Settings]
) -> Application:
    """The bot's Application, with a short read timeout on both of its HTTP clients."""
    return build_application(make_settings(api.base_url), engine, read_timeout=READ_TIMEOUT)


def ask_all(api: FakeBotApi, people: list[User], offset: int = 0) -> list[dict]:
    return [api.say(u, QUESTIONS[(i + offset) % len(QUESTIONS)]) for i, u in enumerate(people)]


async def test_get_updates_faults_are_ridden_out_and_nothing_is_lost_or_doubled(
    api: FakeBotApi, engine, make_settings
) -> None:
    app = quick_app(api, engine, make_settings)
    people = users(8)
    asked: list[dict] = []
    recovery: dict[str, float] = {}
    async with running(app, poll_timeout=0.5):
        before = ask_all(api, people[:3])
        asked += before
        await eventually(all_answered(api, before), "answers before the faults")
        cases = [
            ("429 retry_after=1", [Fault.too_many_requests(1)]),
            ("500", [Fault.server_error(500)]),
            ("502 page", [Fault.bad_gateway()]),
            ("connection dropped", [Fault.drop()]),
            ("timed out (held past the client's timeout)", [Fault.delay(READ_TIMEOUT + 1.5)]),
            ("500 then a dropped connection, in a row", [Fault.server_error(500), Fault.drop()]),
        ]
        for label, faults in cases:
            served = len(api.faults_served)
            api.inject("getUpdates", *faults)
            during: list[dict] = []
            # questions keep coming while the faults are served
            while len(api.faults_served) < served + len(faults) or api.holding:
                during += ask_all(api, people[3:5], offset=len(during))
                await asyncio.sleep(0.3)
            over = time.perf_counter()
            after = ask_all(api, people[5:])
            asked += during + after
            await eventually(all_answered(api, asked), label)
            recovery[label] = time.perf_counter() - over
        await asyncio.sleep(0.3)  # a duplicate would show up by now
    result = tally(api, asked)
    assert result["lost"] == 0 and result["duplicated"] == 0, result
    assert [kind for method, kind in api.faults_served if method == "getupdates"] == [
        "status",
        "status",
        "gateway",
        "drop",
        "delay",
        "status",
        "drop",
    ]
    assert max(recovery.values()) < RECOVERY_WITHIN, recovery
    print(
        f"getUpdates faults: {result}; answered again after: "
        + ", ".join(f"{label} {seconds:.1f} s" for label, seconds in recovery.items())
    )


async def test_send_faults_are_retried_when_safe_and_answered_once(
    api: FakeBotApi, engine, make_settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = quick_app(api, engine, make_settings)
    people = users(9, start=6000)
    async with running(app, poll_timeout=0.5):
        cases = [
            ("429 retry_after=1 (AIORateLimiter waits and retries)", Fault.too_many_requests(1)),
            ("500 (sent again)", Fault.server_error(500)),
            ("502 page from the proxy (sent again)", Fault.bad_gateway()),
            ("connection dropped before any answer (sent again)", Fault.drop()),
            (
                "answered late, after the client gave up (done once, not sent again)",
                Fault.late(READ_TIMEOUT + 0.5),
            ),
        ]
        asked = []
        for (label, fault), user in zip(cases, people[: len(cases)], strict=True):
            api.inject("sendMessage", fault)
            question = api.say(user, QUESTIONS[0])
            asked.append(question)
            await eventually(all_answered(api, [question]), label)
        # several faults in a row on one answer, and a burst while they happen
        api.inject("sendMessage", Fault.server_error(502), Fault.drop(), Fault.too_many_requests(1))
        burst = ask_all(api, people[5:])
        burst.append(api.say(people[0], f"@{api.username} {QUESTIONS[1]}", chat=GROUP))
        asked += burst
        await eventually(all_answered(api, asked), "the burst")
        await asyncio.sleep(1.0)  # a late duplicate would show up by now
    result = tally(api, asked)
    assert result == {"sent": len(asked), "answered": len(asked), "lost": 0, "duplicated": 0}, (
        result
    )
    # no 「出错了」 after the late answer: the question already had its answer
    assert not [
        c
        for c in api.calls
        if c.method == "sendMessage" and c.ok and c.params.get("parse_mode") is None
    ]
    assert "sending it again" in caplog.text and "Rate limit hit" in caplog.text


async def test_a_send_held_until_the_client_gives_up_is_not_sent_twice(
    api: FakeBotApi, engine, make_settings
) -> None:
    """The other side of not retrying timeouts: a send that never reached Telegram and timed out is
    lost (one question), rather than every slow-but-delivered answer being sent twice."""
    app = quick_app(api, engine, make_settings)
    async with running(app, poll_timeout=0.5):
        api.inject("sendMessage", Fault.delay(READ_TIMEOUT + 0.5))
        question = api.say(users(1, start=6100)[0], QUESTIONS[0])
        await eventually(lambda: len(api.abandoned) == 1, "the held send to be abandoned")
        later = api.say(users(1, start=6101)[0], QUESTIONS[1])
        await eventually(all_answered(api, [later]), "the next question")
    assert tally(api, [question]) == {"sent": 1, "answered": 0, "lost": 1, "duplicated": 0}
    assert tally(api, [later])["duplicated"] == 0


async def test_the_bot_api_restarting_between_polls_loses_nothing(
    api: FakeBotApi, engine, make_settings
) -> None:
    app = quick_app(api, engine, make_settings)
    people = users(6, start=6200)
    async with running(app, poll_timeout=0.5):
        before = ask_all(api, people[:2])
        await eventually(all_answered(api, before), "answers before the restart")
        restart = asyncio.create_task(api.restart(down=2.0))
        await asyncio.sleep(0.2)
        during = ask_all(api, people[2:4])  # sent to Telegram while the bot cannot reach it
        await restart
        back = time.perf_counter()
        after = ask_all(api, people[4:])
        asked = before + during + after
        await eventually(all_answered(api, asked), "every answer")
        recovered = time.perf_counter() - back
        await asyncio.sleep(0.3)
    assert tally(api, asked) == {"sent": 6, "answered": 6, "lost": 0, "duplicated": 0}
    assert api.restarts == 1 and recovered < RECOVERY_WITHIN
    print(f"Bot API restart (2 s down): all answered {recovered:.1f} s after it came back")
