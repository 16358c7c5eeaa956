"""The cost of change in a library already indexed: the speed benchmark's `change` phase.

The project, in a fresh process on the index the build left: a `Library` (what the bot
holds) takes one new ~50-passage document through `Library.add` (the Telegram upload's path:
checked, saved into the corpus folder, indexed, swapped in) and is timed until the new
edition answers from it; the file is then removed and `Library.reload` timed the same way.
Twenty more documents are added one by one (twenty unmerged segments beside the first) and
the benchmark's questions asked again; then `merge_index` (`speechbot index --merge`) and
the questions once more. Each state is asked twice in a row (`*_first`, then the "warm"
pass); the first pass of the first state also pays for the first sight of the questions and
of the index's pages. The one-segment and the twenty-segment editions are also asked side by
side, question by question in turns (`turns`): on a machine others use, the only fair
comparison of the two. The added
files are removed at the end (and at the start, should an earlier run have been killed), so
the corpus is left as it was generated.

Tantivy, as the anchor: the same document's passages (the project's tokens) added with an
index writer and committed, until a new searcher sees them.
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

from benchmarks._speed_corpus import cmrc_file, count_passages, load_pool, make_document
from benchmarks._speed_engines import (
    TOP,
    disk_mib,
    measure_interleaved,
    measure_queries,
    peak_rss_mib,
    rss_mib,
    rss_parts_mib,
)

ADDED = "bench-added-{n:02d}.txt"
PASSAGES = (48, 52)  # "a 50-passage document"


def new_documents(data: Path, n: int, seed: int = 14) -> list[tuple[str, str]]:
    """`n` new documents of about 50 passages, made as the corpus's are (other numbers)."""
    pool = load_pool(cmrc_file(data))
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    number = 9_000_000
    while len(out) < n:
        number += 1
        text = make_document(rng, pool, number)
        if PASSAGES[0] <= count_passages(text) <= PASSAGES[1]:
            out.append((ADDED.format(n=len(out)), text))
    return out


def remove_added(corpus: Path) -> int:
    stale = list(corpus.glob("bench-added-*.txt"))
    for path in stale:
        path.unlink()
    return len(stale)


def _checked(library) -> float:  # noqa: ANN001 - a bot.answer.library.Library
    """Wait for the background check of the index's large files; how long it took."""
    started = time.perf_counter()
    assert library.engine.index.checked(timeout=600)
    return time.perf_counter() - started


def project_change(spec: dict) -> dict:
    from bot.answer.library import Library
    from bot.search.store import merge_index

    corpus, cache = Path(spec["corpus"]), Path(spec["index"])
    out: dict = {"stale_files_removed": remove_added(corpus)}
    documents = new_documents(Path(spec["data"]), 21)
    started = time.perf_counter()
    library = Library(corpus, cache)
    out["open_s"] = time.perf_counter() - started
    library.engine.ask("人大代表的职责是什么？", top=1)  # a running bot: jieba's dictionary loaded

    def ask(q: dict) -> list[str]:
        return [h.passage.text for h in library.engine.ask(q["question"], top=TOP).hits]

    def asking(engine):  # noqa: ANN001, ANN202 - one edition's Engine, kept
        return lambda q: [h.passage.text for h in engine.ask(q["question"], top=TOP).hits]

    # the questions on one segment, once its files have been checked (as later on in a bot's
    # life): the reference for the twenty segments below, measured in the same process; each
    # state is asked twice, the second pass ("warm") is the one compared
    out["checked_s"] = _checked(library)
    out["one_segment_first"] = measure_queries(spec, ask)
    out["one_segment"] = measure_queries(spec, ask)
    one_segment = library.engine

    async def changes() -> None:
        name, text = documents[0]
        started = time.perf_counter()
        added = await library.add(name, text.encode("utf-8"))
        out["add_s"] = time.perf_counter() - started
        assert added.ok and added.document is not None, added
        title = text.splitlines()[0]
        best = library.engine.ask(title, top=1).best
        out["add_answerable"] = best is not None and best.passage.document == added.document.title
        out["add_passages"] = added.document.passages
        (corpus / added.name).unlink()
        started = time.perf_counter()
        removed = await library.reload()
        out["remove_s"] = time.perf_counter() - started
        titles = {d.title for d in removed.current.documents}
        assert removed.ok and added.document.title not in titles
        started = time.perf_counter()
        for name, text in documents[1:]:
            assert (await library.add(name, text.encode("utf-8"))).ok
        out["adds_20_s"] = time.perf_counter() - started
        out["segments"] = library.engine.index.segments

    asyncio.run(changes())
    out["segments_20_first"] = measure_queries(spec, ask)
    out["segments_20"] = measure_queries(spec, ask)
    # and the two editions side by side, question by question in turns: the fairest comparison
    turns = measure_interleaved(
        spec, {"1 segment": asking(one_segment), "21 segments": asking(library.engine)}
    )
    out["turns"] = turns
    del one_segment
    out["rss_after_20_mib"] = rss_mib()
    out["rss_after_20_parts_mib"] = rss_parts_mib()
    index = library.engine.index
    started = time.perf_counter()
    out["merged"] = merge_index(Path(index.root), cache, index.bm25.params, index.tokenizer)
    out["merge_s"] = time.perf_counter() - started
    asyncio.run(library.reload())
    out["segments_after_merge"] = library.engine.index.segments
    out["checked_after_merge_s"] = _checked(library)
    out["after_merge_first"] = measure_queries(spec, ask)
    out["after_merge"] = measure_queries(spec, ask)
    out["disk_mib_merged"] = disk_mib(cache)
    out["peak_rss_with_merge_mib"] = peak_rss_mib()
    remove_added(corpus)
    asyncio.run(library.reload())
    return out


def tantivy_change(spec: dict) -> dict:
    import tantivy

    from bot.corpus.passages import make_passages
    from bot.corpus.reading import SourceText
    from bot.corpus.structure import parse_document
    from bot.search.tokenize import Tokenizer

    name, text = new_documents(Path(spec["data"]), 1)[0]
    passages = make_passages(parse_document(SourceText(Path(name), text)), 0)
    tokenizer = Tokenizer()
    tokens = [tokenizer.index_terms(p.text) for p in passages]  # given, as in its build
    index = tantivy.Index.open(spec["index"])
    schema = index.schema
    started = time.perf_counter()
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    for terms, passage in zip(tokens, passages, strict=True):
        doc = tantivy.Document()
        doc.add_text("body", " ".join(terms))
        doc.add_bytes("text", passage.text.encode("utf-8"))
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    seconds = time.perf_counter() - started
    number = [t for t in tokens[0] if t.isdigit()]  # the title's number, in no other document
    query = tantivy.Query.term_query(schema, "body", number[0], index_option="freq")
    hits = searcher.search(query, 1, count=False).hits
    found = bool(hits) and bytes(searcher.doc(hits[0][1])["text"][0]).decode() == passages[0].text
    return {"add_s": seconds, "add_passages": len(passages), "add_answerable": found}


CHANGE = {"project": project_change, "tantivy": tantivy_change}
