"""The bot never stops itself, goes deaf or hangs on the way out (issue 15, items 2 and 3).

* An update python-telegram-bot cannot read is logged once with its id, confirmed and skipped;
  it does not block the updates after it.
* If python-telegram-bot's polling task dies (here: a MemoryError while it hands a polling
  error over, injected through a `sitecustomize` module in the bot's process), the bot does not stay
  alive and deaf: it exits with status 1, and the next process answers what was asked.
* SIGTERM ends the process within the grace period even when something holds it (here: a
  reload whose build never ends, injected the same way).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from pathlib import Path

import pytest

from bot.answer import Engine
from bot.frontends.telegram.app import build_application
from bot.frontends.telegram.delivery import STOP_DEADLINE
from tests.support.fake_bot_api import TOKEN, FakeBotApi, Fault, User
from tests.support.process import bot_env, start_bot, stop_bot
from tests.support.telegram import QUESTIONS, running, tally, users
from tests.support.waiting import PATIENCE, eventually

# Seconds from the fault (or SIGTERM) to exit: the bot stops, and exits at STOP_DEADLINE whatever
# holds it; the margin is for a busy machine. A bot that did not would run on (polling died: deaf
# for good; the stuck reload: 120 s).
EXIT_WITHIN = STOP_DEADLINE + 10.0
OWNER = User(4747, "Owner")

DIES_WHILE_REPORTING = """
from telegram.ext import Application

_create_task = Application.create_task
_fired = [False]


def _create_task_once_out_of_memory(self, coroutine, update=None, *, name=None):
    # how the Updater hands a polling error to the Application: no memory left for it, once
    qualname = getattr(coroutine, "__qualname__", "")
    if not _fired[0] and update is None and qualname.endswith("process_error"):
        _fired[0] = True
        coroutine.close()
        raise MemoryError("injected: no memory left to report a polling error")
    return _create_task(self, coroutine, update, name=name)


Application.create_task = _create_task_once_out_of_memory
"""

RELOAD_NEVER_ENDS = """
import time
from bot.answer import library as _library

_open = _library.open_engine
_calls = [0]

def _slow_open(*args, **kwargs):
    _calls[0] += 1
    if _calls[0] > 1:  # the first build is the start-up's; a reload never ends
        time.sleep(120)
    return _open(*args, **kwargs)

_library.open_engine = _slow_open
"""


def injected(tmp_path: Path, code: str) -> str:
    folder = tmp_path / "inject"
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(code, encoding="utf-8")
    return str(folder)


async def test_an_unreadable_update_is_logged_once_confirmed_and_skipped(
    api: FakeBotApi, engine: Engine, make_settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    people = users(3, start=6100)
    async with running(build_application(make_settings(api.base_url), engine)):
        first = api.say(people[0], QUESTIONS[0])
        await api.reply_to(first)
        # a field renamed by a newer Bot API, say: python-telegram-bot cannot build the update
        poison = api.push({"callback_query": {"id": "77", "data": "x"}})
        after = [api.say(u, QUESTIONS[1]) for u in people[1:]]
        for message in after:
            await api.reply_to(message)
        polls = api.polls
        await asyncio.sleep(1.0)
        await eventually(lambda: all(u["update_id"] > poison["update_id"] for u in api.updates))
        spun = api.polls - polls
    assert tally(api, [first, *after]) == {"sent": 3, "answered": 3, "lost": 0, "duplicated": 0}
    assert spun < 10, spun  # a long poll or two, not a loop fetching the same update
    print(f"unreadable update: {spun} getUpdates calls in the second after; 3 of 3 answered")
    said = [
        r
        for r in caplog.records
        if f"update {poison['update_id']} cannot be read" in r.getMessage()
    ]
    assert len(said) == 1 and said[0].levelno == logging.WARNING
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.slow
async def test_an_unexpected_error_while_polling_backs_off_and_polling_goes_on(
    api: FakeBotApi, engine: Engine, make_settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = build_application(make_settings(api.base_url), engine)
    ledger = app.bot.ledger
    save = ledger.save
    attempts: list[float] = []
    broken_until = [0.0]

    def failing_save() -> None:  # say the disk or memory gives out for a while
        if time.monotonic() < broken_until[0]:
            attempts.append(time.monotonic())
            raise MemoryError("injected")
        save()

    person = users(1, start=6300)[0]
    async with running(app):
        await api.reply_to(api.say(person, QUESTIONS[0]))
        ledger.save = failing_save
        broken_until[0] = time.monotonic() + 1.5
        asked = api.say(person, QUESTIONS[1])
        await api.reply_to(asked)
    assert 1 <= len(attempts) <= 4, len(attempts)  # backed off: 1 s, then 2 s; not a busy loop
    errors = [r for r in caplog.records if "getUpdates failed unexpectedly" in r.getMessage()]
    assert len(errors) == len(attempts) and errors[0].exc_info is not None
    assert any("getUpdates works again" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]
    print(f"unexpected getUpdates error for 1.5 s: {len(attempts)} attempts, then answered")


@pytest.mark.slow
async def test_polling_that_dies_makes_the_bot_exit_1_and_the_next_one_answers(
    api: FakeBotApi, cache_dir: Path, tmp_path: Path
) -> None:
    env = bot_env(cache_dir, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.base_url)
    people = users(3, start=6200)
    dying = dict(env, PYTHONPATH=injected(tmp_path, DIES_WHILE_REPORTING) + ":" + env["PYTHONPATH"])
    process = await start_bot(dying, tmp_path)
    assert process.stderr is not None
    log = asyncio.create_task(process.stderr.read())
    try:
        await api.wait_for("deleteWebhook")
        before = api.say(people[0], QUESTIONS[0])
        await api.reply_to(before)
        await asyncio.sleep(1.0)  # the supervisor has seen the polling task running
        api.inject("getUpdates", Fault.server_error(500))  # the next poll, once this one ends:
        woken = api.say(people[1], QUESTIONS[2])  # ends it at once
        await api.reply_to(woken)
        failed_at = time.perf_counter()
        try:
            code = await asyncio.wait_for(process.wait(), PATIENCE)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise AssertionError((await log).decode()[-5000:]) from None
        took = time.perf_counter() - failed_at
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = (await log).decode()
    assert code == 1, text[-3000:]
    assert took < EXIT_WITHIN, took
    assert "polling for updates stopped unexpectedly" in text and "MemoryError: injected" in text
    assert text.count("CRITICAL") == 1
    print(f"polling died: exit status {code} {took:.1f} s after the fault")

    asked = api.say(people[2], QUESTIONS[1])  # asked while the bot is down
    process = await start_bot(env, tmp_path)  # as a service manager would
    try:
        await api.reply_to(asked)
    finally:
        code = await stop_bot(process)
    assert code == 0
    result = tally(api, [before, woken, asked])
    assert result == {"sent": 3, "answered": 3, "lost": 0, "duplicated": 0}


@pytest.mark.slow
async def test_sigterm_ends_the_process_in_time_even_with_a_reload_that_never_ends(
    api: FakeBotApi, cache_dir: Path, tmp_path: Path
) -> None:
    env = bot_env(
        cache_dir,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        OWNER_IDS=str(OWNER.id),
    )
    stuck = dict(env, PYTHONPATH=injected(tmp_path, RELOAD_NEVER_ENDS) + ":" + env["PYTHONPATH"])
    process = await start_bot(stuck, tmp_path)
    assert process.stderr is not None
    log = asyncio.create_task(process.stderr.read())
    try:
        await api.wait_for("deleteWebhook")
        reload = api.say(OWNER, "/reload")
        await eventually(lambda: not api.updates or api.polls > 3, "the reload fetched")
        await asyncio.sleep(1.0)  # the build has started and will not end
        signalled = time.perf_counter()
        code = await stop_bot(process, signal.SIGTERM, timeout=30)
        took = time.perf_counter() - signalled
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = (await log).decode()
    assert took < EXIT_WITHIN, (took, text[-3000:])
    assert code in (0, 1)
    assert "could not stop within" in text
    print(f"SIGTERM with a reload that never ends: exit status {code} after {took:.1f} s")

    process = await start_bot(env, tmp_path)  # the reload was not done: Telegram sends it again
    try:
        done = await api.reply_to(reload)
    finally:
        await stop_bot(process)
    assert done.ok and "已重新载入" in done.text
