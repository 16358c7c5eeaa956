"""Helpers for the reliability tests: users, answers counted per question, the app run in-process
(as `run_polling` runs it, with short long-polls so that faults show quickly) and as a
subprocess."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fake_bot_api import FakeBotApi, User
from telegram.ext import Application

from bot import texts
from bot.frontends.telegram.app import ALLOWED_UPDATES

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
GROUP = -1001000000077
QUESTIONS = [
    "人大代表需要学习哪些知识？",
    "怎样加强政治引领？",
    "调查研究工作要怎么改进？",
    "人大履职保障要怎么加强？",
    "今天天气怎么样？",
]


def users(n: int, start: int = 5000) -> list[User]:
    return [User(start + i, f"U{i}") for i in range(n)]


def replies(api: FakeBotApi, errors: bool = False) -> Counter:
    """(chat id, message id) of each question -> how many answers the bot got through replying to it
    (with `errors`: how many 「出错了」 messages instead, which are not answers)."""
    counted: Counter = Counter()
    for call in api.calls:
        if call.method.lower() == "sendmessage" and call.ok and call.reply_to is not None:
            if (call.text == texts.TG_ERROR) == errors:
                counted[(call.chat_id, call.reply_to)] += 1
    return counted


def key(message: dict) -> tuple[int, int]:
    return message["chat"]["id"], message["message_id"]


def tally(api: FakeBotApi, questions: list[dict]) -> dict[str, int]:
    """Questions sent, answered exactly once, never answered, answered more than once."""
    counted, failed = replies(api), replies(api, errors=True)
    got = [counted.get(key(m), 0) for m in questions]
    out = {
        "sent": len(questions),
        "answered": sum(1 for n in got if n >= 1),
        "lost": sum(1 for n in got if n == 0),
        "duplicated": sum(1 for n in got if n > 1),
    }
    errors = sum(failed.get(key(m), 0) for m in questions)
    if errors:
        out["error_replies"] = errors
    return out


async def eventually(
    condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def serving(app: Application, poll_timeout: float = 1.0) -> AsyncIterator[Application]:
    """What run_polling does, inside the test's event loop."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(
        poll_interval=0.0, timeout=timedelta(seconds=poll_timeout), allowed_updates=ALLOWED_UPDATES
    )
    await app.start()
    try:
        yield app
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
        await app.shutdown()


def bot_env(cache_dir: Path, **values: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("TELEGRAM_", "SPEECHBOT_", "LOG_LEVEL", "OWNER_IDS", "ALLOWED_CHAT_IDS")
        )
    }
    env.update(
        SPEECHBOT_CACHE_DIR=str(cache_dir),
        SPEECHBOT_DATA_DIR=str(cache_dir.parent / (cache_dir.name + "-data")),
        SPEECHBOT_CORPUS=str(SEEDS),
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    env.update(values)
    return env


async def start_bot(env: dict[str, str], cwd: Path, *args: str) -> asyncio.subprocess.Process:
    """`speechbot run` as a subprocess (python -m bot run), its stderr piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        *args,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop_bot(
    process: asyncio.subprocess.Process, sig: int = signal.SIGTERM, timeout: float = 30.0
) -> int:
    if process.returncode is None:
        process.send_signal(sig)
    try:
        return await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
