"""Where a passage stands in its document, as every front end says it:
「三、…… › 要夯实履职基础。 · 第5段」 (the section, the sub-point under it, the paragraph).

The terminal and the command line print `text`; Telegram prints it with the headings (the
`headings` spans) in bold. One definition, so that the front ends cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import texts
from bot.corpus.passages import Passage

SEPARATOR = " › "  # between the section and the sub-point
PLACE_SEPARATOR = " · "  # before the paragraph


@dataclass(frozen=True)
class Location:
    text: str  # 「三、…… › 要夯实履职基础。 · 第5段」
    headings: tuple[tuple[int, int], ...]  # (start, end) in `text` of each heading shown


def location_of(passage: Passage) -> Location:
    """The passage's section (「开头部分」 before the first one), its sub-point if it has one of
    its own, and its paragraph (「标题」 for the title)."""
    headings: list[tuple[int, int]] = []
    if passage.section:
        text = passage.section
        headings.append((0, len(text)))
    else:
        text = texts.FRONT_MATTER  # not a heading: not shown as one
    if passage.subsection and passage.subsection != passage.section:
        text += SEPARATOR
        headings.append((len(text), len(text) + len(passage.subsection)))
        text += passage.subsection
    if passage.paragraph == 0:
        where = texts.TITLE_LABEL
    else:
        where = texts.PARAGRAPH_LABEL.format(n=passage.paragraph)
    return Location(text + PLACE_SEPARATOR + where, tuple(headings))
