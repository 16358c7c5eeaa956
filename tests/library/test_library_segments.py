"""The library on a growing index: an addition or a removal is indexed alone (a small new
segment, a deletion), questions meanwhile come from the previous edition, the segments are
merged in the background once they have grown, and a damaged index is rebuilt by `watch`."""

from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path

import pytest

from bot.answer import Engine
from bot.answer.library import Library
from bot.search import indexer, segments
from tests.support.library import CASES, FLOOD_CASE, FLOOD_TEXT, Case


def check_case(engine: Engine, case: Case) -> None:
    answer = engine.ask(case.question, top=1)
    assert answer.found and answer.best is not None, case.question
    assert (answer.best.passage.document, answer.best.passage.section) == (case.title, case.section)


def notice(i: int) -> str:
    return f"第{i}号通知\n一、要求\n第{i}号通知：各单位在第{i}周周五前报送节能自查表。\n"


async def test_additions_go_into_new_segments_and_are_merged_in_the_background(
    library_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexer, "MERGE_SEGMENTS", 3)  # merge once there are more than three
    library = Library(library_dir, tmp_path / "cache")
    assert library.engine.index.segments == 1
    added = await library.add("防汛.txt", FLOOD_TEXT.encode("utf-8"))
    assert added.ok and library.engine.index.segments == 2
    for i in range(2):
        assert (await library.add(f"通知{i}.txt", notice(i).encode("utf-8"))).ok
    assert library.engine.index.segments == 4  # the merge runs in the background from here
    deadline = time.monotonic() + 60
    while library.engine.index.segments > 1:  # questions meanwhile: a complete edition each
        assert time.monotonic() < deadline, "the segments were not merged"
        for case in (*CASES, FLOOD_CASE):
            check_case(library.engine, case)
        await asyncio.sleep(0.01)
    await library.merged()
    assert library.current.version == 5
    for case in (*CASES, FLOOD_CASE):
        check_case(library.engine, case)
    best = library.engine.ask("第1号通知要求什么时候报送自查表？", top=1).best
    assert best is not None and best.passage.document == "第1号通知"


async def test_a_removal_is_a_deletion_and_the_document_is_gone(
    library_dir: Path, tmp_path: Path
) -> None:
    library = Library(library_dir, tmp_path / "cache")
    (library_dir / "植树安排.txt").unlink()
    result = await library.reload()
    assert result.ok and library.engine.index.segments == 1
    index = library.engine.index
    assert index.bm25.n_live < index.bm25.n_docs  # its passages are marked deleted
    assert "植树" not in {d.title[:2] for d in library.current.documents}
    for case in CASES[:3]:
        check_case(library.engine, case)
    answer = library.engine.ask(CASES[3].question, top=5)
    assert all(h.passage.document != CASES[3].title for h in answer.hits)


async def test_watch_rebuilds_an_index_found_damaged_while_in_use(
    library_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segments, "VERIFY_NOW_BYTES", 0)  # every file checked in the background
    cache = tmp_path / "cache"
    assert Engine.open(library_dir, cache).index.checked(timeout=20)
    gc.collect()  # the next open reads the index from the disk, as a new process would
    (segment,) = (cache / "corpora").glob("*/seg-*")
    data = bytearray((segment / "texts.bin").read_bytes())
    data[len(data) // 2] ^= 0x20
    (segment / "texts.bin").write_bytes(bytes(data))
    library = Library(library_dir, cache)
    watcher = asyncio.create_task(library.watch(0.05))
    try:
        deadline = time.monotonic() + 20
        while library.current.version == 1:
            assert time.monotonic() < deadline, "the damaged index was not rebuilt"
            await asyncio.sleep(0.05)
        assert not library.engine.index.damaged
        for case in CASES:
            check_case(library.engine, case)
    finally:
        watcher.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watcher
