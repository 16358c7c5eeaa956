"""Kept only for the tests of the branches still open (index, quality), which import it by this
name; tests import `tests.support.process` instead. Delete once those tests do."""

from __future__ import annotations

from tests.support.paths import SEEDS
from tests.support.process import bot_env, start_bot, stop_bot

__all__ = ["SEEDS", "bot_env", "start_bot", "stop_bot"]
