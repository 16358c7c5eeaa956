"""The engines the speed benchmark compares, each run in a process of its own.

A worker runs one phase of one engine and prints one line `RESULT {json}` at the end:

- build: index from nothing (the project: `open_index` on the corpus folder with an
  empty cache dir, i.e. reading + segmenting + indexing; an anchor: indexing from the
  saved tokens only), persist, report build seconds, peak RSS and disk size.
- serve: load the persisted index in a fresh process (load seconds, RSS after it), then
  warm-up queries and the measured queries: question -> top 10 -> their texts.

The anchors get the project's own tokens (segmented once, saved under benchmarks/out);
their queries start from the question's tokens, while the project's start from the
question text, so the project's query time includes segmenting the question.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ENGINES = ("project", "rank_bm25", "bm25s", "tantivy")
TOP = 10


def rss_mib() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def rss_parts_mib() -> dict[str, float]:
    """Anonymous (the process's own) and file-backed (mapped files, reclaimable) resident MiB."""
    parts = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("RssAnon", "RssFile", "RssShmem"):
                parts[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return parts


def peak_rss_mib() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from
    the parent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def disk_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def _params():
    from bot.search.store import DEFAULT_PARAMS

    return DEFAULT_PARAMS


# ---- project -------------------------------------------------------------------------------


def project_build(spec: dict) -> dict:
    from bot.search.store import open_index

    started = time.perf_counter()
    index = open_index(Path(spec["corpus"]), Path(spec["index"]))
    seconds = time.perf_counter() - started
    return {"build_s": seconds, "passages": len(index.passages), "documents": len(index.documents)}


def _segmenter_loaded(tokenizer: Any) -> bool:
    if hasattr(tokenizer, "loaded"):
        return bool(tokenizer.loaded)
    return tokenizer._jieba is not None  # a snapshot of bot/ from before `loaded` (--code-at)


def project_serve(spec: dict) -> tuple[dict, Callable[[dict], list[str]]]:
    from bot.answer.engine import Engine
    from bot.search.store import open_index

    before = sorted(str(p) for p in Path(spec["index"]).rglob("*"))
    started = time.perf_counter()
    index = open_index(Path(spec["corpus"]), Path(spec["index"]))
    seconds = time.perf_counter() - started
    info = {
        "load_s": seconds,
        "passages": len(index.passages),
        # a real load neither writes to the cache nor starts jieba's segmenter
        "load_was_a_rebuild": sorted(str(p) for p in Path(spec["index"]).rglob("*")) != before
        or _segmenter_loaded(index.tokenizer),
    }
    engine = Engine(index)

    def query(q: dict) -> list[str]:
        return [hit.passage.text for hit in engine.ask(q["question"], top=TOP).hits]

    return info, query


# ---- rank-bm25 -----------------------------------------------------------------------------


def rank_bm25_build(spec: dict) -> dict:
    from benchmarks._speed_corpus import read_texts, read_tokens
    from bot.search.bm25 import rank_bm25_reference

    tokens = read_tokens(Path(spec["tokens"]))
    texts = read_texts(Path(spec["tokens"]))
    started = time.perf_counter()
    model = rank_bm25_reference(tokens, _params())
    seconds = time.perf_counter() - started
    del tokens
    gc.collect()
    saved = time.perf_counter()
    folder = Path(spec["index"])
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "rank_bm25.pkl").open("wb") as fh:
        pickle.dump((model, texts), fh, protocol=pickle.HIGHEST_PROTOCOL)
    return {"build_s": seconds, "save_s": time.perf_counter() - saved, "passages": len(texts)}


def rank_bm25_serve(spec: dict) -> tuple[dict, Callable[[dict], list[str]]]:
    started = time.perf_counter()
    with (Path(spec["index"]) / "rank_bm25.pkl").open("rb") as fh:
        model, texts = pickle.load(fh)
    seconds = time.perf_counter() - started

    def query(q: dict) -> list[str]:
        scores = model.get_scores(q["tokens"])
        k = min(TOP, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [texts[i] for i in best]

    return {"load_s": seconds, "passages": len(texts)}, query


# ---- bm25s ---------------------------------------------------------------------------------

_BM25S_METHOD = {"plus": "bm25+", "l": "bm25l", "okapi": "robertson"}


def bm25s_build(spec: dict) -> dict:
    import bm25s

    from benchmarks._speed_corpus import read_texts, read_tokens

    params = _params()
    tokens = read_tokens(Path(spec["tokens"]))
    texts = read_texts(Path(spec["tokens"]))
    started = time.perf_counter()
    retriever = bm25s.BM25(
        method=_BM25S_METHOD[params.variant], k1=params.k1, b=params.b, delta=params.delta
    )
    retriever.index(tokens, show_progress=False)
    seconds = time.perf_counter() - started
    del tokens
    gc.collect()
    saved = time.perf_counter()
    retriever.save(spec["index"], corpus=texts, show_progress=False)
    return {
        "build_s": seconds,
        "save_s": time.perf_counter() - saved,
        "passages": len(texts),
        "method": _BM25S_METHOD[params.variant],
    }


def bm25s_serve(spec: dict) -> tuple[dict, Callable[[dict], list[str]]]:
    import bm25s

    started = time.perf_counter()
    retriever = bm25s.BM25.load(spec["index"], mmap=True, load_corpus=True, show_progress=False)
    seconds = time.perf_counter() - started

    def query(q: dict) -> list[str]:
        docs, _scores = retriever.retrieve(
            [q["tokens"] or [""]], k=TOP, show_progress=False, n_threads=1
        )
        return [d["text"] for d in docs[0]]

    return {"load_s": seconds, "passages": int(retriever.scores["num_docs"])}, query


# ---- tantivy -------------------------------------------------------------------------------


def tantivy_build(spec: dict) -> dict:
    import tantivy

    from benchmarks._speed_corpus import read_texts, read_tokens

    tokens = read_tokens(Path(spec["tokens"]))
    texts = read_texts(Path(spec["tokens"]))
    folder = Path(spec["index"])
    folder.mkdir(parents=True, exist_ok=True)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="whitespace", index_option="freq")
    builder.add_bytes_field("text", stored=True, indexed=False)
    schema = builder.build()
    started = time.perf_counter()
    index = tantivy.Index(schema, path=str(folder))
    writer = index.writer(heap_size=256_000_000, num_threads=os.cpu_count() or 1)
    for terms, text in zip(tokens, texts, strict=False):
        doc = tantivy.Document()
        doc.add_text("body", " ".join(terms))
        doc.add_bytes("text", text.encode("utf-8"))
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - started
    return {
        "build_s": seconds,
        "passages": len(texts),
        "note": "build includes writing the index (commit)",
    }


def tantivy_serve(spec: dict) -> tuple[dict, Callable[[dict], list[str]]]:
    import tantivy

    started = time.perf_counter()
    index = tantivy.Index.open(spec["index"])
    searcher = index.searcher()
    schema = index.schema
    seconds = time.perf_counter() - started
    Occur, Query = tantivy.Occur, tantivy.Query

    def query(q: dict) -> list[str]:
        clauses = [
            (Occur.Should, Query.term_query(schema, "body", t, index_option="freq"))
            for t in q["tokens"]
        ]
        hits = searcher.search(Query.boolean_query(clauses), TOP, count=False).hits
        return [bytes(searcher.doc(address)["text"][0]).decode("utf-8") for _score, address in hits]

    return {
        "load_s": seconds,
        "passages": searcher.num_docs,
        "segments": searcher.num_segments,
    }, query


BUILD = {
    "project": project_build,
    "rank_bm25": rank_bm25_build,
    "bm25s": bm25s_build,
    "tantivy": tantivy_build,
}
SERVE = {
    "project": project_serve,
    "rank_bm25": rank_bm25_serve,
    "bm25s": bm25s_serve,
    "tantivy": tantivy_serve,
}


# ---- the worker ----------------------------------------------------------------------------


def run_worker(spec: dict) -> dict:
    engine, phase = spec["engine"], spec["phase"]
    result: dict = {"engine": engine, "phase": phase, "rss_start_mib": rss_mib()}
    if phase == "build":
        result.update(BUILD[engine](spec))
        result["disk_mib"] = disk_mib(Path(spec["index"]))
        result["peak_rss_mib"] = peak_rss_mib()
        return result
    if phase == "change":
        from benchmarks._speed_changes import CHANGE

        result.update(CHANGE[engine](spec))
        result["peak_rss_mib"] = peak_rss_mib()
        return result
    info, query = SERVE[engine](spec)
    result.update(info)
    result["rss_loaded_mib"] = rss_mib()
    result["rss_loaded_parts_mib"] = rss_parts_mib()
    answers: list[list[str]] = []
    result.update(measure_queries(spec, query, answers))
    if spec.get("answers"):  # to check that the engines agree on what they return
        Path(spec["answers"]).write_text(json.dumps(answers), encoding="utf-8")
    result.update(
        {
            "rss_after_queries_mib": rss_mib(),
            "rss_after_queries_parts_mib": rss_parts_mib(),
            "peak_rss_mib": peak_rss_mib(),
        }
    )
    return result


def measure_interleaved(spec: dict, sides: dict[str, Callable[[dict], list[str]]]) -> dict:
    """`measure_queries` for several ways of answering, question by question in turns (the
    order changing from one question to the next), so that whatever else the machine does
    weighs on each alike."""
    queries = json.loads(Path(spec["queries"]).read_text(encoding="utf-8"))
    names = list(sides)
    for q in queries["warmup"]:
        for name in names:
            sides[name](q)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i, q in enumerate(queries["measured"]):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            started = time.perf_counter_ns()
            sides[name](q)
            times[name].append((time.perf_counter_ns() - started) / 1e6)
    out = {}
    for name, values in times.items():
        ms = np.asarray(values)
        out[name] = {
            "queries": len(values),
            "p50_ms": float(np.percentile(ms, 50)),
            "p95_ms": float(np.percentile(ms, 95)),
            "mean_ms": float(ms.mean()),
        }
    return out


def measure_queries(
    spec: dict, query: Callable[[dict], list[str]], answers: list[list[str]] | None = None
) -> dict:
    """Warm-up questions, then the measured ones, each timed: p50, p95, mean, max (ms)."""
    queries = json.loads(Path(spec["queries"]).read_text(encoding="utf-8"))
    warmup = queries["warmup"][: spec.get("warmup", len(queries["warmup"]))]
    measured = queries["measured"][: spec.get("query_limit", len(queries["measured"]))]
    for q in warmup:
        query(q)
    times: list[float] = []
    empty = 0
    for q in measured:
        started = time.perf_counter_ns()
        texts = query(q)
        times.append((time.perf_counter_ns() - started) / 1e6)
        empty += not texts
        if answers is not None:
            answers.append(
                [hashlib.blake2b(t.encode("utf-8"), digest_size=8).hexdigest() for t in texts]
            )
    ms = np.asarray(times)
    return {
        "queries": len(times),
        "warmup": len(warmup),
        "no_result_queries": empty,
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "mean_ms": float(ms.mean()),
        "max_ms": float(ms.max()),
    }


def worker_main(raw_spec: str) -> int:
    spec = json.loads(raw_spec)
    if spec.get(
        "code"
    ):  # measure a snapshot of the project's code (--code-at), not the working tree
        sys.path.insert(0, spec["code"])
        os.environ["SPEECHBOT_BENCH_CODE"] = spec["code"]  # for the pools it starts (speed.py)
    result = run_worker(spec)
    sys.stdout.write("RESULT " + json.dumps(result, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0
