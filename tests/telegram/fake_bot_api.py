"""Kept only for the tests of the branches still open (index, quality), which import it by this
name; tests import `tests.support.fake_bot_api` instead. Delete once those tests do."""

from __future__ import annotations

from tests.support.fake_bot_api import FakeBotApi, User

__all__ = ["FakeBotApi", "User"]
