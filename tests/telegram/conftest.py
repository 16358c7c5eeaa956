"""Fixtures for the Telegram tests: the real Application against the fake Bot API server.

The Application is built by the project's own `build_application` with `base_url` pointing
at the fake server (the `api` fixture, tests/support/fixtures.py), and run the way
`run_polling` runs it (`tests.support.telegram.running`), inside the test's event loop. The
cache directory is the suite's temporary SPEECHBOT_CACHE_DIR (`cache_dir`, tests/conftest.py).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.answer import Engine
from bot.frontends.telegram.app import build_application
from bot.settings import Settings
from tests.support.fake_bot_api import FakeBotApi
from tests.support.paths import SEEDS
from tests.support.telegram import LONG_DOC, running


@pytest.fixture(scope="session")
def two_doc_engine(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Engine:
    corpus = tmp_path_factory.mktemp("two-docs")
    for path in SEEDS.glob("*.txt"):
        shutil.copy(path, corpus / path.name)
    (corpus / "zz-long-test-document.txt").write_text(LONG_DOC, encoding="utf-8")
    return Engine.open(corpus, cache_dir)


@pytest.fixture
async def bot(
    api: FakeBotApi, engine: Engine, make_settings: Callable[..., Settings]
) -> AsyncIterator[Application]:
    app = build_application(make_settings(api.base_url), engine)
    async with running(app):
        yield app


@pytest.fixture
def fp(engine: Engine) -> str:
    from bot.frontends.telegram.buttons import short_fingerprint

    return short_fingerprint(engine.index.fingerprint)
