"""Cut documents into passages short enough for a chat bubble.

Whole sentences are grouped into passages of about 130 characters; a passage never crosses a
paragraph or sub-point boundary, and a sentence is split (at commas) only when it alone
is longer than `max_chars`. Every passage knows where it came from, so the paragraph
around it and its neighbours can be shown on request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.corpus.sentences import split_sentences
from bot.corpus.structure import Document, Paragraph

MAX_CHARS = 150
MIN_CHARS = 60
TARGET_CHARS = 130
SLACK_CHARS = 30  # a short topic sentence may push a passage this far past MAX_CHARS
SHORT_PENALTY = 20.0  # cost per squared character a passage falls short of MIN_CHARS
LONG_PENALTY = 100.0  # cost per squared character a passage runs past MAX_CHARS
CLAUSE_CHARS = 60  # a sentence too long for one passage is cut into clauses about this long
_CLAUSE = re.compile(r"[^，,、：:]*(?:[，,、：:]+|$)")


@dataclass(frozen=True)
class Passage:
    pid: int  # position in the corpus, stable for an unchanged corpus
    doc: int  # index of the document in the corpus
    document: str  # document title
    section: str | None  # top-level heading; None for text before the first heading
    subsection: str | None  # innermost lower heading, or the sub-point's topic sentence
    headings: tuple[str, ...]  # the full heading path, outermost first
    paragraph: int  # 1-based paragraph number in the document; 0 for the title line
    start: int  # character offsets inside the paragraph
    end: int
    text: str


def _pieces(sentence: str, max_chars: int) -> list[str]:
    """A too-long sentence cut at clause punctuation (or hard, as a last resort)."""
    out: list[str] = []
    current = ""
    for clause in (m.group(0) for m in _CLAUSE.finditer(sentence) if m.group(0)):
        while len(clause) > max_chars:
            if current:
                out.append(current)
                current = ""
            out.append(clause[:max_chars])
            clause = clause[max_chars:]
        if current and len(current) + len(clause) > max_chars:
            out.append(current)
            current = ""
        current += clause
    if current:
        out.append(current)
    return out


def _units(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Sentence spans in text[start:end]; a sentence over max_chars becomes several pieces."""
    units: list[tuple[int, int]] = []
    pos = start
    for sentence in split_sentences(text[start:end]):
        s_start, pos = pos, pos + len(sentence)
        if not sentence.strip():
            if units:
                units[-1] = (units[-1][0], pos)
            continue
        if len(sentence) <= max_chars:
            units.append((s_start, pos))
            continue
        p = s_start
        for clause in _pieces(sentence, CLAUSE_CHARS):
            units.append((p, p + len(clause)))
            p += len(clause)
    return units


def _cost(length: int, target: int, min_chars: int, max_chars: int) -> float:
    cost = float((length - target) ** 2)
    if length < min_chars:
        cost += SHORT_PENALTY * (min_chars - length) ** 2
    if length > max_chars:
        cost += LONG_PENALTY * (length - max_chars) ** 2
    return cost


def pack_spans(
    text: str,
    start: int,
    end: int,
    max_chars: int | None = None,
    min_chars: int | None = None,
    target: int | None = None,
) -> list[tuple[int, int]]:
    """Offsets of passages covering text[start:end].

    Whole sentences are grouped so that passages come close to `target` characters, stay
    under `max_chars` and avoid fragments under `min_chars`: a short topic sentence joins
    what follows it, even if that takes the passage up to SLACK_CHARS past `max_chars`. A
    sentence longer than `max_chars` is cut at clause punctuation into pieces that are
    grouped like sentences. Grouping is chosen by dynamic programming over sentence boundaries.
    Limits left out are the module's (read at call time, so a benchmark can vary them)."""
    max_chars = MAX_CHARS if max_chars is None else max_chars
    min_chars = MIN_CHARS if min_chars is None else min_chars
    target = TARGET_CHARS if target is None else target
    units = _units(text, start, end, max_chars)
    n = len(units)
    if n == 0:
        return []
    best = [0.0] + [float("inf")] * n  # best[i]: cost of packing units[:i]
    cut = [0] * (n + 1)
    for i in range(1, n + 1):
        for j in range(i - 1, -1, -1):
            length = units[i - 1][1] - units[j][0]
            if length > max_chars + SLACK_CHARS and j < i - 1:
                break
            cost = best[j] + _cost(length, target, min_chars, max_chars)
            if cost < best[i]:
                best[i], cut[i] = cost, j
    spans: list[tuple[int, int]] = []
    i = n
    while i > 0:
        j = cut[i]
        spans.append((units[j][0], units[i - 1][1]))
        i = j
    return spans[::-1]


def _paragraph_spans(
    paragraph: Paragraph, max_chars: int | None
) -> list[tuple[int, int, str | None]]:
    """(start, end, sub-point title) for each passage of a paragraph."""
    text = paragraph.text
    bounds: list[tuple[int, int, str | None]] = []
    pos = 0
    for point in paragraph.subpoints:
        if point.start > pos:
            bounds.append((pos, point.start, None))
        bounds.append((point.start, point.end, point.title))
        pos = point.end
    if pos < len(text):
        bounds.append((pos, len(text), None))
    return [
        (a, b, title) for lo, hi, title in bounds for a, b in pack_spans(text, lo, hi, max_chars)
    ]


def make_passages(
    document: Document, doc_index: int, first_pid: int = 0, max_chars: int | None = None
) -> list[Passage]:
    passages: list[Passage] = []
    if document.title_in_text:  # the title line is searchable too (paragraph 0)
        passages.append(
            Passage(
                first_pid,
                doc_index,
                document.title,
                None,
                None,
                (),
                0,
                0,
                len(document.title),
                document.title,
            )
        )
    for paragraph in document.paragraphs:
        path = document.heading_path(paragraph.section)
        deeper = path[-1] if len(path) > 1 else None
        for start, end, point in _paragraph_spans(paragraph, max_chars):
            raw = paragraph.text[start:end]
            lead = len(raw) - len(raw.lstrip())
            trail = len(raw.rstrip())
            passages.append(
                Passage(
                    pid=first_pid + len(passages),
                    doc=doc_index,
                    document=document.title,
                    section=path[0] if path else None,
                    subsection=point or deeper,
                    headings=path,
                    paragraph=paragraph.number,
                    start=start + lead,
                    end=start + trail,
                    text=raw.strip(),
                )
            )
    return passages
