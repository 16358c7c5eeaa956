"""Place, year and document cues: what a question says about *where* its answer is.

In a library of many documents, 「上海2025年生产总值多少」 names a place (上海) that the
Shanghai report's title carries, and a year (2025年) that one of its section headings
carries (「一、2025年工作回顾」), while the passage that answers says neither (全市生产总值达到
……). A passage is therefore read with its context (`PassageContext`: the document's title
and the passage's headings), where the question's words count too (see
`bot.answer.confidence.coverage`). Relative years (今年, 去年, 明年, 前年) are read against
each document's own date (`YearCue`): 今年 in a report dated 2026 is 2026年. Documents whose
title names one of the question's words (`TitleIndex`) have their own best passages added to
the pool, so a document that names 上海 in its title is compared even when other documents
say 上海 more often in their text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.search.tokenize import fold

RELATIVE_YEARS = {"今年": 0, "本年": 0, "当年": 0, "去年": -1, "上年": -1, "前年": -2, "明年": 1}
_YEAR = re.compile(r"((?:19|20)\d\d)\s*年?")
_RELATIVE = re.compile("|".join(RELATIVE_YEARS))
MAX_TITLE_DOCS = 3  # documents named by the question whose own best passages join the pool


@dataclass(frozen=True)
class YearCue:
    years: frozenset[int]  # years the question names outright (2025年)
    offsets: frozenset[int]  # relative years (今年 0, 去年 -1, ...), read against a document's date

    def __bool__(self) -> bool:
        return bool(self.years or self.offsets)

    def resolved(self, document_year: int | None) -> frozenset[int]:
        if document_year is None or not self.offsets:
            return self.years
        return self.years | {document_year + o for o in self.offsets}

    def alternatives(self, document_year: int | None) -> dict[str, list[str]]:
        """Relative year words of the question -> the year they mean in a document of
        `document_year` (「去年」 -> 「2025」 in a document of 2026)."""
        if document_year is None:
            return {}
        return {
            word: [str(document_year + offset)]
            for word, offset in RELATIVE_YEARS.items()
            if offset in self.offsets
        }


def year_cue(question: str) -> YearCue:
    folded = fold(question)
    years = frozenset(int(m.group(1)) for m in _YEAR.finditer(folded))
    offsets = frozenset(RELATIVE_YEARS[m.group(0)] for m in _RELATIVE.finditer(folded))
    return YearCue(years, offsets)


def year_of(date: str | None) -> int | None:
    return int(date[:4]) if date and date[:4].isdigit() else None


@dataclass(frozen=True)
class DocumentCue:
    """What the ranking needs of a document to read a question's cues against it."""

    title: str  # folded
    year: int | None


class PassageContext:
    """A passage's context, folded: its document's title and its headings (shared by many
    passages, so made once per heading path and kept)."""

    def __init__(
        self,
        documents: Sequence[DocumentCue],
        doc_of: np.ndarray,
        path_of: np.ndarray,
        headings: Callable[[int], tuple[str, ...]],
    ) -> None:
        self.documents = documents
        self.doc_of = doc_of
        self.path_of = path_of
        self._headings = headings
        self._folded: dict[tuple[int, int], str] = {}
        self._lock = threading.Lock()

    def text(self, pid: int) -> str:
        key = (int(self.doc_of[pid]), int(self.path_of[pid]))
        found = self._folded.get(key)
        if found is None:
            heads = self._headings(pid)
            found = self.documents[key[0]].title + "\n" + fold("\n".join(heads))
            with self._lock:
                if len(self._folded) > 100_000:
                    self._folded.clear()
                self._folded[key] = found
        return found

    def year(self, pid: int) -> int | None:
        return self.documents[int(self.doc_of[pid])].year

    def year_match(self, pid: int, cue: YearCue) -> float:
        """+1 when the passage's headings name a year the question asks about (read against
        its document's date), -1 when they name only other years, 0 when they name none."""
        heads = self.text(pid).split("\n", 1)[1] if cue else ""
        named = {int(m.group(1)) for m in _YEAR.finditer(heads)}
        if not named:
            return 0.0
        return 1.0 if named & cue.resolved(self.year(pid)) else -1.0


class TitleIndex:
    """Which documents' titles contain a word: character bigrams of every title, made once."""

    def __init__(self, titles: Sequence[str]) -> None:
        self.titles = list(titles)  # folded
        grams: dict[str, list[int]] = {}
        for d, title in enumerate(self.titles):
            for g in {title[i : i + 2] for i in range(len(title) - 1)}:
                grams.setdefault(g, []).append(d)
        self._grams = {g: np.asarray(ds, dtype=np.int64) for g, ds in grams.items()}

    def naming(self, word: str) -> np.ndarray:
        """The documents whose title contains `word` (folded, two characters or more)."""
        if len(word) < 2:
            return np.zeros(0, np.int64)
        empty = np.zeros(0, np.int64)
        lists = [self._grams.get(word[i : i + 2], empty) for i in range(len(word) - 1)]
        found = lists[0]
        for ds in lists[1:]:
            found = np.intersect1d(found, ds, assume_unique=True)
            if not found.size:
                return found
        return np.asarray([d for d in found.tolist() if word in self.titles[d]], dtype=np.int64)

    def scores(self, weights: Mapping[str, float]) -> dict[int, float]:
        """Document -> the weight of the words its title names, for documents whose title
        names any, among words that tell titles apart (a word every title has names none)."""
        n = len(self.titles)
        score: dict[int, float] = {}
        for word, weight in weights.items():
            docs = self.naming(word)
            if 0 < docs.size < n:
                for d in docs.tolist():
                    score[d] = score.get(d, 0.0) + weight
        return score

    def best(self, weights: Mapping[str, float], limit: int = MAX_TITLE_DOCS) -> list[int]:
        """Up to `limit` documents whose titles name the most of the question's weight."""
        score = self.scores(weights) if len(self.titles) > 1 else {}
        return sorted(score, key=lambda d: (-score[d], d))[:limit]

    def only(self, weights: Mapping[str, float]) -> int | None:
        """The one document whose title names more of the words than any other, if one does."""
        score = self.scores(weights) if len(self.titles) > 1 else {}
        if not score:
            return None
        top = max(score.values())
        best = [d for d, x in score.items() if x == top]
        return best[0] if len(best) == 1 else None
