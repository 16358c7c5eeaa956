"""Waiting for something that should happen, with one timeout for the whole suite.

`PATIENCE` is how long any wait of the tests (`eventually`, the fake Bot API's `wait_for` and
`reply_to`, a subprocess to start or to stop) gives what it waits for before the test fails. It is
generous on purpose: a wait ends as soon as the thing happens, so the margin costs nothing when
the test passes, while a busy machine (two cores shared with other work) can take seconds for what
usually takes milliseconds. It never measures speed: a test that checks how fast something is
states its own bound, with a margin, beside what it checks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

PATIENCE = 60.0  # seconds
STEP = 0.01  # seconds between two looks


async def eventually(
    condition: Callable[[], object], what: str = "the condition", *, timeout: float = PATIENCE
) -> None:
    """Wait until `condition()` is true, yielding to the event loop between looks; fail (naming
    `what`) after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what} not met within {timeout:g} s")
        await asyncio.sleep(STEP)
