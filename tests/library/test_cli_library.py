"""`speechbot docs`, answers naming their document, and how loading problems are printed."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

from bot import texts
from bot.corpus.library import Problem
from bot.frontends.cli import main, print_problems
from tests.support.library import CASES, REPORT_TITLE, SORTING_TITLE, TREES_TITLE, WATER_TITLE


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_docs_lists_number_title_date_passages_and_file(capsys, pristine_library: Path) -> None:
    code, out, err = run_cli(capsys, "docs", "--corpus", str(pristine_library))
    assert code == 0 and err == ""
    lines = out.strip().splitlines()
    assert len(lines) == 4
    assert [line.split(".", 1)[0] for line in lines] == ["1", "2", "3", "4"]
    water = next(line for line in lines if WATER_TITLE in line)
    assert (
        f"《{WATER_TITLE}》 2023-03-22 · " in water
        and os.path.join("2023", "节水工作会议讲话.docx") in water
    )
    for title in (REPORT_TITLE, SORTING_TITLE, TREES_TITLE):
        line = next(line for line in lines if f"《{title}》" in line)
        assert " 个片段 · " in line and "None" not in line


def test_answers_name_their_document_and_section(capsys, pristine_library: Path) -> None:
    for case in CASES:
        code, out, _ = run_cli(
            capsys, "ask", case.question, "--corpus", str(pristine_library), "--json"
        )
        result = json.loads(out)["results"][0]
        assert code == 0 and (result["document"], result["section"]) == (case.title, case.section)
        code, out, _ = run_cli(capsys, "ask", case.question, "--corpus", str(pristine_library))
        assert out.startswith(f"《{case.title}》\n{case.section}")


def test_skipped_files_and_warnings_are_told_apart() -> None:
    out = io.StringIO()
    print_problems(
        [
            Problem("a/坏的.pdf", "没有文字内容"),
            Problem("b/无标题.txt", "没有分节标题，只能按段落检索", skipped=False),
        ],
        out,
    )
    assert out.getvalue().splitlines() == [
        texts.SKIPPED_FILE.format(path="a/坏的.pdf", reason="没有文字内容"),
        texts.NOTE_ON_FILE.format(path="b/无标题.txt", reason="没有分节标题，只能按段落检索"),
    ]
    assert "已跳过" not in out.getvalue().splitlines()[1]


def test_docs_names_skipped_files_on_stderr(capsys, library_dir: Path) -> None:
    (library_dir / "扫描件.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    code, out, err = run_cli(capsys, "docs", "--corpus", str(library_dir))
    assert code == 0 and len(out.strip().splitlines()) == 4
    assert err.startswith("已跳过 ") and "扫描件.pdf" in err


def test_run_watch_wants_a_positive_interval(capsys) -> None:
    code, out, err = run_cli(capsys, "run", "--watch", "0")
    assert code == 2 and "--watch" in err
