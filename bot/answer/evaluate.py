"""Score the engine on a question file in the format of `shared/data/speech_qa_dev.jsonl`.

Each line: {"q": question, "accept": [phrases], "section": "三" | "" | null, "kind": ...,
"doc": file name (optional)}.
hit@1: the top passage is shown as an answer (high or low confidence) and contains an
accepted phrase (a passage before the first heading is shown with its document's title,
so the title counts for it too).
section@1: ... and sits under the expected section ("" = before the first heading).
doc@1: the top passage comes from the expected document (questions with a "doc").
Negatives (no accepted phrase) must be answered "not found" (confidence "none").

The question log's export (`speechbot questions --json`) is read the same way once `accept`
is added to its lines: lines without an `accept` key are not labelled yet and are counted
apart, not scored. Its other keys (`asked_at`, `confidence`, ...) are ignored; its `section`
is the heading shown then, which is what a labelled line expects unless changed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot import texts
from bot.answer.engine import Engine
from bot.corpus.passages import Passage


@dataclass
class Outcome:
    question: str
    kind: str
    answerable: bool
    hit: bool
    section_ok: bool
    found: bool
    top: str | None
    seconds: float
    confidence: str = "none"
    doc_ok: bool | None = None  # None: the question names no document


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    unlabelled: int = 0  # lines without `accept` (an export of the question log, not yet labelled)

    @property
    def answerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.answerable]

    @property
    def negatives(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.answerable]

    def figures(self) -> dict[str, float | int]:
        ans, neg = self.answerable, self.negatives
        times = sorted(o.seconds for o in self.outcomes) or [0.0]
        with_doc = [o for o in ans if o.doc_ok is not None]
        return {
            "questions": len(self.outcomes),
            "answerable": len(ans),
            "hit@1": sum(o.hit for o in ans),
            "section@1": sum(o.hit and o.section_ok for o in ans),
            "with_doc": len(with_doc),
            "doc@1": sum(bool(o.doc_ok) for o in with_doc),
            "high": sum(o.confidence == "high" for o in ans),
            "low": sum(o.confidence == "low" for o in ans),
            "not_found": sum(o.confidence == "none" for o in ans),
            "negatives": len(neg),
            "negatives_rejected": sum(not o.found for o in neg),
            "median_ms": round(1000 * times[len(times) // 2], 2),
        }


def section_matches(expected: str | None, section: str | None) -> bool:
    """The expected section ("三", "" for before the first heading, None: any) is the one shown."""
    if expected is None:
        return True
    if expected == "":
        return section is None
    return (
        section is not None
        and section.startswith(expected)
        and section[len(expected) :][:1] in "、．. "
    )


def shown_text(passage: Passage) -> str:
    """What a reader sees of a passage as an answer: before the first heading, its title too."""
    return passage.text if passage.section is not None else f"{passage.document}\n{passage.text}"


def evaluate(engine: Engine, items: list[dict]) -> Report:
    names = [Path(info.path).name for info in engine.index.document_infos()]
    report = Report()
    for item in items:
        accept = [a for a in item.get("accept") or [] if a]
        started = time.perf_counter()
        answer = engine.ask(item["q"], top=1)
        seconds = time.perf_counter() - started
        best = answer.best
        text = best.passage.text if best else None
        hit = bool(answer.found and best and any(a in shown_text(best.passage) for a in accept))
        section_ok = bool(best and section_matches(item.get("section"), best.passage.section))
        doc_ok = bool(best and names[best.passage.doc] == item["doc"]) if item.get("doc") else None
        report.outcomes.append(
            Outcome(
                item["q"],
                item.get("kind", ""),
                bool(accept),
                hit,
                section_ok,
                answer.found,
                text,
                seconds,
                answer.confidence,
                doc_ok,
            )
        )
    return report


def evaluate_file(engine: Engine, path: Path) -> Report:
    items = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    labelled = [item for item in items if "accept" in item]
    report = evaluate(engine, labelled)
    report.unlabelled = len(items) - len(labelled)
    return report


def format_report(report: Report, verbose: bool = False) -> str:
    f = report.figures()
    lines = []
    if verbose:
        for o in report.outcomes:
            mark = (
                ("✓" if o.hit and o.section_ok else "✗")
                if o.answerable
                else ("✓" if not o.found else "✗")
            )
            shown = (o.top or texts.CONFIDENCE_NAMES["none"])[:40]
            lines.append(f"{mark} [{o.kind}] {o.question} -> {o.confidence}: {shown}")
        lines.append("")
    lines += [
        f"questions        {f['questions']}",
        f"hit@1            {f['hit@1']}/{f['answerable']}",
        f"section@1        {f['section@1']}/{f['answerable']}",
    ]
    if f["with_doc"]:
        lines.append(f"doc@1            {f['doc@1']}/{f['with_doc']}")
    lines += [
        f"confidence       high {f['high']}, low {f['low']}, not found {f['not_found']}"
        f" of {f['answerable']} answerable",
        f"negatives        {f['negatives_rejected']}/{f['negatives']} rejected",
        f"median latency   {f['median_ms']} ms",
    ]
    if report.unlabelled:
        lines.append(texts.EVAL_UNLABELLED.format(count=report.unlabelled))
    return "\n".join(lines)
