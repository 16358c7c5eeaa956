"""Peak memory of the command line on hostile .docx files beside a good document (issue 15).

    .venv/bin/python benchmarks/hostile_documents.py            # about 20 s

Probes, each a folder holding one good document (a notice written for this benchmark) and one
hostile .docx, read by a real `speechbot` subprocess with a cache of its own:

- `bomb`: a .docx of about 3 MB whose word/document.xml inflates to 1 GiB of paragraphs;
- `xml`: a .docx just under the XML limit (`MAX_XML_BYTES`), random text that compresses about
  2 to 1: the largest text part that is accepted and parsed.

For each, `speechbot docs` (the index) and `speechbot inspect` (reading in the guarded worker)
are run; reported: peak RSS of the speechbot process and the processes it waited for (its
reading worker): `wait4`'s ru_maxrss; exit code, whether the good document was loaded, and the
line that names the bad one. The issue's bar: peak RSS of `speechbot docs` with the 1 GiB bomb
at most 1 GiB, the good document loaded and the bad one named.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The checkout's root, for `tests.support` (the test suite's helpers) and `benchmarks._questions`
# (the bot itself is installed in the venv).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import texts
from bot.corpus.limits import MAX_XML_BYTES
from tests.support.documents import write_docx_bomb
from tests.support.paths import ROOT

GIB = 1024**3
MIB = 1024**2
GOOD_TITLE = "某某市人民政府办公厅关于加快社区食堂建设的意见"
GOOD = "\n".join(
    [
        GOOD_TITLE,
        "某政办发〔2024〕7号",
        "各区人民政府，市政府各委、办、局：",
        "社区食堂是保障群众就餐需求的民生工程。为加快社区食堂建设，现提出如下意见。",
        "一、总体要求",
        "到2025年底，每个街道至少建成一家社区食堂，老年人就餐更加便利。",
        "某某市人民政府办公厅",
        "2024年3月8日",
    ]
)


def run(argv: list[str], cache: Path) -> tuple[int, int, str, str, float]:
    """(exit code, peak RSS in bytes, stdout, stderr, seconds) of a speechbot subprocess."""
    env = {**os.environ, "SPEECHBOT_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", *argv], stdout=out, stderr=err, env=env, cwd=ROOT
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return (
            process.returncode,
            usage.ru_maxrss * 1024,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
        )


def probe(name: str, build, work: Path) -> list[dict]:  # noqa: ANN001
    folder = work / name
    folder.mkdir()
    (folder / "意见.txt").write_text(GOOD, encoding="utf-8")
    bad = build(folder / f"{name}.docx")
    rows = []
    for command in (["docs", "--corpus", str(folder)], ["inspect", str(folder)]):
        code, rss, out, err, seconds = run(command, work / f"cache-{name}-{command[0]}")
        skipped = texts.SKIPPED_FILE.split("{")[0]
        named = next(
            (ln for ln in (out + err).splitlines() if ln.startswith(skipped) and bad.name in ln),
            "",
        )
        rows.append(
            {
                "probe": name,
                "file": f"{bad.stat().st_size / MIB:.1f} MB",
                "command": f"speechbot {command[0]}",
                "exit": code,
                "peak_rss_mb": rss / MIB,
                "good_loaded": GOOD_TITLE in out,
                "bad_named": named.strip(),
                "seconds": seconds,
            }
        )
    return rows


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    with tempfile.TemporaryDirectory(prefix="speechbot-hostile-") as tmp:
        work = Path(tmp)
        rows = probe("bomb", lambda p: write_docx_bomb(p, GIB), work)
        rows += probe("xml", lambda p: write_docx_bomb(p, MAX_XML_BYTES - MIB, varied=True), work)
    print("| probe | file | command | exit | peak RSS | good loaded | bad named | time |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['probe']} | {r['file']} | {r['command']} | {r['exit']} "
            f"| {r['peak_rss_mb']:.0f} MB | {'yes' if r['good_loaded'] else 'NO'} "
            f"| {r['bad_named'] or 'NO'} | {r['seconds']:.1f} s |"
        )
    bomb_docs = next(r for r in rows if r["probe"] == "bomb" and r["command"].endswith("docs"))
    ok = bool(
        bomb_docs["peak_rss_mb"] * MIB <= GIB
        and bomb_docs["good_loaded"]
        and bomb_docs["bad_named"]
    )
    verdict = "met" if ok else "NOT met"
    print(f"\nbar (docs, 1 GiB bomb: peak RSS <= 1 GiB, good loaded, bad named): {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
