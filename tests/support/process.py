"""`speechbot run` (or another subcommand) as a real subprocess, in an environment of its own."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.support.paths import ROOT, SEEDS
from tests.support.waiting import PATIENCE

# Every variable the bot reads (bot/settings.py): none may leak from the developer's environment.
BOT_VARIABLE_PREFIXES = ("TELEGRAM_", "SPEECHBOT_")
BOT_VARIABLES = (
    "OWNER_IDS",
    "ALLOWED_CHAT_IDS",
    "GROUP_COOLDOWN_SECONDS",
    "RECORD_QUESTIONS",
    "QUESTION_RETENTION_DAYS",
    "FOLLOW_SYMLINKS",
    "LOG_LEVEL",
)


def is_bot_variable(name: str) -> bool:
    return name.startswith(BOT_VARIABLE_PREFIXES) or name in BOT_VARIABLES


def without_bot_variables(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if not is_bot_variable(k)}


def bot_env(cache_dir: Path, **values: str) -> dict[str, str]:
    """This process's environment without the bot's variables, then: the cache in `cache_dir`,
    the question log beside it, the bundled speech as the corpus, this checkout importable,
    output unbuffered; `values` on top."""
    env = without_bot_variables(os.environ)
    env.update(
        SPEECHBOT_CACHE_DIR=str(cache_dir),
        SPEECHBOT_DATA_DIR=str(cache_dir.parent / (cache_dir.name + "-data")),
        SPEECHBOT_CORPUS=str(SEEDS),
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    env.update(values)
    return env


async def start_bot(
    env: dict[str, str],
    cwd: Path,
    *args: str,
    command: tuple[str, ...] = ("run",),
    stdout: int = asyncio.subprocess.DEVNULL,
) -> asyncio.subprocess.Process:
    """`python -m bot run ARGS` (`command` for another subcommand or a global flag before it),
    its stderr piped (read it while it runs: a full pipe would block the bot)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *command,
        *args,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=stdout,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop_bot(
    process: asyncio.subprocess.Process, sig: int = signal.SIGTERM, timeout: float = PATIENCE
) -> int:
    """Send `sig` (unless it has ended) and wait for the exit status; killed, and the test failed,
    if it is still there after `timeout` seconds."""
    if process.returncode is None:
        process.send_signal(sig)
    try:
        return await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
