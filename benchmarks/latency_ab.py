"""Query latency of two builds of the project, measured in turns (A, B, A, B, ...).

    .venv/bin/python benchmarks/latency_ab.py --corpus benchmarks/out/corpus-1M \\
        --queries benchmarks/out/queries-300-20-0.json \\
        before=/tmp/bench-old/index-1M/project@/tmp/bench-old/code-aaa34dd \\
        after=/tmp/bench-new/index-1M/project --rounds 3

Each side is a saved index (a `--keep-indexes` run of speed.py) and, after `@`, the folder of
the code that built it (a `--code-at` snapshot; none: the working tree), and after a second
`@` the corpus it was built from when the two sides were built from copies in different
folders (the index is keyed by its corpus's path: another one would be a rebuild). Every
round starts a fresh process per side that loads the index and asks the speed benchmark's
questions (`Engine.ask`, top 10); the sides alternate, so that other work on the machine
weighs on both alike. Prints each round's p50 / p95 and their medians; the index folders
are not changed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's root

from benchmarks.speed import run_worker  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sides", nargs=2, metavar="LABEL=INDEX[@CODE[@CORPUS]]")
    parser.add_argument("--corpus", type=Path, required=True)  # unless a side names its own
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    sides = []
    for side in args.sides:
        label, _, rest = side.partition("=")
        index, _, rest = rest.partition("@")
        code, _, corpus = rest.partition("@")
        sides.append(
            (
                label,
                Path(index).resolve(),
                str(Path(code).resolve()) if code else None,
                Path(corpus or args.corpus).resolve(),  # the one the index was built from
            )
        )
    results: dict[str, list[dict]] = {label: [] for label, _, _, _ in sides}
    for round_ in range(args.rounds):
        for label, index, code, corpus in sides:
            spec = {
                "engine": "project",
                "phase": "serve",
                "corpus": str(corpus),
                "index": str(index),
                "queries": str(args.queries.resolve()),
                "code": code,
            }
            load = os.getloadavg()[0]
            out = run_worker(spec, timeout=3600, max_rss_gib=16)
            if "error" in out:
                print(f"{label}: {out['error']}", file=sys.stderr)
                return 1
            out["loadavg"] = load
            results[label].append(out)
            print(
                f"round {round_ + 1} {label}: load {out['load_s']:.2f} s, "
                f"p50 {out['p50_ms']:.2f} ms, p95 {out['p95_ms']:.2f} ms "
                f"(1-min load average {load:.1f})",
                flush=True,
            )
    summary = {
        label: {
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p95_ms": statistics.median(r["p95_ms"] for r in runs),
            "load_s": statistics.median(r["load_s"] for r in runs),
            "rounds": runs,
        }
        for label, runs in results.items()
    }
    for label, s in summary.items():
        print(
            f"{label}: median of {args.rounds}: p50 {s['p50_ms']:.2f} ms, "
            f"p95 {s['p95_ms']:.2f} ms, load {s['load_s']:.2f} s"
        )
    print(
        json.dumps(
            {k: {x: v[x] for x in ("p50_ms", "p95_ms", "load_s")} for k, v in summary.items()}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
