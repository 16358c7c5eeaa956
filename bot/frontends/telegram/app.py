"""The one place the python-telegram-bot `Application` is built, its handlers registered (in the
order a reader meets them), and how `speechbot run` runs it.

Each handler lives in the module of its job: `questions` (asking and the answer buttons),
`library_commands` (/sections, /docs, /doc, /reload, documents), `stats` (/stats, 👍/👎),
`access` (the allow-list gate, the cooldown), `errors`. What they share is `services`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    Update,
)
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import texts
from bot.answer import Engine
from bot.answer.library import Library
from bot.answer.questions import QuestionLog
from bot.frontends.telegram import (
    buttons,
    errors,
    library_commands,
    logsafe,
    questions,
    services,
    stats,
)
from bot.frontends.telegram.access import Access
from bot.frontends.telegram.choices import ChatChoices
from bot.frontends.telegram.delivery import (
    Ledger,
    LedgerBot,
    LedgerProcessor,
    RetryingRequest,
    Stopper,
    UpdatesRequest,
    supervise_polling,
)
from bot.settings import (
    Settings,
    SettingsError,
    Webhook,
    parse_listen,
    parse_port,
    parse_secret,
    parse_url,
)

log = logging.getLogger("speechbot.telegram")

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
CONCURRENT_UPDATES = 32  # one slow chat (rate-limited, say) does not hold up the others
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 1
__all__ = ["ALLOWED_UPDATES", "Webhook", "build_application", "run"]


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
    """Which updates were answered above the confirmed offset (delivery.py), one file per bot."""
    return settings.cache_dir / "telegram" / f"updates-{_bot_id(settings)}.json"


def register(app: Application, access: Access) -> None:
    """Every handler, in the order updates meet them."""
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    message = filters.UpdateType.MESSAGE
    text = filters.TEXT & ~filters.COMMAND
    app.add_handler(TypeHandler(Update, access.gate), group=-2)
    app.add_handler(CallbackQueryHandler(access.tap_cooldown), group=-1)

    app.add_handler(CommandHandler(["start", "help"], questions.help_command, filters=message))
    app.add_handler(CommandHandler("ask", questions.ask_command, filters=message))
    app.add_handler(CommandHandler("sections", library_commands.sections, filters=message))
    app.add_handler(CommandHandler("docs", library_commands.docs, filters=message))
    app.add_handler(CommandHandler("doc", library_commands.doc, filters=message))
    app.add_handler(CommandHandler("reload", library_commands.reload, filters=message))
    app.add_handler(CommandHandler("stats", stats.stats, filters=message))
    app.add_handler(
        MessageHandler(message & private & filters.Document.ALL, library_commands.upload)
    )
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, library_commands.migrated))
    app.add_handler(MessageHandler(message & private & text, questions.private_text))
    app.add_handler(MessageHandler(message & private & filters.COMMAND, questions.help_command))
    app.add_handler(MessageHandler(message & groups & text, questions.group_text))

    def tapped(kind: type) -> Callable[[object], bool]:
        return buttons.matching(kind)

    app.add_handler(CallbackQueryHandler(questions.more, pattern=tapped(buttons.More)))
    app.add_handler(CallbackQueryHandler(questions.paragraph, pattern=tapped(buttons.Context)))
    app.add_handler(
        CallbackQueryHandler(library_commands.document, pattern=tapped(buttons.Document))
    )
    app.add_handler(CallbackQueryHandler(library_commands.section, pattern=tapped(buttons.Section)))
    app.add_handler(CallbackQueryHandler(library_commands.narrow, pattern=tapped(buttons.Narrow)))
    app.add_handler(CallbackQueryHandler(stats.feedback, pattern=tapped(buttons.Feedback)))
    app.add_handler(CallbackQueryHandler(stats.asked, pattern=tapped(buttons.Asked)))
    app.add_handler(CallbackQueryHandler(questions.stale))  # anything else: forged or not ours

    app.add_handler(InlineQueryHandler(questions.inline))
    app.add_error_handler(errors.on_error)


async def _set_commands(app: Application, owners: frozenset[int]) -> None:
    bot = app.bot
    private = [
        BotCommand("help", texts.TG_COMMAND_HELP),
        BotCommand("docs", texts.TG_COMMAND_DOCS),
        BotCommand("sections", texts.TG_COMMAND_SECTIONS),
    ]
    group = [BotCommand("ask", texts.TG_COMMAND_ASK), *private]
    owner = [
        *private,
        BotCommand("stats", texts.TG_COMMAND_STATS),
        BotCommand("reload", texts.TG_COMMAND_RELOAD),
    ]
    try:
        await bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
        await bot.set_my_commands(group, scope=BotCommandScopeAllGroupChats())
    except TelegramError as exc:
        log.warning("could not register the command menu: %s", exc)
    for owner_id in sorted(owners):  # an owner who never wrote to the bot has no chat yet
        try:
            await bot.set_my_commands(owner, scope=BotCommandScopeChat(owner_id))
        except TelegramError as exc:
            log.info("no owner's command menu for one owner (%s)", exc)


def build_application(
    settings: Settings,
    source: Engine | Library,
    *,
    rate_limiter: bool = True,
    watch_seconds: float | None = None,
    on_polling_death: Callable[[BaseException | None], None] | None = None,
    read_timeout: float | None = None,
) -> Application:
    """The bot's Application: handlers, command menu at start-up, flood limits, a local Bot API.

    `source` is the library to answer from (or an engine, whose corpus becomes the library);
    `watch_seconds`: poll the corpus folder that often and reload it when it changes;
    `on_polling_death`: called if python-telegram-bot's polling stops by itself;
    `read_timeout`: seconds to wait for the Bot API's answer to a request (getUpdates adds its
    long-poll time), python-telegram-bot's own default (5 s) if None."""
    token = settings.telegram_token
    if not token:
        raise ValueError("no Telegram bot token")
    logsafe.protect(token)  # before the builder: the Bot logs its API URL (with the token) at DEBUG
    library = (
        source
        if isinstance(source, Library)
        else Library.of(
            source,
            settings.cache_dir,
            follow_symlinks=settings.follow_symlinks,
            progress=settings.progress,
        )
    )
    access = Access(settings)
    shared = services.Services(
        library=library,
        settings=settings,
        choices=ChatChoices(choices_file(settings)),
        access=access,
        questions=QuestionLog.in_folder(
            settings.data_dir,
            record=settings.record_questions,
            retention_days=settings.question_retention_days,
        ),
        tagger=logsafe.Tagger(token),
        watch_seconds=watch_seconds,
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
    timeouts: dict[str, Any] = {} if read_timeout is None else {"read_timeout": read_timeout}
    bot = LedgerBot(
        token,
        ledger=ledger,
        request=RetryingRequest(connection_pool_size=256, **timeouts),
        get_updates_request=UpdatesRequest(ledger.skip, connection_pool_size=1, **timeouts),
        rate_limiter=AIORateLimiter(max_retries=2) if rate_limiter else None,
        **urls,
    )

    async def post_init(app: Application) -> None:
        await _set_commands(app, settings.owner_ids)
        started = time.perf_counter()
        edition = library.current
        await shared.ask(edition, edition.examples[0] if edition.examples else "讲话", top=1)
        index = edition.engine.index
        log.info(
            "bot @%s ready: corpus %s, %d documents, %d passages, index loaded in %.2f s "
            "(warm-up %.2f s); question log %s",
            app.bot.username,
            index.root,
            len(index.documents),
            len(index.passages),
            index.load_seconds,
            time.perf_counter() - started,
            shared.questions.path if shared.questions.available else "unavailable",
        )
        if watch_seconds:
            shared.tasks.append(
                asyncio.create_task(library.watch(watch_seconds), name="speechbot-watch")
            )
            log.info("watching %s for changes every %g s", library.corpus, watch_seconds)
        if on_polling_death is not None:
            shared.tasks.append(
                asyncio.create_task(
                    supervise_polling(app, on_polling_death), name="speechbot-supervise"
                )
            )

    async def post_stop(app: Application) -> None:
        tasks, shared.tasks = shared.tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        shared.close()
        ledger.save()

    app = (
        Application.builder()
        .bot(bot)
        .concurrent_updates(LedgerProcessor(ledger, CONCURRENT_UPDATES))
        .post_init(post_init)
        .post_stop(post_stop)
        .build()
    )
    app.bot_data[services.KEY] = shared
    register(app, access)
    return app


def check_webhook(webhook: Webhook) -> str | None:
    """What is wrong with the webhook settings (one line), or None."""
    try:
        parse_url("--webhook-url", webhook.url)
        parse_listen("--listen", webhook.listen)
        parse_port("--port", webhook.port)
        if webhook.secret_token is not None:
            parse_secret("--secret-token", webhook.secret_token)
    except SettingsError as exc:
        return exc.line()
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
    """Run the bot until stopped: long polling, or python-telegram-bot's webhook server. The exit
    status: 0 when stopped by a signal, 1 when polling died (for the service manager to restart
    the bot) or the Bot API cannot be reached, 2 for settings Telegram refuses."""
    if webhook is not None:
        problem = check_webhook(webhook)
        if problem:
            print(problem, file=sys.stderr)
            return EXIT_USAGE
        if webhook.secret_token is None:
            webhook = Webhook(webhook.url, webhook.listen, webhook.port, secrets.token_urlsafe(32))
        logsafe.protect(webhook.secret_token)
    stopper: Stopper | None = None

    def polling_died(error: BaseException | None) -> None:
        if stopper is not None:
            stopper.polling_died(error)

    app = build_application(
        settings,
        source,
        watch_seconds=watch_seconds,
        on_polling_death=polling_died if webhook is None else None,
    )
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
    # unconfirmed for Telegram to send again, then stop (delivery.stop_gracefully); a second one: at
    # once; and whatever happens, the process is gone a few seconds later (delivery.Stopper).
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
    return stopper.exit_code
