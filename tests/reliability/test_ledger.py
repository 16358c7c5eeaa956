"""Updates are confirmed to Telegram only once answered (bot/frontends/telegram/delivery.py), and
the fake server confirms them the way Telegram does: getUpdates drops only updates below
`offset`."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from telegram import Update

from bot.frontends.telegram.app import build_application, ledger_file
from bot.frontends.telegram.delivery import MAX_AGE_SECONDS, Ledger
from tests.support.fake_bot_api import FakeBotApi, Fault
from tests.support.telegram import QUESTIONS, all_answered, running, tally, users
from tests.support.waiting import PATIENCE, eventually


def updates(*ids: int) -> list[Update]:
    return [Update(i) for i in ids]


async def test_the_fake_server_drops_only_updates_below_the_offset(api: FakeBotApi) -> None:
    people = users(3)
    for u in people:
        api.say(u, QUESTIONS[0])
    first = await api.get_updates({"offset": 0, "timeout": 0})
    ids = [u["update_id"] for u in first]
    assert len(ids) == 3
    again = await api.get_updates({"offset": ids[1], "timeout": 0})  # confirms the first only
    assert [u["update_id"] for u in again] == ids[1:]
    assert [u["update_id"] for u in await api.get_updates({"offset": 0, "timeout": 0})] == ids[1:]
    assert await api.get_updates({"offset": ids[2] + 1, "timeout": 0}) == []


def test_the_watermark_stays_at_the_oldest_update_in_progress(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "updates.json")
    assert [u.update_id for u in ledger.take(updates(10, 11, 12))] == [10, 11, 12]
    assert ledger.take(updates(10, 11, 12, 13)) == updates(13)  # seen ones are not handed out again
    ledger.finish(11)
    ledger.finish(13)
    assert ledger.watermark() == 10  # 10 is still being answered: Telegram keeps it (and 12)
    ledger.finish(10)
    assert ledger.watermark() == 12
    assert ledger.take(updates(12, 13, 14)) == updates(14)  # 13 is done, 12 in progress
    ledger.finish(12)
    ledger.finish(14)
    assert ledger.watermark() == 15 and ledger.done == set()
    ledger.stopping = True
    assert ledger.take(updates(15)) == []  # fetched while stopping: left for Telegram to send again


def test_the_ledger_survives_a_restart_and_forgets_what_telegram_forgot(tmp_path: Path) -> None:
    path = tmp_path / "updates.json"
    now = [1000.0]
    ledger = Ledger(path, clock=lambda: now[0])
    ledger.take(updates(20, 21, 22))
    ledger.finish(21)
    ledger.finish(22)
    ledger.save()
    assert json.loads(path.read_text()) == {"offset": 20, "done": [21, 22], "saved": 1000.0}
    after = Ledger(path, clock=lambda: now[0] + 60)  # the next process
    assert [u.update_id for u in after.take(updates(19, 20, 21, 22, 23))] == [20, 23]
    now[0] += MAX_AGE_SECONDS + 1  # a day later Telegram has dropped them: so does the ledger
    assert [u.update_id for u in Ledger(path, clock=lambda: now[0]).take(updates(5, 21))] == [5, 21]
    path.write_text("{not json")
    assert Ledger(path).offset == 0  # a damaged file is ignored (with a warning)


async def test_an_answer_in_progress_is_not_confirmed_and_others_go_on(
    api: FakeBotApi, engine, make_settings, cache_dir: Path
) -> None:
    app = build_application(make_settings(api.base_url), engine)
    people = users(6, start=8000)
    async with running(app, poll_timeout=1.0):
        api.inject("sendMessage", Fault.delay(PATIENCE))  # held until released below
        held = api.say(people[0], QUESTIONS[0])
        held_id = api.updates[-1]["update_id"]
        await eventually(lambda: api.holding == 1, "the answer to be held")
        polls = api.polls
        started = time.perf_counter()
        others = [api.say(u, QUESTIONS[1]) for u in people[1:]]
        await eventually(all_answered(api, others), "the other answers")
        # answered while the first answer is still held: not held up behind it
        assert api.holding == 1 and tally(api, [held])["answered"] == 0
        # and the held one is not confirmed while being answered
        assert any(u["update_id"] == held_id for u in api.updates)
        api.release()
        await eventually(all_answered(api, [held]), "the held answer")
        spent = time.perf_counter() - started
        await eventually(
            lambda: not any(u["update_id"] == held_id for u in api.updates), "confirmation"
        )
        polls_while_held = api.polls - polls
        await asyncio.sleep(0.3)
    assert tally(api, [held, *others]) == {"sent": 6, "answered": 6, "lost": 0, "duplicated": 0}
    assert polls_while_held <= 4 * (spent + 1) + 10  # it waits for progress instead of spinning
    saved = json.loads(ledger_file(make_settings(api.base_url)).read_text())
    assert saved["offset"] > held_id and saved["done"] == []
