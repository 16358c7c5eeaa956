"""The saved index against damage and odd file systems (issue 15): the bytes hashed are the
bytes parsed, file names that are not UTF-8, flipped or cut files and manifests, a cache
folder that cannot be written, and what killed builds leave behind."""

from __future__ import annotations

import gc
import json
import logging
import os
import time
import zlib
from pathlib import Path

import pytest

from bot.answer.engine import Engine
from bot.search import segments
from bot.search.store import SearchIndex, open_index
from tests.support.index import speech_library, store_folder

QUESTION = "人大代表在人大工作中处于什么地位"


def _library(folder: Path, n: int = 4) -> Path:
    return speech_library(folder, n)


def _best(index: SearchIndex) -> str:
    best = Engine(index).ask(QUESTION, top=1).best
    assert best is not None
    return best.passage.text


def _built(corpus: Path, cache: Path) -> tuple[str, str]:
    """(fingerprint, best answer) of the saved index, let go of again: the next open reads it
    from the disk as a new process would (an open segment is checked once, when opened)."""
    index = open_index(corpus, cache, workers=1)
    out = index.fingerprint, _best(index)
    assert index.checked(timeout=20)  # (a check in the background holds its segment open)
    del index
    gc.collect()
    return out


def _flip(path: Path, at: float = 0.5) -> None:
    data = bytearray(path.read_bytes())
    i = min(int(len(data) * at), len(data) - 1)
    data[i] ^= 0x5A
    path.write_bytes(bytes(data))


# ---- 5: the bytes parsed are the bytes hashed --------------------------------------------------

V1 = "防汛通知\n一、总则\n今年汛期要做好水库巡查，发现险情及时上报。\n"
V2 = "公园通知\n一、总则\n城东湿地公园每天上午八点开放，下午六点闭园。\n"


def test_a_file_written_while_it_is_indexed_is_indexed_as_it_was_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    corpus, cache = _library(tmp_path / "lib", 2), tmp_path / "cache"
    notice = corpus / "notice.txt"
    notice.write_text(V1, encoding="utf-8")
    original = Path.read_bytes
    writes: list[Path] = []

    def read_then_rewritten(path: Path) -> bytes:
        data = original(path)
        if path.name == "notice.txt" and not writes:  # a copy still being written meanwhile
            writes.append(path)
            notice.write_text(V2, encoding="utf-8")
        return data

    monkeypatch.setattr(Path, "read_bytes", read_then_rewritten)
    index = open_index(corpus, cache, workers=1)
    monkeypatch.undo()
    assert writes  # the file did change while it was being indexed
    titles = {d.title for d in index.documents}
    assert "防汛通知" in titles and "公园通知" not in titles  # what was read, hashed and parsed
    assert "公园通知" in {d.title for d in open_index(corpus, cache, workers=1).documents}
    notice.write_text(V1, encoding="utf-8")  # back to the first bytes: never the text of others
    again = open_index(corpus, cache, workers=1)
    assert "防汛通知" in {d.title for d in again.documents}
    assert "湿地公园" not in " ".join(p.text for p in again.passages)


# ---- 6: file names as the OS gives them ---------------------------------------------------------


def test_a_file_name_that_is_not_utf8_does_not_fail_the_library(tmp_path: Path):
    corpus, cache = _library(tmp_path / "lib", 2), tmp_path / "cache"
    name = os.fsdecode("广东防汛.txt".encode("gbk"))  # bytes of another encoding: surrogates
    (corpus / name).write_text(V1, encoding="utf-8")
    index = open_index(corpus, cache, workers=1)
    assert any(d.path.endswith(name) for d in index.document_infos())
    best = Engine(index).ask("水库巡查发现险情怎么办", top=1).best
    assert best is not None and best.passage.document == "防汛通知"
    again = open_index(corpus, cache, workers=1)
    assert again.fingerprint == index.fingerprint  # loaded as saved, not built again
    (corpus / name).unlink()
    assert len(open_index(corpus, cache, workers=1).documents) == 2


# Body text with no title line: the document is named after its file.
UNTITLED = (
    "今年汛期要做好水库巡查，发现险情及时上报，各单位要落实责任，确保安全度汛，做到有备无患。\n"
    "各乡镇要在五月底前完成堤防检查，并把检查结果报送县防汛办公室。\n"
)


@pytest.mark.parametrize(
    ("raw", "title"),
    [("广东防汛".encode("gbk"), "广东防汛"), (b"\xff\xfe\x80-notice", "\ufffd\ufffd\ufffd-notice")],
)
def test_a_title_taken_from_a_name_that_is_not_utf8_is_text(
    tmp_path: Path, raw: bytes, title: str
) -> None:
    """Telegram refuses strings with lone surrogates: a title made from a file name's bytes is
    decoded (GBK from an old archive) or has U+FFFD where a byte means nothing, in the saved
    index as in the documents it lists, and the passages carry it so."""
    corpus, cache = _library(tmp_path / "lib", 2), tmp_path / "cache"
    (corpus / os.fsdecode(raw + b".txt")).write_text(UNTITLED, encoding="utf-8")
    for index in (open_index(corpus, cache, workers=1), open_index(corpus, cache, workers=1)):
        titles = [info.title for info in index.document_infos()]
        assert title in titles
        shown = titles + [p.document for p in index.passages]
        assert all(t.encode("utf-8") for t in shown)  # no lone surrogate anywhere


# ---- 7: damage is found and the index rebuilt, with a warning ----------------------------------

SEGMENT_FILES = [
    "bm25.terms",
    "bm25.offsets.npy",
    "bm25.docs.npy",
    "bm25.tfs.npy",
    "bm25.tf_bound.npy",
    "bm25.lengths.npy",
    "bm25.fwd_terms.npy",
    "passages.doc.npy",
    "passages.offsets.npy",
    "passages.json",
    "texts.bin",
    "documents.bin",
    "documents.offsets.npy",
    "segment.json",
]


@pytest.mark.parametrize("how", ["flipped", "cut", "zeroed"])
@pytest.mark.parametrize("name", SEGMENT_FILES + ["live.json"])
def test_a_damaged_index_file_is_found_and_the_index_rebuilt(
    tmp_path: Path, name: str, how: str, caplog: pytest.LogCaptureFixture
):
    corpus, cache = _library(tmp_path / "lib"), tmp_path / "cache"
    fingerprint, answer = _built(corpus, cache)
    (path,) = [p for p in cache.rglob(name) if p.is_file()]
    if how == "flipped":
        _flip(path)
    elif how == "cut":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        path.write_bytes(bytes(path.stat().st_size))
    caplog.set_level(logging.WARNING)
    index = open_index(corpus, cache, workers=1)
    assert "damaged" in caplog.text
    assert index.fingerprint != fingerprint  # built again
    assert _best(index) == answer
    caplog.clear()
    again = open_index(corpus, cache, workers=1)  # and saved again: loaded as it is now
    assert again.fingerprint == index.fingerprint and not caplog.text


def test_a_damaged_deletion_file_is_found(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    corpus, cache = _library(tmp_path / "lib"), tmp_path / "cache"
    open_index(corpus, cache, workers=1)
    (corpus / "doc02.txt").unlink()
    before = open_index(corpus, cache, workers=1)
    titles, fingerprint = [d.title for d in before.documents], before.fingerprint
    del before
    gc.collect()
    (deletions,) = store_folder(cache).glob("del-*")
    _flip(deletions)
    caplog.set_level(logging.WARNING)
    index = open_index(corpus, cache, workers=1)
    assert "damaged" in caplog.text and index.fingerprint != fingerprint
    assert [d.title for d in index.documents] == titles


def test_a_manifest_missing_a_key_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    corpus, cache = _library(tmp_path / "lib"), tmp_path / "cache"
    fingerprint, answer = _built(corpus, cache)
    live = store_folder(cache) / "live.json"
    outer = json.loads(live.read_text())
    del outer["body"]["parser"]  # a consistent file (its checksum matches) without a key
    outer["crc"] = zlib.crc32(json.dumps(outer["body"], sort_keys=True).encode("ascii"))
    live.write_text(json.dumps(outer))
    caplog.set_level(logging.WARNING)
    index = open_index(corpus, cache, workers=1)
    assert "damaged" in caplog.text and "parser" in caplog.text
    assert index.fingerprint != fingerprint and _best(index) == answer


def test_large_files_are_checked_in_the_background_and_damage_makes_the_next_open_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    monkeypatch.setattr(segments, "VERIFY_NOW_BYTES", 0)  # every file counts as large here
    corpus, cache = _library(tmp_path / "lib"), tmp_path / "cache"
    fingerprint, answer = _built(corpus, cache)
    segment = next(store_folder(cache).glob("seg-*"))
    (segment / "bm25.docs.npy").write_bytes(
        (segment / "bm25.docs.npy").read_bytes()[:-4] + b"\xff\xff\xff\x7f"
    )  # a passage id far out of range, in the last posting
    caplog.set_level(logging.WARNING)
    in_use = open_index(corpus, cache, workers=1)
    assert in_use.fingerprint == fingerprint  # opened at once, its large files checked later
    deadline = time.monotonic() + 10
    while not in_use.damaged:
        assert time.monotonic() < deadline, "the damage was not found"
        time.sleep(0.02)
    assert "damaged" in caplog.text
    rebuilt = open_index(corpus, cache, workers=1)
    assert rebuilt.fingerprint != fingerprint and not rebuilt.damaged
    assert _best(rebuilt) == answer


# ---- 7: a cache folder that cannot be written --------------------------------------------------


def _read_only_cases() -> list[str]:
    cases = ["not-a-folder"]
    if hasattr(os, "geteuid") and os.geteuid() != 0:  # root writes anywhere: no such folder
        cases.append("read-only")
    return cases


@pytest.mark.parametrize("case", _read_only_cases())
def test_a_cache_that_cannot_be_written_is_reported_once_and_the_index_kept_in_memory(
    tmp_path: Path, case: str, caplog: pytest.LogCaptureFixture
):
    corpus = _library(tmp_path / "lib")
    if case == "not-a-folder":
        (tmp_path / "a-file").write_text("")
        cache = tmp_path / "a-file" / "cache"
    else:
        cache = tmp_path / "cache"
        open_index(corpus, cache, workers=1)
        for path in [cache, *cache.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
    caplog.set_level(logging.WARNING)
    try:
        index = open_index(corpus, cache, workers=1)
        assert _best(index)
        (corpus / "新增.txt").write_text(V1, encoding="utf-8")
        changed = open_index(corpus, cache, workers=1)
        best = Engine(changed).ask("水库巡查发现险情怎么办", top=1).best
        assert best is not None and best.passage.document == "防汛通知"
        assert changed.cache_report(cache).store_bytes == 0  # type: ignore[union-attr]
    finally:
        for path in [cache, *cache.rglob("*")] if cache.is_dir() else []:
            path.chmod(path.stat().st_mode | 0o200)
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and "cannot be written" in lines[0], lines
    assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob("speechbot-index-*/*"))


# ---- 7: what killed builds leave behind ---------------------------------------------------------


def test_stale_temporary_folders_and_orphans_are_removed(tmp_path: Path):
    corpus, cache = _library(tmp_path / "lib"), tmp_path / "cache"
    fingerprint, _ = _built(corpus, cache)
    store = store_folder(cache)
    locks = {"lock", "merge.lock"}
    live = sorted(p.name for p in store.iterdir() if p.name not in locks)
    for name in ("tmp-99999-abc", "merge-99999-def", "seg-00000000deadbeef"):
        (store / name).mkdir()
        (store / name / "bm25.docs.npy").write_bytes(b"half written")
    (store / "del-00000000deadbeef-7.npz").write_bytes(b"orphan")
    (cache / "index" / ("0" * 32)).mkdir(parents=True)  # the whole-index folders of before
    (cache / "docs").mkdir()
    (cache / "docs" / "entry.pkl").write_bytes(b"x")
    again = open_index(corpus, cache, workers=1)
    assert again.fingerprint == fingerprint
    assert sorted(p.name for p in store.iterdir() if p.name not in locks) == live
    assert not (cache / "index").exists() and not (cache / "docs").exists()
