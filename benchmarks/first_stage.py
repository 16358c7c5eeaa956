"""Latency of the BM25 first stage alone, on a saved index, for the speed benchmark's questions.

    .venv/bin/python benchmarks/speed.py --sizes 1M --engines project --keep-indexes
    .venv/bin/python benchmarks/first_stage.py --corpus benchmarks/out/corpus-1M \\
        --index benchmarks/out/index-1M/project --queries benchmarks/out/queries-300-20-0.json

`Engine.ask` (what `speed.py` times) is the first stage plus the re-ranking and the answer
engine's reading of the best candidates (docs/quality.md). This times only what the index
does for a question: its term lists and the exact top passages by BM25 (MaxScore), as many
as the ranking asks for (`RankConfig.first_stage`), the question already segmented. The
same questions are asked `--rounds` times in one process after the warm-up ones; each
round's p50 / p95 is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's root

from bot.search.rank import DEFAULT_RANKING  # noqa: E402
from bot.search.store import open_index  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True, help="the index (cache) folder")
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    index = open_index(args.corpus, args.index)
    bm25, tokenizer = index.bm25, index.tokenizer
    queries = json.loads(args.queries.read_text(encoding="utf-8"))
    k = DEFAULT_RANKING.first_stage

    def terms(q: dict) -> list[str]:
        return tokenizer.analyse(q["question"]).terms

    for q in queries["warmup"]:
        bm25.top_lists(bm25.term_lists(terms(q), None, None), k, None)
    measured = [terms(q) for q in queries["measured"]]
    for round_ in range(args.rounds):
        times = []
        for question in measured:
            started = time.perf_counter_ns()
            bm25.top_lists(bm25.term_lists(question, None, None), k, None)
            times.append((time.perf_counter_ns() - started) / 1e6)
        ms = np.asarray(times)
        print(
            f"round {round_ + 1}: first stage (top {k}) of {ms.size} questions: "
            f"p50 {np.percentile(ms, 50):.2f} ms, p95 {np.percentile(ms, 95):.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
