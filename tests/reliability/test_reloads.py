"""`/reload` fifty times in a row, each one indexing enough new documents to start the worker
pool, with questions answered all the while: the bot never stops itself (a worker forked from
the running bot once wrote its SIGTERM into the bot's asyncio wakeup fd, and the bot's own
stopper stopped it) and no worker process is left behind once it exits."""

from __future__ import annotations

import asyncio
import shutil
import signal
from pathlib import Path

import pytest

from bot import texts
from bot.search.indexer import POOL_FROM
from tests.support.fake_bot_api import FakeBotApi, User
from tests.support.paths import SEEDS
from tests.support.process import bot_env, start_bot, stop_bot

OWNER = User(4242, "Owner")
ASKER = User(4343, "Asker")
RELOADS = 50


def _descendants(pid: int) -> set[int]:
    """Processes under `pid` (Linux /proc), found by their parent ids."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
async def test_fifty_reloads_with_worker_pools_never_stop_the_bot(
    api: FakeBotApi, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in SEEDS.glob("*.txt"):
        shutil.copy(path, corpus / path.name)
    env = bot_env(
        tmp_path / "cache",
        SPEECHBOT_CORPUS=str(corpus),
        OWNER_IDS=str(OWNER.id),
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,
    )
    process = await start_bot(env, tmp_path)
    seen: set[int] = set()
    log = b""
    try:
        first = api.say(ASKER, "人大代表需要学习哪些知识？")
        assert (await api.reply_to(first, timeout=60)).text
        for round_ in range(RELOADS):
            for i in range(POOL_FROM):  # enough new documents for a pool of workers
                (corpus / f"r{round_:02d}-{i:02d}.txt").write_text(
                    f"第{round_}批第{i}号通知\n一、总则\n第{round_}批第{i}号：请各单位按时报送材料。\n",
                    encoding="utf-8",
                )
            reload = api.say(OWNER, "/reload")
            question = api.say(ASKER, "人大代表需要学习哪些知识？")
            answered = await api.reply_to(question, timeout=30)
            done = await api.reply_to(reload, timeout=60)
            assert process.returncode is None, f"the bot stopped after {round_} reloads"
            assert done.text.startswith(texts.TG_RELOADED.split("{")[0]), done.text
            assert "代表" in answered.text
            seen |= _descendants(process.pid)
        last = api.say(ASKER, "第49批第15号通知说了什么？")
        assert "第49批第15号" in (await api.reply_to(last, timeout=30)).text
        assert process.returncode is None
    finally:
        code = await stop_bot(process, signal.SIGTERM)
        log = await process.stderr.read() if process.stderr else b""
    assert code == 0, log.decode(errors="replace")[-3000:]
    assert seen  # worker processes did run
    await asyncio.sleep(0.5)
    assert not [pid for pid in seen if _alive(pid)]  # and none is left behind
    assert b"Traceback" not in log, log.decode(errors="replace")[-3000:]
