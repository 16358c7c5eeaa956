"""Answers as plain text, for the terminal and the command line."""

from __future__ import annotations

from bot import texts
from bot.answer import Answer, Hit
from bot.corpus.passages import Passage
from bot.frontends.answer_view import view
from bot.frontends.location import location_of


def location(passage: Passage) -> str:
    """「三、…… › 要夯实履职基础。 · 第5段」"""
    return location_of(passage).text


def format_hit(hit: Hit) -> str:
    p = hit.passage
    return f"{texts.DOCUMENT_TITLE.format(title=p.document)}\n{location(p)}\n{p.text}"


def format_answer(answer: Answer, top: int = 1) -> str:
    """A first answer as the terminal chat and `speechbot ask` print it: what `view` shows
    (at least `top` passages when more were asked for)."""
    lines: list[str] = []
    if answer.truncated:
        lines.append(texts.QUESTION_TRUNCATED.format(limit=len(answer.question)))
    shown = view(answer)
    if not shown.hits:
        lines.append((shown.lead or "") + (shown.hint or ""))
        return "\n".join(lines)
    if shown.lead:
        lines.append(shown.lead)
    hits = shown.hits if len(shown.hits) >= top else answer.hits[:top]
    for i, hit in enumerate(hits, 1):
        prefix = f"[{i}] " if len(hits) > 1 else ""
        lines.append(prefix + format_hit(hit))
        if i < len(hits):
            lines.append("")
    return "\n".join(lines)
