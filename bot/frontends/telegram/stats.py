"""What the owner sees of the question log, and the 👍/👎 under answers.

* 👍/👎: the tap is found in the question log by the message it is on (a keyed hash of its chat
  and message id), so it works after any restart; a short toast says it was noted, and a later
  tap on the other button changes it.
* /stats (owners, in a private chat; anyone else gets the usual help): questions today, in 7 days
  and in all; how many were answered, possibly relevant, not found; 👍 and 👎; latency p50/p95;
  the latest unanswered and 👎 questions, each a button that shows what was answered then and
  what the bot answers now.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Chat, Message, Update
from telegram.ext import ContextTypes

from bot import texts
from bot.answer.questions import Entry, Stats
from bot.frontends.telegram import buttons, keyboards, render, services
from bot.frontends.telegram.questions import help_command, stale
from bot.frontends.telegram.render import Block
from bot.frontends.telegram.reply import reply, send

log = logging.getLogger("speechbot.telegram")


def _private_owner(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    chat = update.effective_chat
    return (
        chat is not None
        and chat.type == Chat.PRIVATE
        and services.of(context).access.is_owner(update.effective_user)
    )


def stats_messages(stats: Stats, available: bool) -> list[str]:
    """The /stats message (HTML)."""
    blocks = [Block.heading(texts.TG_STATS_TITLE)]
    if not available:
        blocks.append(Block(texts.TG_STATS_NO_LOG))
        return render.pack(blocks)
    counts = texts.TG_STATS_COUNTS.format(today=stats.today, week=stats.week, total=stats.total)
    if stats.retention_days > 0:
        counts += texts.TG_STATS_KEPT.format(days=stats.retention_days)
    blocks.append(Block(counts))
    blocks.append(
        Block(
            texts.TG_STATS_SHARES.format(
                high=stats.high,
                low=stats.low,
                none=stats.none,
                high_share=stats.share(stats.high),
                low_share=stats.share(stats.low),
                none_share=stats.share(stats.none),
            )
        )
    )
    blocks.append(Block(texts.TG_STATS_FEEDBACK.format(up=stats.up, down=stats.down)))
    if stats.p50_ms is not None and stats.p95_ms is not None:
        blocks.append(Block(texts.TG_STATS_LATENCY.format(p50=stats.p50_ms, p95=stats.p95_ms)))
    if not stats.recording:
        blocks.append(Block(texts.TG_STATS_NOT_RECORDING))
    for title, entries in (
        (texts.TG_STATS_UNANSWERED, stats.unanswered),
        (texts.TG_STATS_DISLIKED, stats.disliked),
    ):
        if entries:
            blocks.append(Block.heading(title))
            blocks.extend(Block(f"{i}. {e.question}") for i, e in enumerate(entries, 1))
    return render.pack(blocks)


def entry_blocks(entry: Entry) -> list[Block]:
    """A logged question: when, where, how sure, the feedback, and what was shown."""
    blocks = [
        Block(texts.TG_ASKED_HEADER.format(question=entry.question or "")),
        Block(
            texts.TG_ASKED_WHEN.format(
                asked=entry.asked.strftime("%Y-%m-%d %H:%M"),
                chat=texts.CHAT_NAMES.get(entry.chat, entry.chat),
                confidence=texts.CONFIDENCE_NAMES.get(entry.confidence, entry.confidence),
                feedback=texts.FEEDBACK_NAMES.get(entry.feedback, "?"),
            )
        ),
    ]
    if entry.document is None:
        blocks.append(Block(texts.TG_ASKED_NOTHING_SHOWN))
    else:
        where = (
            texts.PARAGRAPH_LABEL.format(n=entry.paragraph)
            if entry.paragraph
            else texts.TITLE_LABEL
        )
        blocks.append(
            Block(
                texts.TG_ASKED_SHOWN.format(
                    document=entry.document,
                    section=" " + (entry.section or texts.FRONT_MATTER),
                    where=where,
                )
            )
        )
    blocks.append(Block.heading(texts.TG_ASKED_NOW))
    return blocks


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats: for owners in a private chat; the usual help for everyone else."""
    if not _private_owner(update, context):
        await help_command(update, context)
        return
    log_ = services.of(context).questions
    numbers = await asyncio.to_thread(log_.stats)  # counts the whole log: not on the event loop
    markup = keyboards.logged(numbers.unanswered, numbers.disliked)
    await reply(
        context, services.message_of(update), stats_messages(numbers, log_.available), markup
    )


async def asked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A question's button under /stats: what was answered then, and the answer now."""
    query = services.query_of(update)
    s = services.of(context)
    action = buttons.decode_or_none(query.data, "")
    entry = s.questions.get(action.entry) if isinstance(action, buttons.Asked) else None
    message = query.message
    if (
        entry is None
        or entry.question is None
        or not _private_owner(update, context)
        or message is None
    ):
        await stale(update, context)
        return
    await query.answer()
    edition = s.library.current
    now = await s.ask(edition, entry.question, top=1)
    head = render.pack(entry_blocks(entry))
    body = render.answer_messages(now, list(edition.examples))
    reply_to = message if isinstance(message, Message) else None
    await send(context, message.chat.id, [*head, *body], reply_to=reply_to)


async def feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """👍 or 👎 under an answer: noted in the question log, with a short toast."""
    query = services.query_of(update)
    s = services.of(context)
    action = buttons.decode_or_none(query.data, "")
    message = query.message
    if not isinstance(action, buttons.Feedback) or message is None:
        await stale(update, context)
        return
    key = s.tagger.message(message.chat.id, message.message_id)
    entry = s.questions.vote(key, action.vote)
    if entry is None:
        await query.answer(texts.TG_FEEDBACK_GONE)
        return
    log.info("feedback %s from user=%s", action.vote, s.tagger.user(query.from_user.id))
    await query.answer(texts.TG_FEEDBACK_UP if action.vote == "up" else texts.TG_FEEDBACK_DOWN)
