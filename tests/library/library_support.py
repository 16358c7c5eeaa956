"""Kept only for the tests of the branches still open (index, quality), which import it by this
name; tests import `tests.support.library` instead. Delete once those tests do."""

from __future__ import annotations

from tests.support.library import CASES, FLOOD_CASE, FLOOD_TEXT, Case

__all__ = ["CASES", "FLOOD_CASE", "FLOOD_TEXT", "Case"]
