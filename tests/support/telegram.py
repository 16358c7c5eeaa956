"""The Telegram side of the tests: people and chats, the bot's settings against the fake Bot API,
the real Application run as `run_polling` runs it, and answers counted per question."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot import texts
from bot.frontends.telegram.app import ALLOWED_UPDATES
from bot.settings import Settings
from tests.support.fake_bot_api import TOKEN, FakeBotApi, User
from tests.support.paths import SEEDS

ALICE = User(1001, "Alice", "alice")
BOB = User(1002, "Bob", "bob")
CAROL = User(1003, "Carol")
GROUP = -1001000000001  # a supergroup, registered with the fake server by the `api` fixture
FORUM = -1001000000002  # a supergroup with topics, likewise

QUESTIONS = [
    "人大代表需要学习哪些知识？",
    "怎样加强政治引领？",
    "调查研究工作要怎么改进？",
    "人大履职保障要怎么加强？",
    "今天天气怎么样？",
]

# A second document with a section far longer than one message, and text that needs escaping.
LONG_DOC = "\n".join(
    [
        "关于测试文档的说明",
        "一、总体要求",
        "本文档用于检验长章节的分段发送。A&B 两组要对照 <研究> 方法，记录“x < y”与“y > z”的情形。",
        "二、长篇内容",
        *[
            f"第{i}条，要认真做好第{i}项检查工作，对照清单逐项核实，发现问题及时整改，"
            "确保每一项措施落到实处、见到成效。" * 3
            for i in range(1, 30)
        ],
        "三、结束语",
        "以上内容请认真执行。",
    ]
)


def users(n: int, start: int = 5000) -> list[User]:
    """`n` people, with ids from `start` (tests that need strangers to each other pick apart
    ranges)."""
    return [User(start + i, f"U{i}") for i in range(n)]


def bot_settings(base_url: str, cache_dir: Path, **overrides: Any) -> Settings:
    """The settings `speechbot run` would read, pointed at the fake Bot API at `base_url`: the
    bundled speech, the cache in `cache_dir`, no group cooldown, no owners, every chat allowed;
    `overrides` on top."""
    values: dict[str, Any] = dict(
        corpus=SEEDS,
        cache_dir=cache_dir,
        telegram_token=TOKEN,
        telegram_api_base_url=base_url,
        telegram_api_file_url=None,
        group_cooldown_seconds=0.0,
        owner_ids=frozenset(),
        allowed_chat_ids=frozenset(),
    )
    values.update(overrides)
    return dataclasses.replace(Settings.from_env(env_file=None), **values)


@asynccontextmanager
async def running(app: Application, poll_timeout: float = 1.0) -> AsyncIterator[Application]:
    """What `Application.run_polling` does, inside the test's event loop: initialise, post_init,
    poll (long polls of `poll_timeout` seconds), start; on the way out stop polling, stop,
    post_stop, shut down, post_shutdown, in that order (a step the test took itself is not
    taken twice)."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    updater = app.updater
    assert updater is not None, "the Application has no Updater"
    await updater.start_polling(
        poll_interval=0.0, timeout=timedelta(seconds=poll_timeout), allowed_updates=ALLOWED_UPDATES
    )
    await app.start()
    try:
        yield app
    finally:
        if updater.running:
            await updater.stop()
        if app.running:
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def _key(message: dict) -> tuple[int, int]:
    return message["chat"]["id"], message["message_id"]


def replies(api: FakeBotApi, errors: bool = False) -> Counter[tuple[int, int]]:
    """(chat id, message id) of each question -> how many answers the bot got through replying
    to it (with `errors`: how many 「出错了」 messages instead, which are not answers)."""
    counted: Counter[tuple[int, int]] = Counter()
    for call in api.calls:
        if call.method.lower() != "sendmessage" or not call.ok:
            continue
        chat, reply_to = call.chat_id, call.reply_to
        if chat is not None and reply_to is not None and (call.text == texts.TG_ERROR) == errors:
            counted[(chat, reply_to)] += 1
    return counted


def tally(api: FakeBotApi, questions: list[dict]) -> dict[str, int]:
    """Questions sent, answered exactly once, never answered, answered more than once (and
    `error_replies`, if there were any)."""
    counted, failed = replies(api), replies(api, errors=True)
    got = [counted.get(_key(m), 0) for m in questions]
    out = {
        "sent": len(questions),
        "answered": sum(1 for n in got if n >= 1),
        "lost": sum(1 for n in got if n == 0),
        "duplicated": sum(1 for n in got if n > 1),
    }
    errors = sum(failed.get(_key(m), 0) for m in questions)
    if errors:
        out["error_replies"] = errors
    return out


def all_answered(api: FakeBotApi, questions: list[dict]) -> Callable[[], bool]:
    """A condition for `eventually`: every one of `questions` (the list as it is when checked)
    has its answer."""
    return lambda: tally(api, questions)["answered"] == len(questions)
