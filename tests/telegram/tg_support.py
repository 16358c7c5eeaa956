"""Shared pieces of the Telegram tests (users, chats, a test corpus, the app runner).

Kept out of conftest.py so that test modules can import them by a name no other test folder uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fake_bot_api import User
from telegram.ext import Application

from bot.frontends.telegram.app import ALLOWED_UPDATES

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"

ALICE = User(1001, "Alice", "alice")
BOB = User(1002, "Bob", "bob")
CAROL = User(1003, "Carol")
GROUP = -1001000000001
FORUM = -1001000000002

# A second document with a section far longer than one message, and text that needs escaping.
LONG_DOC = "\n".join(
    [
        "关于测试文档的说明",
        "一、总体要求",
        "本文档用于检验长章节的分段发送。A&B 两组要对照 <研究> 方法，记录“x < y”与“y > z”的情形。",
        "二、长篇内容",
        *[
            f"第{i}条，要认真做好第{i}项检查工作，对照清单逐项核实，发现问题及时整改，确保每一项措施落到实处、见到成效。"
            * 3
            for i in range(1, 30)
        ],
        "三、结束语",
        "以上内容请认真执行。",
    ]
)


@asynccontextmanager
async def running(app: Application) -> AsyncIterator[Application]:
    """What run_polling does, inside the current event loop (start-up and shut-down hooks included)."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.updater.start_polling(poll_interval=0.0, timeout=5, allowed_updates=ALLOWED_UPDATES)
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        if app.post_stop:  # as run_polling does: post_stop after stop, post_shutdown after shutdown
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait (yielding to the event loop, 10 ms at a time) until `condition()` holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)
