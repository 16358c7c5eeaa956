"""Every document the index reads is read under the memory and time limits of a reading worker
(`bot.corpus.guard`), in the indexer's own process as in its pool of workers: a document past a
limit is refused and reported like any file that cannot be used, the others are indexed; a
reading worker that dies is reported and the file tried again at the next open."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot import texts
from bot.corpus import limits
from bot.search import indexer
from bot.search.store import SearchIndex, open_index
from tests.support.index import speech_library

MIB = 1024 * 1024


def _library(folder: Path, n: int) -> Path:
    return speech_library(folder, n)


def _memory_hungry(path: Path) -> Path:
    """48 MB of text: reading it takes far more than 150 MB (and far less than a GiB)."""
    line = "社区食堂建设要因地制宜，方便群众就餐。" * 40 + "\n"
    path.write_text(line * 20000, encoding="utf-8")
    return path


def _slow(path: Path) -> Path:
    """250,000 numbered lines, about 10 MB: two seconds to parse on a quiet machine."""
    path.write_text("".join(f"{i}. 社区食堂建设要因地制宜\n" for i in range(250_000)), "utf-8")
    return path


def _reasons(index: SearchIndex, name: str) -> list[str]:
    return [p.reason for p in index.problems if Path(p.path).name == name and p.skipped]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_document_past_the_memory_limit_is_refused_and_the_others_indexed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    corpus = _library(tmp_path / "lib", 3)
    _memory_hungry(corpus / "big.txt")
    monkeypatch.setattr(limits, "GUARD_MEMORY_BYTES", 150 * MIB)
    monkeypatch.setattr(indexer, "POOL_FROM", 2)  # workers=2: the pool reads them
    index = open_index(corpus, tmp_path / "cache", workers=workers)
    assert _reasons(index, "big.txt") == [texts.READ_OUT_OF_MEMORY.format(limit=150)]
    assert len(index.documents) == 3
    again = open_index(corpus, tmp_path / "cache", workers=workers)  # recorded: not read again
    assert _reasons(again, "big.txt") == [texts.READ_OUT_OF_MEMORY.format(limit=150)]
    assert again.fingerprint == index.fingerprint


@pytest.mark.slow
def test_a_document_past_the_time_limit_is_refused_and_the_others_indexed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = _library(tmp_path / "lib", 3)
    _slow(corpus / "slow.txt")
    monkeypatch.setattr(limits, "GUARD_SECONDS", 0.3)  # the small documents take milliseconds
    index = open_index(corpus, tmp_path / "cache", workers=1)
    assert _reasons(index, "slow.txt") == [texts.READ_TIMED_OUT.format(seconds=0.3)]
    assert len(index.documents) == 3


def test_a_reading_worker_that_dies_is_reported_and_the_file_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, cache = _library(tmp_path / "lib", 3), tmp_path / "cache"
    open_index(corpus, cache, workers=1)
    _library(tmp_path / "more", 4)
    (tmp_path / "more" / "doc03.txt").rename(corpus / "doc03.txt")
    with monkeypatch.context() as patch:
        patch.setattr(limits, "GUARD_SECONDS", 61.0)  # a new reading worker, which cannot start
        patch.setattr(sys, "executable", "/bin/false")
        index = open_index(corpus, cache, workers=1)
    [reason] = _reasons(index, "doc03.txt")
    assert reason.startswith(texts.READ_WORKER_DIED.split("（")[0])
    assert len(index.documents) == 3  # the others answer as before
    again = open_index(corpus, cache, workers=1)  # not recorded as refused: read this time
    assert not _reasons(again, "doc03.txt") and len(again.documents) == 4
