"""The terminal chat: answers exactly as the bot does, same wording, same "not found"."""

from __future__ import annotations

import sys
from typing import TextIO

from bot import texts
from bot.answer import Answer, Engine
from bot.frontends.answer_view import view
from bot.frontends.plain import format_answer, format_hit, location


def run_chat(engine: Engine, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    index = engine.index
    print(
        texts.CORPUS_SUMMARY.format(documents=len(index.documents), passages=len(index.passages)),
        file=stdout,
    )
    print(
        texts.CHAT_WELCOME.format(examples=texts.LIST_SEPARATOR.join(engine.examples())),
        file=stdout,
    )
    last: Answer | None = None
    shown = 0
    while True:
        if interactive:
            stdout.write(texts.CHAT_PROMPT)
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        command = line.lower()
        if command in {"/quit", "/exit", "q", "exit", "quit"}:
            break
        if command == "/sections":
            for entry in engine.toc():
                print("  " * entry.level + entry.heading, file=stdout)
        elif command in {"/more", "/context"}:
            if last is None or not last.found:
                print(texts.CHAT_NOTHING_YET, file=stdout)
            elif command == "/context":
                hit = last.hits[shown - 1]
                print(f"{location(hit.passage)}\n{engine.paragraph_text(hit.passage)}", file=stdout)
            elif shown < len(last.hits):
                print(format_hit(last.hits[shown]), file=stdout)
                shown += 1
            else:
                print(texts.NO_MORE_RESULTS, file=stdout)
        else:
            last = engine.ask(line, top=5)
            shown = max(1, len(view(last).hits))
            if last.empty:
                print(
                    texts.EMPTY_QUESTION.format(
                        example=texts.LIST_SEPARATOR.join(engine.examples())
                    ),
                    file=stdout,
                )
            else:
                print(format_answer(last), file=stdout)
        print(file=stdout)
        stdout.flush()
    print(texts.CHAT_BYE, file=stdout)
    return 0
