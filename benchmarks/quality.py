"""Answer quality as repeatable numbers, on every set in ../shared/data, with held-out figures.

    .venv/bin/python benchmarks/quality.py             # the final set-up on every set (~2 min)
    .venv/bin/python benchmarks/quality.py --cv        # weights chosen by 5-fold cross-validation
    .venv/bin/python benchmarks/quality.py --ablation  # each technique added in turn

Sets (read from ../shared/data, never copied into the project):

- CMRC 2018 dev (848 Wikipedia paragraphs, 3,219 questions, simplified) and DRCD dev
  (1,000 paragraphs, 3,524 questions, traditional): every paragraph becomes a document file
  and goes through the bot's own path (reading, structure, passages, index, `Engine.ask`).
  A passage is right when it contains a gold answer. "Held out": the paragraphs are split
  into halves A and B and A's questions are asked of B's index and B's of A's, so the gold
  paragraph is never there: every answer given with high confidence is wrong.
- speech dev (the bundled speech, 16 questions) and library dev (two real government
  documents with the bundled speech beside them, 30 questions): `accept` phrases, the
  expected section and document; negatives must be answered 「未找到」. Nothing was tuned on
  these two: they are reported as unseen.

Per set: Answer@1 (the passage shown first is right, whatever the confidence), hit@1 (... and
it is shown as an answer: confidence high or low), Answer@3, section@1 and doc@1 where known,
the shares of the three confidence levels, wrong 「未找到」 on answerable questions, and
negatives answered (with high / low confidence).

Cross-validation (`--cv`): CMRC and DRCD paragraphs are split into 5 folds by article. For
each fold, every query-time weight of the grid below and the two confidence thresholds are
chosen on the other four folds of both sets, and the fold is scored with them; the held-out
figures are the folds' figures put together.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answer.confidence import DEFAULT_CONFIDENCE, ConfidenceConfig  # noqa: E402
from bot.answer.engine import Answer, Engine, EngineConfig  # noqa: E402
from bot.answer.evaluate import section_matches, shown_text  # noqa: E402
from bot.search.rank import RankConfig  # noqa: E402
from bot.search.store import open_index  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SEEDS = ROOT / "seeds"
FOLDS = 5
TOP = 10


# ---- the sets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    q: str
    accept: tuple[str, ...]  # right when the passage contains one of these; () for a negative
    group: str  # what the folds split on (the article), so one article is never on both sides
    doc: str | None = None  # file name (stem) of the document that answers, where known
    section: str | None = None  # leading numeral of the expected section; "" before the first
    kind: str = ""


@dataclass
class QuestionSet:
    name: str
    corpus: Path  # the folder the engine reads
    questions: list[Question]
    halves: tuple[Path, Path] | None = None  # two corpora for the held-out run (SQuAD sets)
    half_of: dict[str, int] = field(default_factory=dict)  # question group -> its half (0, 1)


def load_squad(
    name: str, path: Path, work: Path, titled: bool = False, articles: int | None = None
) -> QuestionSet:
    """A SQuAD-format file as a corpus and its questions: one untitled file per paragraph,
    or (`titled`) one document per article, its title first and its paragraphs after;
    `articles`: only the first so many articles."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data["data"] = data["data"][:articles]
    folder, halves = work / name / "all", (work / name / "a", work / name / "b")
    for f in (folder, *halves):
        f.mkdir(parents=True, exist_ok=True)
    questions: list[Question] = []
    half_of: dict[str, int] = {}
    n = 0
    for a, article in enumerate(data["data"]):
        texts = [paragraph["context"] for paragraph in article["paragraphs"]]
        files = (
            [(f"{name}-{a:04d}", "\n".join([article["title"], *texts]))]
            if titled
            else [(f"{name}-{n + i:05d}", text) for i, text in enumerate(texts)]
        )
        for stem, text in files:
            (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
            (halves[n % 2] / f"{stem}.txt").write_text(text, encoding="utf-8")
            half_of[stem] = n % 2
            n += 1
        for i, paragraph in enumerate(article["paragraphs"]):
            stem = files[0][0] if titled else files[i][0]
            for qa in paragraph["qas"]:
                answers = tuple(dict.fromkeys(x["text"] for x in qa["answers"] if x["text"]))
                questions.append(Question(qa["question"], answers, f"{a}", stem))
    return QuestionSet(name, folder, questions, halves, half_of)


def load_jsonl(name: str, path: Path, corpus: Path) -> QuestionSet:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        doc = Path(item["doc"]).stem if item.get("doc") else None
        questions.append(
            Question(
                item["q"],
                tuple(a for a in item.get("accept") or () if a),
                item["q"],
                doc,
                item.get("section"),
                item.get("kind", ""),
            )
        )
    return QuestionSet(name, corpus, questions)


def load_sets(data: Path, work: Path, names: Iterable[str]) -> list[QuestionSet]:
    out = []
    for name in names:
        squad = {
            "cmrc": data / "cmrc2018" / "cmrc2018_dev.json",
            "drcd": data / "drcd" / "DRCD_dev.json",
        }
        base = name.removesuffix("-titled")
        if base in squad and squad[base].is_file():
            out.append(load_squad(name, squad[base], work, titled=name.endswith("-titled")))
        elif name == "speech" and (data / "speech_qa_dev.jsonl").is_file():
            out.append(load_jsonl("speech", data / "speech_qa_dev.jsonl", SEEDS))
        elif name == "library" and (data / "library_dev" / "qa.jsonl").is_file():
            folder = work / "library"
            folder.mkdir(parents=True, exist_ok=True)
            for source in [*(data / "library_dev" / "docs").iterdir(), *SEEDS.iterdir()]:
                if source.is_file():
                    (folder / source.name).write_bytes(source.read_bytes())
            out.append(load_jsonl("library", data / "library_dev" / "qa.jsonl", folder))
        else:
            print(f"set {name}: no data under {data}, left out", file=sys.stderr)
    return out


# ---- one question's outcome ---------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    question: Question
    right: tuple[bool, ...]  # per result, best first (up to TOP)
    confidence: str  # "high" | "low" | "none"
    coverage: float  # the top passage's coverage (what the confidence levels are drawn from)
    doc_ok: bool
    section_ok: bool
    top_chars: int
    ms: float
    top_text: str = ""
    doubts: frozenset[str] = frozenset()  # what lowered the level (`confidence.DOUBTS`)

    @property
    def answerable(self) -> bool:
        return bool(self.question.accept)

    @property
    def answer1(self) -> bool:
        return bool(self.right[:1] and self.right[0])

    @property
    def hit1(self) -> bool:
        return self.answer1 and self.confidence != "none"


def _right(question: Question, answer: Answer) -> tuple[bool, ...]:
    """A passage is right when it contains an accepted phrase; a passage before the first
    heading is shown with its document's title, so the title counts for it too."""
    return tuple(
        any(a in shown_text(h.passage) for a in question.accept) for h in answer.hits[:TOP]
    )


def ask(engine: Engine, question: Question, doc_names: list[str]) -> Outcome:
    started = time.perf_counter()
    answer = engine.ask(question.q, top=TOP)
    ms = 1000 * (time.perf_counter() - started)
    best = answer.best
    right = _right(question, answer) if question.accept else tuple(False for _ in answer.hits)
    doc_ok = bool(best and question.doc is not None and doc_names[best.passage.doc] == question.doc)
    return Outcome(
        question,
        right,
        answer.confidence,
        best.coverage if best else 0.0,
        doc_ok,
        bool(best and section_matches(question.section, best.passage.section)),
        len(best.passage.text) if best else 0,
        ms,
        best.passage.text if best else "",
        answer.doubts,
    )


def run_set(engine: Engine, qset: QuestionSet) -> list[Outcome]:
    names = [Path(info.path).stem for info in engine.index.document_infos()]
    engine.ask("预热")  # the first question loads jieba's dictionary: not part of the latency
    return [ask(engine, q, names) for q in qset.questions]


def run_held_out(engines: tuple[Engine, Engine], qset: QuestionSet) -> list[Outcome]:
    """Each half's questions asked of the other half's index: the gold paragraph is never there."""
    out = []
    names = [[Path(i.path).stem for i in e.index.document_infos()] for e in engines]
    for q in qset.questions:
        other = 1 - qset.half_of[q.doc or ""]
        absent = replace(q, accept=())
        out.append(ask(engines[other], absent, names[other]))
    return out


# ---- figures ------------------------------------------------------------------------------------


def figures(outcomes: list[Outcome], held_out: list[Outcome] | None = None) -> dict[str, float]:
    ans = [o for o in outcomes if o.answerable]
    neg = [o for o in outcomes if not o.answerable]
    n = max(len(ans), 1)
    docs = [o for o in ans if o.question.doc is not None]
    row: dict[str, float] = {
        "questions": len(outcomes),
        "answerable": len(ans),
        "answer@1": sum(o.answer1 for o in ans) / n,
        "hit@1": sum(o.hit1 for o in ans) / n,
        "answer@3": sum(any(o.right[:3]) for o in ans) / n,
        "doc@1": sum(o.doc_ok for o in docs) / len(docs) if docs else float("nan"),
        "section@1": sum(o.answer1 and o.section_ok for o in ans) / n,
        "high": sum(o.confidence == "high" for o in ans) / n,
        "low": sum(o.confidence == "low" for o in ans) / n,
        "none": sum(o.confidence == "none" for o in ans) / n,  # wrong 未找到
        "top_chars": statistics.mean(o.top_chars for o in ans) if ans else 0.0,
        "negatives": len(neg),
        "negatives_high": sum(o.confidence == "high" for o in neg),
        "negatives_low": sum(o.confidence == "low" for o in neg),
    }
    ms = sorted(o.ms for o in outcomes) or [0.0]
    row["median_ms"] = ms[len(ms) // 2]
    row["p95_ms"] = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    if held_out:
        m = len(held_out)
        row["held_out_high"] = sum(o.confidence == "high" for o in held_out) / m
        row["held_out_low"] = sum(o.confidence == "low" for o in held_out) / m
        row["held_out_none"] = sum(o.confidence == "none" for o in held_out) / m
    return row


# ---- engines ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    name: str
    config: EngineConfig = EngineConfig()


def open_engines(qset: QuestionSet, cache: Path, config: EngineConfig) -> tuple[Engine, ...]:
    corpora = [qset.corpus, *(qset.halves or ())]
    return tuple(Engine(open_index(c, cache), config) for c in corpora)


def with_config(engines: tuple[Engine, ...], config: EngineConfig) -> tuple[Engine, ...]:
    return tuple(Engine(e.index, config) for e in engines)


def score(
    sets: list[QuestionSet], engines: dict[str, tuple[Engine, ...]], config: EngineConfig
) -> dict[str, tuple[list[Outcome], list[Outcome] | None]]:
    out = {}
    for qset in sets:
        es = with_config(engines[qset.name], config)
        present = run_set(es[0], qset)
        absent = run_held_out((es[1], es[2]), qset) if qset.halves else None
        out[qset.name] = (present, absent)
    return out


# ---- cross-validation ---------------------------------------------------------------------------


def fold_of(group: str) -> int:
    return zlib.crc32(group.encode()) % FOLDS


AXES: dict[str, tuple[float, ...]] = {
    "general_weight": (0.0, 0.25, 0.5),
    "synonym_weight": (0.0, 0.4, 0.8),
    "paragraph_weight": (2.0, 3.0, 4.0),
    "local_weight": (0.0, 0.15, 0.3),
    "inherit": (0.5, 0.7, 0.85),
    "char_weight": (0.3, 0.5, 0.7),
    "lead_weight": (0.1, 0.2, 0.4),
    "coverage_weight": (0.0, 1.0, 2.0, 4.0),
    "title_weight": (0.0, 0.5, 1.0),
    "named_weight": (0.0, 1.0, 3.0),
}
TUNED = ("cmrc", "drcd-titled")  # the sets weights are chosen on (DRCD read with its titles)
MAX_NONE = 0.025  # 「未找到」 on answerable questions, in every tuned set (target: at most 3 %)
MAX_HIGH = 0.13  # held-out questions answered with high confidence (target: at most 15 %)
ROUNDS = 2  # rounds of coordinate ascent over the axes


def _value(outcomes: dict[str, list[Outcome]], train: Callable[[Outcome], bool]) -> float:
    """Mean Answer@1 over the training questions of the sets."""
    scores = []
    for present in outcomes.values():
        kept = [o for o in present if o.answerable and train(o)]
        if kept:
            scores.append(sum(o.answer1 for o in kept) / len(kept))
    return statistics.mean(scores) if scores else 0.0


def thresholds(
    present: dict[str, list[Outcome]], absent: dict[str, list[Outcome]]
) -> ConfidenceConfig:
    """Confidence thresholds on a grid, with the doubts that lower a level taken into account:
    `high` as low as it can be while in every set at most `MAX_HIGH` of the held-out
    questions get a confident answer, then `low` as high as it can be while in every set at
    most `MAX_NONE` of the answerable questions get 「未找到」."""

    def share(outcomes: list[Outcome], config: ConfidenceConfig, level: str) -> float:
        if not outcomes:
            return 0.0
        return sum(config.level(o.coverage, o.doubts) == level for o in outcomes) / len(outcomes)

    grid = [x / 1000 for x in range(100, 1001, 2)]
    held = [outcomes for outcomes in absent.values() if outcomes]
    high = next(
        (
            h
            for h in grid
            if all(share(o, ConfidenceConfig(h, h), "high") <= MAX_HIGH for o in held)
        ),
        1.0,
    )
    answerable = [[o for o in outcomes if o.answerable] for outcomes in present.values()]
    low = max(
        (
            v
            for v in grid
            if v <= high
            and all(share(o, ConfidenceConfig(high, v), "none") <= MAX_NONE for o in answerable)
        ),
        default=0.0,
    )
    return ConfidenceConfig(high=high, low=low)


class Tuner:
    """The weights' selection procedure: coordinate ascent over `axes` for the best mean
    Answer@1 on the training questions of the tuned sets, then the confidence thresholds.
    Scored configurations are kept, so the folds share the work."""

    def __init__(
        self,
        sets: list[QuestionSet],
        engines: dict[str, tuple[Engine, ...]],
        axes: dict[str, tuple[float, ...]],
    ) -> None:
        self.sets = [s for s in sets if s.halves]  # the SQuAD sets; the others are never tuned on
        self.tuned = [s.name for s in self.sets if s.name in TUNED]
        self.engines = engines
        self.axes = axes
        self.memo: dict[EngineConfig, dict[str, tuple[list[Outcome], list[Outcome] | None]]] = {}

    def scored(
        self, config: EngineConfig, held_out: bool = False
    ) -> dict[str, tuple[list[Outcome], list[Outcome] | None]]:
        key = replace(config, confidence=DEFAULT_CONFIDENCE)
        known = self.memo.get(key)
        if known is None or (held_out and any(a is None for _, a in known.values())):
            started = time.perf_counter()
            known = {}
            for s in self.sets:
                engines = with_config(self.engines[s.name], key)
                present = run_set(engines[0], s)
                absent = run_held_out((engines[1], engines[2]), s) if held_out else None
                known[s.name] = (present, absent)
            self.memo[key] = known
            took = time.perf_counter() - started
            print(f"  scored {_changes(key, EngineConfig())}: {took:.0f} s", file=sys.stderr)
        if config.confidence == DEFAULT_CONFIDENCE:
            return known
        level = config.confidence.level  # the levels depend on the thresholds and the doubts only
        return {
            name: (
                [replace(o, confidence=level(o.coverage, o.doubts)) for o in p],
                [replace(o, confidence=level(o.coverage, o.doubts)) for o in a]
                if a is not None
                else None,
            )
            for name, (p, a) in known.items()
        }

    def select(self, base: EngineConfig, train: Callable[[Outcome], bool]) -> EngineConfig:
        config = base
        for _ in range(ROUNDS):
            for axis, values in self.axes.items():
                options = [
                    replace(config, ranking=replace(config.ranking, **{axis: v}))  # type: ignore[arg-type]
                    for v in values
                ]
                config = max(
                    options,
                    key=lambda c: (
                        _value(
                            {n: p for n, (p, _) in self.scored(c).items() if n in self.tuned},
                            train,
                        ),
                        c == config,
                    ),
                )
        final = self.scored(config, held_out=True)
        conf = thresholds(
            {n: [o for o in p if train(o)] for n, (p, _) in final.items() if n in self.tuned},
            {n: [o for o in a or [] if train(o)] for n, (_, a) in final.items() if n in self.tuned},
        )
        return replace(config, confidence=conf)

    def cross_validate(
        self, base: EngineConfig
    ) -> tuple[dict[str, dict[str, float]], list[tuple[int, EngineConfig]]]:
        """Held-out figures: each fold scored with the weights selected on the other folds."""
        chosen: list[tuple[int, EngineConfig]] = []
        held: dict[str, tuple[list[Outcome], list[Outcome]]] = {s.name: ([], []) for s in self.sets}
        for f in range(FOLDS):

            def train(o: Outcome, f: int = f) -> bool:
                return fold_of(o.question.group) != f

            config = self.select(base, train)
            chosen.append((f, config))
            for name, (p, a) in self.scored(config, held_out=True).items():
                held[name][0].extend(o for o in p if not train(o))
                held[name][1].extend(o for o in a or [] if not train(o))
        return {name: figures(p, a) for name, (p, a) in held.items()}, chosen


def _changes(config: EngineConfig, base: EngineConfig) -> str:
    """The weights of `config` that differ from `base`'s, as name=value."""
    out = [
        f"{name}={getattr(config.ranking, name)}"
        for name in config.ranking.__dataclass_fields__
        if getattr(config.ranking, name) != getattr(base.ranking, name)
    ]
    if config.confidence != base.confidence:
        out.append(f"low={config.confidence.low}, high={config.confidence.high}")
    return ", ".join(out) or "defaults"


# ---- report -------------------------------------------------------------------------------------

COLUMNS = (
    ("answer@1", "Answer@1", "{:.3f}"),
    ("hit@1", "hit@1", "{:.3f}"),
    ("answer@3", "Answer@3", "{:.3f}"),
    ("doc@1", "doc@1", "{:.3f}"),
    ("section@1", "section@1", "{:.3f}"),
    ("high", "high", "{:.2f}"),
    ("low", "low", "{:.2f}"),
    ("none", "wrong 未找到", "{:.3f}"),
    ("held_out_none", "held out: 未找到", "{:.2f}"),
    ("held_out_low", "held out: low", "{:.2f}"),
    ("top_chars", "top chars", "{:.0f}"),
)


def table(rows: list[tuple[str, str, dict[str, float]]]) -> str:
    head = (
        "| set-up | set | "
        + " | ".join(c[1] for c in COLUMNS)
        + " | negatives answered (high/low) | ms p50 / p95 |"
    )
    lines = [head, "|" + " --- |" * (len(COLUMNS) + 4)]
    for setup, name, r in rows:
        cells = [
            fmt.format(r[key]) if key in r and r[key] == r[key] else "–" for key, _, fmt in COLUMNS
        ]
        negatives = (
            f"{int(r['negatives_high'])}/{int(r['negatives_low'])} of {int(r['negatives'])}"
            if r.get("negatives")
            else "–"
        )
        lines.append(
            f"| {setup} | {name} ({int(r['answerable'])}) | "
            + " | ".join(cells)
            + f" | {negatives} | {r['median_ms']:.2f} / {r['p95_ms']:.2f} |"
        )
    return "\n".join(lines)


def misses(outcomes: list[Outcome]) -> Iterator[str]:
    for o in outcomes:
        if o.answerable and o.hit1 and o.section_ok:
            continue
        if not o.answerable and o.confidence == "none":
            continue
        first = next((i for i, ok in enumerate(o.right) if ok), None)
        yield (
            f"  [{o.question.kind or '-'}] {o.question.q} -> {o.confidence} cov {o.coverage:.2f}, "
            f"right at {first}, section {'ok' if o.section_ok else 'wrong'}: {o.top_text[:40]}"
        )


FINAL = EngineConfig()  # the shipped defaults
BEFORE = EngineConfig(  # the weights before this round of work: where the search starts
    RankConfig(
        paragraph_weight=3.0,
        local_weight=0.3,
        lead_weight=0.1,
        inherit=0.7,
        char_weight=0.5,
        coverage_weight=0.0,
        title_weight=0.0,
        year_weight=0.0,
        named_weight=0.0,
        synonym_weight=0.0,
        thesaurus_weight=0.0,
        general_weight=0.0,
    ),
    ConfidenceConfig(high=0.55, low=0.55),  # the old rule: found at coverage 0.55
    forms=False,
)


def _ablation() -> list[Setup]:
    """From the engine as it was before this round of work (one "found" threshold, no
    synonyms, no priors, no question forms, the old ranking weights) to the final one, one
    technique at a time. Reading of documents (metadata set aside) and title lines never
    being answers are in every row."""
    r, before = FINAL.ranking, BEFORE.ranking
    one = BEFORE.confidence
    steps: list[tuple[str, dict[str, float]]] = [
        ("+ curated synonyms", {"synonym_weight": r.synonym_weight}),
        ("+ general-language term weights", {"general_weight": r.general_weight}),
        (
            "+ coverage of the question read with title and headings",
            {"coverage_weight": r.coverage_weight},
        ),
        ("+ document title", {"title_weight": r.title_weight}),
        ("+ documents the question names (上海 in a title)", {"named_weight": r.named_weight}),
        ("+ year cues", {"year_weight": r.year_weight}),
        (
            "+ ranking weights chosen again (cross-validation)",
            {
                name: getattr(r, name)
                for name in (
                    "paragraph_weight",
                    "local_weight",
                    "lead_weight",
                    "inherit",
                    "char_weight",
                )
            },
        ),
    ]
    out = [
        Setup(
            "before: one threshold (found at 0.55), old weights", EngineConfig(before, one, False)
        ),
        Setup(
            "+ three levels (thresholds chosen by cross-validation)",
            EngineConfig(before, FINAL.confidence, False),
        ),
        Setup(
            "+ question forms (mentioned?, about the text, parts of a section)",
            EngineConfig(before, FINAL.confidence, True),
        ),
    ]
    ranking = before
    for name, change in steps:
        ranking = replace(ranking, **change)  # type: ignore[arg-type]
        out.append(Setup(name, EngineConfig(ranking, FINAL.confidence, True)))
    for weight in (0.2, 0.4):
        tried = replace(FINAL.ranking, thesaurus_weight=weight)
        out.append(
            Setup(f"(tried) + 词林 synonyms at {weight}", EngineConfig(tried, FINAL.confidence))
        )
    return out


ABLATION = _ablation()


def _config(spec: str) -> EngineConfig:
    ranking, confidence = FINAL.ranking, FINAL.confidence
    for item in spec.split(","):
        name, value = item.split("=")
        if name == "low":
            confidence = replace(confidence, low=float(value))
        elif name == "high":
            confidence = replace(confidence, high=float(value))
        else:
            kind = type(getattr(ranking, name))
            ranking = replace(ranking, **{name: kind(value)})
    return EngineConfig(ranking, confidence)


BASE = replace(  # where the cross-validation's search starts: BEFORE, with the year cue and forms
    BEFORE, ranking=replace(BEFORE.ranking, year_weight=FINAL.ranking.year_weight), forms=True
)


def cv_report(
    sets: list[QuestionSet],
    engines: dict[str, tuple[Engine, ...]],
    rows: list[tuple[str, str, dict[str, float]]],
) -> list[str]:
    """Held-out figures of every SQuAD set, and the weights selected on all the data."""
    tuner = Tuner(sets, engines, AXES)
    missing = [name for name in TUNED if name not in tuner.tuned]
    if missing:  # weights chosen on part of the tuned sets would be reported as if on all
        raise SystemExit(f"--cv needs the sets it tunes on: add {', '.join(missing)} to --sets")
    held, chosen = tuner.cross_validate(BASE)
    selected = tuner.select(BASE, lambda o: True)
    rows += [("held out", name, r) for name, r in held.items()]
    return [
        "",
        f"Held out ({FOLDS}-fold cross-validation by article; weights chosen on "
        f"{' and '.join(tuner.tuned)} of the other folds, then the thresholds):",
        "",
        table([("held out", name, r) for name, r in held.items()]),
        "",
        *(f"- fold {f}: {_changes(c, BASE)}" for f, c in chosen),
        f"- selected on all folds: {_changes(selected, BASE)}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--sets", default="cmrc,drcd,drcd-titled,speech,library")
    parser.add_argument("--cv", action="store_true", help="choose the weights by cross-validation")
    parser.add_argument("--ablation", action="store_true", help="each technique added in turn")
    parser.add_argument("--misses", action="store_true", help="list the dev sets' misses")
    parser.add_argument("--cache", type=Path, help="index cache to reuse")
    parser.add_argument(
        "--config", help="try other weights: name=value,... (RankConfig or low/high)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="speechbot-quality-") as tmp:
        work = Path(tmp)
        sets = load_sets(args.data, work, args.sets.split(","))
        cache = args.cache or work / "cache"
        engines = {s.name: open_engines(s, cache, EngineConfig()) for s in sets}
        rows: list[tuple[str, str, dict[str, float]]] = []
        final = (
            Setup("speechbot", FINAL) if not args.config else Setup("tried", _config(args.config))
        )
        setups = ABLATION if args.ablation else [final]
        for setup in setups:
            scored = score(sets, engines, setup.config)
            for qset in sets:
                present, absent = scored[qset.name]
                rows.append((setup.name, qset.name, figures(present, absent)))
                if args.misses and not qset.halves and setup is setups[-1]:
                    print(f"{qset.name} misses:", *misses(present), sep="\n", file=sys.stderr)
        report = [table(rows)]
        if args.cv:
            report += cv_report(sets, engines, rows)
    print("\n".join(report))
    print(f"\nwhole run {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if args.json:
        args.json.write_text(
            json.dumps(
                [{"setup": s, "set": n, **r} for s, n, r in rows], ensure_ascii=False, indent=1
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
