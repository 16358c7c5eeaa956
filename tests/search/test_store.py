"""The saved index: built once, loaded memory-mapped, documents read lazily, rebuilt when the
parser changes, oversize files refused before reading, segmenting in worker processes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from bot.corpus import reading
from bot.corpus.library import parse_file
from bot.search import indexer, store
from bot.search.rank import rank
from bot.search.store import LazyDocuments, build_index, open_index
from bot.search.tokenize import Tokenizer
from tests.support.index import speech_library


def _library(folder: Path, n: int = 6) -> Path:
    return speech_library(folder, n, step=7, size=9)


class _Counting(Tokenizer):
    """The real tokenizer, counting the passages it segments."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def index_parts(self, text: str) -> tuple[list[str], str]:
        self.texts.append(text)
        return super().index_parts(text)


def test_unchanged_corpus_is_loaded_and_one_changed_document_is_segmented_alone(tmp_path: Path):
    corpus, cache = _library(tmp_path / "lib"), tmp_path / "cache"
    counting = _Counting()
    first = open_index(corpus, cache, tokenizer=counting, workers=1)
    assert len(counting.texts) == len(first.passages)
    again = open_index(corpus, cache, workers=1, tokenizer=_Counting())
    assert not again.tokenizer.texts and again.fingerprint == first.fingerprint  # type: ignore[attr-defined]
    assert list(again.passages) == list(first.passages)
    assert not again.tokenizer.loaded  # loading never starts jieba's segmenter
    with (corpus / "doc03.txt").open("a", encoding="utf-8") as fh:
        fh.write("新增加的一段内容，关于城市湿地公园的开放时间。\n")
    counting = _Counting()
    changed = open_index(corpus, cache, tokenizer=counting, workers=1)
    lo, hi = changed.doc_range(len(changed.documents) - 1)
    assert counting.texts == [changed.passages.text(p) for p in range(lo, hi)]
    assert changed.documents[-1].title == parse_file(corpus / "doc03.txt").title
    assert changed.fingerprint != first.fingerprint
    assert any("湿地公园" in p.text for p in changed.passages)


def test_a_parser_upgrade_indexes_every_document_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    corpus, cache = _library(tmp_path / "lib", 2), tmp_path / "cache"
    first = open_index(corpus, cache, tokenizer=_Counting(), workers=1)
    counting = _Counting()
    open_index(corpus, cache, tokenizer=counting, workers=1)
    assert not counting.texts
    monkeypatch.setattr(store, "parser_version", lambda: "a-newer-parser")
    counting = _Counting()
    again = open_index(corpus, cache, tokenizer=counting, workers=1)
    assert len(counting.texts) == len(again.passages) == len(first.passages)


def test_documents_are_a_lazy_sequence(tmp_path: Path):
    corpus, cache = _library(tmp_path / "lib", 4), tmp_path / "cache"
    open_index(corpus, cache, workers=1)
    index = open_index(corpus, cache, workers=1)
    docs = index.documents
    assert isinstance(docs, LazyDocuments) and len(docs) == 4
    expected = [parse_file(corpus / f"doc{i:02d}.txt") for i in range(4)]
    assert [d.paragraphs for d in docs] == [d.paragraphs for d in expected]
    assert docs[-1].title == expected[-1].title and docs[1].path == str(
        (corpus / "doc01.txt").resolve()
    )
    assert [d.title for d in docs[1:3]] == [d.title for d in expected[1:3]]
    with pytest.raises(IndexError):
        docs[4]
    lo, hi = index.doc_range(2)
    assert {p.doc for p in index.passages[lo:hi]} == {2} and hi - lo == sum(
        p.doc == 2 for p in index.passages
    )


def test_worker_pool_builds_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    corpus = _library(tmp_path / "lib", 8)
    monkeypatch.setattr(indexer, "POOL_FROM", 2)
    pooled = open_index(corpus, tmp_path / "pooled", workers=2)
    alone = open_index(corpus, tmp_path / "alone", workers=1)
    assert list(pooled.passages) == list(alone.passages)
    assert pooled.bm25.terms == alone.bm25.terms
    np.testing.assert_array_equal(pooled.bm25.docs, alone.bm25.docs)
    query = Tokenizer().query_terms("人大代表在人大工作中处于什么地位")
    assert rank(pooled.bm25, pooled.unit_of, pooled.leads, query, 5) == rank(
        alone.bm25, alone.unit_of, alone.leads, query, 5
    )


def test_saved_index_ranks_like_the_in_memory_one(tmp_path: Path):
    corpus, cache = _library(tmp_path / "lib", 5), tmp_path / "cache"
    open_index(corpus, cache, workers=1)
    saved = open_index(corpus, cache, workers=1)
    tokenizer = Tokenizer()
    passages = list(saved.passages)
    memory = build_index(
        corpus,
        list(saved.documents),
        passages,
        [tokenizer.index_terms(p.text) for p in passages],
        tokenizer,
    )
    for question in ("人大代表在人大工作中处于什么地位", "怎样加强代表工作", "总则"):
        query = tokenizer.query_terms(question)
        assert rank(saved.bm25, saved.unit_of, saved.leads, query, 10) == rank(
            memory.bm25, memory.unit_of, memory.leads, query, 10
        )


def test_an_oversize_file_is_refused_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    corpus = _library(tmp_path / "lib", 2)
    big = corpus / "huge.txt"
    with big.open("wb") as fh:  # sparse: 200 MB on paper
        fh.truncate(200 * 1024 * 1024)
    read: list[str] = []
    original = Path.read_bytes

    def spy(self: Path) -> bytes:
        read.append(self.name)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    index = open_index(corpus, tmp_path / "cache", workers=1)
    assert "huge.txt" not in read
    reasons = [p.reason for p in index.problems if p.path.endswith("huge.txt")]
    assert (
        len(reasons) == 1
        and "文件过大" in reasons[0]
        and str(reading.MAX_FILE_BYTES // 2**20) in reasons[0]
    )
    again = open_index(corpus, tmp_path / "cache", workers=1)  # reported once on a load too
    assert len([p for p in again.problems if p.path.endswith("huge.txt")]) == 1


def test_progress_bar_only_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("SPEECHBOT_PROGRESS", raising=False)
    corpus = _library(tmp_path / "lib", 2)
    open_index(corpus, tmp_path / "quiet", workers=1)
    assert "segmenting" not in capsys.readouterr().err
    open_index(corpus, tmp_path / "loud", workers=1, progress=True)
    assert "segmenting" in capsys.readouterr().err
    (folder,) = (tmp_path / "loud" / "corpora").iterdir()  # and no temporary folder is left
    assert [n for n in os.listdir(folder) if n.startswith("seg-")]
    assert not [n for n in os.listdir(folder) if n.startswith(("tmp", "merge"))]


class _MarkingTokenizer(Tokenizer):
    """Adds a term no text has: shows whose `index_parts` made an index's terms."""

    @property
    def signature(self) -> str:
        return "marking-" + super().signature

    def index_parts(self, text: str) -> tuple[list[str], str]:
        words, grams = super().index_parts(text)
        return words + ["marked"], grams


def test_worker_pool_segments_with_the_tokenizer_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    corpus = _library(tmp_path / "lib", n=5)
    monkeypatch.setattr(indexer, "POOL_FROM", 2)
    pooled = open_index(corpus, tmp_path / "pooled", tokenizer=_MarkingTokenizer(), workers=2)
    assert pooled.bm25.idf_of("marked") is not None
    assert open_index(corpus, tmp_path / "plain", workers=2).bm25.idf_of("marked") is None


def test_worker_pool_numbers_terms_across_duplicates_like_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Workers number terms themselves and report only new ones: a duplicate document
    (skipped from the index) may still be where its worker first saw a term."""
    corpus = _library(tmp_path / "lib", 24)
    for i in (
        9,
        17,
        18,
    ):  # later chunks of 8 go to the other worker; its first sight may be a duplicate
        (corpus / f"doc{i:02d}.txt").write_text(
            (corpus / f"doc{i - 9:02d}.txt").read_text(encoding="utf-8"), encoding="utf-8"
        )
    (corpus / "doc19.txt").write_text(
        "第19号文件\n一、总则\n" + (corpus / "doc00.txt").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    monkeypatch.setattr(indexer, "POOL_FROM", 2)
    pooled = open_index(corpus, tmp_path / "pooled", workers=2)
    alone = open_index(corpus, tmp_path / "alone", workers=1)
    assert len(pooled.problems) == len(alone.problems) == 3  # the three duplicates
    assert pooled.bm25.terms == alone.bm25.terms
    np.testing.assert_array_equal(pooled.bm25.offsets, alone.bm25.offsets)
    np.testing.assert_array_equal(pooled.bm25.docs, alone.bm25.docs)
    np.testing.assert_array_equal(pooled.bm25.tfs, alone.bm25.tfs)


def test_the_progress_setting_reaches_the_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    """SPEECHBOT_PROGRESS is read with the other settings, and the command line hands it on."""
    from bot.frontends.cli import main

    corpus = _library(tmp_path / "lib", 2)
    for value, shown in (("1", True), ("0", False)):
        monkeypatch.setenv("SPEECHBOT_PROGRESS", value)
        monkeypatch.setenv("SPEECHBOT_CACHE_DIR", str(tmp_path / f"cache-{value}"))
        assert main(["index", "--corpus", str(corpus)]) == 0
        assert ("segmenting" in capsys.readouterr().err) is shown
