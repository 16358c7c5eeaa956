"""Kept only for the tests of the branches still open (index, quality), which import it by this
name; tests import `tests.support.telegram` instead. Delete once those tests do."""

from __future__ import annotations

from tests.support.telegram import ALICE, BOB, GROUP, running

__all__ = ["ALICE", "BOB", "GROUP", "running"]
