"""Fixtures shared by the whole suite: an isolated cache and the bundled speech's engine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SPEECH = SEEDS / "2022-npc-deputies-inspection-speech.txt"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads the developer's .env or writes to their ~/.cache or ~/.local/share."""
    cache = tmp_path_factory.mktemp("speechbot-cache")
    os.environ["SPEECHBOT_CACHE_DIR"] = str(cache)
    os.environ["SPEECHBOT_DATA_DIR"] = str(tmp_path_factory.mktemp("speechbot-data"))
    for name in list(os.environ):
        if name.startswith("TELEGRAM_") or name in (
            "SPEECHBOT_CORPUS",
            "OWNER_IDS",
            "ALLOWED_CHAT_IDS",
            "GROUP_COOLDOWN_SECONDS",
            "RECORD_QUESTIONS",
            "QUESTION_RETENTION_DAYS",
            "FOLLOW_SYMLINKS",
            "LOG_LEVEL",
        ):
            os.environ.pop(name, None)


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    return Path(os.environ["SPEECHBOT_CACHE_DIR"])


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return Path(os.environ["SPEECHBOT_DATA_DIR"])


@pytest.fixture(scope="session")
def speech_engine(cache_dir: Path):
    from bot.answer import Engine

    return Engine.open(SEEDS, cache_dir)
