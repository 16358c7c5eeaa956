"""The one place the python-telegram-bot `Application` is built, and how `speechbot run` runs it."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application
from telegram.request import HTTPXRequest

from bot import texts
from bot.answer import Engine
from bot.answer.library import Library
from bot.frontends.telegram import logsafe
from bot.frontends.telegram.choices import ChatChoices
from bot.frontends.telegram.delivery import (
    Ledger,
    LedgerBot,
    LedgerProcessor,
    RetryingRequest,
    Stopper,
)
from bot.frontends.telegram.handlers import SpeechBot
from bot.settings import Settings

log = logging.getLogger("speechbot.telegram")

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
CONCURRENT_UPDATES = 32  # one slow chat (rate-limited, say) does not hold up the others
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 1
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def file_url_for(base_url: str) -> str:
    """`http://host:8081/bot` -> `http://host:8081/file/bot` (the Bot API server's layout)."""
    trimmed = base_url.rstrip("/")
    if trimmed.endswith("/bot"):
        return trimmed[: -len("bot")] + "file/bot"
    return trimmed + "/file/bot"


def _bot_id(settings: Settings) -> str:
    bot_id = (settings.telegram_token or "").partition(":")[0]
    return bot_id if bot_id.isdigit() else "bot"


def choices_file(settings: Settings) -> Path:
    """Where each chat's /doc choice is kept: the cache folder, one file per bot."""
    return settings.cache_dir / "telegram" / f"doc-choices-{_bot_id(settings)}.json"


def ledger_file(settings: Settings) -> Path:
    """Which updates were answered above the confirmed offset (see delivery.py), one file per bot."""
    return settings.cache_dir / "telegram" / f"updates-{_bot_id(settings)}.json"


def build_application(
    settings: Settings,
    source: Engine | Library,
    *,
    rate_limiter: bool = True,
    watch_seconds: float | None = None,
) -> Application:
    """The bot's Application: handlers, command menu at start-up, flood limits, optional local Bot API.

    `source` is the library to answer from (or an engine, whose corpus becomes the library);
    `watch_seconds`: poll the corpus folder that often and reload it when it changes."""
    token = settings.telegram_token
    if not token:
        raise ValueError("no Telegram bot token")
    logsafe.protect(token)  # before the builder: the Bot logs its API URL (with the token) at DEBUG
    library = source if isinstance(source, Library) else Library.of(source, settings.cache_dir)
    speechbot = SpeechBot(
        library, settings, choices=ChatChoices(choices_file(settings)), watch_seconds=watch_seconds
    )
    # Updates are confirmed to Telegram only once answered, sends that did not arrive are retried
    # (delivery.py): our own ExtBot and update processor, otherwise as the builder makes them.
    ledger = Ledger(ledger_file(settings))
    urls = {}
    if settings.telegram_api_base_url:
        urls = dict(
            base_url=settings.telegram_api_base_url,
            base_file_url=settings.telegram_api_file_url
            or file_url_for(settings.telegram_api_base_url),
        )
    bot = LedgerBot(
        token,
        ledger=ledger,
        request=RetryingRequest(connection_pool_size=256),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
        rate_limiter=AIORateLimiter(max_retries=2) if rate_limiter else None,
        **urls,
    )

    async def post_stop(app: Application) -> None:
        await speechbot.post_stop(app)
        ledger.save()

    builder = (
        Application.builder()
        .bot(bot)
        .concurrent_updates(LedgerProcessor(ledger, CONCURRENT_UPDATES))
        .post_init(speechbot.post_init)
        .post_stop(post_stop)
    )
    app = builder.build()
    speechbot.register(app)
    app.bot_data["speechbot"] = speechbot
    return app


@dataclass(frozen=True)
class Webhook:
    url: str  # the public HTTPS address Telegram posts to
    listen: str = "127.0.0.1"
    port: int = 8443
    secret_token: str | None = None  # a random one is made if not given

    @property
    def url_path(self) -> str:
        return urlsplit(self.url).path.strip("/")


def check_webhook(webhook: Webhook) -> str | None:
    """What is wrong with the webhook settings, or None."""
    parts = urlsplit(webhook.url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"--webhook-url 应是完整网址（https://…），现在是 {webhook.url!r}"
    if not 0 < webhook.port < 65536:
        return f"端口 {webhook.port} 无效"
    if webhook.secret_token is not None and not _SECRET_TOKEN.match(webhook.secret_token):
        return "secret token 只能由 1–256 个字母、数字、_ 或 - 组成"
    return None


def _close(loop: asyncio.AbstractEventLoop) -> None:
    loop.close()
    asyncio.set_event_loop(None)


def run(
    settings: Settings,
    source: Engine | Library,
    webhook: Webhook | None = None,
    *,
    watch_seconds: float | None = None,
) -> int:
    """Run the bot until interrupted: long polling, or python-telegram-bot's webhook server."""
    if webhook is not None:
        problem = check_webhook(webhook)
        if problem:
            print(texts.TG_BAD_WEBHOOK.format(reason=problem), file=sys.stderr)
            return EXIT_USAGE
        if webhook.secret_token is None:
            webhook = Webhook(webhook.url, webhook.listen, webhook.port, secrets.token_urlsafe(32))
        logsafe.protect(webhook.secret_token)
    app = build_application(settings, source, watch_seconds=watch_seconds)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # Initialise (getMe) ourselves first: a bad token is one clear line, not a logged traceback.
    try:
        loop.run_until_complete(app.initialize())
    except InvalidToken as exc:
        # python-telegram-bot's own message quotes the token; the server's reason does not
        cause = exc.__cause__ if isinstance(exc.__cause__, TelegramError) else exc
        print(texts.TG_INVALID_TOKEN.format(reason=logsafe.redact(cause.message)), file=sys.stderr)
        _close(loop)
        return EXIT_USAGE
    except TelegramError as exc:  # NetworkError, TimedOut: no server at the base URL, no network
        print(texts.TG_UNREACHABLE.format(reason=logsafe.redact(str(exc))), file=sys.stderr)
        _close(loop)
        return EXIT_UNAVAILABLE
    # SIGTERM/SIGINT: stop fetching, let answers in progress finish (a few seconds), leave the rest
    # unconfirmed for Telegram to send again, then stop (delivery.stop_gracefully); a second one: at once.
    stopper = Stopper(app)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopper)
    if webhook is not None:
        log.info(
            "webhook mode: listening on %s:%d/%s for %s",
            webhook.listen,
            webhook.port,
            webhook.url_path,
            webhook.url,
        )
        app.run_webhook(
            listen=webhook.listen,
            port=webhook.port,
            url_path=webhook.url_path,
            webhook_url=webhook.url,
            secret_token=webhook.secret_token,
            allowed_updates=ALLOWED_UPDATES,
            stop_signals=None,
        )
    else:
        app.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=None)
    return 0
