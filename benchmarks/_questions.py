"""What the Telegram benchmarks share: the questions they ask and how they take percentiles."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FALLBACK_QUESTIONS = [
    "人大代表需要学习哪些知识？",
    "怎样加强政治引领？",
    "调查研究工作要怎么改进？",
    "人大履职保障要怎么加强？",
    "今天天气怎么样？",
]


def dev_questions(fallback: list[str] = FALLBACK_QUESTIONS) -> list[str]:
    """The questions of ../shared/data/speech_qa_dev.jsonl, or `fallback` where it is absent."""
    dev = ROOT.parent / "shared" / "data" / "speech_qa_dev.jsonl"
    found: list[str] = []
    if dev.exists():
        for line in dev.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append(json.loads(line)["q"])
    return found or list(fallback)


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank q-th percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]
