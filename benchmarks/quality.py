"""Answer quality as a repeatable number: CMRC 2018 dev, the speech dev set, "not found".

    .venv/bin/python benchmarks/quality.py                # the table (about 1 minute)
    .venv/bin/python benchmarks/quality.py --ablation     # and baseline -> each technique

CMRC 2018 dev (848 Wikipedia paragraphs, 3,219 questions): every context becomes a
document file, read, parsed, cut into passages and indexed by the project's own code
(`open_index`), and every question is asked through `Engine.ask`. A result is right when
its text contains a gold answer. Reported: Answer@1, Answer@5, MRR@10, the mean length of
the top passage, paragraph Recall@1 (the top passage comes from the question's context),
how often the engine says "not found" although the context is there, and query latency.

"Not found" calibration: the contexts are split into halves A and B (alternating); A's
questions are asked of B's index and B's of A's, so the gold paragraph is never there, and
every claimed find is wrong.

Speech dev set: `speechbot eval` on seeds/ with ../shared/data/speech_qa_dev.jsonl.

Data is read from ../shared/data (never copied into the project).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answer.engine import Engine  # noqa: E402
from bot.answer.evaluate import evaluate_file  # noqa: E402
from bot.corpus import passages as packing  # noqa: E402
from bot.search.bm25 import BM25Params  # noqa: E402
from bot.search.rank import DEFAULT_RANKING, RankConfig  # noqa: E402
from bot.search.store import DEFAULT_PARAMS, open_index  # noqa: E402
from bot.search.tokenize import Query, Tokenizer  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CMRC = Path("cmrc2018") / "cmrc2018_dev.json"
SPEECH_DEV = Path("speech_qa_dev.jsonl")
SEEDS = ROOT / "seeds"


# ---- the set-ups compared -------------------------------------------------------------------


class RawJiebaTokenizer(Tokenizer):
    """The obvious baseline: jieba.lcut as is, no folding, no stopwords, no punctuation removal."""

    @property
    def signature(self) -> str:
        return "raw-jieba-" + super().signature

    def index_terms(self, text: str) -> list[str]:
        import jieba  # the Python jieba itself, as the baseline (the project segments with rjieba)

        return [w for w in jieba.lcut(text) if w.strip()]

    def index_parts(self, text: str) -> tuple[list[str], str]:  # what the index build asks for
        return self.index_terms(text), ""

    def analyse(self, text: str) -> Query:
        return replace(super().analyse(text), terms=self.index_terms(text))


@dataclass(frozen=True)
class Setup:
    name: str
    tokenizer: str = (
        "default"  # "raw" (jieba.lcut), "words" (search-mode words, no grams), "default"
    )
    params: BM25Params = DEFAULT_PARAMS
    ranking: RankConfig = DEFAULT_RANKING
    packing: tuple[int, int, int] | None = None  # (target, min, max); None: the project's

    def make_tokenizer(self) -> Tokenizer:
        if self.tokenizer == "raw":
            return RawJiebaTokenizer(grams=False)
        if self.tokenizer == "words":
            return Tokenizer(grams=False, search_mode=True)
        return Tokenizer()


PURE_BM25 = RankConfig(
    paragraph_weight=0.0,
    local_weight=0.0,
    lead_weight=0.0,
    inherit=0.0,
    char_weight=1.0,
    paragraph_char_weight=1.0,
)
OLD_PACKING = (100, 60, 150)
OLD_PARAMS = BM25Params(variant="plus", k1=1.2, b=0.75)
R = replace(
    DEFAULT_RANKING, char_weight=1.0, paragraph_char_weight=1.0
)  # the rows before characters were weakened

ABLATION = [
    Setup(
        "jieba.lcut + BM25Okapi k1 1.5 (rank-bm25 defaults)",
        "raw",
        BM25Params("okapi", 1.5, 0.75),
        PURE_BM25,
        OLD_PACKING,
    ),
    Setup(
        "+ folding, punctuation and stopwords removed, BM25Plus k1 1.2 (previous engine)",
        "words",
        OLD_PARAMS,
        PURE_BM25,
        OLD_PACKING,
    ),
    Setup(
        "+ character unigrams and bigrams with the words",
        "default",
        OLD_PARAMS,
        PURE_BM25,
        OLD_PACKING,
    ),
    Setup("+ k1 0.6", "default", DEFAULT_PARAMS, PURE_BM25, OLD_PACKING),
    Setup(
        "+ paragraph score blended in",
        "default",
        DEFAULT_PARAMS,
        replace(PURE_BM25, paragraph_weight=R.paragraph_weight),
        OLD_PACKING,
    ),
    Setup(
        "+ local idf inside the paragraph",
        "default",
        DEFAULT_PARAMS,
        replace(R, lead_weight=0.0, inherit=0.0),
        OLD_PACKING,
    ),
    Setup(
        "+ paragraph-lead bonus", "default", DEFAULT_PARAMS, replace(R, inherit=0.0), OLD_PACKING
    ),
    Setup(
        "+ subject taken over from the passages before", "default", DEFAULT_PARAMS, R, OLD_PACKING
    ),
    Setup("+ passages packed to about 130 characters", "default", DEFAULT_PARAMS, R, None),
    Setup(
        "+ characters of longer question words: half weight in the passage, none in the paragraph (final)",
        "default",
        DEFAULT_PARAMS,
        DEFAULT_RANKING,
        None,
    ),
]
FINAL = ABLATION[-1]


@contextlib.contextmanager
def packing_limits(limits: tuple[int, int, int] | None) -> Iterator[None]:
    """Temporarily pack passages with other (target, min, max) limits."""
    if limits is None:
        yield
        return
    saved = packing.TARGET_CHARS, packing.MIN_CHARS, packing.MAX_CHARS
    packing.TARGET_CHARS, packing.MIN_CHARS, packing.MAX_CHARS = limits
    try:
        yield
    finally:
        packing.TARGET_CHARS, packing.MIN_CHARS, packing.MAX_CHARS = saved


def open_engine(corpus: Path, cache: Path, setup: Setup) -> Engine:
    if (
        setup.packing is not None
    ):  # the cache keys do not know of the packing limits: keep each apart
        cache = cache / ("packing-" + "-".join(map(str, setup.packing)))
    with packing_limits(setup.packing):
        index = open_index(corpus, cache, setup.params, setup.make_tokenizer())
    return Engine(index, setup.ranking)


# ---- CMRC -------------------------------------------------------------------------------------


@dataclass
class Context:
    id: str
    text: str
    questions: list[tuple[str, list[str]]]


def load_cmrc(path: Path) -> list[Context]:
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            questions = [
                (q["question"], [a["text"] for a in q["answers"] if a["text"]])
                for q in paragraph["qas"]
            ]
            out.append(Context(paragraph["id"], paragraph["context"], questions))
    return out


def write_corpus(contexts: list[Context], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for c in contexts:
        (folder / f"{c.id}.txt").write_text(c.text, encoding="utf-8")
    return folder


@dataclass
class Scores:
    questions: int = 0
    answer1: int = 0
    answer5: int = 0
    rr: float = 0.0
    paragraph1: int = 0
    not_found: int = 0  # said "not found" although the context is in the corpus
    top_chars: list[int] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)

    def row(self) -> dict[str, float]:
        n = max(self.questions, 1)
        ms = sorted(self.ms) or [0.0]
        return {
            "answer@1": self.answer1 / n,
            "answer@5": self.answer5 / n,
            "mrr@10": self.rr / n,
            "top_chars": statistics.mean(self.top_chars) if self.top_chars else 0.0,
            "paragraph_recall@1": self.paragraph1 / n,
            "not_found_when_present": self.not_found / n,
            "median_ms": ms[len(ms) // 2],
            "p95_ms": ms[min(len(ms) - 1, int(0.95 * len(ms)))],
        }


def score_cmrc(engine: Engine, contexts: list[Context]) -> Scores:
    context_of_doc = [Path(d.path).stem for d in engine.index.documents]
    scores = Scores()
    for c in contexts:
        for question, answers in c.questions:
            started = time.perf_counter()
            answer = engine.ask(question, top=10)
            scores.ms.append(1000 * (time.perf_counter() - started))
            scores.questions += 1
            right = [any(a in h.passage.text for a in answers) for h in answer.hits]
            scores.answer1 += bool(right[:1] and right[0])
            scores.answer5 += any(right[:5])
            scores.rr += next((1 / (i + 1) for i, ok in enumerate(right) if ok), 0.0)
            scores.not_found += not answer.found
            if answer.hits:
                best = answer.hits[0].passage
                scores.paragraph1 += context_of_doc[best.doc] == c.id
                scores.top_chars.append(len(best.text))
    return scores


def false_finds(
    engine_a: Engine, engine_b: Engine, a: list[Context], b: list[Context]
) -> tuple[int, int]:
    """(claimed finds, questions) asking each half's questions of the other half's index."""
    claimed = asked = 0
    for engine, contexts in ((engine_b, a), (engine_a, b)):
        for c in contexts:
            for question, _ in c.questions:
                claimed += engine.ask(question, top=1).found
                asked += 1
    return claimed, asked


def speech_figures(cache: Path, setup: Setup, data: Path) -> dict[str, int] | None:
    path = data / SPEECH_DEV
    if not path.is_file():
        return None
    return evaluate_file(open_engine(SEEDS, cache, setup), path).figures()


# ---- report -----------------------------------------------------------------------------------


def run(
    setup: Setup, contexts: list[Context], work: Path, cache: Path, data: Path, holdout: bool
) -> dict:
    full = work / "all"
    started = time.perf_counter()
    engine = open_engine(full, cache, setup)
    build = time.perf_counter() - started
    engine.ask("预热")  # the first question loads jieba's dictionary: not part of query latency
    row = score_cmrc(engine, contexts).row()
    row["build_s"] = build
    row["passages"] = len(engine.index.passages)
    if holdout:
        a, b = contexts[0::2], contexts[1::2]
        claimed, asked = false_finds(
            open_engine(work / "a", cache, setup), open_engine(work / "b", cache, setup), a, b
        )
        row["found_when_absent"] = claimed / asked
    speech = speech_figures(cache, setup, data)
    if speech:
        row["speech"] = speech
    return row


def format_table(rows: list[tuple[str, dict]], command: str) -> str:
    head = (
        "| set-up | Answer@1 | Answer@5 | MRR@10 | top chars | Paragraph R@1 | not found, paragraph there "
        "| found, paragraph held out | speech hit@1 / section@1 / negatives | median / p95 ms |"
    )
    lines = [f"command: {command}", "", head, "|" + " --- |" * 10]
    for name, r in rows:
        s = r.get("speech")
        speech = (
            (
                f"{s['hit@1']}/{s['answerable']} / {s['section@1']}/{s['answerable']} / "
                f"{s['negatives_rejected']}/{s['negatives']}"
            )
            if s
            else "–"
        )
        absent = f"{r['found_when_absent']:.3f}" if "found_when_absent" in r else "–"
        lines.append(
            f"| {name} | {r['answer@1']:.3f} | {r['answer@5']:.3f} | {r['mrr@10']:.3f} | {r['top_chars']:.0f} "
            f"| {r['paragraph_recall@1']:.3f} | {r['not_found_when_present']:.3f} | {absent} | {speech} "
            f"| {r['median_ms']:.2f} / {r['p95_ms']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data", type=Path, default=DATA, help="folder with cmrc2018/ and speech_qa_dev.jsonl"
    )
    parser.add_argument(
        "--ablation", action="store_true", help="also score each technique added in turn"
    )
    parser.add_argument(
        "--cache", type=Path, help="index cache to reuse (default: a fresh temporary one)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    command = "python benchmarks/quality.py" + (" --ablation" if args.ablation else "")
    cmrc = args.data / CMRC
    if not cmrc.is_file():
        print(f"no CMRC data at {cmrc}", file=sys.stderr)
        return 2
    contexts = load_cmrc(cmrc)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="speechbot-quality-") as tmp:
        work = Path(tmp)
        write_corpus(contexts, work / "all")
        write_corpus(contexts[0::2], work / "a")
        write_corpus(contexts[1::2], work / "b")
        cache = args.cache or work / "cache"
        rows: list[tuple[str, dict]] = []
        for setup in ABLATION if args.ablation else [FINAL]:
            row = run(
                setup, contexts, work, cache, args.data, holdout=setup is FINAL or args.ablation
            )
            rows.append((setup.name if args.ablation else "speechbot", row))
            print(
                f"{setup.name}: {json.dumps({k: v for k, v in row.items()}, ensure_ascii=False)}",
                file=sys.stderr,
            )
        if args.cache is None:
            shutil.rmtree(work / "cache", ignore_errors=True)
    print(format_table(rows, command))
    print(
        f"\n{len(contexts)} contexts, {sum(len(c.questions) for c in contexts)} questions; "
        f"passages {rows[-1][1]['passages']}, index built in {rows[-1][1]['build_s']:.1f} s; "
        f"whole run {time.perf_counter() - started:.0f} s"
    )
    if args.json:
        args.json.write_text(json.dumps(dict(rows), ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
