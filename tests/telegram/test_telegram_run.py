"""`speechbot run` as a subprocess against the fake server: bad token, no token, webhook mode,
and the token kept out of the logs (subprocess stderr at DEBUG, and caplog in-process)."""

from __future__ import annotations

import asyncio
import logging
import os
import pty
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot import texts
from bot.answer import Engine
from bot.frontends.telegram.app import build_application
from tests.support.fake_bot_api import TOKEN, FakeBotApi
from tests.support.process import bot_env, start_bot, stop_bot
from tests.support.telegram import ALICE, running
from tests.support.waiting import PATIENCE, eventually

QUESTION = "人大代表需要学习哪些知识？"
TOKEN_SECRET_HALF = TOKEN.split(":", 1)[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_an_invalid_token_is_one_clear_line_and_exit_2(
    api: FakeBotApi, cache_dir: Path, tmp_path: Path
) -> None:
    env = bot_env(
        cache_dir,
        TELEGRAM_BOT_TOKEN="123456789:ThisTokenIsNotKnownToTheServer_xyz",
        TELEGRAM_API_BASE_URL=api.base_url,
    )
    process = await start_bot(env, tmp_path, stdout=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), PATIENCE)
    assert process.returncode == 2
    lines = err.decode().strip().splitlines()
    assert lines == [texts.TG_INVALID_TOKEN.format(reason="Unauthorized")]
    assert "Traceback" not in err.decode() and out == b""
    assert "ThisTokenIsNotKnown" not in err.decode()


def test_no_token_without_a_terminal_explains_and_exits_2(cache_dir: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=bot_env(cache_dir),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )
    assert result.returncode == 2
    assert (
        "@BotFather" in result.stderr
        and ".env" in result.stderr
        and "TELEGRAM_BOT_TOKEN" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_no_token_on_a_terminal_starts_the_terminal_chat(cache_dir: Path, tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=bot_env(cache_dir),
            cwd=tmp_path,
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.write(leader, f"{QUESTION}\n/quit\n".encode())
        out, err = process.communicate(timeout=PATIENCE)
    finally:
        os.close(leader)
        os.close(follower)
    assert process.returncode == 0
    assert "@BotFather" in err and texts.TG_NO_TOKEN_CHAT in err
    assert "第4段" in out and texts.CHAT_BYE in out


async def test_the_token_never_reaches_the_logs_of_a_running_bot(
    api: FakeBotApi, cache_dir: Path, tmp_path: Path
) -> None:
    env = bot_env(
        cache_dir, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.base_url, LOG_LEVEL="DEBUG"
    )
    process = await start_bot(env, tmp_path, command=("-v", "run"))
    assert process.stderr is not None
    stderr = asyncio.create_task(process.stderr.read())  # keep the pipe drained while it runs
    try:
        await api.wait_for("deleteWebhook")  # run_polling has started
        reply = await api.reply_to(api.say(ALICE, QUESTION))
        assert reply.ok and reply.reply_to is not None
        await eventually(lambda: api.polls >= 2)
    finally:
        code = await stop_bot(process, signal.SIGINT)
    log = (await stderr).decode()
    assert code == 0
    assert TOKEN not in log and TOKEN_SECRET_HALF not in log
    assert "<token>" in log  # python-telegram-bot did log the API URL, redacted
    assert "bot @speech_test_bot ready" in log
    assert (
        "question user=" in log
        and str(ALICE.id) not in log.split("question user=")[1].split("\n")[0]
    )


async def test_the_token_never_reaches_caplog(
    api: FakeBotApi, engine: Engine, make_settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = build_application(make_settings(api.base_url), engine)
    async with running(app):
        await api.reply_to(api.say(ALICE, QUESTION))
    assert caplog.records
    assert TOKEN not in caplog.text and TOKEN_SECRET_HALF not in caplog.text
    assert all(TOKEN not in r.getMessage() for r in caplog.records)
    assert "<token>" in caplog.text
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


async def test_webhook_mode_uses_the_builtin_server_and_checks_the_secret(
    api: FakeBotApi, cache_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    secret = "s3cret_Webhook-token"
    env = bot_env(cache_dir, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.base_url)
    process = await start_bot(
        env,
        tmp_path,
        "--webhook-url",
        "https://bot.example.invalid/tg-hook",
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        "--secret-token",
        secret,
    )
    assert process.stderr is not None
    stderr = asyncio.create_task(process.stderr.read())
    try:
        registered = await api.wait_for("setWebhook")
        assert registered.params["url"] == "https://bot.example.invalid/tg-hook"
        assert registered.params["secret_token"] == secret
        assert set(registered.params["allowed_updates"]) == {
            "message",
            "callback_query",
            "inline_query",
        }
        message = api.compose(ALICE, QUESTION)  # delivered by webhook below, not by getUpdates
        update = {"update_id": 1, "message": message}
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/tg-hook"
            for _ in range(500):  # the server starts listening just after setWebhook
                try:
                    async with http.post(
                        url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
                    ) as r:
                        assert r.status == 403
                        break
                except aiohttp.ClientConnectorError:
                    await asyncio.sleep(0.01)
            else:
                raise AssertionError("the webhook server never came up")
            async with http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
            ) as r:
                assert r.status == 200
        reply = await api.reply_to(message)
        assert reply.ok and "第4段" in reply.text
    finally:
        code = await stop_bot(process, signal.SIGINT)
    log = (await stderr).decode()
    assert code == 0
    assert secret not in log and TOKEN not in log
    assert api.polls == 0  # no getUpdates in webhook mode


@pytest.mark.parametrize(
    ("webhook", "problem"),
    [
        (dict(url="bot.example.invalid/hook"), "--webhook-url"),
        (dict(url="https://bot.example.invalid/hook", port=0), "端口"),
        (dict(url="https://bot.example.invalid/hook", secret_token="has spaces"), "secret token"),
    ],
)
def test_bad_webhook_settings_are_one_line_and_exit_2(
    engine: Engine, make_settings, capsys, webhook: dict, problem: str
) -> None:
    from bot.frontends.telegram.app import Webhook, run

    code = run(make_settings("http://127.0.0.1:9/bot"), engine, Webhook(**webhook))
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and problem in err[0]


def test_no_bot_api_server_is_one_line_and_exit_1(engine: Engine, make_settings, capsys) -> None:
    from bot.frontends.telegram.app import run

    code = run(make_settings(f"http://127.0.0.1:{free_port()}/bot"), engine)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and err[0].startswith("speechbot: ")
    assert TOKEN not in err[0]
