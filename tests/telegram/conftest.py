"""Fixtures for the Telegram tests: a fake Bot API server on 127.0.0.1 and the real Application.

The Application is built by the project's own `build_application` with `base_url` pointing
at the fake server, and run the way `run_polling` runs it (see `tg_support.running`), inside
the test's event loop. The cache directory is the suite's temporary SPEECHBOT_CACHE_DIR
(`cache_dir`, from tests/conftest.py).
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from fake_bot_api import TOKEN, FakeBotApi
from telegram.ext import Application
from tg_support import FORUM, GROUP, LONG_DOC, SEEDS, running

from bot.answer import Engine
from bot.frontends.telegram.app import build_application
from bot.settings import Settings


@pytest.fixture(scope="session")
def engine(speech_engine: Engine) -> Engine:
    """The bundled speech (one document); shared by all tests, it is read-only."""
    return speech_engine


@pytest.fixture(scope="session")
def two_doc_engine(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Engine:
    corpus = tmp_path_factory.mktemp("two-docs")
    for path in SEEDS.glob("*.txt"):
        shutil.copy(path, corpus / path.name)
    (corpus / "zz-long-test-document.txt").write_text(LONG_DOC, encoding="utf-8")
    return Engine.open(corpus, cache_dir)


@pytest.fixture
def make_settings(cache_dir: Path) -> Callable[..., Settings]:
    def make(base_url: str, **overrides) -> Settings:
        base = Settings.from_env(env_file=None)
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
        return dataclasses.replace(base, **values)

    return make


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    server.group(GROUP)
    server.group(FORUM, "论坛", forum=True)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bot(api: FakeBotApi, engine: Engine, make_settings) -> AsyncIterator[Application]:
    app = build_application(make_settings(api.base_url), engine)
    async with running(app):
        yield app


@pytest.fixture
def fp(engine: Engine) -> str:
    from bot.frontends.telegram.buttons import short_fingerprint

    return short_fingerprint(engine.index.fingerprint)
