"""Speed and scale benchmark: this project beside rank-bm25, bm25s and tantivy.

    .venv/bin/python benchmarks/speed.py --sizes 10k,100k,1M

For each size it writes a synthetic corpus of about N passages (real CMRC 2018 sentences
from ../shared/data reshuffled into new documents; see _speed_corpus.py) to
benchmarks/out/corpus-<N>/, segments it once with the project's tokenizer for the
anchors, then measures every engine in processes of its own (one to build, a fresh one
to load and query; see _speed_engines.py). It prints one markdown table and writes
benchmarks/out/speed-<date>.json; results of an earlier run the same day are kept and
merged unless --fresh. `--plot docs/performance.png` draws how cost grows with size.

A build whose peak RSS, scaled linearly from the largest smaller size, would pass
--max-rss-gib is recorded as not run; --code-at COMMIT measures a `git archive` snapshot
of bot/ rather than a working tree others may be editing.

Queries are CMRC questions: a fixed random sample of --queries after 20 warm-up ones.
The project answers the question text with `Engine.ask(question, top=10)`; the anchors
start from the question's tokens. Nothing in the test suite depends on this script.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the checkout's root: `benchmarks` and `bot` as packages
# --code-at: the snapshot's `bot` goes before the checkout's. An environment variable, because
# this module is run again as `__mp_main__` in every process multiprocessing starts (the
# indexer's fork server and its workers), and each must import the snapshot, not the checkout.
CODE_ENV = "SPEECHBOT_BENCH_CODE"
if os.environ.get(CODE_ENV):
    sys.path.insert(0, os.environ[CODE_ENV])

from benchmarks._speed_engines import ENGINES, worker_main  # noqa: E402

DEFAULT_OUT = HERE / "out"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SPEECH_QUESTION = "人大代表在人大工作中处于什么地位？"
SLOW_ENGINE_SIZE = 200_000  # from this many passages on, rank-bm25 gets --slow-queries queries
CHANGE_ENGINES = ("project", "tantivy")  # measured adding (and the project removing) a document

# The targets for the project at 1M passages (issues 5 and 14).
TARGETS = {
    "p50_ms": 1.6,
    "rss_mib": 1024.0,
    "build_s": 90.0,
    "build_peak_mib": 2560.0,
    "disk_mib": 1536.0,
    "load_s": 1.0,
    "speech_cold_s": 0.8,
    "add_s": 2.0,
    "remove_s": 2.0,
    "add_share_100k": 0.08,
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def size_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import psutil

        ram = psutil.virtual_memory().total / 2**30
    except ImportError:  # pragma: no cover
        ram = 0.0
    return {
        "nproc": os.cpu_count(),
        "cpu": model or platform.processor(),
        "ram_gib": round(ram, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


CODE: dict = {"dir": None, "commit": None}  # set by --code-at: the snapshot of bot/ being measured


def snapshot(commit: str, out: Path) -> tuple[Path, str]:
    """bot/ and seeds/ of `commit` extracted under `out` (git archive: the checkout is left
    alone)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", commit],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    folder = out / f"code-{sha}"
    if not (folder / "bot").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", sha, "bot", "seeds"], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder, sha


def versions() -> dict:
    from importlib import metadata

    out: dict[str, object] = {}
    for name in ("speechbot", "jieba", "numpy", "rank-bm25", "bm25s", "tantivy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    if CODE["dir"]:
        out["commit"], out["bot_uncommitted"] = CODE["commit"], []
        return out
    try:  # the project's code that was measured

        def git(*a: str) -> str:
            return subprocess.run(
                ["git", *a], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.rstrip("\n")

        out["commit"] = git("rev-parse", "--short", "HEAD")
        out["bot_uncommitted"] = git("status", "--porcelain", "--", "bot").splitlines()
    except (OSError, subprocess.CalledProcessError):
        out["commit"] = None
    return out


# ---- running one worker ----------------------------------------------------------------


def run_worker(spec: dict, timeout: float, max_rss_gib: float) -> dict:
    """Run one phase in a fresh interpreter; kill it past `timeout` or `max_rss_gib`."""
    import psutil

    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        json.dumps(spec, ensure_ascii=False),
    ]
    started = time.perf_counter()
    # run in the snapshot's folder with --code-at: the indexer's fork server (`python -c`)
    # imports `bot` from its working directory, and must import the snapshot's
    cwd = CODE["dir"] or str(ROOT)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=None, text=True, cwd=cwd)
    watched = psutil.Process(proc.pid)
    polled_peak = 0.0
    killed = None
    while proc.poll() is None:
        rss = _tree_rss_mib(watched)
        polled_peak = max(polled_peak, rss)
        if rss > max_rss_gib * 1024:
            killed = f"killed: RSS over {max_rss_gib:g} GiB"
        elif time.perf_counter() - started > timeout:
            killed = f"killed: over {timeout:g} s"
        if killed:
            proc.kill()
            break
        time.sleep(0.2)
    out, _ = proc.communicate()
    wall = time.perf_counter() - started
    for line in reversed(out.splitlines()):
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
            result["wall_s"] = wall
            # the process and its workers together (polled every 0.2 s): what a machine must hold
            result["tree_peak_rss_mib"] = max(polled_peak, result.get("peak_rss_mib", 0.0))
            return result
    return {
        "engine": spec["engine"],
        "phase": spec["phase"],
        "error": killed or f"exit code {proc.returncode}",
        "wall_s": wall,
        "polled_peak_rss_mib": polled_peak,
    }


def _tree_rss_mib(process) -> float:  # noqa: ANN001 - a psutil.Process
    """Resident MiB of a process and all its descendants (its worker processes)."""
    import psutil

    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


# ---- preparing inputs --------------------------------------------------------------------


def prepare_queries(args: argparse.Namespace) -> Path:
    from benchmarks import _speed_corpus as corpus
    from bot.search.tokenize import Tokenizer

    path = args.out / f"queries-{args.queries}-{args.warmup}-{args.seed}.json"
    if path.exists():
        return path
    questions = corpus.load_questions(corpus.cmrc_file(args.data))
    warmup, measured = corpus.sample_questions(questions, args.queries, args.warmup, args.seed)
    tokenizer = Tokenizer()
    entry = lambda q: {"question": q, "tokens": tokenizer.query_terms(q)}  # noqa: E731
    data = {
        "seed": args.seed,
        "warmup": [entry(q) for q in warmup],
        "measured": [entry(q) for q in measured],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def extrapolated_peak_mib(engine: str, n: int, history: list[dict]) -> tuple[float, dict] | None:
    """The build's peak RSS at `n` passages, scaled linearly from the largest smaller size
    measured."""
    earlier = [
        r
        for r in history
        if r["engine"] == engine
        and r["target_passages"] < n
        and r.get("build", {}).get("peak_rss_mib")
    ]
    if not earlier:
        return None
    row = max(earlier, key=lambda r: r["target_passages"])
    return row["build"]["peak_rss_mib"] * n / row["target_passages"], row


def measure_size(
    n: int, args: argparse.Namespace, queries: Path, history: list[dict]
) -> list[dict]:
    from benchmarks import _speed_corpus as corpus

    label = size_label(n)
    log(f"{label}: corpus")
    pool = corpus.load_pool(corpus.cmrc_file(args.data))
    corpus_dir = args.out / f"corpus-{label}"
    manifest = corpus.generate_corpus(pool, n, corpus_dir, seed=args.seed, progress=True)
    from benchmarks._speed_changes import remove_added

    if remove_added(corpus_dir):  # left by a change phase that was stopped midway
        log(f"{label}: removed the files an earlier change phase had added")
    log(
        f"{label}: {manifest['passages']:,} passages in {manifest['documents']:,} documents, "
        f"{manifest['chars'] / 1e6:.1f} M characters"
    )
    tokens_dir = args.out / f"tokens-{label}"
    token_meta = None
    if any(e != "project" for e in args.engines):
        log(f"{label}: segmenting passages for the anchors ({args.processes} processes)")
        token_meta = corpus.write_tokens(
            corpus_dir, tokens_dir, processes=args.processes, progress=True
        )
        log(
            f"{label}: {token_meta['passages']:,} passages, "
            f"{token_meta['tokens_per_passage']} tokens a passage "
            f"({token_meta['seconds']} s)"
        )
    rows = []
    for engine in args.engines:
        index_dir = args.out / f"index-{label}" / engine
        if index_dir.exists():
            shutil.rmtree(index_dir)
        index_dir.mkdir(parents=True)
        spec = {
            "engine": engine,
            "corpus": str(corpus_dir),
            "tokens": str(tokens_dir),
            "index": str(index_dir),
            "queries": str(queries),
            "answers": str(args.out / f"answers-{label}-{engine}.json"),
            "code": CODE["dir"],
        }
        row = {
            "size": label,
            "target_passages": n,
            "engine": engine,
            "corpus_passages": manifest["passages"],
            "loadavg_before": os.getloadavg()[0],
            "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
            "commit": versions().get("commit"),
        }
        if engine != "project" and token_meta:
            row["tokens"] = (
                token_meta  # which tokenizer made the anchors' tokens, how many a passage
            )
        guess = extrapolated_peak_mib(engine, n, history)
        if guess is not None and guess[0] > args.max_rss_gib * 1024:
            small = guess[1]
            row["not_run"] = (
                f"build peak RSS would be ~{guess[0] / 1024:.0f} GiB (linear from "
                f"{small['build']['peak_rss_mib']:,.0f} MiB at {small['size']}), "
                "over --max-rss-gib "
                f"{args.max_rss_gib:g} on a {machine()['ram_gib']:.0f} GiB machine"
            )
            log(f"{label}: {engine} not run: {row['not_run']}")
            rows.append(row)
            continue
        log(f"{label}: {engine} build")
        build = run_worker({**spec, "phase": "build"}, args.timeout, args.max_rss_gib)
        row["build"] = build
        if "error" in build:
            log(f"{label}: {engine} build failed: {build['error']}")
            rows.append(row)
            continue
        log(
            f"{label}: {engine} build {build['build_s']:.1f} s, "
            f"peak {_build_peak(build):.0f} MiB, "
            f"disk {build['disk_mib']:.0f} MiB"
        )
        serve_spec = {**spec, "phase": "serve"}
        if engine == "rank_bm25" and n >= SLOW_ENGINE_SIZE:
            serve_spec.update(query_limit=args.slow_queries, warmup=min(args.warmup, 3))
        serve = run_worker(serve_spec, args.timeout, args.max_rss_gib)
        row["serve"] = serve
        if "error" in serve:
            log(f"{label}: {engine} serve failed: {serve['error']}")
        else:
            log(
                f"{label}: {engine} load {serve['load_s']:.2f} s, "
                f"RSS {serve['rss_loaded_mib']:.0f} MiB, p50 {serve['p50_ms']:.2f} ms, "
                f"p95 {serve['p95_ms']:.2f} ms ({serve['queries']} queries)"
            )
        if engine in CHANGE_ENGINES and not args.no_changes and "error" not in serve:
            log(f"{label}: {engine} changes")
            change = run_worker(
                {**spec, "phase": "change", "data": str(args.data)}, args.timeout, args.max_rss_gib
            )
            row["change"] = change
            if "error" in change:
                log(f"{label}: {engine} changes failed: {change['error']}")
            else:
                log(f"{label}: {engine} add {change['add_s']:.2f} s" + _change_summary(change))
        rows.append(row)
        if not args.keep_indexes:
            shutil.rmtree(index_dir, ignore_errors=True)
    return rows


def _change_summary(change: dict) -> str:
    if "remove_s" not in change:
        return ""
    return (
        f", remove {change['remove_s']:.2f} s, 20 segments "
        f"p50 {change['segments_20']['p50_ms']:.2f} / "
        f"p95 {change['segments_20']['p95_ms']:.2f} ms, merge {change['merge_s']:.1f} s"
    )


def agreement(rows: list[dict], out: Path, label: str) -> None:
    """Mean share of each engine's top 10 that the reference engine also returned (same
    queries, in order)."""
    answers = {}
    for row in rows:
        path = out / f"answers-{label}-{row['engine']}.json"
        if "serve" in row and "error" not in row["serve"] and path.exists():
            answers[row["engine"]] = json.loads(path.read_text(encoding="utf-8"))
    # rank-bm25 is plain BM25 on the project's tokens; the project may re-rank on top of BM25
    reference = (
        "rank_bm25" if "rank_bm25" in answers else "project" if "project" in answers else None
    )
    if reference is None:
        return
    for row in rows:
        mine = answers.get(row["engine"])
        if mine is None:
            continue
        pairs = list(zip(answers[reference], mine, strict=False))
        shares = [len(set(a) & set(b)) / max(len(set(a)), 1) for a, b in pairs]
        row["serve"]["top10_overlap"] = {
            "with": reference,
            "queries": len(pairs),
            "mean": round(sum(shares) / max(len(shares), 1), 3),
        }


def speech_cold(args: argparse.Namespace, runs: int = 5) -> dict:
    """`speechbot ask` on the bundled speech: fresh process, warm cache, wall time including
    start-up."""
    script = Path(sys.executable).with_name("speechbot")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
    code = Path(CODE["dir"]) if CODE["dir"] else ROOT
    cmd += ["ask", SPEECH_QUESTION, "--corpus", str(code / "seeds")]
    env = {**os.environ, "SPEECHBOT_CACHE_DIR": str(args.out / "cache-speech")}
    if CODE["dir"]:
        env["PYTHONPATH"] = CODE["dir"]
    shown = " ".join(["speechbot", "ask", SPEECH_QUESTION, "--corpus", "seeds"])
    times = []
    try:
        subprocess.run(
            cmd, env=env, cwd=str(ROOT), check=True, capture_output=True
        )  # warms the cache
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(cmd, env=env, cwd=str(ROOT), check=True, capture_output=True)
            times.append(time.perf_counter() - started)
    except (
        OSError,
        subprocess.CalledProcessError,
    ) as exc:  # a broken CLI must not lose the other results
        log(f"small scale: {shown} failed: {exc}")
        return {"command": shown, "error": str(exc)}
    return {
        "command": shown,
        "runs_s": [round(t, 3) for t in times],
        "median_s": statistics.median(times),
    }


# ---- reporting ---------------------------------------------------------------------------


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def _after(serve: dict) -> str:
    """RSS after queries, with the process's own (anonymous) part: the rest is mapped files,
    clean pages the kernel can take back."""
    anon = serve.get("rss_after_queries_parts_mib", {}).get("RssAnon")
    return _fmt(serve["rss_after_queries_mib"]) + (
        f" ({_fmt(anon)} own)" if anon is not None else ""
    )


def overlap(serve: dict) -> str:
    o = serve.get("top10_overlap")
    return "–" if not o else f"{o['mean'] * 100:.0f}% (vs {o['with']})"


def table(results: dict) -> str:
    head = (
        "| passages | engine | build s | build peak MiB | load s | RSS MiB loaded "
        "| RSS MiB after queries (own) "
        "| p50 ms | p95 ms | disk MiB | queries | top-10 overlap |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    rows = sorted(results["rows"], key=lambda r: (r["target_passages"], ENGINES.index(r["engine"])))
    for r in rows:
        b, s = r.get("build", {}), r.get("serve", {})
        passages = s.get("passages") or b.get("passages") or r.get("corpus_passages")
        if r.get("not_run"):
            lines.append(
                f"| {passages:,} | {r['engine']} | not run: {r['not_run']} " + "| " * 9 + "|"
            )
            continue
        if "error" in b or "error" in s:
            why = b.get("error") or s.get("error")
            lines.append(
                f"| {passages:,} | {r['engine']} | {_fmt(b.get('build_s'))} | "
                f"{_fmt(b.get('peak_rss_mib') or b.get('polled_peak_rss_mib'))} | not run: {why} "
                + "| " * 7
                + "|"
            )
            continue
        lines.append(
            f"| {passages:,} | {r['engine']} | {_fmt(b['build_s'])} | {_fmt(_build_peak(b))} | "
            f"{_fmt(s['load_s'], 2)} | {_fmt(s['rss_loaded_mib'])} | {_after(s)} | "
            f"{_fmt(s['p50_ms'], 2)} | {_fmt(s['p95_ms'], 2)} | {_fmt(b['disk_mib'])} | "
            f"{s['queries']} | {overlap(s)} |"
        )
    tantivy_1m = [
        r
        for r in rows
        if r["target_passages"] == 1_000_000
        and r["engine"] == "tantivy"
        and "p95_ms" in r.get("serve", {})
    ]
    p95 = (
        f"≤ {tantivy_1m[0]['serve']['p95_ms']:.2f} (tantivy's)" if tantivy_1m else "≤ tantivy's p95"
    )
    lines.append(
        f"| **target at 1M** | project | ≤ {TARGETS['build_s']:.0f} | "
        f"≤ {TARGETS['build_peak_mib']:,.0f} | ≤ {TARGETS['load_s']:.0f} | | "
        f"≤ {TARGETS['rss_mib']:,.0f} | ≤ {TARGETS['p50_ms']} | {p95} "
        f"| ≤ {TARGETS['disk_mib']:,.0f} | | |"
    )
    changes = changes_table(rows)
    if changes:
        lines += ["", changes]
    speech = results.get("speech_cold")
    if speech and "error" in speech:
        lines += ["", f"Small scale: `{speech['command']}` failed: {speech['error']}"]
    elif speech:
        lines.append("")
        lines.append(
            f"Small scale: `{speech['command']}`, fresh process, warm cache, median of "
            f"{len(speech['runs_s'])}: **{speech['median_s']:.2f} s** "
            f"(target ≤ {TARGETS['speech_cold_s']} s)."
        )
    return "\n".join(lines)


def _build_peak(build: dict) -> float | None:
    """The build's peak RSS: its process and its workers together where that was polled."""
    return build.get("tree_peak_rss_mib") or build.get("peak_rss_mib")


def changes_table(rows: list[dict]) -> str:
    """Adding and removing a document, and queries on one segment (its files checked), on
    twenty more unmerged ones and once they are merged, in the same process."""
    head = (
        "| passages | engine | add a 50-passage document s | its share of a build | remove s "
        "| p50 / p95 ms, 1 segment | 20 more segments | merge s | merged |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]

    def pair(q: dict | None) -> str:
        return f"{q['p50_ms']:.2f} / {q['p95_ms']:.2f}" if q else "–"

    for r in rows:
        c = r.get("change")
        if not c or "error" in c:
            continue
        passages = r.get("serve", {}).get("passages") or r.get("corpus_passages")
        share = c["add_s"] / r["build"]["build_s"] if r.get("build", {}).get("build_s") else None
        lines.append(
            f"| {passages:,} | {r['engine']} | {c['add_s']:.2f} | "
            f"{'–' if share is None else f'{share:.1%}'} | {_fmt(c.get('remove_s'), 2)} | "
            f"{pair(c.get('turns', {}).get('1 segment', c.get('one_segment')))} | "
            f"{pair(c.get('turns', {}).get('21 segments', c.get('segments_20')))} | "
            f"{_fmt(c.get('merge_s'))} | {pair(c.get('after_merge'))} |"
        )
    return "\n".join(lines) if len(lines) > 2 else ""


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("build s", lambda r: r["build"].get("build_s"), TARGETS["build_s"]),
        ("query p50 ms", lambda r: r["serve"].get("p50_ms"), TARGETS["p50_ms"]),
        ("query p95 ms", lambda r: r["serve"].get("p95_ms"), None),
        (
            "RSS MiB after queries",
            lambda r: r["serve"].get("rss_after_queries_mib"),
            TARGETS["rss_mib"],
        ),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.8))
    for ax, (title, get, target) in zip(axes, panels, strict=False):
        if target is not None:
            ax.plot(
                [1_000_000],
                [target],
                marker="*",
                markersize=13,
                color="black",
                linestyle="none",
                label="project's target at 1M",
            )
        for engine in ENGINES:
            pts = sorted(
                (r["serve"]["passages"], get(r))
                for r in results["rows"]
                if r["engine"] == engine
                and "serve" in r
                and "error" not in r["serve"]
                and get(r) is not None
            )
            if pts:
                ax.plot([p for p, _ in pts], [v for _, v in pts], marker="o", label=engine)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("passages")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
    fig.suptitle(
        f"speechbot speed benchmark, {results['date']} ({results['machine']['nproc']} cores)"
    )
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def merge(old: dict, new: dict) -> dict:
    """`new`'s rows replace `old`'s rows of the same size and engine."""
    keys = {(r["size"], r["engine"]) for r in new["rows"]}
    rows = [r for r in old.get("rows", []) if (r["size"], r["engine"]) not in keys] + new["rows"]
    return {
        **old,
        **new,
        "rows": rows,
        "speech_cold": new.get("speech_cold") or old.get("speech_cold"),
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="10k,100k,1M", help="corpus sizes in passages (default 10k,100k,1M)"
    )
    parser.add_argument("--engines", default=",".join(ENGINES), help="of " + ",".join(ENGINES))
    parser.add_argument(
        "--queries", type=int, default=300, help="measured queries per engine (default 300)"
    )
    parser.add_argument(
        "--warmup", type=int, default=20, help="warm-up queries before measuring (default 20)"
    )
    parser.add_argument(
        "--slow-queries",
        type=int,
        default=30,
        help=f"measured queries for rank-bm25 from {SLOW_ENGINE_SIZE:,} passages on (default 30)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="the shared data folder (../shared/data)"
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="corpora, tokens, indexes and results"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="for segmenting the anchors' tokens",
    )
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds allowed to one build or serve process"
    )
    parser.add_argument(
        "--max-rss-gib", type=float, default=16, help="kill a process whose RSS grows past this"
    )
    parser.add_argument(
        "--no-speech", action="store_true", help="skip the small-scale `speechbot ask` timing"
    )
    parser.add_argument(
        "--keep-indexes", action="store_true", help="keep benchmarks/out/index-<N>/ after measuring"
    )
    parser.add_argument(
        "--no-changes",
        action="store_true",
        help="skip adding and removing a document (the project and tantivy's change phase)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="do not merge with today's earlier results"
    )
    parser.add_argument(
        "--plot", type=Path, help="also draw cost against corpus size into this PNG"
    )
    parser.add_argument(
        "--code-at",
        metavar="COMMIT",
        help="measure the project's code at this commit (extracted with git archive) instead of "
        "the working tree, e.g. HEAD while others edit the checkout",
    )
    parser.add_argument(
        "--report",
        type=Path,
        nargs="+",
        metavar="JSON",
        help="only print the table (and --plot) of saved result files, merged in order",
    )
    args = parser.parse_args(argv)

    if args.report:
        results: dict = {"rows": []}
        for path in args.report:
            results = merge(results, json.loads(path.read_text(encoding="utf-8")))
        print(table(results))
        if args.plot:
            plot(results, args.plot)
        return 0

    if args.code_at:
        folder, sha = snapshot(args.code_at, args.out.resolve())
        CODE.update(dir=str(folder), commit=sha)
        os.environ[CODE_ENV] = str(folder)  # inherited by every worker and its pools
        sys.path.insert(0, str(folder))
        log(f"measuring the project's code at {sha} ({folder})")
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in args.engines if e not in ENGINES]
    if unknown:
        parser.error(f"unknown engines: {', '.join(unknown)}")
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    if not (args.data / "cmrc2018" / "cmrc2018_dev.json").is_file():
        parser.error(f"CMRC 2018 not found under {args.data}")

    today = dt.date.today().isoformat()
    results = {
        "date": today,
        "machine": machine(),
        "versions": versions(),
        "settings": {
            "queries": args.queries,
            "warmup": args.warmup,
            "slow_queries": args.slow_queries,
            "seed": args.seed,
            "top": 10,
        },
        "rows": [],
    }
    log(
        f"machine: {results['machine']['nproc']} cores, {results['machine']['cpu']}, "
        f"{results['machine']['ram_gib']} GiB"
    )
    queries = prepare_queries(args)
    out_json = args.out / f"speed-{today}.json"
    earlier: dict = {"rows": []}
    if out_json.exists() and not args.fresh:
        earlier = json.loads(out_json.read_text(encoding="utf-8"))
        log(f"merging with earlier results in {out_json}")

    def save() -> dict:  # after every size, so that a later failure loses nothing
        merged = merge(earlier, results)
        for label in {
            r["size"] for r in merged["rows"]
        }:  # a row's answers file is rewritten when the row is
            agreement([r for r in merged["rows"] if r["size"] == label], args.out, label)
        out_json.write_text(json.dumps(merged, ensure_ascii=False, indent=1), encoding="utf-8")
        return merged

    for n in sizes:
        size_started = time.perf_counter()
        rows = measure_size(n, args, queries, earlier["rows"] + results["rows"])
        for row in rows:
            row["size_seconds"] = round(time.perf_counter() - size_started)
        results["rows"].extend(rows)
        log(f"{size_label(n)}: done in {time.perf_counter() - size_started:.0f} s")
        save()
    if not args.no_speech:
        log("small scale: speechbot ask on the bundled speech")
        results["speech_cold"] = speech_cold(args)
    results = save()
    print(table(results))
    if args.plot:
        plot(results, args.plot)
    log(f"results: {out_json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
