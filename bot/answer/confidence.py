"""How sure an answer is: answered, possibly relevant, or not found.

The measure is the *coverage* of the passage shown first: the share of the question's
information that it holds. Each word of the question (jieba, accurate mode, stopwords
dropped) weighs the square of its informativeness in general Chinese (jieba's dictionary
frequencies, not the corpus's, which a single speech skews); squaring lets the rare words
that name what the question is about outweigh everyday words any passage may contain.

- a word in the passage counts fully;
- a curated synonym of it in the passage (地铁 / 轨道交通) counts fully, a 词林 synonym
  counts `THESAURUS_CREDIT`; a relative year (去年) counts fully where the year it means in
  the passage's document (2025) is written;
- a word (or such a form of it) only in the passage's title, headings or the passages just
  before it counts `CONTEXT_CREDIT` of that (the passage that answers often does not repeat
  its subject, and a title or heading says where it is: 「一、2025年工作回顾」);
- a word of which only some characters occur counts `PARTIAL_CREDIT` of that share.

Two thresholds make three levels: at or above `high` the passage answers the question; at
or above `low` the best passages are shown as possibly relevant, with a caveat; below, the
question's words are not in the library in any useful way and the answer is 「未找到」. A
doubt the coverage cannot see (`DOUBTS`) makes an answer 「可能相关」 at most: the question's
most telling word nowhere in the library (a colloquial word, or a thing the texts do not
mention), a passage about another year or from another document than the question names. Both
thresholds are chosen by cross-validation on CMRC 2018 and DRCD (`benchmarks/quality.py --cv`):
`low` so that at most 3 % of answerable questions get 「未找到」, `high` so that at most 15 %
of questions whose paragraph is held out get a confident answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Confidence = Literal["high", "low", "none"]

PARTIAL_CREDIT = 0.5
CONTEXT_CREDIT = 0.5
THESAURUS_CREDIT = 0.5


@dataclass(frozen=True)
class ConfidenceConfig:
    high: float = 0.538  # coverage at or above: answered
    low: float = 0.474  # at or above: possibly relevant; below: not found
    cues: bool = True  # lowered when the question's telling word or its year or place is not met

    def level(self, coverage: float, doubts: frozenset[str] = frozenset()) -> Confidence:
        """The level of a coverage; with `doubts` (see `DOUBTS`), 「可能相关」 at most. A doubt
        never turns an answer into 「未找到」: the passage is shown, with the caveat."""
        level: Confidence = (
            "high" if coverage >= self.high else "low" if coverage >= self.low else "none"
        )
        return "low" if level == "high" and doubts and self.cues else level


DEFAULT_CONFIDENCE = ConfidenceConfig()

# Why a passage shown may not be the answer it seems to be (the engine finds them):
DOUBTS = {
    "absent": "the question's most telling word is nowhere in the library, nor a synonym of it",
    "year": "the passage is under a heading about another year than the one asked",
    "document": "the passage is from another document than the one the question names",
}


def coverage(
    words: Sequence[str],
    weights: Mapping[str, float],
    passage: str,
    context: str = "",
    alternatives: Mapping[str, Sequence[tuple[str, float]]] | None = None,
) -> float:
    """The share of the question's weight that a (folded) passage covers; `context` is its
    folded title, headings and the passages just before it; `alternatives` maps a question
    word to other forms of it with the credit each earns (its synonyms; for 去年, the year
    it means in the passage's document)."""
    total = sum(weights[w] for w in words)
    if not total:
        return 0.0
    covered = 0.0
    for word in words:
        weight = weights[word]
        if word in passage:
            covered += weight
            continue
        others = (alternatives or {}).get(word, ())
        credit = max((c for alt, c in others if alt in passage), default=0.0)
        if word in context:
            credit = max(credit, CONTEXT_CREDIT)
        else:
            credit = max(
                credit,
                max((c * CONTEXT_CREDIT for alt, c in others if alt in context), default=0.0),
            )
        if credit:
            covered += credit * weight
        else:
            share = sum(ch in passage for ch in word) / len(word)
            covered += PARTIAL_CREDIT * share * weight
    return covered / total
