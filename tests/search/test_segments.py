"""An index that grows: added, changed and removed documents go into small new segments and
deletions, merged later; BM25 stays rank-bm25's on the live passages throughout, and the cache
holds only the live edition."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from bot.search.bm25 import BM25Params
from bot.search.store import SearchIndex, merge_index, open_index
from tests.support.index import (
    Words,
    Zipf,
    assert_top_k_is_rank_bm25s,
    store_entries,
    store_folder,
    write_library,
)


class CountingWords(Words):
    """Words, counting the passages it is asked to segment."""

    def __init__(self) -> None:
        super().__init__()
        self.segmented: list[str] = []

    def index_parts(self, text: str) -> tuple[list[str], str]:
        self.segmented.append(text)
        return super().index_parts(text)


def _passages(index: SearchIndex) -> list[tuple]:
    """The live passages as people see them (numbers aside), in a fixed order."""
    return sorted(
        (p.document, p.section, p.subsection, p.headings, p.paragraph, p.start, p.end, p.text)
        for p in index.passages
        if p.doc >= 0
    )


def _only_the_live_edition(index: SearchIndex, cache: Path) -> None:
    """The corpus's folder holds the live edition's files and nothing else."""
    entries = store_entries(cache)
    segments = [e for e in entries if e.startswith("seg-")]
    deletions = [e for e in entries if e.startswith("del-")]
    rest = set(entries) - set(segments) - set(deletions)
    assert len(segments) == index.segments
    assert len(deletions) <= index.segments
    assert rest <= {"live.json", "store.json", "lock", "merge.lock"}, entries
    report = index.cache_report(cache)
    assert report is not None and report.store_bytes == sum(
        f.stat().st_size for f in store_folder(cache).rglob("*") if f.is_file()
    )


@pytest.mark.parametrize("variant", ["plus", "okapi", "l"])
def test_add_change_remove_and_merge_keep_the_top_k_of_rank_bm25(tmp_path: Path, variant: str):
    zipf = Zipf(seed={"plus": 1, "okapi": 2, "l": 3}[variant])
    library, cache = write_library(tmp_path / "lib", zipf, 40), tmp_path / "cache"
    params = BM25Params(variant=variant, k1=0.6, b=0.75)
    queries = [zipf.query() for _ in range(20)]

    def edition(segments: int, deleted: bool = False) -> SearchIndex:
        index = open_index(library, cache, params, Words(), workers=1)
        assert index.segments == segments
        assert (index.bm25.n_live < index.bm25.n_docs) == deleted
        assert assert_top_k_is_rank_bm25s(index, params, queries) > 5  # long lists to prune
        _only_the_live_edition(index, cache)
        return index

    first = edition(1)
    (library / "doc040.txt").write_text(zipf.document("新增一", 25), encoding="utf-8")
    edition(2)
    (library / "doc041.txt").write_text(zipf.document("新增二", 3), encoding="utf-8")
    added = edition(3)
    assert len(added.documents) == 42 and added.documents[-1].title == "新增二"
    fresh = open_index(library, tmp_path / "fresh", params, Words(), workers=1)
    assert _passages(added) == _passages(fresh)  # the segments read as one give the same
    (library / "doc005.txt").write_text(zipf.document("改过的五", 12), encoding="utf-8")
    (library / "doc040.txt").write_text(zipf.document("改过的新增一", 8), encoding="utf-8")
    changed = edition(3, deleted=True)  # doc040's segment went with it; the changes are one more
    assert sorted(d.title for d in changed.documents) == sorted(
        [f"文件{i}" for i in range(40) if i != 5] + ["新增二", "改过的五", "改过的新增一"]
    )
    (library / "doc007.txt").unlink()
    (library / "doc041.txt").unlink()
    removed = edition(2, deleted=True)
    assert "文件7" not in {d.title for d in removed.documents} and len(removed.documents) == 40
    assert merge_index(library, cache, params, Words())
    merged = edition(1)
    assert merged.fingerprint not in {first.fingerprint, removed.fingerprint}
    assert [d.title for d in merged.documents] == [d.title for d in removed.documents]
    assert [p.text for p in merged.passages] == [p.text for p in removed.passages if p.doc >= 0]


def test_only_what_changed_is_segmented_and_an_unchanged_library_is_only_loaded(tmp_path: Path):
    zipf = Zipf(seed=4)
    library, cache = write_library(tmp_path / "lib", zipf, 12, 10), tmp_path / "cache"
    tokenizer = CountingWords()
    first = open_index(library, cache, tokenizer=tokenizer, workers=1)
    assert len(tokenizer.segmented) == len(first.passages) == 12 * 11
    again = open_index(library, cache, tokenizer=tokenizer, workers=1)
    assert len(tokenizer.segmented) == 12 * 11 and again.fingerprint == first.fingerprint
    (library / "doc003.txt").write_text(zipf.document("第三份改了", 4), encoding="utf-8")
    os.utime(library / "doc004.txt")  # touched, not changed: read and hashed, not segmented
    changed = open_index(library, cache, tokenizer=tokenizer, workers=1)
    assert len(tokenizer.segmented) == 12 * 11 + 5  # the new version's passages only
    assert changed.fingerprint != first.fingerprint
    assert "第三份改了" in {d.title for d in changed.documents}


def test_the_cache_stays_the_size_of_the_live_edition(tmp_path: Path):
    zipf = Zipf(seed=5)
    library, cache = write_library(tmp_path / "lib", zipf, 20, 20), tmp_path / "cache"
    base = open_index(library, cache, workers=1, tokenizer=Words())
    size = base.cache_report(cache).store_bytes  # type: ignore[union-attr]
    extra = library / "extra.txt"
    for i in range(8):  # add, change, remove, again and again
        extra.write_text(zipf.document(f"新的{i}", 15), encoding="utf-8")
        index = open_index(library, cache, workers=1, tokenizer=Words())
        _only_the_live_edition(index, cache)
        (library / f"doc{i:03d}.txt").write_text(zipf.document(f"改{i}", 20), encoding="utf-8")
        extra.unlink()
        index = open_index(library, cache, workers=1, tokenizer=Words())
        _only_the_live_edition(index, cache)
    assert index.cache_report(cache).store_bytes < 3 * size  # type: ignore[union-attr]
    assert merge_index(library, cache, tokenizer=Words())
    merged = open_index(library, cache, workers=1, tokenizer=Words())
    _only_the_live_edition(merged, cache)
    assert merged.segments == 1 and merged.cache_report(cache).store_bytes < 1.2 * size  # type: ignore[union-attr]


def test_a_cache_shared_by_two_libraries_keeps_both(tmp_path: Path):
    zipf = Zipf(seed=6)
    cache = tmp_path / "cache"
    one = write_library(tmp_path / "one", zipf, 5, 8)
    two = write_library(tmp_path / "two", zipf, 7, 8)
    tokenizer = CountingWords()
    a = open_index(one, cache, tokenizer=tokenizer, workers=1)
    b = open_index(two, cache, tokenizer=tokenizer, workers=1)
    segmented = len(tokenizer.segmented)
    for i in range(3):  # edits of one never cost the other its index
        (two / f"new{i}.txt").write_text(zipf.document(f"二号新{i}", 3), encoding="utf-8")
        b = open_index(two, cache, tokenizer=tokenizer, workers=1)
        assert open_index(one, cache, tokenizer=tokenizer, workers=1).fingerprint == a.fingerprint
    assert len(tokenizer.segmented) == segmented + 3 * 4
    assert len(b.documents) == 10 and len(list((cache / "corpora").iterdir())) == 2


def test_a_duplicate_is_indexed_once_its_original_is_gone(tmp_path: Path):
    zipf = Zipf(seed=7)
    library, cache = write_library(tmp_path / "lib", zipf, 4, 6), tmp_path / "cache"
    (library / "zz-copy.txt").write_bytes((library / "doc001.txt").read_bytes())
    index = open_index(library, cache, tokenizer=Words(), workers=1)
    assert len(index.documents) == 4
    assert [Path(p.path).name for p in index.problems if p.skipped] == ["zz-copy.txt"]
    (library / "doc001.txt").unlink()
    index = open_index(library, cache, tokenizer=Words(), workers=1)
    assert len(index.documents) == 4 and not [p for p in index.problems if p.skipped]
    assert "zz-copy.txt" in {Path(d.path).name for d in index.document_infos()}


def test_removing_every_document_keeps_the_last_edition(tmp_path: Path, caplog):
    from bot.corpus.library import CorpusError

    zipf = Zipf(seed=8)
    library, cache = write_library(tmp_path / "lib", zipf, 2, 4), tmp_path / "cache"
    index = open_index(library, cache, tokenizer=Words(), workers=1)
    for path in library.glob("*.txt"):
        path.write_text("", encoding="utf-8")
    caplog.set_level(logging.WARNING)
    with pytest.raises(CorpusError):
        open_index(library, cache, tokenizer=Words(), workers=1)
    for i, path in enumerate(sorted(library.glob("*.txt"))):
        path.write_text(zipf.document(f"文件{i}", 4), encoding="utf-8")
    again = open_index(library, cache, tokenizer=Words(), workers=1)
    assert len(again.documents) == 2 and again.fingerprint != index.fingerprint
