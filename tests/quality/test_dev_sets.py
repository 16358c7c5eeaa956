"""The shared dev sets (../shared/data): the speech questions, and a slice of CMRC 2018.

Both skip when the data is absent. The full CMRC run, with the figures quoted in
docs/quality.md, is `benchmarks/quality.py`; here a slice keeps `make test` quick.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from bot.answer import Engine
from bot.answer.evaluate import evaluate_file
from tests.support.paths import ROOT, SEEDS, SHARED_DATA

SPEECH_DEV = SHARED_DATA / "speech_qa_dev.jsonl"
CMRC_DEV = SHARED_DATA / "cmrc2018" / "cmrc2018_dev.json"
SLICE = 60  # contexts: about 250 questions, a couple of seconds


def _benchmark():
    spec = importlib.util.spec_from_file_location(
        "quality_benchmark", ROOT / "benchmarks" / "quality.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(
    not SPEECH_DEV.is_file(), reason="../shared/data/speech_qa_dev.jsonl is not there"
)
def test_speech_dev_set(tmp_path: Path):
    figures = evaluate_file(Engine.open(SEEDS, tmp_path), SPEECH_DEV).figures()
    assert figures["answerable"] == 15
    assert figures["hit@1"] == 15 and figures["section@1"] == 15
    assert figures["negatives_rejected"] == figures["negatives"]


@pytest.fixture(scope="module")
def cmrc_slice(tmp_path_factory: pytest.TempPathFactory):
    if not CMRC_DEV.is_file():
        pytest.skip("../shared/data/cmrc2018/cmrc2018_dev.json is not there")
    quality = _benchmark()
    contexts = quality.load_cmrc(CMRC_DEV)[:SLICE]
    work = tmp_path_factory.mktemp("cmrc")
    halves = contexts[0::2], contexts[1::2]
    quality.write_corpus(contexts, work / "all")
    quality.write_corpus(halves[0], work / "a")
    quality.write_corpus(halves[1], work / "b")
    engines = [
        quality.open_engine(work / name, work / "cache", quality.FINAL)
        for name in ("all", "a", "b")
    ]
    return quality, contexts, halves, engines


def test_cmrc_slice_answers(cmrc_slice):
    quality, contexts, _, (engine, _, _) = cmrc_slice
    row = quality.score_cmrc(engine, contexts).row()
    assert row["answer@1"] >= 0.83 and row["answer@5"] >= 0.95
    assert row["top_chars"] <= 150
    assert row["not_found_when_present"] <= 0.08


def test_cmrc_slice_not_found_without_the_gold_paragraph(cmrc_slice):
    quality, _, (a, b), (_, engine_a, engine_b) = cmrc_slice
    claimed, asked = quality.false_finds(engine_a, engine_b, a, b)
    assert claimed / asked <= 0.25
