"""Answers, context and sections as Telegram HTML, cut into messages Telegram accepts.

Says the same things as `bot.frontends.plain` (same strings from `bot.texts`), with the
document title and headings in bold and the question's words in bold inside the passage.
Every piece of text goes through html.escape; the only tags are the <b> added here.

Text is built as `Block`s (a line of plain text plus the ranges to bold) and packed into
messages of at most 4096 characters as Telegram counts them (UTF-16 code units, after the
tags are parsed); a block too long for one message is cut at sentence boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from bot import texts
from bot.answer import Answer, Hit
from bot.answer.engine import highlight_spans
from bot.corpus.passages import Passage
from bot.corpus.sentences import split_sentences

MAX_MESSAGE = 4096  # Telegram's limit for a text message, in UTF-16 code units
DESCRIPTION_CHARS = 80  # inline result description: the start of the passage


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Block:
    """One line of a message: plain `text` with the `bold` (start, end) ranges in bold."""

    text: str
    bold: tuple[tuple[int, int], ...] = ()

    @classmethod
    def heading(cls, text: str) -> "Block":
        return cls(text, ((0, len(text)),) if text else ())

    def html(self) -> str:
        out: list[str] = []
        pos = 0
        for start, end in self.bold:
            start, end = max(start, pos), min(end, len(self.text))
            if start >= end:
                continue
            out.append(escape(self.text[pos:start]))
            out.append(f"<b>{escape(self.text[start:end])}</b>")
            pos = end
        out.append(escape(self.text[pos:]))
        return "".join(out)

    def cut(self, start: int, end: int) -> "Block":
        spans = tuple((max(a, start) - start, min(b, end) - start) for a, b in self.bold if a < end and b > start)
        return Block(self.text[start:end], spans)


def _pieces(sentence: str, limit: int) -> list[str]:
    """A sentence longer than `limit` units cut hard (by characters); otherwise the sentence."""
    if utf16_len(sentence) <= limit:
        return [sentence]
    pieces: list[str] = []
    current, size = "", 0
    for ch in sentence:
        n = utf16_len(ch)
        if current and size + n > limit:
            pieces.append(current)
            current, size = "", 0
        current += ch
        size += n
    if current:
        pieces.append(current)
    return pieces


def chunks(text: str, limit: int) -> list[str]:
    """`text` cut at sentence boundaries into pieces of at most `limit` UTF-16 units.

    Like `bot.answer.engine.sentence_chunks`, but measured as Telegram measures: a character
    outside the Basic Multilingual Plane counts twice."""
    out: list[str] = []
    current, size = "", 0
    for sentence in split_sentences(text) or [text]:
        for piece in _pieces(sentence, limit):
            n = utf16_len(piece)
            if current and size + n > limit:
                out.append(current)
                current, size = "", 0
            current += piece
            size += n
    if current:
        out.append(current)
    return out


def _split_block(block: Block, limit: int) -> list[Block]:
    pieces: list[Block] = []
    pos = 0
    for chunk in chunks(block.text, limit):
        pieces.append(block.cut(pos, pos + len(chunk)))
        pos += len(chunk)
    return pieces


def _sentence_prefix(text: str, room: int) -> int:
    """How many characters of whole sentences at the start of `text` fit in `room` units."""
    pos = size = 0
    for sentence in split_sentences(text):
        n = utf16_len(sentence)
        if size + n > room:
            break
        pos += len(sentence)
        size += n
    return pos


def pack(blocks: list[Block], limit: int = MAX_MESSAGE) -> list[str]:
    """HTML messages holding `blocks` in order, one block a line, each message within `limit`.

    Blocks share a message while they fit; a block that does not fit starts a new message,
    and one longer than a whole message is cut at sentence ends: its first sentences fill
    the message it starts in, the rest go on over as many messages as needed."""
    messages: list[list[str]] = []
    lines: list[str] = []
    used = 0
    for block in blocks:
        size = utf16_len(block.text)
        if used + (1 if lines else 0) + size <= limit:  # the newline joining it counts too
            used += (1 if lines else 0) + size
            lines.append(block.html())
            continue
        if lines:
            if size > limit:  # it will be cut anyway: start it here, with the sentences that fit
                cut = _sentence_prefix(block.text, limit - used - 1)
                if cut:
                    lines.append(block.cut(0, cut).html())
                    block = block.cut(cut, len(block.text))
                    size = utf16_len(block.text)
            messages.append(lines)
            lines, used = [], 0
        parts = [block] if size <= limit else _split_block(block, limit)
        messages.extend([part.html()] for part in parts[:-1])
        lines, used = [parts[-1].html()], utf16_len(parts[-1].text)
    if lines:
        messages.append(lines)
    return [text for text in ("\n".join(m) for m in messages) if text.strip()]


# ---- pieces of an answer ------------------------------------------------------------------

def title_block(document: str, prefix: str = "") -> Block:
    title = f"《{document}》"
    return Block(prefix + title, ((len(prefix), len(prefix) + len(title)),))


def location_block(passage: Passage) -> Block:
    """「<b>三、……</b> › <b>要夯实履职基础。</b> · 第5段」, like plain.location()."""
    text = ""
    bold: list[tuple[int, int]] = []
    if passage.section:
        bold.append((0, len(passage.section)))
        text = passage.section
    else:
        text = texts.FRONT_MATTER
    if passage.subsection and passage.subsection != passage.section:
        text += " › "
        bold.append((len(text), len(text) + len(passage.subsection)))
        text += passage.subsection
    where = texts.TITLE_LABEL if passage.paragraph == 0 else texts.PARAGRAPH_LABEL.format(n=passage.paragraph)
    return Block(f"{text} · {where}", tuple(bold))


def hit_blocks(hit: Hit, number: int | None = None) -> list[Block]:
    p = hit.passage
    prefix = f"[{number}] " if number is not None else ""
    return [
        title_block(p.document, prefix),
        location_block(p),
        Block(p.text, tuple(highlight_spans(p.text, hit.terms))),
    ]


def answer_messages(answer: Answer, examples: list[str], number: int | None = None) -> list[str]:
    """The reply to a question: its best passage, or why there is none."""
    blocks: list[Block] = []
    if answer.truncated:
        blocks.append(Block(texts.QUESTION_TRUNCATED.format(limit=len(answer.question))))
    if answer.empty:
        blocks.append(Block(texts.EMPTY_QUESTION.format(example="、".join(examples))))
    elif not answer.found or not answer.hits:
        blocks.append(Block(texts.NOT_FOUND + texts.NOT_FOUND_HINT))
    else:
        blocks.extend(hit_blocks(answer.hits[0], number))
    return pack(blocks)


def context_messages(passage: Passage, paragraph: str) -> list[str]:
    """The whole paragraph around `passage`, the passage itself in bold."""
    body = Block(paragraph, ((passage.start, passage.end),) if passage.end > passage.start else ())
    return pack([title_block(passage.document), location_block(passage), body])


def section_messages(document: str, heading: str, paragraphs: list[str], subheadings: set[str]) -> list[str]:
    blocks = [title_block(document), Block.heading(heading)]
    blocks.extend(Block.heading(p) if p in subheadings else Block(p) for p in paragraphs)
    return pack(blocks)


def help_message(examples: list[str], summary: str, username: str | None) -> str:
    text = texts.TG_HELP.format(
        examples="\n".join(f"• {q}" for q in examples),
        username=username or "bot",
    )
    return escape(summary) + "\n" + escape(text)


def inline_title(passage: Passage) -> str:
    return passage.section or passage.subsection or texts.FRONT_MATTER


def inline_description(passage: Passage) -> str:
    text = passage.text
    return text if len(text) <= DESCRIPTION_CHARS else text[: DESCRIPTION_CHARS - 1] + "…"


def button_label(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
