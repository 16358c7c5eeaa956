"""The inline keyboards: pure functions from what is shown to `InlineKeyboardMarkup`.

Button data comes from `buttons` (the wire format lives there alone); labels from `texts`.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.answer import Answer
from bot.answer.engine import TocEntry
from bot.answer.library import DocInfo, Edition
from bot.answer.questions import Entry
from bot.frontends.telegram import buttons, render

MAX_MORE = 50  # 「更多结果」 stops after this many results
MAX_TOC_BUTTONS = 99  # Telegram allows 100 buttons in one keyboard
MAX_DOC_BUTTONS = 95  # numbered document buttons in /docs (plus 「全部文档」)
DOC_BUTTONS_PER_ROW = 5


def fingerprint(edition: Edition) -> str:
    """The short corpus fingerprint the corpus's buttons carry."""
    return buttons.short_fingerprint(edition.fingerprint)


def _button(label: str, action: buttons.Action, fp: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=buttons.encode(action, fp))


def answer(
    edition: Edition,
    answer: Answer,
    shown: int,
    doc: int | None = None,
    *,
    feedback: bool = False,
) -> InlineKeyboardMarkup | None:
    """Under an answer: 「更多结果」 (the result after number `shown`, in the same document),
    「上下文」, and with `feedback` 👍 and 👎. None when no passage is shown."""
    if answer.confidence == "none" or not answer.hits:
        return None
    fp = fingerprint(edition)
    row = []
    if shown + 1 <= MAX_MORE:
        more = buttons.More(shown + 1, buttons.question_hash(answer.question), doc)
        row.append(_button(texts.MORE_RESULTS, more, fp))
    row.append(_button(texts.CONTEXT, buttons.Context(answer.hits[0].passage.pid), fp))
    if feedback:
        row.append(_button(texts.TG_FEEDBACK_UP_BUTTON, buttons.Feedback("up")))
        row.append(_button(texts.TG_FEEDBACK_DOWN_BUTTON, buttons.Feedback("down")))
    return InlineKeyboardMarkup([row])


def without_more(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same keyboard without its 「更多结果」 button (the result has moved on): `markup`
    itself when it has none, None when nothing is left."""
    if markup is None:
        return None
    rows = [
        [b for b in row if not buttons.is_kind(b.callback_data, buttons.More)]
        for row in markup.inline_keyboard
    ]
    rows = [row for row in rows if row]
    if rows == [list(row) for row in markup.inline_keyboard]:
        return markup
    return InlineKeyboardMarkup(rows) if rows else None


def documents(edition: Edition) -> InlineKeyboardMarkup:
    """/sections with several documents: one button per document."""
    fp = fingerprint(edition)
    return InlineKeyboardMarkup(
        [
            [
                _button(
                    render.button_label(texts.DOCUMENT_TITLE.format(title=d.title)),
                    buttons.Document(i),
                    fp,
                )
            ]
            for i, d in enumerate(edition.engine.index.documents[:MAX_TOC_BUTTONS])
        ]
    )


def toc(edition: Edition, entries: Sequence[TocEntry]) -> InlineKeyboardMarkup:
    """A document's table of contents, a button per section (the outer ones if too many)."""
    fp = fingerprint(edition)
    top = min(e.level for e in entries)
    if len(entries) > MAX_TOC_BUTTONS:
        entries = [e for e in entries if e.level == top][:MAX_TOC_BUTTONS]
    return InlineKeyboardMarkup(
        [
            [
                _button(
                    "· " * (e.level - top) + render.button_label(e.heading),
                    buttons.Section(e.doc, e.section),
                    fp,
                )
            ]
            for e in entries
        ]
    )


def docs(edition: Edition, chosen: DocInfo | None) -> tuple[InlineKeyboardMarkup | None, int]:
    """/docs: a numbered button per document (the first MAX_DOC_BUTTONS), and 「全部文档」 when the
    chat asks in one; the keyboard and how many documents have a button."""
    fp = fingerprint(edition)
    shown = edition.documents[:MAX_DOC_BUTTONS] if len(edition.documents) > 1 else ()
    numbers = [
        _button(
            ("✓ " if chosen is not None and chosen.index == d.index else "") + str(d.number),
            buttons.Narrow(d.index),
            fp,
        )
        for d in shown
    ]
    rows = [
        numbers[i : i + DOC_BUTTONS_PER_ROW] for i in range(0, len(numbers), DOC_BUTTONS_PER_ROW)
    ]
    if chosen is not None:
        rows.append([_button(texts.TG_ALL_DOCUMENTS, buttons.Narrow(None), fp)])
    return (InlineKeyboardMarkup(rows) if rows else None), len(shown)


def all_documents(edition: Edition) -> InlineKeyboardMarkup:
    """The button that undoes a narrowing."""
    return InlineKeyboardMarkup(
        [[_button(texts.TG_ALL_DOCUMENTS, buttons.Narrow(None), fingerprint(edition))]]
    )


def logged(unanswered: Sequence[Entry], disliked: Sequence[Entry]) -> InlineKeyboardMarkup | None:
    """/stats: a button per listed question, to see what was answered."""
    rows = [
        [_button(render.button_label(f"{mark} {e.question or ''}"), buttons.Asked(e.id))]
        for mark, entries in (("❓", unanswered), ("👎", disliked))
        for e in entries
    ]
    return InlineKeyboardMarkup(rows) if rows else None
