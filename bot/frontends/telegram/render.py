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
from pathlib import Path

from bot import texts
from bot.answer import Answer, Hit
from bot.answer.engine import highlight_spans
from bot.answer.library import Added, AddStatus, DocInfo, Edition, Reloaded
from bot.corpus.passages import Passage
from bot.corpus.sentences import split_sentences
from bot.frontends.answer_view import view
from bot.frontends.location import location_of

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
    def heading(cls, text: str) -> Block:
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

    def cut(self, start: int, end: int) -> Block:
        spans = tuple(
            (max(a, start) - start, min(b, end) - start)
            for a, b in self.bold
            if a < end and b > start
        )
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

    Lengths are measured as Telegram measures them: a character
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
    title = texts.DOCUMENT_TITLE.format(title=document)
    return Block(prefix + title, ((len(prefix), len(prefix) + len(title)),))


def location_block(passage: Passage) -> Block:
    """「<b>三、……</b> › <b>要夯实履职基础。</b> · 第5段」, as plain.location() says it."""
    where = location_of(passage)
    return Block(where.text, where.headings)


def hit_blocks(hit: Hit, number: int | None = None) -> list[Block]:
    p = hit.passage
    prefix = f"[{number}] " if number is not None else ""
    return [
        title_block(p.document, prefix),
        location_block(p),
        Block(p.text, tuple(highlight_spans(p.text, hit.terms))),
    ]


def answer_messages(
    answer: Answer,
    examples: list[str],
    number: int | None = None,
    *,
    scope: str | None = None,
    notice: str | None = None,
) -> list[str]:
    """The reply to a question: what `answer_view.view` shows (its best passage, the
    possibly relevant ones with a caveat, where X is mentioned), or why there is none;
    with `number`, a further result ("更多结果"): that passage alone.

    `scope`: the title of the one document the chat asks in (said at the end of every
    answer until reset); `notice`: a line to put first (the chosen document is gone)."""
    blocks: list[Block] = []
    if notice:
        blocks.append(Block(notice))
    if answer.truncated:
        blocks.append(Block(texts.QUESTION_TRUNCATED.format(limit=len(answer.question))))
    if answer.empty:
        blocks.append(
            Block(texts.EMPTY_QUESTION.format(example=texts.LIST_SEPARATOR.join(examples)))
        )
    elif number is not None and answer.hits:  # a further result ("更多结果"): just the passage
        blocks.extend(hit_blocks(answer.hits[0], number))
    else:
        shown = view(answer)
        if not shown.hits:
            blocks.append(Block((shown.lead or "") + (shown.hint or "")))
        else:
            if shown.lead:
                blocks.append(Block(shown.lead))
            several = len(shown.hits) > 1
            for i, hit in enumerate(shown.hits, 1):
                blocks.extend(hit_blocks(hit, i if several else None))
    if scope is not None:
        blocks.append(Block(texts.TG_SCOPE_LINE.format(title=scope)))
    return pack(blocks)


def context_messages(passage: Passage, paragraph: str) -> list[str]:
    """The whole paragraph around `passage`, the passage itself in bold."""
    body = Block(paragraph, ((passage.start, passage.end),) if passage.end > passage.start else ())
    return pack([title_block(passage.document), location_block(passage), body])


def section_messages(
    document: str, heading: str, paragraphs: list[str], subheadings: set[str]
) -> list[str]:
    blocks = [title_block(document), Block.heading(heading)]
    blocks.extend(Block.heading(p) if p in subheadings else Block(p) for p in paragraphs)
    return pack(blocks)


def help_message(
    examples: list[str], summary: str, username: str | None, owner: bool = False
) -> str:
    text = texts.TG_HELP.format(
        examples="\n".join(f"• {q}" for q in examples),
        username=username or "bot",
    )
    text += "\n" + texts.TG_HELP_DOCS
    if owner:
        text += "\n" + texts.TG_HELP_OWNER
    return escape(summary) + "\n" + escape(text)


# ---- the library --------------------------------------------------------------------------


def docs_messages(
    documents: tuple[DocInfo, ...] | list[DocInfo],
    passages: int,
    chosen: DocInfo | None,
    buttons_shown: int,
) -> list[str]:
    """/docs: the numbered list of documents, then which one the chat asks in (last, so
    that it sits above the buttons)."""
    blocks = [
        Block.heading(texts.TG_DOCS_TITLE.format(documents=len(documents), passages=passages))
    ]
    for info in documents:
        line = texts.TG_DOCS_LINE.format(
            number=info.number,
            title=info.title,
            passages=info.passages,
            date=texts.DOCS_DATE.format(date=info.date) if info.date else "",
        )
        bold = ((0, len(line)),) if chosen is not None and info.index == chosen.index else ()
        blocks.append(Block(line, bold))
    if buttons_shown < len(documents):
        blocks.append(Block(texts.TG_DOCS_BUTTONS_LIMIT.format(count=buttons_shown)))
    if chosen is None:
        blocks.append(Block(texts.TG_DOCS_SCOPE_ALL))
    else:
        blocks.append(
            Block(texts.TG_DOCS_SCOPE_ONE.format(number=chosen.number, title=chosen.title))
        )
    return pack(blocks)


def reload_messages(result: Reloaded, limit: int = 10) -> list[str]:
    """What an owner is told after /reload: the new size, the files passed over, or the failure."""
    if not result.ok:
        return pack([Block(texts.TG_RELOAD_FAILED.format(reason=result.error or ""))])
    now, before = result.current, result.previous
    blocks = [
        Block(
            texts.TG_RELOADED.format(
                documents=len(now.documents),
                passages=now.passages,
                before_documents=len(before.documents),
                before_passages=before.passages,
            )
        )
    ]
    skipped = result.skipped
    if skipped:
        blocks.append(Block(texts.TG_RELOAD_SKIPPED.format(count=len(skipped))))
        for problem in skipped[:limit]:
            line = texts.TG_RELOAD_SKIPPED_LINE.format(
                path=_short_path(problem.path, now), reason=problem.reason
            )
            blocks.append(Block(line))
        if len(skipped) > limit:
            blocks.append(Block(texts.TG_RELOAD_SKIPPED_MORE.format(count=len(skipped) - limit)))
    return pack(blocks)


def _short_path(path: str, edition: Edition) -> str:
    """A problem's path relative to the corpus folder (the owner knows where that is)."""
    root = Path(edition.engine.index.root)
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return Path(path).name


def added_messages(added: Added) -> list[str]:
    """The reply to a document an owner sent."""
    status = added.status
    if status == AddStatus.ADDED and added.document is not None and added.edition is not None:
        info = added.document
        lines = []
        if added.renamed:
            lines.append(texts.TG_ADDED_RENAMED.format(name=added.name))
        lines.append(
            texts.TG_ADDED.format(
                title=info.title,
                name=added.name,
                passages=info.passages,
                documents=len(added.edition.documents),
            )
        )
    elif status == AddStatus.ALREADY_THERE and added.document is not None:
        lines = [texts.TG_ADD_ALREADY.format(title=added.document.title, name=added.document.name)]
    elif status == AddStatus.UNSUPPORTED:
        lines = [texts.TG_ADD_UNSUPPORTED.format(name=added.name)]
    elif status == AddStatus.UNREADABLE:
        lines = [texts.TG_ADD_UNREADABLE.format(name=added.name, reason=added.detail)]
    elif status == AddStatus.NOT_A_FOLDER:
        lines = [texts.TG_ADD_NOT_A_FOLDER.format(path=added.detail)]
    else:
        lines = [texts.TG_ADD_FAILED.format(name=added.name, reason=added.detail)]
    return pack([Block(line) for line in lines])


def inline_title(passage: Passage, answer: Answer | None = None) -> str:
    """The section of an inline result; a possibly relevant one or a mention says so first."""
    where = passage.section or passage.subsection or texts.FRONT_MATTER
    if answer is not None and answer.topic is not None:
        return texts.INLINE_MENTIONED.format(topic=answer.topic, where=where)
    if answer is not None and answer.confidence == "low":
        return texts.INLINE_POSSIBLY_RELEVANT.format(where=where)
    return where


def inline_description(passage: Passage) -> str:
    text = passage.text
    return text if len(text) <= DESCRIPTION_CHARS else text[: DESCRIPTION_CHARS - 1] + "…"


def button_label(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
