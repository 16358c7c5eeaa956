"""The shared dev sets (../shared/data): the speech questions, the library of real documents,
and a slice of CMRC 2018, through the quality benchmark's own code (benchmarks/quality.py).

They skip when the data is absent. The full runs, with the figures quoted in docs/quality.md,
are `benchmarks/quality.py`; the floors here are below those figures, to catch a regression
without making the suite slow.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import quality
from bot.answer import Engine
from bot.answer.evaluate import evaluate_file
from tests.support.paths import SEEDS, SHARED_DATA

SPEECH_DEV = SHARED_DATA / "speech_qa_dev.jsonl"
LIBRARY_DEV = SHARED_DATA / "library_dev" / "qa.jsonl"
CMRC_DEV = SHARED_DATA / "cmrc2018" / "cmrc2018_dev.json"
SLICE = 60  # articles (one paragraph each): about 250 questions, a few seconds


@pytest.mark.skipif(not SPEECH_DEV.is_file(), reason="../shared/data is not there")
def test_speech_dev_set(tmp_path: Path):
    figures = evaluate_file(Engine.open(SEEDS, tmp_path), SPEECH_DEV).figures()
    assert figures["answerable"] == 15
    assert figures["hit@1"] >= 14 and figures["section@1"] >= 14
    assert figures["negatives_rejected"] == figures["negatives"]


@pytest.mark.skipif(not LIBRARY_DEV.is_file(), reason="../shared/data is not there")
def test_library_dev_set(tmp_path: Path):
    [library] = quality.load_sets(SHARED_DATA, tmp_path, ["library"])
    row = quality.figures(quality.run_set(Engine.open(library.corpus, tmp_path / "cache"), library))
    assert row["hit@1"] >= 0.75 and row["doc@1"] >= 0.95
    assert row["none"] <= 0.1 and row["negatives_high"] == 0


@pytest.fixture(scope="module")
def cmrc_slice(tmp_path_factory: pytest.TempPathFactory):
    if not CMRC_DEV.is_file():
        pytest.skip("../shared/data/cmrc2018/cmrc2018_dev.json is not there")
    work = tmp_path_factory.mktemp("cmrc")
    qset = quality.load_squad("cmrc", CMRC_DEV, work, articles=SLICE)
    engines = quality.open_engines(qset, work / "cache", quality.FINAL)
    return qset, engines


def test_cmrc_slice_answers(cmrc_slice):
    qset, engines = cmrc_slice
    row = quality.figures(quality.run_set(engines[0], qset))
    assert row["answer@1"] >= 0.83 and row["answer@3"] >= 0.93
    assert row["top_chars"] <= 150
    assert row["none"] <= 0.05


def test_cmrc_slice_is_not_confident_without_the_gold_paragraph(cmrc_slice):
    qset, engines = cmrc_slice
    absent = quality.run_held_out((engines[1], engines[2]), qset)
    row = quality.figures(quality.run_set(engines[0], qset), absent)
    assert row["held_out_high"] <= 0.25
