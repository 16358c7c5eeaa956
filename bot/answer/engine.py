"""The answer engine: rank passages for a question and decide whether it was answered.

Ranking is `bot.search.rank`: passage BM25 blended with the paragraph's, re-ranked inside
the paragraph.

"Not found" is decided from the share of the question's information that the best
passage covers. Each word of the question (jieba, accurate mode, stopwords dropped)
weighs the square of its informativeness in general Chinese (jieba's dictionary
frequencies, not the corpus's, which a single speech skews); squaring lets the rare words
that name what the question is about (an entity, a term of art) count for more than
everyday words, which any passage may happen to contain. A word found in the passage
counts fully, a word of which only some characters occur counts for half that share. The
answer counts as found when the top passage covers at least `MIN_COVERAGE` of the
question's weight. Calibrated on CMRC 2018 with the gold paragraph held out (see
benchmarks/quality.py and docs/quality.md).
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from bot.corpus.passages import Passage
from bot.search.rank import DEFAULT_RANKING, RankConfig, rank
from bot.search.store import DOCUMENT_CACHE, SearchIndex, open_index
from bot.search.tokenize import fold

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
MIN_COVERAGE = 0.55
PARTIAL_CREDIT = 0.5
CONTEXT_CREDIT = (
    0.5  # a word found only in the passage's title, headings or the passages just before
)


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    terms: tuple[str, ...]  # folded question terms found in the passage
    coverage: float  # share of the question's weight this passage covers


Confidence = Literal["high", "low", "none"]


@dataclass(frozen=True)
class Answer:
    question: str  # the question as answered (after trimming and any cut)
    found: bool
    hits: tuple[Hit, ...]  # best first; may hold candidates even when not found
    empty: bool = False  # nothing to search for (blank or only punctuation/stopwords)
    truncated: bool = False  # the question was cut to MAX_QUESTION_CHARS

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    @property
    def confidence(self) -> Confidence:
        """How sure the answer is: "high" (answered), "low" (possibly relevant: the best
        passages are shown with a caveat) or "none" (not found)."""
        return "high" if self.found else "none"


@dataclass(frozen=True)
class TocEntry:
    doc: int
    section: int
    heading: str
    level: int
    passages: int


class Engine:
    def __init__(self, index: SearchIndex, ranking: RankConfig = DEFAULT_RANKING) -> None:
        self.index = index
        self.ranking = ranking

    @classmethod
    def open(cls, corpus: Path, cache_dir: Path) -> Engine:
        return cls(open_index(corpus, cache_dir))

    # ---- questions ---------------------------------------------------------------------
    def ask(self, question: str, top: int = 5, doc: int | None = None, offset: int = 0) -> Answer:
        """Rank passages for `question`. `offset` skips the first results ("更多结果")."""
        text = " ".join((question or "").split())
        truncated = len(text) > MAX_QUESTION_CHARS
        if truncated:
            text = text[:MAX_QUESTION_CHARS]
        index = self.index
        plain = _without_markup(text)
        query = index.tokenizer.analyse(plain) if plain.strip() else None
        if query is None or not query.terms:
            return Answer(question=text, found=False, hits=(), empty=True, truncated=truncated)
        span = index.doc_range(doc) if doc is not None else None
        ranked = rank(
            index.bm25,
            index.unit_of,
            index.leads,
            query.terms,
            top + offset,
            None,
            self.ranking,
            span,
            words=query.words,
        )[offset:]
        words = query.words
        weights = {w: index.tokenizer.informativeness(w) ** 2 for w in words}
        hits = []
        for pid, score in ranked:
            passage = index.passages[pid]
            folded = fold(passage.text)
            present = tuple(dict.fromkeys(t for t in query.shown if t in folded))
            context = self._context(passage)
            hits.append(Hit(passage, score, present, _coverage(words, weights, folded, context)))
        # decided on the passage shown first, so the answer does not depend on `top`
        found = bool(hits) and (offset > 0 or hits[0].coverage >= MIN_COVERAGE)
        return Answer(question=text, found=found, hits=tuple(hits), truncated=truncated)

    def _context(self, passage: Passage) -> str:
        """What a passage is read with, folded: its document title, headings and the passages
        just before it."""
        return _folded_head(passage.document, passage.headings, passage.subsection or "") + fold(
            self._before(passage)
        )

    def _before(self, passage: Passage) -> str:
        """The text of the passages just before `passage` in its paragraph (what it refers back to)."""
        table = self.index.passages
        out = []
        for pid in range(passage.pid - 1, max(passage.pid - 1 - self.ranking.inherit_span, -1), -1):
            if int(table.doc[pid]) != passage.doc or int(table.paragraph[pid]) != passage.paragraph:
                break
            out.append(table.text(pid))
        return "".join(reversed(out))

    # ---- browsing ----------------------------------------------------------------------
    def passage(self, pid: int) -> Passage | None:
        return self.index.passages[pid] if 0 <= pid < len(self.index.passages) else None

    def paragraph_text(self, passage: Passage) -> str:
        document = self.index.documents[passage.doc]
        return (
            document.title
            if passage.paragraph == 0
            else document.paragraphs[passage.paragraph - 1].text
        )

    def neighbours(self, passage: Passage) -> tuple[Passage | None, Passage | None]:
        before = self.passage(passage.pid - 1)
        after = self.passage(passage.pid + 1)
        same = lambda p: p if p is not None and p.doc == passage.doc else None  # noqa: E731
        return same(before), same(after)

    def toc(self, doc: int | None = None) -> list[TocEntry]:
        entries = []
        documents = self.index.documents
        for d in (
            range(len(documents)) if doc is None else [doc] if 0 <= doc < len(documents) else []
        ):
            document = documents[d]
            lo, hi = self.index.doc_range(d)
            paragraphs = np.asarray(self.index.passages.paragraph[lo:hi])
            for section in document.sections:
                numbers = list(document.section_paragraphs(section.index))
                count = int(np.isin(paragraphs, numbers).sum())
                entries.append(TocEntry(d, section.index, section.heading, section.level, count))
        return entries

    def section_text(self, doc: int, section: int) -> list[str] | None:
        """The paragraphs under a section (sub-sections included, their headings kept)."""
        if not 0 <= doc < len(self.index.documents):
            return None
        document = self.index.documents[doc]
        if not 0 <= section < len(document.sections):
            return None
        wanted = document.section_paragraphs(section)
        out: list[str] = []
        shown: set[int] = {section}
        for p in document.paragraphs:
            if p.number not in wanted:
                continue
            if p.section is not None and p.section not in shown:
                out.append(document.sections[p.section].heading)
                shown.add(p.section)
            out.append(p.text)
        return out

    def examples(self, n: int = 2) -> list[str]:
        """Example questions made from the corpus's own sub-point titles and headings."""
        found: list[str] = []
        table = self.index.passages
        subs = np.asarray(table.sub)
        distinct, first = np.unique(subs[subs >= 0], return_index=True)
        for s in distinct[np.argsort(first)]:  # each sub-point title once, in passage order
            title = table.strings[int(s)]
            m = re.match(r"^(?:要|必须|坚持)(.{2,16}?)[。！]?$", title)
            if m:
                question = f"怎样{m.group(1)}？"
                if question not in found:
                    found.append(question)
        if (
            len(found) < n
        ):  # headings of the first documents (a large library is not read whole for this)
            for document in self.index.documents[:DOCUMENT_CACHE]:
                for section in document.sections:
                    body = re.sub(r"^[^、）)]*[、）)]\s*", "", section.heading).strip("。 ")
                    body = re.split(r"[，,。]", body)[-1] if body else body
                    if 2 <= len(body) <= 20:
                        found.append(f"{body}是什么？")
        spread = found[:: max(1, len(found) // n)] if len(found) > n else found
        return spread[:n]


@lru_cache(maxsize=4096)
def _folded_head(document: str, headings: tuple[str, ...], subsection: str) -> str:
    """A passage's document title and headings, folded, each on a line (the same for many passages)."""
    return fold("\n".join((document, *headings, subsection, "")))


def _coverage(
    words: list[str], weights: dict[str, float], folded_passage: str, folded_context: str = ""
) -> float:
    total = sum(weights[w] for w in words)
    if not total:
        return 0.0
    covered = 0.0
    for word in words:
        if word in folded_passage:
            covered += weights[word]
        elif word in folded_context:
            covered += CONTEXT_CREDIT * weights[word]
        else:
            share = sum(ch in folded_passage for ch in word) / len(word)
            covered += PARTIAL_CREDIT * share * weights[word]
    return covered / total


_TAG = re.compile(r"</?[A-Za-z][^<>]{0,80}>")


def _without_markup(text: str) -> str:
    """The question without HTML tags and with entities decoded: 「<b>人大代表</b>&amp;」 asks
    about 人大代表, not about "b" and "amp"."""
    return html.unescape(_TAG.sub(" ", text)) if ("<" in text or "&" in text) else text


def highlight_spans(text: str, terms: tuple[str, ...] | list[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans in `text` where any of the folded `terms` occur."""
    folded = fold(text)
    spans: list[tuple[int, int]] = []
    for term in sorted(set(terms), key=len, reverse=True):
        if not term:
            continue
        start = folded.find(term)
        while start >= 0:
            end = start + len(term)
            if all(end <= a or start >= b for a, b in spans):
                spans.append((start, end))
            start = folded.find(term, end)
    return sorted(spans)
