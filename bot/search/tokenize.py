"""Turn text into index terms: fold, segment with jieba, drop punctuation and stopwords.

A passage is indexed as its jieba words (accurate mode, stopwords dropped) together with
its Chinese character unigrams and bigrams. The words carry exact meaning; the characters
match what jieba cuts differently in a question and in a passage (体长 / 长63厘米,
出生 / 生于) and spell names jieba does not know. Questions get the same terms.

Folding (full-width -> half-width, traditional -> simplified, lower case) is for matching
only; answers always show the original text. A folded string has the same length as the
original, so matched terms can be located in the original text for highlighting.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jieba
import opencc

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

TOKENIZER_VERSION = "3"
MAX_INFORMATIVENESS = 14.0


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    raw = resources.files("bot.search").joinpath("stopwords.txt").read_text(encoding="utf-8")
    return frozenset(ln.strip() for ln in raw.splitlines() if ln.strip() and not ln.startswith("#"))


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


class _FoldTable(dict):
    """`str.translate` table: each character to its one-character NFKC form, filled on first sight."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Full-width to half-width, traditional to simplified, lower case; same length as `text`."""
    text = text.translate(_FOLD_TABLE)
    simplified = _t2s().convert(text)
    if len(simplified) != len(text):  # a phrase conversion changed the length: go char by char
        simplified = "".join(c if len(c := _t2s().convert(ch)) == 1 else ch for ch in text)
    return simplified.lower()


def _is_word(token: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


_HAN_RUN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0002ffff]+")


def char_grams(folded: str) -> list[str]:
    """Chinese character unigrams and bigrams of folded text (bigrams never span other characters)."""
    runs = _HAN_RUN.findall(folded)
    out = list("".join(runs))
    for run in runs:
        out += [run[i : i + 2] for i in range(len(run) - 1)]
    return out


_KEPT: dict[str, bool] = {}


def _kept(token: str) -> bool:
    """A word worth indexing: has a letter or digit, is not blank, is not a stopword (cached)."""
    kept = _KEPT.get(token)
    if kept is None:
        kept = _is_word(token) and bool(token.strip()) and token not in stopwords()
        if len(_KEPT) < 1_000_000:
            _KEPT[token] = kept
    return kept


def _run_text(runs: list[str]) -> str:
    """The runs of kept words, each joined, separated by spaces (so no bigram spans a gap)."""
    parts: list[str] = []
    current: list[str] = []
    for w in runs:
        if w:
            current.append(w)
        elif current:
            parts.append("".join(current))
            current = []
    if current:
        parts.append("".join(current))
    return " ".join(parts)


class Tokenizer:
    """jieba with an optional user dictionary, loaded lazily (the dictionary takes ~0.5 s)."""

    def __init__(self, userdict: Path | None = None, grams: bool = True, search_mode: bool = False) -> None:
        self.userdict = userdict if userdict is not None and userdict.is_file() else None
        self.grams = grams  # add character unigrams and bigrams to the words
        self.search_mode = search_mode  # index jieba's search-mode words (sub-words too) instead
        self._jieba: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    @property
    def signature(self) -> str:
        """Changes whenever the terms this tokenizer produces could change."""
        h = hashlib.sha256(f"{TOKENIZER_VERSION}|{self.grams}|{self.search_mode}".encode())
        h.update("\n".join(sorted(stopwords())).encode())
        if self.userdict is not None:
            h.update(self.userdict.read_bytes())
        return h.hexdigest()[:16]

    def _segmenter(self) -> jieba.Tokenizer:
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    seg = jieba.Tokenizer()
                    seg.initialize()
                    if self.userdict is not None:
                        seg.load_userdict(str(self.userdict))
                        log.info("loaded user dictionary %s", self.userdict)
                    self._jieba = seg
        return self._jieba

    def informativeness(self, word: str) -> float:
        """How much a word says, from jieba's general-language frequencies: ln(total / (freq+1)).

        Independent of the corpus, so a small corpus where 人大 is everywhere still treats
        人大 as a telling word. Capped, so that unknown words do not dominate."""
        seg = self._segmenter()
        return min(math.log(seg.total / (seg.FREQ.get(word, 0) + 1)), MAX_INFORMATIVENESS)

    def words(self, text: str) -> list[str]:
        """Folded jieba words of `text` (accurate mode), punctuation and stopwords dropped."""
        return [w for w in self._runs(fold(text)) if w]

    def _runs(self, folded: str) -> list[str]:
        """Kept words in order, with "" wherever a stopword or punctuation broke the run."""
        return [w if _kept(w) else "" for w in self._segmenter().lcut(folded)]

    def search_words(self, text: str) -> list[str]:
        """Folded jieba search-mode words, so 人大代表 also yields 人大 and 代表 (for highlighting)."""
        stop = stopwords()
        return [
            w for w in self._segmenter().lcut_for_search(fold(text)) if _is_word(w) and w.strip() and w not in stop
        ]

    def index_terms(self, text: str) -> list[str]:
        """Terms stored for a passage: its words, then the character unigrams and bigrams of
        each run of kept words (so 是、的、什么 add no characters, and no bigram spans them)."""
        if self.search_mode:
            words = self.search_words(text)
            return words + char_grams(fold(text)) if self.grams else words
        runs = self._runs(fold(text))
        words = [w for w in runs if w]
        if not self.grams:
            return words
        return words + char_grams(_run_text(runs))

    def query_terms(self, text: str) -> list[str]:
        return self.index_terms(text)

    def analyse(self, text: str) -> "Query":
        """Everything the engine needs from a question, from one jieba pass."""
        runs = self._runs(fold(text))
        words = [w for w in runs if w]
        terms = words + char_grams(_run_text(runs)) if self.grams else words
        if self.search_mode:
            terms = self.index_terms(text)
        freq = self._segmenter().FREQ
        shown: list[str] = []
        for w in words:  # jieba's search mode: known 2- and 3-character parts of longer words, then the word
            if len(w) > 2:
                shown += [w[i : i + 2] for i in range(len(w) - 1) if freq.get(w[i : i + 2])]
            if len(w) > 3:
                shown += [w[i : i + 3] for i in range(len(w) - 2) if freq.get(w[i : i + 3])]
            shown.append(w)
        return Query(terms, words, [w for w in shown if w not in stopwords()])


@dataclass(frozen=True)
class Query:
    terms: list[str]  # what is looked up in the index (as `query_terms`)
    words: list[str]  # the accurate-mode words, stopwords dropped (as `words`)
    shown: list[str]  # words and their known parts, for highlighting
