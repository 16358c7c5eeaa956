"""Turn text into index terms: fold, segment with jieba, drop punctuation and stopwords.

Folding (full-width -> half-width, traditional -> simplified, lower case) is for matching
only; answers always show the original text. A folded string has the same length as the
original, so matched terms can be located in the original text for highlighting.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jieba
import opencc

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

TOKENIZER_VERSION = "1"
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


def fold(text: str) -> str:
    """Full-width to half-width, traditional to simplified, lower case; same length as `text`."""
    text = "".join(_fold_char(ch) for ch in text)
    simplified = _t2s().convert(text)
    if len(simplified) != len(text):  # a phrase conversion changed the length: go char by char
        simplified = "".join(c if len(c := _t2s().convert(ch)) == 1 else ch for ch in text)
    return simplified.lower()


def _is_word(token: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


class Tokenizer:
    """jieba with an optional user dictionary, loaded lazily (the dictionary takes ~0.5 s)."""

    def __init__(self, userdict: Path | None = None) -> None:
        self.userdict = userdict if userdict is not None and userdict.is_file() else None
        self._jieba: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    @property
    def signature(self) -> str:
        """Changes whenever the terms this tokenizer produces could change."""
        h = hashlib.sha256(TOKENIZER_VERSION.encode())
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
        stop = stopwords()
        return [w for w in self._segmenter().lcut(fold(text)) if _is_word(w) and w.strip() and w not in stop]

    def index_terms(self, text: str) -> list[str]:
        """Terms stored for a passage: jieba search mode, so 人大代表 also yields 人大 and 代表."""
        stop = stopwords()
        return [
            w for w in self._segmenter().lcut_for_search(fold(text)) if _is_word(w) and w.strip() and w not in stop
        ]

    def query_terms(self, text: str) -> list[str]:
        return self.index_terms(text)
