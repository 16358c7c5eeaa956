"""The fixtures of the Telegram and reliability tests, loaded for the whole suite by
tests/conftest.py (`pytest_plugins`): the fake Bot API server, the bundled speech's engine, and
settings pointing at the server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.answer import Engine
from bot.settings import Settings
from tests.support.fake_bot_api import FakeBotApi
from tests.support.telegram import FORUM, GROUP, bot_settings


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API server on 127.0.0.1 (a port of its own), with a group and a forum."""
    server = FakeBotApi()
    await server.start()
    server.group(GROUP)
    server.group(FORUM, "论坛", forum=True)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture(scope="session")
def engine(speech_engine: Engine) -> Engine:
    """The bundled speech (one document); shared by all tests, it is read-only."""
    return speech_engine


@pytest.fixture
def make_settings(cache_dir: Path) -> Callable[..., Settings]:
    """`make_settings(api.base_url, **overrides)`: `telegram.bot_settings` with the suite's
    cache folder."""

    def make(base_url: str, **overrides: Any) -> Settings:
        return bot_settings(base_url, **{"cache_dir": cache_dir, **overrides})

    return make
