"""The corpus folder changes, empties and vanishes while the bot runs (`--watch`), with questions
coming all the while: every question is answered once, from the last good index while the folder is
unusable, and the log says why once per reason; when the folder is back the bot picks it up."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import pytest

from bot.answer.library import Library
from bot.frontends.telegram.app import build_application
from tests.support.fake_bot_api import FakeBotApi
from tests.support.paths import SEEDS
from tests.support.telegram import QUESTIONS, all_answered, running, tally, users
from tests.support.waiting import eventually

NEW_DOC = "关于防汛工作的通知\n一、总体要求\n各地要在汛期前完成堤防巡查，储备沙袋和抢险物资。"
NEW_QUESTION = "汛期前要储备什么物资？"
STILL_ANSWERING = "still answering from the last good index"


async def test_the_last_good_index_answers_while_the_folder_is_broken_or_gone(
    api: FakeBotApi,
    cache_dir: Path,
    tmp_path: Path,
    make_settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="speechbot")
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in SEEDS.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    library = Library(folder, cache_dir)
    settings = make_settings(api.base_url, corpus=folder)
    people = users(6, start=7000)
    asked: list[dict] = []

    async def burst(n: int = 6) -> list[str]:
        """The answers to `n` questions (asked of the bot at once)."""
        sent = [api.say(u, QUESTIONS[i % 4]) for i, u in enumerate(people[:n])]
        asked.extend(sent)
        await eventually(all_answered(api, asked), "answers")
        by_question = {(c.chat_id, c.reply_to): c.text for c in api.sent() if c.ok}
        return [by_question[(m["chat"]["id"], m["message_id"])] for m in sent]

    async with running(build_application(settings, library, watch_seconds=0.1)):
        good = await burst()
        assert all("第" in text for text in good)

        for path in folder.glob("*.txt"):  # nothing readable left: every document emptied
            path.write_bytes(b"")
        await eventually(lambda: "reload failed" in caplog.text, "the failed reload to be logged")
        during = await burst()
        assert during == good  # the same answers, from the last good index

        moved = tmp_path / "moved-away"
        folder.rename(moved)  # the folder vanishes
        await eventually(
            lambda: "cannot list the corpus" in caplog.text, "the vanished folder to be logged"
        )
        await asyncio.sleep(0.5)  # several polls while it is gone: still one line
        gone = await burst()
        assert gone == good

        moved.rename(folder)  # back, with a new document
        for path in SEEDS.glob("*.txt"):
            shutil.copy(path, folder / path.name)
        (folder / "防汛.txt").write_text(NEW_DOC, encoding="utf-8")
        await eventually(lambda: library.current.version >= 2, "the corpus to be picked up again")
        new = api.say(people[0], NEW_QUESTION)
        asked.append(new)
        answer = await api.reply_to(new)
        assert "沙袋" in answer.text
        await asyncio.sleep(0.3)

    result = tally(api, asked)
    assert result == {"sent": 19, "answered": 19, "lost": 0, "duplicated": 0}, result
    assert caplog.text.count(STILL_ANSWERING) == 2, (
        caplog.text
    )  # one line per reason, not one per poll
    assert all(c.ok for c in api.calls)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
