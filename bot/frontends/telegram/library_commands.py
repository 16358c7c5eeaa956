"""The library on Telegram: /sections and its buttons, /docs, /doc N, /reload, documents sent by
owners, and a group's move to a supergroup.

Which document a chat asks in (`/doc N`) is kept by `choices.ChatChoices`, across restarts.
`/reload` and adding a document are the library's (bot/answer/library.py); here they are only
routed, for owners (`OWNER_IDS`, checked by user id).
"""

from __future__ import annotations

import logging
import re
from html import escape, unescape

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot import texts
from bot.answer.library import DocInfo, Edition, safe_file_name
from bot.corpus.limits import size_limit
from bot.frontends.telegram import buttons, keyboards, logsafe, render, services
from bot.frontends.telegram.choices import Choice
from bot.frontends.telegram.questions import question_from, stale
from bot.frontends.telegram.reply import reply, send, thread_of

log = logging.getLogger("speechbot.telegram")

CLOUD_DOWNLOAD_LIMIT_MB = 20  # getFile on api.telegram.org refuses bigger files
_ALL_DOCS = {"0", "all", *texts.DOC_ALL_WORDS}
_BOLD_TAGS = re.compile(r"</?b>")  # the only tags render puts in a message
MB = 1024 * 1024


def upload_limit(name: str, cloud: bool) -> int:
    """The largest upload of this name that is downloaded, in bytes: what the library reads
    (and, from api.telegram.org, what getFile serves)."""
    limit = size_limit(name)
    return min(limit, CLOUD_DOWNLOAD_LIMIT_MB * MB) if cloud else limit


# ---- the table of contents ----------------------------------------------------------------


def _toc(edition: Edition, doc: int) -> tuple[str, InlineKeyboardMarkup | None]:
    engine = edition.engine
    title = render.title_block(engine.index.documents[doc].title).html()
    entries = engine.toc(doc)
    if not entries:
        return f"<b>{texts.SECTIONS_TITLE}</b>\n{title}\n{texts.NO_SECTIONS}", None
    return f"<b>{texts.SECTIONS_TITLE}</b>\n{title}", keyboards.toc(edition, entries)


async def sections(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The table of contents: of the chat's chosen document, the only one, or a choice of them."""
    message = services.message_of(update)
    s = services.of(context)
    edition = s.library.current
    chosen, _ = s.choices.scope(message.chat_id, edition)
    markup: InlineKeyboardMarkup | None
    if chosen is not None or len(edition.engine.index.documents) == 1:
        html, markup = _toc(edition, chosen.index if chosen is not None else 0)
    else:
        html = f"<b>{texts.SECTIONS_TITLE}</b>\n{texts.TG_SECTIONS_CHOOSE}"
        markup = keyboards.documents(edition)
    await reply(context, message, [html], markup)


async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A document's button under /sections: its table of contents, in the same message."""
    query = services.query_of(update)
    edition = services.of(context).library.current
    action = buttons.decode_or_none(query.data, keyboards.fingerprint(edition))
    message = query.message
    if (
        not isinstance(action, buttons.Document)
        or edition.document(action.doc) is None
        or not isinstance(message, Message)
    ):
        await stale(update, context)
        return
    await query.answer()
    html, markup = _toc(edition, action.doc)
    if message.text == unescape(_BOLD_TAGS.sub("", html)) and message.reply_markup == markup:
        return  # it shows these contents already (a second tap): Telegram would refuse the edit
    try:
        await message.edit_text(html, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def section(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A section's button: the text of the section."""
    query = services.query_of(update)
    edition = services.of(context).library.current
    engine = edition.engine
    action = buttons.decode_or_none(query.data, keyboards.fingerprint(edition))
    paragraphs = (
        engine.section_text(action.doc, action.section)
        if isinstance(action, buttons.Section)
        else None
    )
    message = query.message
    if paragraphs is None or message is None or not isinstance(action, buttons.Section):
        await stale(update, context)
        return
    await query.answer()
    doc = engine.index.documents[action.doc]
    subheadings = {s.heading for s in doc.sections}
    html = render.section_messages(
        doc.title, doc.sections[action.section].heading, paragraphs, subheadings
    )
    reply_to = message if isinstance(message, Message) else None
    await send(context, message.chat.id, html, reply_to=reply_to, thread=thread_of(reply_to))


# ---- /docs and /doc N ---------------------------------------------------------------------


async def docs(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/docs: the documents, numbered, with a button for each to ask in it alone."""
    message = services.message_of(update)
    s = services.of(context)
    edition = s.library.current
    chosen, notice = s.choices.scope(message.chat_id, edition)
    markup, shown = keyboards.docs(edition, chosen)
    html = render.docs_messages(
        edition.documents, edition.passages, chosen, shown or len(edition.documents)
    )
    if notice:
        html = [escape(notice), *html]
    await reply(context, message, html, markup)


async def doc(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/doc N: ask in document N only; /doc 0 (or all): in all of them again; /doc: the list."""
    message = services.message_of(update)
    argument = question_from(message.text, context.bot.username).strip().lower()
    if not argument:
        await docs(update, context)
        return
    edition = services.of(context).library.current
    target: DocInfo | None
    if argument in _ALL_DOCS:
        target = None
    elif argument.isascii() and argument.isdigit():
        target = edition.document(int(argument) - 1)
        if target is None:
            html = escape(
                texts.TG_NO_SUCH_DOC.format(number=argument, documents=len(edition.documents))
            )
            await reply(context, message, [html])
            return
    else:
        await reply(context, message, [escape(texts.TG_DOC_USAGE)])
        return
    html, markup = _narrow(context, message.chat_id, edition, target)
    await reply(context, message, [html], markup)


def _narrow(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, edition: Edition, target: DocInfo | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Record the chat's choice; the confirmation to send (with a button to undo a narrowing)."""
    choices = services.of(context).choices
    if target is None:
        choices.clear(chat_id)
        return escape(texts.TG_UNNARROWED.format(documents=len(edition.documents))), None
    choices.set(chat_id, Choice(target.path, target.title, target.index))
    html = escape(texts.TG_NARROWED.format(number=target.number, title=target.title))
    return html, keyboards.all_documents(edition)


async def narrow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A number under /docs, or 「全部文档」."""
    query = services.query_of(update)
    edition = services.of(context).library.current
    action = buttons.decode_or_none(query.data, keyboards.fingerprint(edition))
    message = query.message
    if not isinstance(action, buttons.Narrow) or message is None:
        await stale(update, context)
        return
    target = edition.document(action.doc) if action.doc is not None else None
    if action.doc is not None and target is None:
        await stale(update, context)
        return
    await query.answer()
    html, markup = _narrow(context, message.chat.id, edition, target)
    reply_to = message if isinstance(message, Message) else None
    await send(
        context,
        message.chat.id,
        [html],
        reply_to=reply_to,
        thread=thread_of(reply_to),
        markup=markup,
    )


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup (a new chat id): its /doc choice moves with it."""
    message = services.message_of(update)
    if message is not None and message.migrate_to_chat_id:
        services.of(context).choices.move(message.chat_id, message.migrate_to_chat_id)


# ---- owners: /reload and documents --------------------------------------------------------


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload (owners): read the corpus again; questions meanwhile use the old index."""
    message, user = services.message_of(update), update.effective_user
    s = services.of(context)
    if not s.access.is_owner(user):
        await reply(context, message, [escape(texts.TG_RELOAD_REFUSED)])
        return
    log.info("reload asked by owner user=%s", s.tagger.user(user.id if user else None))
    result = await s.library.reload()
    await reply(context, message, render.reload_messages(result))


async def upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A document file sent in a private chat: owners add it to the library.

    Its size, as Telegram states it, is checked before anything is downloaded: against what
    the library reads for its kind of file, and the cloud Bot API's download limit."""
    message, user = services.message_of(update), update.effective_user
    s = services.of(context)
    if not s.access.is_owner(user):
        await reply(context, message, [escape(texts.TG_ADD_REFUSED)])
        return
    document = message.document
    if document is None:  # the handler's filter lets only documents through
        return
    name = document.file_name or ""
    if safe_file_name(name) is None:
        await reply(context, message, [escape(texts.TG_ADD_UNSUPPORTED.format(name=name or "?"))])
        return
    size = document.file_size or 0
    cloud = not s.settings.telegram_api_base_url
    limit = upload_limit(name, cloud)
    if size > limit:
        mb = round(size / MB, 1)
        if cloud and limit == CLOUD_DOWNLOAD_LIMIT_MB * MB:
            refusal = texts.TG_FILE_TOO_BIG.format(size=mb, limit=CLOUD_DOWNLOAD_LIMIT_MB)
        else:
            refusal = texts.TG_FILE_OVER_LIMIT.format(name=name, size=mb, limit=limit // MB)
        log.info("document from owner refused before download: %s, %d bytes", name, size)
        await reply(context, message, [escape(refusal)])
        return
    try:
        telegram_file = await context.bot.get_file(document.file_id)
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("could not download a document from an owner: %s", exc)
        # the reason is Telegram's (or the network's) words: never the token, whatever they quote
        reason = logsafe.redact(exc.message)
        await reply(context, message, [escape(texts.TG_DOWNLOAD_FAILED.format(reason=reason))])
        return
    added = await s.library.add(name, data)
    log.info(
        "document from owner user=%s: %s %s",
        s.tagger.user(user.id if user else None),
        added.status,
        added.name,
    )
    await reply(context, message, render.added_messages(added))
