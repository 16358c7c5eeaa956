"""Small handlers that turn Telegram updates into engine calls and engine answers into messages.

No retrieval logic lives here: questions go to `Engine.ask`, browsing to `Engine.toc`,
`Engine.section_text`, `Engine.paragraph_text`; formatting is in `render`, button data in
`buttons`. The engine comes from a `Library` (bot/answer/library.py), which swaps in a new
one when the corpus is reloaded: each handler reads `library.current` once and uses that
edition throughout, so an update is never answered half from the old index and half from
the new. `/reload` and adding a document are the library's; here they are only routed,
for owners (`OWNER_IDS`, checked by user id).

Which document a chat asks in (`/doc N`) is kept by `choices.ChatChoices`, across restarts.

Which message holds the question: an answer is always sent as a reply to the message whose
text is the question (the user's message; for `/ask` or a bare @mention sent as a reply,
the message replied to). 「更多结果」 re-reads the question from there, so it needs no memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable
from html import escape, unescape

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import texts
from bot.answer import Answer
from bot.answer.library import DocInfo, Edition, Library, safe_file_name
from bot.frontends.answer_view import ASK_TOP, view
from bot.frontends.telegram import buttons, logsafe, render
from bot.frontends.telegram.choices import ChatChoices, Choice
from bot.settings import Settings

log = logging.getLogger("speechbot.telegram")

INLINE_RESULTS = 5
INLINE_CACHE_SECONDS = 300
MAX_MORE = 50  # 「更多结果」 stops after this many results
MAX_TOC_BUTTONS = 99  # Telegram allows 100 buttons in one keyboard
MAX_DOC_BUTTONS = 95  # numbered document buttons in /docs (plus 「全部文档」)
DOC_BUTTONS_PER_ROW = 5
CLOUD_DOWNLOAD_LIMIT_MB = (
    20  # getFile on api.telegram.org; a local Bot API server has no such limit
)
_ALL_DOCS = {"0", "all", "全部", "所有"}
HELP_START_PARAMETER = "help"
_LEADING_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?(?=\s|$)")
_BOLD_TAGS = re.compile(r"</?b>")  # the only tags render puts in a message


# ---- small pure helpers -------------------------------------------------------------------


def question_from(text: str | None, username: str | None) -> str:
    """The question in a message: without a leading /command and without @botname."""
    text = (text or "").strip()
    text = _LEADING_COMMAND.sub("", text, count=1)
    if username:
        text = re.sub(rf"@{re.escape(username)}(?![A-Za-z0-9_])", " ", text, flags=re.IGNORECASE)
    return text.strip()


def text_of(message: Message | None) -> str:
    if message is None:
        return ""
    return message.text or message.caption or ""


def real_reply(message: Message) -> Message | None:
    """The message replied to; None for the topic's opening message that forum posts point at."""
    replied = message.reply_to_message
    if replied is None:
        return None
    if replied.forum_topic_created is not None:
        return None
    if message.is_topic_message and replied.message_id == message.message_thread_id:
        return None
    return replied


def thread_of(message: Message | None) -> int | None:
    """The forum topic to answer in (None outside forum topics)."""
    if message is not None and message.is_topic_message and message.message_thread_id:
        return message.message_thread_id
    return None


def mentions(message: Message, username: str | None) -> bool:
    if not username:
        return False
    wanted = "@" + username.lower()
    found = message.parse_entities([MessageEntity.MENTION]) if message.text else {}
    return any(text.lower() == wanted for text in found.values())


def is_group(chat: Chat | None) -> bool:
    return chat is not None and chat.type in (Chat.GROUP, Chat.SUPERGROUP)


class Cooldown:
    """At most one action per `seconds` for each key (chat, user), kept in memory."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.last: dict[tuple, float] = {}

    def wait(self, key: tuple) -> bool:
        """True if `key` acted less than `seconds` ago and must wait; otherwise record it."""
        if self.seconds <= 0:
            return False
        now = self.clock()
        last = self.last.get(key)
        if last is not None and now - last < self.seconds:
            return True
        self.last[key] = now
        if len(self.last) > 10_000:
            self.last = {k: t for k, t in self.last.items() if now - t < self.seconds}
        return False


# ---- the bot ------------------------------------------------------------------------------


class SpeechBot:
    def __init__(
        self,
        library: Library,
        settings: Settings,
        *,
        choices: ChatChoices | None = None,
        watch_seconds: float | None = None,
    ) -> None:
        self.library = library
        self.settings = settings
        self.choices = choices if choices is not None else ChatChoices(None)
        self.watch_seconds = watch_seconds
        self.cooldown = Cooldown(settings.group_cooldown_seconds)
        # user ids are logged as a keyed hash: stable across restarts, not reversible without the token
        self._hash_key = (settings.telegram_token or "speechbot").encode()
        self._watch: asyncio.Task | None = None
        self._left: set[int] = set()  # groups left for not being in ALLOWED_CHAT_IDS

    # No `self.engine`: handlers read `self.library.current` once and pass that edition along.
    @staticmethod
    def _fp(edition: Edition) -> str:
        """The short corpus fingerprint button data carries (see buttons.py)."""
        return buttons.short_fingerprint(edition.fingerprint)

    def is_owner(self, user: User | None) -> bool:
        return user is not None and user.id in self.settings.owner_ids

    def register(self, app: Application) -> None:
        private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
        message = filters.UpdateType.MESSAGE
        app.add_handler(TypeHandler(Update, self.gate), group=-1)
        app.add_handler(CommandHandler(["start", "help"], self.help, filters=message))
        app.add_handler(CommandHandler("ask", self.ask_command, filters=message))
        app.add_handler(CommandHandler("sections", self.sections, filters=message))
        app.add_handler(CommandHandler("docs", self.docs, filters=message))
        app.add_handler(CommandHandler("doc", self.doc, filters=message))
        app.add_handler(CommandHandler("reload", self.reload, filters=message))
        app.add_handler(MessageHandler(message & private & filters.Document.ALL, self.upload))
        app.add_handler(
            MessageHandler(message & private & filters.TEXT & ~filters.COMMAND, self.private_text)
        )
        app.add_handler(MessageHandler(message & private & filters.COMMAND, self.help))
        app.add_handler(
            MessageHandler(message & groups & filters.TEXT & ~filters.COMMAND, self.group_text)
        )
        app.add_handler(CallbackQueryHandler(self.button))
        app.add_handler(InlineQueryHandler(self.inline))
        app.add_error_handler(self.on_error)

    # ---- start-up -------------------------------------------------------------------------
    async def post_init(self, app: Application) -> None:
        bot = app.bot
        private = [
            BotCommand("help", texts.TG_COMMAND_HELP),
            BotCommand("docs", texts.TG_COMMAND_DOCS),
            BotCommand("sections", texts.TG_COMMAND_SECTIONS),
        ]
        group = [BotCommand("ask", texts.TG_COMMAND_ASK), *private]
        try:
            await bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
            await bot.set_my_commands(group, scope=BotCommandScopeAllGroupChats())
        except TelegramError as exc:
            log.warning("could not register the command menu: %s", exc)
        started = time.perf_counter()
        edition = self.library.current
        edition.engine.ask(
            edition.examples[0] if edition.examples else "讲话", top=1
        )  # load the segmenter now
        index = edition.engine.index
        log.info(
            "bot @%s ready: corpus %s, %d documents, %d passages, index loaded in %.2f s (warm-up %.2f s)",
            bot.username,
            index.root,
            len(index.documents),
            len(index.passages),
            index.load_seconds,
            time.perf_counter() - started,
        )
        if self.watch_seconds:
            self._watch = asyncio.create_task(
                self.library.watch(self.watch_seconds), name="speechbot-watch"
            )
            log.info("watching %s for changes every %g s", self.library.corpus, self.watch_seconds)

    async def post_stop(self, app: Application) -> None:
        """Stop watching the corpus folder (run_polling/run_webhook call this on the way out)."""
        task, self._watch = self._watch, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    # ---- gate -----------------------------------------------------------------------------
    async def gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """With ALLOWED_CHAT_IDS set, updates from other chats (owners excepted) are dropped, and
        the bot leaves a group or channel that is not on the list (once; it can be added back)."""
        allowed = self.settings.allowed_chat_ids
        if not allowed:
            return
        chat, user = update.effective_chat, update.effective_user
        if chat is not None and chat.id in allowed:
            return
        if user is not None and (
            user.id in self.settings.owner_ids or (chat is None and user.id in allowed)
        ):
            return
        if chat is not None and chat.type != Chat.PRIVATE and chat.id not in self._left:
            if len(self._left) > 10_000:
                self._left.clear()
            self._left.add(chat.id)
            log.info("leaving chat %s: it is not in ALLOWED_CHAT_IDS", chat.id)
            try:
                await context.bot.leave_chat(chat.id)
            except TelegramError as exc:
                log.warning("could not leave chat %s: %s", chat.id, exc)
        raise ApplicationHandlerStop

    # ---- commands -------------------------------------------------------------------------
    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        edition = self.library.current
        summary = texts.CORPUS_SUMMARY.format(
            documents=len(edition.documents), passages=edition.passages
        )
        html = render.help_message(
            list(edition.examples),
            summary,
            context.bot.username,
            owner=self.is_owner(update.effective_user),
        )
        await self._send(
            context, message.chat_id, [html], reply_to=message, thread=thread_of(message)
        )

    async def ask_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        target = message
        question = question_from(message.text, context.bot.username)
        if not question:
            replied = real_reply(message)
            if replied is not None and question_from(text_of(replied), context.bot.username):
                target = replied
        await self._answer(update, context, target)

    async def private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(update, context, update.effective_message)

    async def group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Only replies to the bot and messages mentioning it are questions; the rest is chatter."""
        message = update.effective_message
        replied = real_reply(message)
        to_bot = (
            replied is not None
            and replied.from_user is not None
            and replied.from_user.id == context.bot.id
        )
        if not to_bot and not mentions(message, context.bot.username):
            return
        target = message
        if (
            not question_from(message.text, context.bot.username)
            and replied is not None
            and not to_bot
        ):
            target = replied  # a bare @mention sent as a reply: answer the message replied to
        await self._answer(update, context, target)

    async def sections(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The table of contents: of the chat's chosen document, the only one, or a choice of documents."""
        message = update.effective_message
        edition = self.library.current
        documents = edition.engine.index.documents
        chosen, _ = self._scope(message.chat_id, edition)
        if chosen is not None or len(documents) == 1:
            html, markup = self._toc(edition, chosen.index if chosen is not None else 0)
        else:
            html = f"<b>{texts.SECTIONS_TITLE}</b>\n{texts.TG_SECTIONS_CHOOSE}"
            rows = [
                [
                    InlineKeyboardButton(
                        render.button_label(f"《{d.title}》"),
                        callback_data=buttons.encode(buttons.Document(i), self._fp(edition)),
                    )
                ]
                for i, d in enumerate(documents[:MAX_TOC_BUTTONS])
            ]
            markup = InlineKeyboardMarkup(rows)
        await self._send(
            context,
            message.chat_id,
            [html],
            reply_to=message,
            thread=thread_of(message),
            markup=markup,
        )

    def _toc(self, edition: Edition, doc: int) -> tuple[str, InlineKeyboardMarkup | None]:
        engine, fp = edition.engine, self._fp(edition)
        document = engine.index.documents[doc]
        title = render.title_block(document.title).html()
        entries = engine.toc(doc)
        if not entries:
            return f"<b>{texts.SECTIONS_TITLE}</b>\n{title}\n{texts.NO_SECTIONS}", None
        top = min(e.level for e in entries)
        if len(entries) > MAX_TOC_BUTTONS:
            outer = [e for e in entries if e.level == top]
            entries = outer[:MAX_TOC_BUTTONS]
        rows = [
            [
                InlineKeyboardButton(
                    "· " * (e.level - top) + render.button_label(e.heading),
                    callback_data=buttons.encode(buttons.Section(e.doc, e.section), fp),
                )
            ]
            for e in entries
        ]
        return f"<b>{texts.SECTIONS_TITLE}</b>\n{title}", InlineKeyboardMarkup(rows)

    # ---- the library: /docs, /doc N, /reload, documents sent by owners ----------------------
    def _scope(self, chat_id: int | None, edition: Edition) -> tuple[DocInfo | None, str | None]:
        """The document this chat asks in (None: all), and a notice if the one it chose is gone.

        The choice is found again by its path (then title) in this edition, wherever the
        document's number moved to; if it is not there any more the choice is dropped."""
        choice = self.choices.get(chat_id) if chat_id is not None else None
        if choice is None:
            return None, None
        info = edition.locate(choice.path, choice.title, choice.index)
        if info is None:
            self.choices.clear(chat_id)
            return None, texts.TG_SCOPE_GONE.format(title=choice.title)
        if (info.path, info.title, info.index) != (choice.path, choice.title, choice.index):
            self.choices.set(chat_id, Choice(info.path, info.title, info.index))
        return info, None

    def _docs_markup(
        self, edition: Edition, chosen: DocInfo | None
    ) -> tuple[InlineKeyboardMarkup | None, int]:
        fp = self._fp(edition)
        shown = edition.documents[:MAX_DOC_BUTTONS] if len(edition.documents) > 1 else ()
        numbers = [
            InlineKeyboardButton(
                ("✓ " if chosen is not None and chosen.index == d.index else "") + str(d.number),
                callback_data=buttons.encode(buttons.Narrow(d.index), fp),
            )
            for d in shown
        ]
        rows = [
            numbers[i : i + DOC_BUTTONS_PER_ROW]
            for i in range(0, len(numbers), DOC_BUTTONS_PER_ROW)
        ]
        if chosen is not None:
            rows.append(
                [
                    InlineKeyboardButton(
                        texts.TG_ALL_DOCUMENTS,
                        callback_data=buttons.encode(buttons.Narrow(None), fp),
                    )
                ]
            )
        return (InlineKeyboardMarkup(rows) if rows else None), len(shown)

    async def docs(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/docs: the documents, numbered, with a button for each to ask in it alone."""
        message = update.effective_message
        edition = self.library.current
        chosen, notice = self._scope(message.chat_id, edition)
        markup, shown = self._docs_markup(edition, chosen)
        html = render.docs_messages(
            edition.documents, edition.passages, chosen, shown or len(edition.documents)
        )
        if notice:
            html = [escape(notice), *html]
        await self._send(
            context,
            message.chat_id,
            html,
            reply_to=message,
            thread=thread_of(message),
            markup=markup,
        )

    async def doc(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/doc N: ask in document N only; /doc 0 (or all): in all of them again; /doc: the list."""
        message = update.effective_message
        argument = question_from(message.text, context.bot.username).strip().lower()
        if not argument:
            await self.docs(update, context)
            return
        edition = self.library.current
        if argument in _ALL_DOCS:
            target = None
        elif argument.isascii() and argument.isdigit():
            target = edition.document(int(argument) - 1)
            if target is None:
                html = escape(
                    texts.TG_NO_SUCH_DOC.format(number=argument, documents=len(edition.documents))
                )
                await self._send(
                    context, message.chat_id, [html], reply_to=message, thread=thread_of(message)
                )
                return
        else:
            await self._send(
                context,
                message.chat_id,
                [escape(texts.TG_DOC_USAGE)],
                reply_to=message,
                thread=thread_of(message),
            )
            return
        html, markup = self._narrow(message.chat_id, edition, target)
        await self._send(
            context,
            message.chat_id,
            [html],
            reply_to=message,
            thread=thread_of(message),
            markup=markup,
        )

    def _narrow(
        self, chat_id: int, edition: Edition, target: DocInfo | None
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        """Record the chat's choice; the confirmation to send (with a button to undo a narrowing)."""
        if target is None:
            self.choices.clear(chat_id)
            return escape(texts.TG_UNNARROWED.format(documents=len(edition.documents))), None
        self.choices.set(chat_id, Choice(target.path, target.title, target.index))
        undo = InlineKeyboardButton(
            texts.TG_ALL_DOCUMENTS,
            callback_data=buttons.encode(buttons.Narrow(None), self._fp(edition)),
        )
        html = escape(texts.TG_NARROWED.format(number=target.number, title=target.title))
        return html, InlineKeyboardMarkup([[undo]])

    async def reload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/reload (owners): read the corpus again; questions meanwhile use the old index."""
        message, user = update.effective_message, update.effective_user
        if not self.is_owner(user):
            await self._send(
                context,
                message.chat_id,
                [escape(texts.TG_RELOAD_REFUSED)],
                reply_to=message,
                thread=thread_of(message),
            )
            return
        log.info("reload asked by owner user=%s", self.user_tag(user))
        result = await self.library.reload()
        await self._send(
            context,
            message.chat_id,
            render.reload_messages(result),
            reply_to=message,
            thread=thread_of(message),
        )

    async def upload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A document file sent in a private chat: owners add it to the library."""
        message, user = update.effective_message, update.effective_user
        reply = lambda html: self._send(context, message.chat_id, html, reply_to=message)  # noqa: E731
        if not self.is_owner(user):
            await reply([escape(texts.TG_ADD_REFUSED)])
            return
        document = message.document
        name = document.file_name or ""
        if safe_file_name(name) is None:
            await reply([escape(texts.TG_ADD_UNSUPPORTED.format(name=name or "?"))])
            return
        size = document.file_size or 0
        if not self.settings.telegram_api_base_url and size > CLOUD_DOWNLOAD_LIMIT_MB * 1024 * 1024:
            await reply(
                [
                    escape(
                        texts.TG_FILE_TOO_BIG.format(
                            size=round(size / 1024 / 1024, 1), limit=CLOUD_DOWNLOAD_LIMIT_MB
                        )
                    )
                ]
            )
            return
        try:
            telegram_file = await context.bot.get_file(document.file_id)
            data = bytes(await telegram_file.download_as_bytearray())
        except TelegramError as exc:
            log.warning("could not download a document from an owner: %s", exc)
            # the reason is Telegram's (or the network's) words: never the token, whatever they quote
            await reply(
                [escape(texts.TG_DOWNLOAD_FAILED.format(reason=logsafe.redact(exc.message)))]
            )
            return
        added = await self.library.add(name, data)
        log.info(
            "document from owner user=%s: %s %s", self.user_tag(user), added.status, added.name
        )
        await reply(render.added_messages(added))

    # ---- questions ------------------------------------------------------------------------
    def user_tag(self, user: User | None) -> str:
        if user is None:
            return "-"
        return hmac.new(self._hash_key, str(user.id).encode(), hashlib.sha256).hexdigest()[:12]

    def _cooling(self, kind: str, chat: Chat | None, user: User | None) -> bool:
        if not is_group(chat) or user is None or user.id in self.settings.owner_ids:
            return False
        return self.cooldown.wait((kind, chat.id, user.id))

    def _markup(
        self, edition: Edition, answer: Answer, shown: int, doc: int | None = None
    ) -> InlineKeyboardMarkup | None:
        """「更多结果」 (the result after number `shown`, in the same document) and 「上下文」."""
        if not answer.found or not answer.hits:
            return None
        fp = self._fp(edition)
        row = []
        if shown + 1 <= MAX_MORE:
            more = buttons.More(shown + 1, buttons.question_hash(answer.question), doc)
            row.append(
                InlineKeyboardButton(texts.MORE_RESULTS, callback_data=buttons.encode(more, fp))
            )
        context = buttons.Context(answer.hits[0].passage.pid)
        row.append(InlineKeyboardButton(texts.CONTEXT, callback_data=buttons.encode(context, fp)))
        return InlineKeyboardMarkup([row])

    async def _answer(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, target: Message
    ) -> None:
        """Answer the question written in `target`, as a reply to it."""
        started = time.perf_counter()
        message = update.effective_message
        chat, user = update.effective_chat, update.effective_user
        if self._cooling("ask", chat, user):
            log.debug(
                "cooldown: ignored a question from user=%s in chat %s", self.user_tag(user), chat.id
            )
            return
        question = question_from(text_of(target), context.bot.username)
        edition = self.library.current
        chosen, notice = self._scope(chat.id, edition)
        doc = chosen.index if chosen is not None else None
        answer = edition.engine.ask(question, top=ASK_TOP, doc=doc)
        asked = time.perf_counter()
        html = render.answer_messages(
            answer, list(edition.examples), scope=chosen.title if chosen else None, notice=notice
        )
        shown = max(len(view(answer).hits), 1)
        await self._send(
            context,
            chat.id,
            html,
            reply_to=target,
            thread=thread_of(message),
            markup=self._markup(edition, answer, shown - 1, doc),
        )
        self._log_question(user, chat.type, answer, started, asked)

    def _log_question(
        self, user: User | None, where: str, answer: Answer, started: float, asked: float
    ) -> None:
        done = time.perf_counter()
        log.info(
            "question user=%s chat=%s confidence=%s empty=%s truncated=%s chars=%d "
            "search_ms=%.1f total_ms=%.1f",
            self.user_tag(user),
            where,
            answer.confidence,
            answer.empty,
            answer.truncated,
            len(answer.question),
            (asked - started) * 1000,
            (done - started) * 1000,
        )

    async def _send(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        messages: list[str],
        *,
        reply_to: Message | None = None,
        thread: int | None = None,
        markup: InlineKeyboardMarkup | None = None,
    ) -> Message | None:
        """Send HTML `messages` in order; the first replies to `reply_to`, the last carries `markup`."""
        sent = None
        for i, html in enumerate(messages):
            reply = None
            if i == 0 and reply_to is not None:
                reply = ReplyParameters(reply_to.message_id, allow_sending_without_reply=True)
            sent = await context.bot.send_message(
                chat_id,
                html,
                parse_mode=ParseMode.HTML,
                message_thread_id=thread,
                reply_parameters=reply,
                reply_markup=markup if i == len(messages) - 1 else None,
            )
        return sent

    # ---- buttons --------------------------------------------------------------------------
    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        edition = self.library.current
        try:
            action = buttons.decode(query.data, self._fp(edition))
        except buttons.StaleButton:
            await query.answer(texts.STALE_BUTTON)
            return
        if self._cooling("tap", update.effective_chat, update.effective_user):
            await query.answer(texts.TG_COOLDOWN)
            return
        if isinstance(action, buttons.More):
            await self._more(query, context, edition, action)
        elif isinstance(action, buttons.Context):
            await self._context(query, context, edition, action)
        elif isinstance(action, buttons.Document):
            await self._document(query, context, edition, action)
        elif isinstance(action, buttons.Narrow):
            await self._narrow_button(query, context, edition, action)
        else:
            await self._section(query, context, edition, action)

    async def _narrow_button(
        self,
        query: CallbackQuery,
        context: ContextTypes.DEFAULT_TYPE,
        edition: Edition,
        action: buttons.Narrow,
    ) -> None:
        message = query.message
        target = edition.document(action.doc) if action.doc is not None else None
        if message is None or (action.doc is not None and target is None):
            await query.answer(texts.STALE_BUTTON)
            return
        await query.answer()
        html, markup = self._narrow(message.chat.id, edition, target)
        reply_to = message if isinstance(message, Message) else None
        await self._send(
            context,
            message.chat.id,
            [html],
            reply_to=reply_to,
            thread=thread_of(reply_to),
            markup=markup,
        )

    async def _more(
        self,
        query: CallbackQuery,
        context: ContextTypes.DEFAULT_TYPE,
        edition: Edition,
        action: buttons.More,
    ) -> None:
        started = time.perf_counter()
        message = query.message
        if not isinstance(message, Message) or message.reply_to_message is None:
            await query.answer(
                texts.STALE_BUTTON
            )  # the question is gone (deleted, or too old to see)
            return
        target = message.reply_to_message
        if action.offset > MAX_MORE:
            await query.answer(texts.NO_MORE_RESULTS)
            return
        question = question_from(text_of(target), context.bot.username)
        scope = edition.document(action.doc) if action.doc is not None else None
        if action.doc is not None and scope is None:
            await query.answer(texts.STALE_BUTTON)
            return
        answer = edition.engine.ask(question, top=1, offset=action.offset, doc=action.doc)
        asked = time.perf_counter()
        if buttons.question_hash(answer.question) != action.qhash:
            await query.answer(texts.STALE_BUTTON)  # the question was edited since
            return
        if not answer.hits:
            await query.answer(texts.NO_MORE_RESULTS)
            await self._drop_more_button(message)
            return
        await query.answer()
        html = render.answer_messages(
            answer,
            list(edition.examples),
            number=action.offset + 1,
            scope=scope.title if scope is not None else None,
        )
        await self._send(
            context,
            message.chat_id,
            html,
            reply_to=target,
            thread=thread_of(message),
            markup=self._markup(edition, answer, action.offset, action.doc),
        )
        await self._drop_more_button(message)
        self._log_question(query.from_user, f"{message.chat.type}/more", answer, started, asked)

    async def _drop_more_button(self, message: Message) -> None:
        """The result has moved on: the tapped message keeps only its 「上下文」 button."""
        markup = message.reply_markup
        if markup is None:
            return
        rows = [
            [
                b
                for b in row
                if not (isinstance(b.callback_data, str) and b.callback_data.startswith("m:"))
            ]
            for row in markup.inline_keyboard
        ]
        rows = [row for row in rows if row]
        if rows == [list(row) for row in markup.inline_keyboard]:
            return
        try:
            await message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
        except BadRequest as exc:
            if (
                "not modified" not in exc.message.lower()
            ):  # a second tap on the same button: harmless
                raise

    async def _context(
        self,
        query: CallbackQuery,
        context: ContextTypes.DEFAULT_TYPE,
        edition: Edition,
        action: buttons.Context,
    ) -> None:
        engine = edition.engine
        passage = engine.passage(action.pid)
        message = query.message
        if passage is None or message is None:
            await query.answer(texts.STALE_BUTTON)
            return
        await query.answer()
        html = render.context_messages(passage, engine.paragraph_text(passage))
        reply_to = message if isinstance(message, Message) else None
        await self._send(
            context, message.chat.id, html, reply_to=reply_to, thread=thread_of(reply_to)
        )

    async def _document(
        self,
        query: CallbackQuery,
        context: ContextTypes.DEFAULT_TYPE,
        edition: Edition,
        action: buttons.Document,
    ) -> None:
        message = query.message
        if edition.document(action.doc) is None or not isinstance(message, Message):
            await query.answer(texts.STALE_BUTTON)
            return
        await query.answer()
        html, markup = self._toc(edition, action.doc)
        if message.text == unescape(_BOLD_TAGS.sub("", html)) and message.reply_markup == markup:
            return  # it shows these contents already (a second tap): Telegram would refuse the edit
        try:
            await message.edit_text(html, parse_mode=ParseMode.HTML, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise

    async def _section(
        self,
        query: CallbackQuery,
        context: ContextTypes.DEFAULT_TYPE,
        edition: Edition,
        action: buttons.Section,
    ) -> None:
        engine = edition.engine
        paragraphs = engine.section_text(action.doc, action.section)
        message = query.message
        if paragraphs is None or message is None:
            await query.answer(texts.STALE_BUTTON)
            return
        await query.answer()
        document = engine.index.documents[action.doc]
        subheadings = {s.heading for s in document.sections}
        html = render.section_messages(
            document.title, document.sections[action.section].heading, paragraphs, subheadings
        )
        reply_to = message if isinstance(message, Message) else None
        await self._send(
            context, message.chat.id, html, reply_to=reply_to, thread=thread_of(reply_to)
        )

    # ---- inline mode ----------------------------------------------------------------------
    async def inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        started = time.perf_counter()
        inline_query = update.inline_query
        question = inline_query.query.strip()
        help_button = InlineQueryResultsButton(
            texts.TG_INLINE_HELP_BUTTON, start_parameter=HELP_START_PARAMETER
        )
        edition = self.library.current  # inline mode always searches all documents
        examples = list(edition.examples)
        if not question:
            summary = texts.CORPUS_SUMMARY.format(
                documents=len(edition.documents), passages=edition.passages
            )
            hint = InlineQueryResultArticle(
                id="help",
                title=texts.TG_INLINE_HINT_TITLE.format(example=examples[0] if examples else "……"),
                description=texts.TG_INLINE_HINT_DESCRIPTION,
                input_message_content=InputTextMessageContent(
                    render.help_message(examples, summary, context.bot.username),
                    parse_mode=ParseMode.HTML,
                ),
            )
            await inline_query.answer([hint], cache_time=INLINE_CACHE_SECONDS, button=help_button)
            return
        answer = edition.engine.ask(question, top=INLINE_RESULTS)
        asked = time.perf_counter()
        results = []
        if answer.found:
            fp = self._fp(edition)
            for hit in answer.hits:
                p = hit.passage
                results.append(
                    InlineQueryResultArticle(
                        id=f"{fp}:{p.pid}",
                        title=render.inline_title(p, answer),
                        description=render.inline_description(p),
                        input_message_content=InputTextMessageContent(
                            render.pack(render.hit_blocks(hit))[0], parse_mode=ParseMode.HTML
                        ),
                    )
                )
        else:
            help_button = InlineQueryResultsButton(
                view(answer).lead or texts.NOT_FOUND, start_parameter=HELP_START_PARAMETER
            )
        await inline_query.answer(results, cache_time=INLINE_CACHE_SECONDS, button=help_button)
        self._log_question(inline_query.from_user, "inline", answer, started, asked)

    # ---- errors ---------------------------------------------------------------------------
    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the error and, where possible, tell the user; nothing propagates further."""
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(error, Forbidden):  # blocked by the user, removed from the group
            log.warning("update %s: not allowed to answer: %s", update_id, error)
            return
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            # Telegram could not be reached even after the retries (delivery.py), or a request timed
            # out waiting for its answer and may well have been delivered: a 「出错了」 message now
            # would come second to an answer the user has, or fail the same way.
            log.warning(
                "update %s: Telegram did not confirm a request: %s: %s",
                update_id,
                type(error).__name__,
                error,
            )
            return
        log.error("update %s: %s: %s", update_id, type(error).__name__, error, exc_info=error)
        if not isinstance(update, Update):
            return
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(texts.TG_ERROR)
            elif update.effective_message is not None and update.effective_chat is not None:
                message = update.effective_message
                await context.bot.send_message(
                    message.chat_id,
                    texts.TG_ERROR,
                    message_thread_id=thread_of(message),
                    reply_parameters=ReplyParameters(
                        message.message_id, allow_sending_without_reply=True
                    ),
                )
        except Exception as exc:  # the error may be that we cannot send at all
            log.warning("update %s: could not tell the user about the error: %s", update_id, exc)
