"""What the handlers share, made once by `app.build_application` and kept in `bot_data`.

Handlers read `services.of(context)`; none keeps state of its own. The engine is not here:
each handler reads `library.current` once and uses that edition throughout (a reload swaps
editions between updates, never within one).

Questions are ranked on a worker thread of their own (one, so that ranking never runs twice
at once), never on the event loop: a long question, or one on a corpus where ranking is slow,
does not hold up the other chats, the buttons or the stop signal.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from telegram import CallbackQuery, Chat, InlineQuery, Message, Update
from telegram.ext import ContextTypes

from bot.answer import Answer
from bot.answer.library import Edition, Library
from bot.answer.questions import QuestionLog
from bot.frontends.telegram.access import Access
from bot.frontends.telegram.choices import ChatChoices
from bot.frontends.telegram.logsafe import Tagger
from bot.settings import Settings

KEY = "speechbot"


@dataclass
class Services:
    library: Library
    settings: Settings
    choices: ChatChoices
    access: Access
    questions: QuestionLog
    tagger: Tagger
    watch_seconds: float | None = None
    tasks: list[asyncio.Task] = field(default_factory=list)  # watching the corpus, supervising
    _ranker: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="speechbot-rank")
    )

    async def ask(self, edition: Edition, question: str, **kwargs) -> Answer:
        """`edition.engine.ask(question, **kwargs)`, off the event loop."""
        call = functools.partial(edition.engine.ask, question, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._ranker, call)

    def close(self) -> None:
        self._ranker.shutdown(wait=False, cancel_futures=True)
        self.questions.close()


def of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data[KEY]


# What a handler's update holds: its filters guarantee it (a message handler gets a message, ...).


def message_of(update: Update) -> Message:
    message = update.effective_message
    assert message is not None, "a message handler got an update without a message"
    return message


def chat_of(update: Update) -> Chat:
    chat = update.effective_chat
    assert chat is not None, "a message handler got an update without a chat"
    return chat


def query_of(update: Update) -> CallbackQuery:
    query = update.callback_query
    assert query is not None, "a button handler got an update without a callback query"
    return query


def inline_query_of(update: Update) -> InlineQuery:
    query = update.inline_query
    assert query is not None, "an inline handler got an update without an inline query"
    return query
