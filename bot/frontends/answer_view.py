"""What an answer shows, whatever the front end: one place decides, every front end says it.

- answered ("high"): the best passage;
- possibly relevant ("low"): a caveat, then the best passages (up to `LOW_SHOWN`);
- not found ("none"): 「未找到」 with a hint — or, for "is X mentioned?", 「没有提到「X」」;
- "is X mentioned?" and it is: how many places, then the best of them.

The terminal chat, the command line and Telegram (chats and inline mode) all lay out the same
`View`, with the strings of `bot.texts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import texts
from bot.answer import Answer, Hit

LOW_SHOWN = 3  # passages shown for a possibly relevant answer
ASK_TOP = LOW_SHOWN  # how many results a front end asks for to show a first answer


@dataclass(frozen=True)
class View:
    lead: str | None  # a line before the passages (caveat, count of mentions), or the answer
    hits: tuple[Hit, ...]  # the passages to show, best first
    hint: str | None = None  # a line after (how to ask otherwise), when nothing is shown


def view(answer: Answer) -> View:
    """What to show for a first answer (a question just asked)."""
    if answer.topic is not None:
        if not answer.mentions or not answer.hits:
            return View(texts.NOT_MENTIONED.format(topic=answer.topic), ())
        template = texts.MENTIONED_AT_LEAST if answer.mentions_at_least else texts.MENTIONED
        return View(template.format(topic=answer.topic, count=answer.mentions), answer.hits[:1])
    if not answer.found or not answer.hits:
        return View(texts.NOT_FOUND, (), texts.NOT_FOUND_HINT)
    if answer.confidence == "low":
        return View(texts.POSSIBLY_RELEVANT, answer.hits[:LOW_SHOWN])
    return View(None, answer.hits[:1])
