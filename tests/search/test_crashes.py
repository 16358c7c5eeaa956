"""A process killed in the middle of adding a document or of a merge leaves the previous edition
usable, and the next start removes what it left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.answer.engine import Engine
from bot.search.store import merge_index, open_index
from tests.support.index import speech_library, store_folder
from tests.support.paths import ROOT

# Runs an add (open_index on a changed corpus) or a merge, and stops for good at one point:
# while writing a segment's postings, or just before publishing the new edition.
_SCRIPT = """
import sys, time
from pathlib import Path
from bot.search import checked_files, editions
from bot.search.store import merge_index, open_index

corpus, cache, action, where, marker = sys.argv[1:6]

def stop_here():
    Path(marker).write_text("here")
    time.sleep(600)

if where == "writing":
    original = checked_files.FileSet.array
    def array(self, name, values):
        if name == "bm25.offsets.npy":
            stop_here()
        return original(self, name, values)
    checked_files.FileSet.array = array
else:
    editions.Store.publish = lambda self, manifest: stop_here()
if action == "add":
    open_index(Path(corpus), Path(cache), workers=1)
else:
    merge_index(Path(corpus), Path(cache))
"""

QUESTION = "人大代表在人大工作中处于什么地位"


def _library(folder: Path, n: int) -> Path:
    return speech_library(folder, n)


def _killed_at(corpus: Path, cache: Path, action: str, where: str, tmp_path: Path) -> None:
    marker = tmp_path / f"{action}-{where}.marker"
    process = subprocess.Popen(
        [sys.executable, "-c", _SCRIPT, str(corpus), str(cache), action, where, str(marker)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None, f"the {action} ended before it got there"
            assert time.monotonic() < deadline, f"the {action} never got there"
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)


def _leftovers(cache: Path) -> list[str]:
    return sorted(
        p.name
        for p in store_folder(cache).iterdir()
        if p.name.startswith(("tmp-", "merge-", "seg-"))
    )


@pytest.mark.parametrize("where", ["writing", "publishing"])
def test_a_crash_while_adding_a_document_leaves_the_previous_edition(tmp_path: Path, where: str):
    corpus, cache = _library(tmp_path / "lib", 6), tmp_path / "cache"
    before = open_index(corpus, cache, workers=1)
    answer = Engine(before).ask(QUESTION, top=3)
    segments = _leftovers(cache)
    new = corpus / "新增.txt"
    new.write_text("防汛工作通知\n一、总则\n今年汛期要做好水库巡查，发现险情及时上报。\n", "utf-8")
    _killed_at(corpus, cache, "add", where, tmp_path)
    assert _leftovers(cache) != segments  # it was killed with its new segment half there

    new.unlink()  # the corpus as the previous edition had it: loaded as it was
    after = open_index(corpus, cache, workers=1)
    assert after.fingerprint == before.fingerprint
    assert Engine(after).ask(QUESTION, top=3) == answer
    assert _leftovers(cache) == segments  # and what the crash left is gone
    new.write_text("防汛工作通知\n一、总则\n今年汛期要做好水库巡查，发现险情及时上报。\n", "utf-8")
    added = open_index(corpus, cache, workers=1)
    best = Engine(added).ask("水库巡查发现险情怎么办", top=1).best
    assert best is not None and best.passage.document == "防汛工作通知"


@pytest.mark.parametrize("where", ["writing", "publishing"])
def test_a_crash_during_a_merge_leaves_the_segments_as_they_were(tmp_path: Path, where: str):
    corpus, cache = _library(tmp_path / "lib", 4), tmp_path / "cache"
    open_index(corpus, cache, workers=1)
    for i in range(2):  # two more segments
        (corpus / f"more{i}.txt").write_text(
            f"补充文件{i}\n一、总则\n第{i}批补充材料：加强代表联络站建设，完善代表履职档案。\n",
            "utf-8",
        )
        open_index(corpus, cache, workers=1)
    (corpus / "doc01.txt").unlink()  # and a deletion
    before = open_index(corpus, cache, workers=1)
    assert before.segments == 3
    answer = Engine(before).ask(QUESTION, top=3)
    segments = _leftovers(cache)
    _killed_at(corpus, cache, "merge", where, tmp_path)
    assert _leftovers(cache) != segments

    after = open_index(corpus, cache, workers=1)
    assert after.fingerprint == before.fingerprint and after.segments == 3
    assert Engine(after).ask(QUESTION, top=3) == answer
    assert _leftovers(cache) == segments
    assert merge_index(corpus, cache)  # and the next merge goes through
    merged = open_index(corpus, cache, workers=1)
    assert merged.segments == 1 and len(_leftovers(cache)) == 1
    assert [h.passage.text for h in Engine(merged).ask(QUESTION, top=3).hits] == [
        h.passage.text for h in answer.hits
    ]
