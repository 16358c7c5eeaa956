"""Sending: HTML messages in order, as a reply, in the right forum topic, to the chat's current id.

A group that has just become a supergroup has a new id: Telegram refuses the old one with
`ChatMigrated`. The message is sent again to the new id (without the reply, whose message is
not in the new chat), and the chat's /doc choice moves with it.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import ChatMigrated
from telegram.ext import ContextTypes

from bot.frontends.telegram import services

log = logging.getLogger("speechbot.telegram")


def thread_of(message: Message | None) -> int | None:
    """The forum topic to answer in (None outside forum topics)."""
    if message is not None and message.is_topic_message and message.message_thread_id:
        return message.message_thread_id
    return None


async def send(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    messages: list[str],
    *,
    reply_to: Message | None = None,
    thread: int | None = None,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Send HTML `messages` in order; the first replies to `reply_to`, the last carries `markup`.
    The last message sent (None if there was nothing to send)."""
    sent = None
    for i, html in enumerate(messages):
        reply = None
        if i == 0 and reply_to is not None:
            reply = ReplyParameters(reply_to.message_id, allow_sending_without_reply=True)
        keyboard = markup if i == len(messages) - 1 else None
        try:
            sent = await context.bot.send_message(
                chat_id,
                html,
                parse_mode=ParseMode.HTML,
                message_thread_id=thread,
                reply_parameters=reply,
                reply_markup=keyboard,
            )
        except ChatMigrated as exc:
            new_id = exc.new_chat_id
            log.info("chat %s is now supergroup %s: sending there", chat_id, new_id)
            services.of(context).choices.move(chat_id, new_id)
            chat_id = new_id
            sent = await context.bot.send_message(
                chat_id, html, parse_mode=ParseMode.HTML, reply_markup=keyboard
            )
    return sent


async def reply(
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    messages: list[str],
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Answer `message` in its chat (and topic), as a reply to it."""
    return await send(
        context,
        message.chat_id,
        messages,
        reply_to=message,
        thread=thread_of(message),
        markup=markup,
    )
