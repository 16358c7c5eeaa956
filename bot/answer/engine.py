"""The answer engine: rank passages for a question and say how sure the answer is.

Ranking is `bot.search.rank`: passage BM25 blended with the paragraph's, re-ranked inside
the paragraph, with the question widened by synonyms (`bot.search.synonyms`) and read
against each passage's title, headings and dates (`bot.answer.cues`). Two question forms
take their own path (`bot.answer.forms`): "is X mentioned?" is answered from the passages
where X occurs, and a question about the text itself (its occasion, its plan) from the
document's opening paragraph. A title line is never the answer.

How sure the answer is (`bot.answer.confidence`): "high" (answered), "low" (possibly
relevant: the best passages are shown with a caveat) or "none" (「未找到」), from the share of
the question's information that the passage shown first covers.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot import texts
from bot.answer.confidence import (
    DEFAULT_CONFIDENCE,
    THESAURUS_CREDIT,
    Confidence,
    ConfidenceConfig,
    coverage,
)
from bot.answer.cues import DocumentCue, PassageContext, TitleIndex, YearCue, year_cue, year_of
from bot.answer.forms import Mention, about_the_text, enumeration, mention
from bot.chars import HAN
from bot.corpus.passages import Passage
from bot.search.bm25 import TermList
from bot.search.rank import DEFAULT_RANKING, RankConfig, members, rank
from bot.search.store import DOCUMENT_CACHE, SearchIndex, open_index
from bot.search.synonyms import Synonyms
from bot.search.tokenize import MAX_INFORMATIVENESS, Query, char_grams, fold

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
HEADING_COVERAGE = 0.6  # share of an enumeration question's information its heading must name
MAX_GRAM_PHRASE = 4  # a longer synonym only counts where the index has it whole
MAX_MENTION_CHECKS = 2000  # passages read to confirm a mention; beyond, the count is a floor
NAMING_MAX_SHARE = 0.05  # a word in more of the library's passages names no document,
NAMING_FLOOR = 20  # ... unless it is in this few of them
NAMING_INSIDE = 0.8  # ... nor one its text uses mostly outside the documents whose titles have it
FOCUS_CHECKS = 50  # passages read to see whether the library has a question's telling word


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    terms: tuple[str, ...]  # folded question terms found in the passage
    coverage: float  # share of the question's weight this passage covers


@dataclass(frozen=True)
class Answer:
    question: str  # the question as answered (after trimming and any cut)
    confidence: Confidence  # "high" answered, "low" possibly relevant, "none" not found
    hits: tuple[Hit, ...]  # best first; may hold candidates even when not found
    empty: bool = False  # nothing to search for (blank or only punctuation/stopwords)
    truncated: bool = False  # the question was cut to MAX_QUESTION_CHARS
    topic: str | None = None  # X of an "is X mentioned?" question
    mentions: int | None = None  # passages that mention it (None: not such a question)
    mentions_at_least: bool = False  # more passages than were checked: `mentions` is a floor
    doubts: frozenset[str] = frozenset()  # what lowered the confidence (`confidence.DOUBTS`)

    @property
    def found(self) -> bool:
        """A passage is shown as the answer (with high or low confidence)."""
        return self.confidence != "none"

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


@dataclass(frozen=True)
class TocEntry:
    doc: int
    section: int
    heading: str
    level: int
    passages: int


@dataclass(frozen=True)
class EngineConfig:
    ranking: RankConfig = DEFAULT_RANKING
    confidence: ConfidenceConfig = DEFAULT_CONFIDENCE
    forms: bool = True  # "is X mentioned?", questions about the text, parts of a section


@dataclass
class Widened:
    """A question's terms with its synonyms' (`bot.search.synonyms`)."""

    terms: list[str]  # to look up: the question's, then the synonyms'
    weights: dict[str, float]  # the synonyms' terms' weights (the question's own weigh 1)
    synonyms: dict[str, list[tuple[str, bool]]]  # word -> (synonym, curated?) used for it
    words: list[str]  # the question's words and the synonyms' (not characters of them)


@dataclass
class _Derived:
    """What the engine works out once per index, on first use."""

    titles: np.ndarray  # passage ids of title lines (never an answer), sorted
    title_of: np.ndarray  # document -> the passage id of its title line (-1: none)
    doc_of: np.ndarray  # passage id -> document (made once: the table builds it on each read)
    context: PassageContext
    title_index: TitleIndex
    synonyms: Synonyms
    years: list[int | None] = field(default_factory=list)


class Engine:
    def __init__(
        self,
        index: SearchIndex,
        config: EngineConfig | RankConfig = EngineConfig(),
        synonyms: Synonyms | None = None,
    ) -> None:
        self.index = index
        self.config = config if isinstance(config, EngineConfig) else EngineConfig(ranking=config)
        self._synonyms = synonyms
        self._derived: _Derived | None = None
        self._lock = threading.Lock()

    @property
    def ranking(self) -> RankConfig:
        return self.config.ranking

    @classmethod
    def open(cls, corpus: Path, cache_dir: Path) -> Engine:
        return cls(open_index(corpus, cache_dir))

    def _setup(self) -> _Derived:
        if self._derived is None:
            with self._lock:
                if self._derived is None:
                    self._derived = self._derive()
        return self._derived

    def _derive(self) -> _Derived:
        index = self.index
        table = index.passages
        infos = index.document_infos()
        cues = [DocumentCue(fold(info.title), year_of(info.date)) for info in infos]
        root = Path(index.root)
        synonyms = self._synonyms or Synonyms.load(
            root if root.is_dir() else root.parent, thesaurus=self.ranking.thesaurus_weight > 0
        )
        titles = np.flatnonzero(np.asarray(table.paragraph) == 0)
        doc_of = np.asarray(table.doc, dtype=np.int64)
        title_of = np.full(len(infos), -1, dtype=np.int64)
        title_of[doc_of[titles]] = titles
        return _Derived(
            titles=titles,
            title_of=title_of,
            doc_of=doc_of,
            context=PassageContext(cues, table.doc, table.path, table.headings),
            title_index=TitleIndex([c.title for c in cues]),
            synonyms=synonyms,
            years=[c.year for c in cues],
        )

    # ---- questions ---------------------------------------------------------------------
    def ask(self, question: str, top: int = 5, doc: int | None = None, offset: int = 0) -> Answer:
        """Answer `question` with its best passages. `offset` skips the first results
        ("更多结果"); how sure the answer is never depends on `top` or `offset`."""
        text = " ".join((question or "").split())
        truncated = len(text) > MAX_QUESTION_CHARS
        if truncated:
            text = text[:MAX_QUESTION_CHARS]
        plain = _without_markup(text)
        query = self.index.tokenizer.analyse(plain) if plain.strip() else None
        if query is None or not query.terms:
            return Answer(text, "none", (), empty=True, truncated=truncated)
        forms = self.config.forms
        asked = mention(plain) if forms else None
        if asked is not None:
            return self._mention(text, query, asked, top, doc, offset, truncated)
        answer = self._ranked(text, query, top + offset, doc, truncated)
        if forms and about_the_text(plain):
            answer = self._about_the_text(answer, query, doc)
        elif forms and enumeration(plain):
            answer = self._section_lead(answer, query)
        return _skip(answer, offset, top)

    def _widened(self, query: Query) -> Widened:
        """The query's terms with synonyms added for the words the library does not use
        (地铁 where the text says 轨道交通): each synonym's own terms (its words and
        characters, as if the question had used it), at the synonym's weight. A word the
        library uses is not widened: its synonyms would only blur what it already finds."""
        derived = self._setup()
        config = self.ranking
        words = set(query.words)
        out = Widened(list(query.terms), {}, {}, list(query.words))
        if not (config.synonym_weight or config.thesaurus_weight):
            return out
        have = set(query.terms)
        for word in dict.fromkeys(query.words):
            if self._terms_for(word):  # the library uses the word itself: nothing to widen
                continue
            for synonym, curated in derived.synonyms.of(word):
                weight = config.synonym_weight if curated else config.thesaurus_weight
                if weight <= 0 or synonym in words or not self._terms_for(synonym):
                    continue
                out.synonyms.setdefault(word, []).append((synonym, curated))
                analysed = self.index.tokenizer.analyse(synonym)
                out.words.extend(w for w in analysed.words if w not in out.words)
                for term in analysed.terms:
                    if term in have:
                        continue
                    if term not in out.weights:
                        out.terms.append(term)
                    out.weights[term] = max(out.weights.get(term, 0.0), weight)
        return out

    def _terms_for(self, phrase: str) -> list[str]:
        """Index terms that stand for a (folded) phrase the question does not use itself: the
        character bigrams of a short Chinese one, which find it wherever it is written
        (轨道交通 inside 轨道交通线, which jieba cuts 轨道 / 交通线), else the phrase itself if it
        is an index term. None: the library does not have it."""
        vocab = self.index.bm25.vocab
        grams = [g for g in char_grams(phrase) if len(g) == 2]
        if 2 <= len(phrase) <= MAX_GRAM_PHRASE and len(grams) == len(phrase) - 1:
            return grams if all(g in vocab for g in grams) else []
        return [phrase] if phrase in vocab else []

    def _ranked(
        self,
        text: str,
        query: Query,
        k: int,
        doc: int | None,
        truncated: bool,
        allowed: np.ndarray | None = None,
    ) -> Answer:
        index = self.index
        derived = self._setup()
        tokenizer = index.tokenizer
        widened = self._widened(query)
        terms, weights, synonyms = widened.terms, widened.weights, widened.synonyms
        if self.ranking.general_weight:  # filler words (现在, 一共) count for less
            exponent = self.ranking.general_weight
            for term in set(terms):
                prior = (tokenizer.informativeness(term) / MAX_INFORMATIVENESS) ** exponent
                weights[term] = weights.get(term, 1.0) * prior
        informative = {w: tokenizer.informativeness(w) for w in query.words}
        squared = {w: x**2 for w, x in informative.items()}
        others: dict[str, list[tuple[str, float]]] = {
            word: [(s, 1.0 if curated else THESAURUS_CREDIT) for s, curated in pairs]
            for word, pairs in synonyms.items()
        }
        years = year_cue(text)

        def alternatives(pid: int) -> dict[str, list[tuple[str, float]]]:
            if not years.offsets:
                return others
            meant = years.alternatives(derived.context.year(pid))
            return {**others, **{w: [(y, 1.0) for y in ys] for w, ys in meant.items()}}

        def judge(pids: np.ndarray) -> np.ndarray:
            """Each candidate's coverage of the question, read with its title and headings."""
            table = index.passages
            return np.fromiter(
                (
                    coverage(
                        query.words,
                        squared,
                        fold(table.text(pid)),
                        derived.context.text(pid),
                        alternatives(pid),
                    )
                    for pid in pids.tolist()
                ),
                dtype=np.float64,
                count=pids.size,
            )

        def title_score(pids: np.ndarray) -> np.ndarray:
            """The BM25 score of each candidate's document title, over the best of them."""
            docs = derived.doc_of[pids]
            title_pids = derived.title_of[docs]
            wanted = np.unique(title_pids[title_pids >= 0])
            if not wanted.size:
                return np.zeros(pids.size)
            lists = index.bm25.term_lists(terms, None, weights)
            _, w = index.bm25.lookup_many(lists, wanted)
            scores = w.sum(axis=0)
            top = float(scores.max()) if scores.size else 0.0
            at = np.searchsorted(wanted, title_pids)
            found = (title_pids >= 0) & (at < wanted.size)
            out = np.where(found, scores[np.minimum(at, wanted.size - 1)], 0.0)
            return out / top if top > 0 else out

        def year_score(pids: np.ndarray) -> np.ndarray:
            return np.fromiter(
                (derived.context.year_match(pid, years) for pid in pids.tolist()),
                dtype=np.float64,
                count=pids.size,
            )

        named = self._named(informative) if doc is None else np.zeros(0, np.int64)

        def named_score(pids: np.ndarray) -> np.ndarray:
            return np.isin(derived.doc_of[pids], named).astype(np.float64)

        span = index.doc_range(doc) if doc is not None else None
        spans = []
        if span is None and allowed is None:
            titled = derived.title_index.best({w: x for w, x in informative.items() if len(w) > 1})
            spans = [index.doc_range(d) for d in dict.fromkeys([*named.tolist()[:3], *titled])]
        ranked = rank(
            index.bm25,
            index.unit_of,
            index.leads,
            terms,
            k,
            allowed,
            self.ranking,
            span,
            words=widened.words,
            weights=weights,
            priors=(
                (self.ranking.coverage_weight, judge),
                (self.ranking.title_weight, title_score),
                (self.ranking.named_weight if named.size else 0.0, named_score),
                (self.ranking.year_weight if years else 0.0, year_score),
            ),
            spans=spans,
            excluded=derived.titles,
        )
        hits = []
        for pid, score in ranked:
            passage = index.passages[pid]
            folded = fold(passage.text)
            present = tuple(dict.fromkeys(t for t in query.shown if t in folded))
            context = self._context(passage)
            cover = coverage(query.words, squared, folded, context, alternatives(pid))
            hits.append(Hit(passage, score, present, cover))
        doubts = (
            self._doubts(hits[0].passage, informative, synonyms, years, named)
            if hits
            else frozenset()
        )
        level = self.config.confidence.level(hits[0].coverage, doubts) if hits else "none"
        return Answer(text, level, tuple(hits), truncated=truncated, doubts=doubts)

    def _named(self, informative: dict[str, float]) -> np.ndarray:
        """The documents the question names: by a word (Chinese, two characters or more)
        that some but not all titles have and that the library's text uses mostly in those
        documents (上海 in 「上海市政府工作报告」; not 工作, which every document uses)."""
        derived = self._setup()
        n = len(derived.years)
        if n < 2:
            return np.zeros(0, np.int64)
        bm25, doc_of = self.index.bm25, derived.doc_of
        named: set[int] = set()
        for word in informative:
            if len(word) < 2 or not HAN.search(word):
                continue
            docs = derived.title_index.naming(word)
            if not 0 < docs.size < n:
                continue
            lists = bm25.term_lists([g for g in char_grams(word) if len(g) == 2])
            if not lists:
                continue
            where = min((_passages(tl) for tl in lists), key=len)  # a superset of its passages
            if where.size > max(NAMING_MAX_SHARE * len(doc_of), NAMING_FLOOR):
                continue  # a word this common is what documents say, not what names one
            titled = np.zeros(n, dtype=bool)
            titled[docs] = True
            inside = titled[doc_of[where]]
            if inside.mean() >= NAMING_INSIDE:
                named.update(docs.tolist())
        return np.asarray(sorted(named), dtype=np.int64)

    def _doubts(
        self,
        passage: Passage,
        informative: dict[str, float],
        synonyms: dict[str, list[tuple[str, bool]]],
        years: YearCue,
        named: np.ndarray,
    ) -> frozenset[str]:
        """Why the passage shown may not be the answer it seems to be (`confidence.DOUBTS`),
        which makes a confident answer 「可能相关」:
        the question's most telling word (two characters or more, Chinese) nowhere in the library
        nor any synonym of it; a heading about another year than the one asked; another
        document than the one the question names by its title."""
        if not self.config.confidence.cues:
            return frozenset()
        derived = self._setup()
        out = set()
        telling = [w for w in informative if len(w) > 1 and HAN.search(w)]
        if telling:
            focus = max(telling, key=lambda w: informative[w])
            others = [s for s, _ in synonyms.get(focus, ())]
            if not any(self._in_library(w) for w in (focus, *others)):
                out.add("absent")
        if years and derived.context.year_match(passage.pid, years) < 0:
            out.add("year")
        if named.size and passage.doc not in named:
            out.add("document")
        return frozenset(out)

    # ---- "is X mentioned?" -------------------------------------------------------------
    def _mention(
        self,
        text: str,
        query: Query,
        asked: Mention,
        top: int,
        doc: int | None,
        offset: int,
        truncated: bool,
    ) -> Answer:
        """Where X occurs (the passages holding it, or all of its words), best first."""
        index = self.index
        derived = self._setup()
        span = index.doc_range(doc) if doc is not None else None
        if span is None and asked.before:  # 「上海的报告里有没有……」: the document it names
            tokenizer = index.tokenizer
            before = {w: tokenizer.informativeness(w) for w in tokenizer.words(asked.before)}
            named = derived.title_index.only({w: x for w, x in before.items() if len(w) > 1})
            if named is not None:
                span = index.doc_range(named)
        found, checked_all = self._occurrences(asked.topic, span)
        if not found.size:
            for synonym, curated in derived.synonyms.of(asked.topic):
                if curated:
                    found, checked_all = self._occurrences(synonym, span)
                    if found.size:
                        break
        if not found.size:
            return Answer(text, "none", (), truncated=truncated, topic=asked.topic, mentions=0)
        allowed = np.zeros(len(index.passages), dtype=bool)
        allowed[found] = True
        ranked = self._ranked(text, query, top + offset, None, truncated, allowed)
        listed = {h.passage.pid for h in ranked.hits}
        rest = [int(p) for p in found if int(p) not in listed][: max(0, top + offset - len(listed))]
        hits = list(ranked.hits) + [
            Hit(index.passages[p], 0.0, (), 0.0) for p in rest
        ]  # occurrences without the question's other words, in text order
        return Answer(
            text,
            "high",
            tuple(hits[offset : offset + top]),
            truncated=truncated,
            topic=asked.topic,
            mentions=int(found.size),
            mentions_at_least=not checked_all,
        )

    def _occurrences(self, topic: str, span: tuple[int, int] | None) -> tuple[np.ndarray, bool]:
        """Passages (ids, sorted, title lines left out) holding `topic` (folded), else those
        holding every word of it; and whether every candidate was checked."""
        words = [w for w in self.index.tokenizer.words(topic) if w]
        found, complete = self._containing(topic, span)
        if found.size or len(words) < 2:
            return found, complete
        common: np.ndarray | None = None
        complete = True
        for word in words:
            pids, done = self._containing(word, span)
            complete &= done
            common = pids if common is None else np.intersect1d(common, pids, assume_unique=True)
            if not common.size:
                break
        return (common if common is not None else np.zeros(0, np.int64)), complete

    def _in_library(self, phrase: str) -> bool:
        """Some passage contains `phrase` (folded; the first few candidates are read, and a
        phrase with more candidates than that is taken to be there)."""
        found, complete = self._containing(
            phrase, None, limit=FOCUS_CHECKS, first=True, titles=True
        )
        return bool(found.size) or not complete

    def _containing(
        self,
        phrase: str,
        span: tuple[int, int] | None,
        limit: int = MAX_MENTION_CHECKS,
        first: bool = False,
        titles: bool = False,
    ) -> tuple[np.ndarray, bool]:
        """Passages whose folded text contains `phrase`: candidates from the postings of its
        character grams (or the word itself), each then read to confirm (at most `limit`;
        with `first`, until one does); and whether every candidate was read."""
        bm25 = self.index.bm25
        grams = sorted(set(char_grams(phrase)) - set(phrase) if len(phrase) > 1 else set(phrase))
        grams = [g for g in grams if len(g) == 2] or grams
        terms = grams if grams else [phrase]
        lists = bm25.term_lists(terms, span)
        if len(lists) < len(terms):
            return np.zeros(0, np.int64), True
        postings = sorted((_passages(tl) for tl in lists), key=len)
        cands = postings[0]
        for other in postings[1:]:
            cands = np.intersect1d(cands, other, assume_unique=True)
            if not cands.size:
                return cands, True
        if not titles:  # a title line names the document: it is not a mention in the text
            cands = cands[~members(cands, self._setup().titles)]
        table = self.index.passages
        checked = cands[:limit]
        hits = []
        for p in checked.tolist():
            if phrase in fold(table.text(p)):
                hits.append(p)
                if first:
                    return np.asarray(hits, dtype=np.int64), True
        return np.asarray(hits, dtype=np.int64), checked.size == cands.size

    # ---- the parts of something ---------------------------------------------------------
    def _section_lead(self, answer: Answer, query: Query) -> Answer:
        """For 「……要加强哪几个方面」: the lead passage of the section whose heading names most
        of what the question asks about (at least `HEADING_COVERAGE` of its information),
        among the sections of the documents of the best answers; else the answer as it is."""
        if not answer.hits:
            return answer
        tokenizer = self.index.tokenizer
        weights = {w: tokenizer.informativeness(w) ** 2 for w in query.words}
        total = sum(weights.values())
        if not total:
            return answer
        best: tuple[float, int, int] | None = None
        for doc in dict.fromkeys(h.passage.doc for h in answer.hits[:3]):
            for section in self.index.documents[doc].sections:
                heading = fold(section.heading)
                share = sum(x for w, x in weights.items() if w in heading) / total
                if share >= HEADING_COVERAGE and (best is None or share > best[0]):
                    best = (share, doc, section.index)
        if best is None:
            return answer
        lead = self._lead(best[1], best[2])
        if lead is None or lead.pid == answer.hits[0].passage.pid:
            return answer
        folded = fold(lead.text)
        present = tuple(dict.fromkeys(t for t in query.shown if t in folded))
        hit = Hit(lead, answer.hits[0].score, present, max(best[0], answer.hits[0].coverage))
        rest = tuple(h for h in answer.hits if h.passage.pid != lead.pid)
        level = self.config.confidence.level(hit.coverage, answer.doubts)
        return Answer(
            answer.question, level, (hit, *rest), truncated=answer.truncated, doubts=answer.doubts
        )

    def _lead(self, doc: int, section: int) -> Passage | None:
        """The first passage of the first paragraph under a section (or its sub-sections)."""
        numbers = self.index.documents[doc].section_paragraphs(section)
        if not numbers:
            return None
        table = self.index.passages
        lo, hi = self.index.doc_range(doc)
        paragraphs = np.asarray(table.paragraph[lo:hi])
        at = np.flatnonzero(paragraphs == numbers[0])
        return table[lo + int(at[0])] if at.size else None

    # ---- about the text itself -----------------------------------------------------------
    def _about_the_text(self, answer: Answer, query: Query, doc: int | None) -> Answer:
        """The opening paragraph of the document the question is about: the one it is
        narrowed to, the only one, the one whose title it names, else the best answer's."""
        derived = self._setup()
        documents = len(derived.years)
        chosen = doc
        if chosen is None and documents == 1:
            chosen = 0
        if chosen is None:
            informative = {
                w: self.index.tokenizer.informativeness(w) for w in query.words if len(w) > 1
            }
            named = derived.title_index.best(informative, limit=1)
            if named:
                chosen = named[0]
        if chosen is None and answer.hits:
            chosen = answer.hits[0].passage.doc
        if chosen is None:
            return answer
        opening = self._opening(chosen)
        if opening is None:
            return answer
        rest = tuple(h for h in answer.hits if h.passage.pid != opening.pid)
        hit = Hit(opening, answer.hits[0].score if answer.hits else 0.0, (), 1.0)
        return Answer(answer.question, "high", (hit, *rest), truncated=answer.truncated)

    def _opening(self, doc: int) -> Passage | None:
        """The first passage of the document's opening paragraph: before the first heading,
        past salutations (「各位代表：」)."""
        table = self.index.passages
        lo, hi = self.index.doc_range(doc)
        for pid in range(lo, min(hi, lo + 200)):
            if int(table.paragraph[pid]) == 0:
                continue
            if table.headings(pid):
                return None
            if int(table.start[pid]) != 0:
                continue
            text = table.text(pid).strip()
            if len(text) < 30 and text.endswith(("：", ":")):
                continue
            return table[pid]
        return None

    def _context(self, passage: Passage) -> str:
        """What a passage is read with, folded: its document title, headings and the passages
        just before it."""
        return _folded_head(passage.document, passage.headings, passage.subsection or "") + fold(
            self._before(passage)
        )

    def _before(self, passage: Passage) -> str:
        """The text of the passages just before `passage` in its paragraph (what it refers
        back to)."""
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
                question = texts.EXAMPLE_HOW.format(topic=m.group(1))
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
                        found.append(texts.EXAMPLE_WHAT.format(topic=body))
        spread = found[:: max(1, len(found) // n)] if len(found) > n else found
        return spread[:n]


@lru_cache(maxsize=4096)
def _folded_head(document: str, headings: tuple[str, ...], subsection: str) -> str:
    """A passage's document title and headings, folded, each on a line (shared by many)."""
    return fold("\n".join((document, *headings, subsection, "")))


def _skip(answer: Answer, offset: int, top: int) -> Answer:
    """The answer's results after the first `offset` ("更多结果"), at most `top`."""
    if not offset and len(answer.hits) <= top:
        return answer
    return Answer(
        answer.question,
        answer.confidence,
        answer.hits[offset : offset + top],
        answer.empty,
        answer.truncated,
        answer.topic,
        answer.mentions,
        answer.mentions_at_least,
        answer.doubts,
    )


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


def _passages(tl: TermList) -> np.ndarray:
    """The passages a term list holds, in the base segment and in the newer ones."""
    docs = np.asarray(tl.docs, dtype=np.int64)
    if tl.tail is None or not tl.tail.docs.size:
        return docs
    return np.concatenate([docs, np.asarray(tl.tail.docs, dtype=np.int64)])
