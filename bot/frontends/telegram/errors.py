"""The error handler: log what went wrong and, where it helps, tell the user; nothing propagates."""

from __future__ import annotations

import logging

from telegram import ReplyParameters, Update
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import ContextTypes

from bot import texts
from bot.frontends.telegram.reply import thread_of

log = logging.getLogger("speechbot.telegram")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
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
