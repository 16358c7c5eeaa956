"""Fixtures for the reliability tests: the fake Bot API server of tests/telegram (with its fault
injection), settings pointing at it, and the bundled speech's engine."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

sys.path.insert(
    0, str(Path(__file__).resolve().parents[1] / "telegram")
)  # fake_bot_api, tg_support

from fake_bot_api import TOKEN, FakeBotApi  # noqa: E402
from rel_support import GROUP, SEEDS  # noqa: E402

from bot.settings import Settings  # noqa: E402


@pytest.fixture(scope="session")
def engine(speech_engine):
    return speech_engine


@pytest.fixture
def make_settings(cache_dir: Path) -> Callable[..., Settings]:
    def make(base_url: str, **overrides) -> Settings:
        values = dict(
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

    return make


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    server.group(GROUP)
    try:
        yield server
    finally:
        await server.stop()
