"""Turn text into index terms: fold, segment with jieba, drop punctuation and stopwords.

The segmenter is rjieba (jieba-rs, the Rust port of jieba: the same dictionary, DAG and
HMM), about 25 times faster than the Python jieba and giving the same words on Chinese
text; on ASCII runs with inner punctuation (zh-hk, 2.4km) it is re-cut the way Python
jieba cuts them, so the terms are jieba's. General-language word frequencies (for
`informativeness`) are read from the dictionary file shipped in the jieba package,
without importing jieba.

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

import numpy as np
import opencc

from bot.chars import HAN_CLASS, HAN_RANGES

log = logging.getLogger(__name__)

TOKENIZER_VERSION = "4"
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
    """`str.translate` table: each character to its one-character NFKC form, filled on first
    sight."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()
_SURROGATE = re.compile("[\ud800-\udfff]")


def fold(text: str) -> str:
    """Full-width to half-width, traditional to simplified, lower case; same length as `text`."""
    text, folded = _fold_phrases(text)
    if folded is None:  # a phrase conversion changed the length: go char by char
        folded = "".join(c if len(c := _t2s().convert(ch)) == 1 else ch for ch in text).lower()
    return folded


def _fold_phrases(text: str) -> tuple[str, str | None]:
    """(the text with its widths folded, lone surrogates made U+FFFD; that text through
    OpenCC's phrase conversion and lower-cased, or None if the conversion changed its length)."""
    text = text.translate(_FOLD_TABLE)
    try:
        simplified = _t2s().convert(text)
    except UnicodeEncodeError:  # a lone surrogate (OpenCC and rjieba take UTF-8 only): U+FFFD
        text = _SURROGATE.sub("\ufffd", text)
        simplified = _t2s().convert(text)
    return text, simplified.lower() if len(simplified) == len(text) else None


def _is_word(token: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


_HAN_RUN = re.compile(f"[{HAN_CLASS}]+")


def char_grams(folded: str) -> list[str]:
    """Chinese character unigrams and bigrams of folded text (bigrams never span other
    characters)."""
    runs = _HAN_RUN.findall(folded)
    out = list("".join(runs))
    for run in runs:
        out += [run[i : i + 2] for i in range(len(run) - 1)]
    return out


def gram_codes(gram_texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The `char_grams` of each text as integer codes, without making a string per gram:
    (code, number of the text it comes from), unigrams (the code point) first, then
    bigrams ((first << 21) | second). `gram_string` turns a code back into the gram."""
    n = len(gram_texts)
    sizes = np.fromiter(map(len, gram_texts), dtype=np.int64, count=n)
    joined = "\n".join(gram_texts).encode("utf-32-le", "surrogatepass")
    codes = np.frombuffer(joined, dtype=np.uint32).astype(np.int64)
    # the number of the text each code comes from (each text and the "\n" after it)
    owner = np.repeat(np.arange(n, dtype=np.int64), sizes + 1)[: codes.size]
    han = np.zeros(codes.shape, dtype=bool)
    for lo, hi in HAN_RANGES:
        han |= (codes >= lo) & (codes <= hi)
    pair = han[:-1] & han[1:]
    bigrams = (codes[:-1][pair] << 21) | codes[1:][pair]
    return np.concatenate([codes[han], bigrams]), np.concatenate([owner[han], owner[:-1][pair]])


_GRAM_LIKE = re.compile(f"[{HAN_CLASS}]{{1,2}}")


class _WordCodes(dict):
    """Word -> its gram code if the word is itself a character gram (one or two Chinese
    characters: the word 长 and the unigram 长 are one term), else -1. Filled on first sight."""

    def __missing__(self, word: str) -> int:
        if _GRAM_LIKE.fullmatch(word):
            code = ord(word) if len(word) == 1 else (ord(word[0]) << 21) | ord(word[1])
        else:
            code = -1
        if len(self) < 1_000_000:
            self[word] = code
        return code


WORD_CODES = _WordCodes()


def gram_string(code: int) -> str:
    return chr(code) if code < 1 << 21 else chr(code >> 21) + chr(code & 0x1FFFFF)


class _KeptTable(dict):
    """Token -> itself if worth indexing (has a letter or digit, is not blank, is not a
    stopword), else "". Filled on first sight, so the lookup is a C-level `dict` hit."""

    def __missing__(self, token: str) -> str:
        kept = token if _is_word(token) and token.strip() and token not in stopwords() else ""
        if len(self) < 1_000_000:
            self[token] = kept
        return kept


_KEPT = _KeptTable()


def _gram_text(runs: list[str]) -> str:
    """The runs of kept words, each joined, separated by spaces (so no bigram spans a gap):
    adjacent kept words are glued, any "" (one or more) becomes a space."""
    return "\0".join(runs).replace("\0\0", " ").replace("\0", "")


# Python jieba cuts an ASCII chunk it does not know (zh-hk, 2.4km, a.l) with this pattern;
# jieba-rs keeps it whole. Only texts with an ASCII letter or digit beside such punctuation
# can hold such a chunk.
_RE_SKIP = re.compile(r"([a-z0-9]+(?:\.\d+)?%?)", re.IGNORECASE)
_ASCII_JOIN = re.compile(r"[-_.+#&%][0-9a-z]|[0-9a-z][-_.+#&%]", re.IGNORECASE)


class Segmenter:
    """rjieba behind Python jieba's names (`lcut`, `lcut_for_search`), with jieba's cut of
    ASCII chunks. `cut` holds no lock: rjieba's segmenter is read-only once built."""

    def __init__(self, userdict: Path | None) -> None:
        import rjieba

        self.added: dict[str, int] = {}  # user dictionary words -> their frequency
        if userdict is None:  # rjieba's own segmenter, built on import (~50 ms): not built twice
            self._cut, self._cut_for_search = rjieba.cut, rjieba.cut_for_search
            self._has_word = rjieba.has_word
            return
        own = rjieba.Jieba()  # words added to it stay out of rjieba's own segmenter
        for word, freq, tag in _read_userdict(userdict):
            self.added[word] = own.add_word(word, freq, tag)
        self._cut, self._cut_for_search, self._has_word = own.cut, own.cut_for_search, own.has_word
        log.info("loaded user dictionary %s", userdict)

    def _fix(self, tokens: list[str]) -> list[str]:
        has_word = self._has_word
        out: list[str] = []
        for t in tokens:
            if len(t) > 1 and t.isascii() and not t.isalnum() and not has_word(t):
                out += [x for x in _RE_SKIP.split(t) if x]
            else:
                out.append(t)
        return out

    def lcut(self, text: str) -> list[str]:
        tokens = self._cut(text, True)
        return self._fix(tokens) if _ASCII_JOIN.search(text) else tokens

    def lcut_for_search(self, text: str) -> list[str]:
        tokens = self._cut_for_search(text, True)
        return self._fix(tokens) if _ASCII_JOIN.search(text) else tokens


_RE_USERDICT = re.compile(r"^(.+?)( [0-9]+)?( [a-z]+)?$")


def _read_userdict(path: Path) -> list[tuple[str, int | None, str | None]]:
    """(word, frequency or None, tag or None) of each line of a jieba user dictionary
    ("word [freq] [tag]", UTF-8), read as jieba's `load_userdict` reads it."""
    out = []
    for line in path.read_bytes().decode("utf-8").splitlines():
        line = line.strip().lstrip("\ufeff")
        if not line:
            continue
        match = _RE_USERDICT.match(line)
        if match is None:  # pragma: no cover - the pattern matches any non-empty line
            continue
        word, freq, tag = match.groups()
        out.append((word, int(freq) if freq else None, tag.strip() if tag else None))
    return out


@lru_cache(maxsize=1)
def _dictionary_frequencies() -> tuple[dict[str, int], int]:
    """jieba's general-language frequencies (its dict.txt, "word freq tag" a line; rjieba
    embeds the same file) and their total, read without importing jieba (~50 ms)."""
    from importlib.util import find_spec

    spec = find_spec("jieba")
    if spec is None or spec.origin is None:  # pragma: no cover - jieba is a dependency
        raise RuntimeError("the jieba package (its dictionary file) is missing")
    parts = (Path(spec.origin).parent / "dict.txt").read_bytes().decode("utf-8").split()
    if len(parts) % 3:  # pragma: no cover - a word without a tag: read it line by line
        rows = [ln.split(" ") for ln in " ".join(parts).splitlines()]
        parts = [x for row in rows for x in (row + [""])[:3]]
    freqs = list(map(int, parts[1::3]))
    return dict(zip(parts[0::3], freqs, strict=True)), sum(freqs)


class Tokenizer:
    """jieba (rjieba) with an optional user dictionary, loaded lazily (~0.05 s)."""

    def __init__(
        self, userdict: Path | None = None, grams: bool = True, search_mode: bool = False
    ) -> None:
        self.userdict = userdict if userdict is not None and userdict.is_file() else None
        self.grams = grams  # add character unigrams and bigrams to the words
        self.search_mode = search_mode  # index jieba's search-mode words (sub-words too) instead
        self._jieba: Segmenter | None = None
        self._freq: tuple[dict[str, int], int] | None = None
        self._lock = threading.Lock()

    @property
    def signature(self) -> str:
        """Changes whenever the terms this tokenizer produces could change."""
        h = hashlib.sha256(f"{TOKENIZER_VERSION}|{self.grams}|{self.search_mode}".encode())
        h.update("\n".join(sorted(stopwords())).encode())
        if self.userdict is not None:
            h.update(self.userdict.read_bytes())
        return h.hexdigest()[:16]

    def segmenter(self) -> Segmenter:
        """jieba's segmenter with the user dictionary (raw words, punctuation and stopwords
        kept), loaded on first use, once, whichever thread asks first."""
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    self._jieba = Segmenter(self.userdict)
        return self._jieba

    @property
    def loaded(self) -> bool:
        """Whether the segmenter has been loaded (a saved index opens without it)."""
        return self._jieba is not None

    def _frequencies(self) -> tuple[dict[str, int], int]:
        """Word -> general-language frequency (user dictionary words included), and the total."""
        if self._freq is None:
            base, total = _dictionary_frequencies()
            added = self.segmenter().added
            if added:  # as jieba's add_word: the word's frequency replaces, the total grows
                base = {**base, **added}
                total += sum(added.values())
            self._freq = (base, total)
        return self._freq

    def informativeness(self, word: str) -> float:
        """How much a word says, from jieba's general-language frequencies: ln(total / (freq+1)).

        Independent of the corpus, so a small corpus where 人大 is everywhere still treats
        人大 as a telling word. Capped, so that unknown words do not dominate."""
        freq, total = self._frequencies()
        return min(math.log(total / (freq.get(word, 0) + 1)), MAX_INFORMATIVENESS)

    def words(self, text: str) -> list[str]:
        """Folded jieba words of `text` (accurate mode), punctuation and stopwords dropped."""
        return [w for w in self._runs(fold(text)) if w]

    def _runs(self, folded: str) -> list[str]:
        """Kept words in order, with "" wherever a stopword or punctuation broke the run."""
        return list(map(_KEPT.__getitem__, self.segmenter().lcut(folded)))

    def search_words(self, text: str) -> list[str]:
        """Folded jieba search-mode words, so 人大代表 also yields 人大 and 代表 (for
        highlighting)."""
        kept = _KEPT
        return [w for w in self.segmenter().lcut_for_search(fold(text)) if kept[w]]

    def index_terms(self, text: str) -> list[str]:
        """Terms stored for a passage: its words, then the character unigrams and bigrams of
        each run of kept words (so 是、的、什么 add no characters, and no bigram spans them)."""
        words, gram_text = self.index_parts(text)
        return words + char_grams(gram_text) if gram_text else words

    def index_parts(self, text: str) -> tuple[list[str], str]:
        """`index_terms` in two parts: the words, and the text whose `char_grams` are the rest
        ("" without grams), so that an index build can count the grams without making them."""
        if self.search_mode:
            return self.search_words(text), fold(text) if self.grams else ""
        return self._parts(self._runs(fold(text)))

    def index_parts_of(self, texts: list[str]) -> list[tuple[list[str], str]]:
        """`index_parts` of each text, the same as asking text by text, but folded and cut
        in one pass over the texts joined by line breaks (which jieba always cuts apart): a
        document's passages cost about a third less. A subclass that changes `index_parts`
        is asked text by text."""
        batch = "\n".join(texts)
        if (
            type(self).index_parts is not Tokenizer.index_parts
            or self.search_mode
            or batch.count("\n") != len(texts) - 1  # a text holds a line break itself
        ):
            return [self.index_parts(text) for text in texts]
        _, folded = _fold_phrases(batch)
        if folded is None:  # one text's phrase conversion changed its length
            folded = "\n".join(map(fold, texts))
        tokens = self.segmenter().lcut(folded)
        if tokens.count("\n") != len(texts) - 1:  # a text ends in "\r": jieba keeps "\r\n" whole
            return [self.index_parts(text) for text in texts]
        runs = list(map(_KEPT.__getitem__, tokens))  # "\n" itself is kept as ""
        out: list[tuple[list[str], str]] = []
        start = 0
        for _ in range(len(texts) - 1):
            end = tokens.index("\n", start)
            out.append(self._parts(runs[start:end]))
            start = end + 1
        out.append(self._parts(runs[start:]))
        return out

    def _parts(self, runs: list[str]) -> tuple[list[str], str]:
        return list(filter(None, runs)), _gram_text(runs) if self.grams else ""

    def query_terms(self, text: str) -> list[str]:
        return self.index_terms(text)

    def analyse(self, text: str) -> Query:
        """Everything the engine needs from a question, from one jieba pass."""
        runs = self._runs(fold(text))
        words = [w for w in runs if w]
        terms = words + char_grams(_gram_text(runs)) if self.grams else words
        if self.search_mode:
            terms = self.index_terms(text)
        freq = self._frequencies()[0]
        shown: list[str] = []
        # as jieba's search mode: known 2- and 3-character parts of longer words, then the word
        for w in words:
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
