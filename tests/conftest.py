"""Fixtures shared by the whole suite: an isolated environment and cache, the bundled speech's
engine; the Telegram fixtures of tests/support/fixtures.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.answer import Engine
from tests.support.paths import ROOT, SEEDS, SHARED_DATA, SPEECH
from tests.support.process import is_bot_variable

pytest_plugins = ["tests.support.fixtures"]

# Kept importable from here for the tests of the index and quality branches, which import them
# as `from tests.conftest import ...`; new code imports them from tests.support.paths.
__all__ = ["ROOT", "SEEDS", "SHARED_DATA", "SPEECH"]


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads the developer's .env or settings, or writes to their ~/.cache or
    ~/.local/share."""
    for name in list(os.environ):
        if is_bot_variable(name):
            os.environ.pop(name, None)
    os.environ["SPEECHBOT_CACHE_DIR"] = str(tmp_path_factory.mktemp("speechbot-cache"))
    os.environ["SPEECHBOT_DATA_DIR"] = str(tmp_path_factory.mktemp("speechbot-data"))


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    return Path(os.environ["SPEECHBOT_CACHE_DIR"])


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return Path(os.environ["SPEECHBOT_DATA_DIR"])


@pytest.fixture(scope="session")
def speech_engine(cache_dir: Path) -> Engine:
    return Engine.open(SEEDS, cache_dir)
