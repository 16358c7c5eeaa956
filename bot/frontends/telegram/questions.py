"""Questions and their answers: /start and /help, private text, /ask, group replies and mentions,
「更多结果」 and 「上下文」, inline mode.

Which message holds the question: an answer is always sent as a reply to the message whose
text is the question (the user's message; for `/ask` or a bare @mention sent as a reply, the
message replied to). 「更多结果」 re-reads the question from there, so it needs no memory.

Every question gets an answer, a wait notice or a hint: inside the group cooldown it waits for
its turn (see access.py); `/ask` with nothing to ask gets the hint with example questions.
Answers showing a passage carry 👍/👎, and each question is written to the question log
(bot/answer/questions.py) once answered.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from html import escape

from telegram import (
    CallbackQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import texts
from bot.answer import Answer
from bot.answer.library import Edition
from bot.frontends.answer_view import ASK_TOP, view
from bot.frontends.telegram import buttons, keyboards, render, services
from bot.frontends.telegram.reply import reply, send, thread_of

log = logging.getLogger("speechbot.telegram")

INLINE_RESULTS = 5
INLINE_CACHE_SECONDS = 300
HELP_START_PARAMETER = "help"
_LEADING_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?(?=\s|$)")


# ---- reading a question -------------------------------------------------------------------


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


def mentions(message: Message, username: str | None) -> bool:
    if not username:
        return False
    wanted = "@" + username.lower()
    found = message.parse_entities([MessageEntity.MENTION]) if message.text else {}
    return any(text.lower() == wanted for text in found.values())


def log_question(
    context: ContextTypes.DEFAULT_TYPE,
    user_id: int | None,
    where: str,
    answer: Answer,
    started: float,
    asked: float,
) -> None:
    done = time.perf_counter()
    log.info(
        "question user=%s chat=%s found=%s confidence=%s empty=%s truncated=%s chars=%d "
        "search_ms=%.1f total_ms=%.1f",
        services.of(context).tagger.user(user_id),
        where,
        answer.found,
        answer.confidence,
        answer.empty,
        answer.truncated,
        len(answer.question),
        (asked - started) * 1000,
        (done - started) * 1000,
    )


# ---- commands and messages ----------------------------------------------------------------


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = services.message_of(update)
    s = services.of(context)
    edition = s.library.current
    summary = texts.CORPUS_SUMMARY.format(
        documents=len(edition.documents), passages=edition.passages
    )
    html = render.help_message(
        list(edition.examples),
        summary,
        context.bot.username,
        owner=s.access.is_owner(update.effective_user),
    )
    await reply(context, message, [html])


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask 问题, or /ask as a reply to the message to ask; with nothing to ask, the hint."""
    message = services.message_of(update)
    target = message
    if not question_from(message.text, context.bot.username):
        replied = real_reply(message)
        if replied is not None and question_from(text_of(replied), context.bot.username):
            target = replied
    await answer(update, context, target)


async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer(update, context, services.message_of(update))


async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Only replies to the bot and messages mentioning it are questions; the rest is chatter."""
    message = services.message_of(update)
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
        and question_from(text_of(replied), context.bot.username)
    ):
        target = replied  # a bare @mention sent as a reply: answer the message replied to
    await answer(update, context, target)


async def hint(context: ContextTypes.DEFAULT_TYPE, message: Message, target: Message) -> None:
    """Nothing to ask: how to ask, with example questions."""
    examples = list(services.of(context).library.current.examples)
    html = escape(texts.EMPTY_QUESTION.format(example=texts.LIST_SEPARATOR.join(examples)))
    await send(context, target.chat_id, [html], reply_to=target, thread=thread_of(message))


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE, target: Message) -> None:
    """Answer the question written in `target`, as a reply to it (after the person's cooldown)."""
    s = services.of(context)
    message = services.message_of(update)
    chat, user = services.chat_of(update), update.effective_user
    user_id = user.id if user is not None else None
    question = question_from(text_of(target), context.bot.username)
    if not question:
        await hint(context, message, target)
        return
    key, wait = s.access.question_turn(chat, user)
    if key is not None and wait is None:  # one question of theirs is waiting already
        if s.access.cooldown.notice_due(key):
            await send(
                context,
                chat.id,
                [escape(texts.TG_COOLDOWN_QUEUED)],
                reply_to=target,
                thread=thread_of(message),
            )
        log.info(
            "cooldown: a question from user=%s in chat %s waits already",
            s.tagger.user(user_id),
            chat.id,
        )
        return
    if wait:
        log.debug("cooldown: a question from user=%s waits %.1f s", s.tagger.user(user_id), wait)
        try:
            await asyncio.sleep(wait)  # the update stays unconfirmed meanwhile: no restart loses it
        finally:
            s.access.cooldown.release(key)  # type: ignore[arg-type]
    started = time.perf_counter()
    edition = s.library.current
    chosen, notice = s.choices.scope(chat.id, edition)
    doc = chosen.index if chosen is not None else None
    result = await s.ask(edition, question, top=ASK_TOP, doc=doc)
    asked = time.perf_counter()
    html = render.answer_messages(
        result, list(edition.examples), scope=chosen.title if chosen else None, notice=notice
    )
    record = not result.empty
    shown = max(len(view(result).hits), 1)  # 「更多结果」 goes on after the last one shown
    markup = keyboards.answer(edition, result, shown - 1, doc, feedback=record)
    sent = await send(
        context, chat.id, html, reply_to=target, thread=thread_of(message), markup=markup
    )
    log_question(context, user_id, chat.type, result, started, asked)
    if record:
        best = result.best if result.confidence != "none" else None
        passage = best.passage if best is not None else None
        s.questions.record(
            chat=chat.type,
            user=s.tagger.user(user_id) if user_id is not None else None,
            question=result.question,
            found=result.found,
            confidence=result.confidence,
            document=passage.document if passage else None,
            section=(passage.section or "") if passage else None,
            paragraph=passage.paragraph if passage else None,
            latency_ms=(time.perf_counter() - started) * 1000,
            answer_key=s.tagger.message(sent.chat_id, sent.message_id) if sent else None,
        )


# ---- buttons ------------------------------------------------------------------------------


def _action(query: CallbackQuery, edition: Edition) -> buttons.Action | None:
    return buttons.decode_or_none(query.data, keyboards.fingerprint(edition))


async def stale(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button from another corpus, malformed or forged."""
    await services.query_of(update).answer(texts.STALE_BUTTON)


async def more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """「更多结果」: the next result for the question the tapped answer replies to."""
    started = time.perf_counter()
    query = services.query_of(update)
    s = services.of(context)
    edition = s.library.current
    action = _action(query, edition)
    message = query.message
    if not isinstance(action, buttons.More) or not isinstance(message, Message):
        await stale(update, context)
        return
    target = message.reply_to_message
    if target is None:  # the question is gone (deleted, or too old to see)
        await stale(update, context)
        return
    if action.offset > keyboards.MAX_MORE:
        await query.answer(texts.NO_MORE_RESULTS)
        return
    question = question_from(text_of(target), context.bot.username)
    scope = edition.document(action.doc) if action.doc is not None else None
    if action.doc is not None and scope is None:
        await stale(update, context)
        return
    result = await s.ask(edition, question, top=1, offset=action.offset, doc=action.doc)
    asked = time.perf_counter()
    if buttons.question_hash(result.question) != action.qhash:
        await stale(update, context)  # the question was edited since
        return
    if not result.hits:
        await query.answer(texts.NO_MORE_RESULTS)
        await _drop_more_button(message)
        return
    await query.answer()
    html = render.answer_messages(
        result,
        list(edition.examples),
        number=action.offset + 1,
        scope=scope.title if scope is not None else None,
    )
    markup = keyboards.answer(edition, result, action.offset, action.doc)
    await send(
        context, message.chat_id, html, reply_to=target, thread=thread_of(message), markup=markup
    )
    await _drop_more_button(message)
    user = query.from_user
    log_question(context, user.id, f"{message.chat.type}/more", result, started, asked)


async def _drop_more_button(message: Message) -> None:
    """The result has moved on: the tapped message keeps its other buttons."""
    markup = message.reply_markup
    kept = keyboards.without_more(markup)
    if kept is markup:
        return
    try:
        await message.edit_reply_markup(kept)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():  # a second tap on the same button: harmless
            raise


async def paragraph(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """「上下文」: the whole paragraph around the passage."""
    query = services.query_of(update)
    edition = services.of(context).library.current
    action = _action(query, edition)
    engine = edition.engine
    passage = engine.passage(action.pid) if isinstance(action, buttons.Context) else None
    message = query.message
    if passage is None or message is None:
        await stale(update, context)
        return
    await query.answer()
    html = render.context_messages(passage, engine.paragraph_text(passage))
    reply_to = message if isinstance(message, Message) else None
    await send(context, message.chat.id, html, reply_to=reply_to, thread=thread_of(reply_to))


# ---- inline mode --------------------------------------------------------------------------


async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """@bot 问题 in any chat: the top passages to pick from (all documents; not logged, since
    inline queries arrive as the question is typed)."""
    started = time.perf_counter()
    inline_query = services.inline_query_of(update)
    question = inline_query.query.strip()
    help_button = InlineQueryResultsButton(
        texts.TG_INLINE_HELP_BUTTON, start_parameter=HELP_START_PARAMETER
    )
    s = services.of(context)
    edition = s.library.current
    examples = list(edition.examples)
    if not question:
        summary = texts.CORPUS_SUMMARY.format(
            documents=len(edition.documents), passages=edition.passages
        )
        hint_result = InlineQueryResultArticle(
            id="help",
            title=texts.TG_INLINE_HINT_TITLE.format(example=examples[0] if examples else "……"),
            description=texts.TG_INLINE_HINT_DESCRIPTION,
            input_message_content=InputTextMessageContent(
                render.help_message(examples, summary, context.bot.username),
                parse_mode=ParseMode.HTML,
            ),
        )
        await inline_query.answer(
            [hint_result], cache_time=INLINE_CACHE_SECONDS, button=help_button
        )
        return
    result = await s.ask(edition, question, top=INLINE_RESULTS)
    asked = time.perf_counter()
    results = []
    if result.found:
        fp = keyboards.fingerprint(edition)
        for hit in result.hits:
            p = hit.passage
            results.append(
                InlineQueryResultArticle(
                    id=f"{fp}:{p.pid}",
                    title=render.inline_title(p, result),
                    description=render.inline_description(p),
                    input_message_content=InputTextMessageContent(
                        render.pack(render.hit_blocks(hit))[0], parse_mode=ParseMode.HTML
                    ),
                )
            )
    else:
        help_button = InlineQueryResultsButton(
            view(result).lead or texts.NOT_FOUND, start_parameter=HELP_START_PARAMETER
        )
    await inline_query.answer(results, cache_time=INLINE_CACHE_SECONDS, button=help_button)
    log_question(context, inline_query.from_user.id, "inline", result, started, asked)
