"""The `speechbot` command line. Its output of `ask --json` is a contract other tools use."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import bot
from bot import texts
from bot.answer import Answer, Engine
from bot.answer.library import DEFAULT_WATCH_SECONDS, documents_of, open_engine
from bot.corpus.files import display_name
from bot.corpus.inspection import Inspected
from bot.corpus.library import NO_HEADINGS, CorpusError, Problem
from bot.frontends.answer_view import ASK_TOP
from bot.frontends.plain import format_answer
from bot.settings import Settings, SettingsError

log = logging.getLogger("speechbot")

EXIT_USAGE = 2


def answer_json(answer: Answer, top: int) -> dict:
    return {
        "question": answer.question,
        "found": answer.found,
        "confidence": answer.confidence,
        "topic": answer.topic,
        "mentions": answer.mentions,
        "results": [
            {
                "text": h.passage.text,
                "section": h.passage.section,
                "subsection": h.passage.subsection,
                "document": h.passage.document,
                "paragraph": h.passage.paragraph,
                "score": round(h.score, 6),
            }
            for h in answer.hits[:top]
        ],
    }


def _corpus(args: argparse.Namespace, settings: Settings) -> Path:
    return Path(args.corpus) if getattr(args, "corpus", None) else settings.corpus


def print_problems(problems: Sequence[Problem], out: TextIO) -> None:
    """One line per file: 「已跳过」 for files left out, 「注意」 for warnings about loaded files;
    file names escaped (a newline or an escape character in a name never reaches the terminal)."""
    for problem in problems:
        template = texts.SKIPPED_FILE if getattr(problem, "skipped", True) else texts.NOTE_ON_FILE
        print(template.format(path=display_name(problem.path), reason=problem.reason), file=out)


def _open_engine(args: argparse.Namespace, settings: Settings) -> Engine:
    engine = open_engine(
        _corpus(args, settings),
        settings.cache_dir,
        follow_symlinks=settings.follow_symlinks,
        progress=settings.progress,
    )
    index = engine.index
    log.debug(
        "corpus %s: %d documents, %d passages, loaded in %.2f s (cache %s)",
        index.root,
        len(index.documents),
        len(index.passages),
        index.load_seconds,
        settings.cache_dir,
    )
    print_problems(index.problems, sys.stderr)
    return engine


def _print_answer(engine: Engine, question: str, args: argparse.Namespace, out: TextIO) -> None:
    answer = engine.ask(question, top=max(args.top, ASK_TOP))
    if args.json:
        out.write(json.dumps(answer_json(answer, args.top), ensure_ascii=False) + "\n")
    elif answer.empty:
        examples = texts.LIST_SEPARATOR.join(engine.examples())
        out.write(texts.EMPTY_QUESTION.format(example=examples) + "\n")
    else:
        out.write(format_answer(answer, top=args.top) + "\n")
    out.flush()


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    engine = _open_engine(args, settings)
    if args.question == "-":
        for line in sys.stdin:
            line = line.rstrip("\n")
            if not line.strip() and not args.json:
                continue
            _print_answer(engine, line, args, sys.stdout)
            if not args.json:
                sys.stdout.write("\n")
        return 0
    _print_answer(engine, args.question, args, sys.stdout)
    return 0


def cmd_sections(args: argparse.Namespace, settings: Settings) -> int:
    engine = _open_engine(args, settings)
    for d, document in enumerate(engine.index.documents):
        print(texts.DOCUMENT_TITLE.format(title=document.title))
        entries = engine.toc(d)
        if not entries:
            print("  " + texts.NO_SECTIONS)
        for entry in entries:
            print("  " * entry.level + entry.heading)
    return 0


def cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    """The documents, numbered as the bot's /doc N numbers them: title, date, passages, file."""
    engine = _open_engine(args, settings)
    for info in documents_of(engine):
        date = texts.DOCS_DATE.format(date=info.date) if info.date else ""
        print(
            texts.DOCS_LINE.format(
                number=info.number,
                title=info.title,
                date=date,
                passages=info.passages,
                name=display_name(info.name),
            )
        )
    return 0


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_inspected(item: Inspected, out: TextIO, passages: bool) -> None:
    """The human form of `speechbot inspect` for one file."""
    print(texts.INSPECT_FILE.format(name=display_name(item.name)), file=out)
    document = item.document
    if document is None:
        print_problems(item.problems, out)
        return
    template = texts.INSPECT_TITLE if document.title_in_text else texts.INSPECT_TITLE_FROM_NAME
    print(template.format(title=document.title), file=out)
    for field, label in texts.INSPECT_FIELDS:
        value = getattr(document, field) or texts.INSPECT_NOT_STATED
        print(texts.INSPECT_FIELD.format(label=label, value=value), file=out)
    print(texts.INSPECT_OUTLINE if document.sections else texts.INSPECT_NO_OUTLINE, file=out)
    for section in document.sections:
        print("  " * section.level + section.heading, file=out)
    print(
        texts.INSPECT_COUNTS.format(
            paragraphs=len(document.paragraphs), passages=len(item.passages)
        ),
        file=out,
    )
    if document.set_aside:
        print(texts.INSPECT_SET_ASIDE.format(count=len(document.set_aside)), file=out)
        for meta in document.set_aside:
            kind = texts.INSPECT_KINDS.get(meta.kind, meta.kind)
            print(texts.INSPECT_SET_ASIDE_LINE.format(kind=kind, text=meta.text), file=out)
    print_problems([p for p in item.problems if p.reason != NO_HEADINGS], out)
    if passages:
        print(texts.INSPECT_PASSAGES, file=out)
        for p in item.passages:
            where = " › ".join(h for h in (p.section, p.subsection) if h)
            if p.paragraph == 0:  # the title line: searched (title cues), never an answer
                shown = texts.INSPECT_TITLE_LINE
            else:
                shown = f"[{_shorten(where, 24)}] " if where else ""
            print(
                texts.INSPECT_PASSAGE.format(
                    paragraph=p.paragraph,
                    where=shown,
                    text=_shorten(p.text, 40),
                ),
                file=out,
            )


def cmd_inspect(args: argparse.Namespace, settings: Settings) -> int:
    """What the bot reads from a file or folder: metadata, outline, counts, what was set
    aside or skipped; `--json`: one object a document. Exit 1 if nothing could be read."""
    from bot.corpus.inspection import as_json, inspect_files

    files = documents = 0
    for item in inspect_files(Path(args.path), follow_symlinks=settings.follow_symlinks):
        files += 1
        documents += item.document is not None
        if args.json:
            if item.document is None:
                print_problems(item.problems, sys.stderr)
            else:
                sys.stdout.write(json.dumps(as_json(item), ensure_ascii=False) + "\n")
        else:
            if files > 1:
                print()
            print_inspected(item, sys.stdout, args.passages)
    if not args.json:
        print()
        print(
            texts.INSPECT_SUMMARY.format(
                files=files, documents=documents, skipped=files - documents
            )
        )
    return 0 if documents else 1


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.frontends.terminal import run_chat

    return run_chat(_open_engine(args, settings))


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.answer.evaluate import evaluate_file, format_report

    engine = _open_engine(args, settings)
    report = evaluate_file(engine, Path(args.file))
    print(format_report(report, verbose=args.list_all))
    return 0


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from bot.search.store import merge_index

    engine = _open_engine(args, settings)
    index = engine.index
    if args.merge and merge_index(
        Path(index.root), settings.cache_dir, index.bm25.params, index.tokenizer
    ):
        print(texts.INDEX_MERGED)
        index = open_engine(
            Path(index.root), settings.cache_dir, follow_symlinks=settings.follow_symlinks
        ).index
    print(
        texts.CORPUS_SUMMARY.format(documents=len(index.documents), passages=len(index.passages))
        + f" ({index.load_seconds:.2f} s)"
    )
    cache = index.cache_report(settings.cache_dir)
    if cache is not None:
        mib = lambda n: f"{n / 2**20:,.1f} MB"  # noqa: E731
        print(
            texts.INDEX_CACHE.format(
                folder=cache.folder,
                total=mib(cache.total_bytes),
                size=mib(cache.store_bytes),
                segments=cache.segments,
            )
        )
        if cache.deleted_passages:
            print(texts.INDEX_CACHE_DELETED.format(deleted=cache.deleted_passages))
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """The Telegram bot; without a token, how to get one (and the terminal chat on a terminal)."""
    if args.watch is not None and not args.watch > 0:
        print(texts.WATCH_SECONDS_INVALID.format(value=args.watch), file=sys.stderr)
        return EXIT_USAGE
    webhook = settings.webhook(args.webhook_url, args.listen, args.port, args.secret_token)
    corpus = _corpus(args, settings)
    engine = _open_engine(args, settings)
    if not settings.telegram_token:
        print(texts.TG_NO_TOKEN, file=sys.stderr)
        if not sys.stdin.isatty():
            return EXIT_USAGE
        from bot.frontends.terminal import run_chat

        print(texts.TG_NO_TOKEN_CHAT + "\n", file=sys.stderr)
        return run_chat(engine)

    from bot.answer.library import Library
    from bot.frontends.telegram.app import run

    library = Library(
        corpus,
        settings.cache_dir,
        engine,
        follow_symlinks=settings.follow_symlinks,
        progress=settings.progress,
    )
    return run(settings, library, webhook, watch_seconds=args.watch)


def cmd_questions(args: argparse.Namespace, settings: Settings) -> int:
    """The question log: a table, or JSON lines (`speechbot eval` reads them once labelled)."""
    from bot.answer.questions import QuestionLog, parse_since

    since = None
    if args.since:
        try:
            since = parse_since(args.since)
        except ValueError:
            print(texts.QUESTIONS_BAD_SINCE.format(value=args.since), file=sys.stderr)
            return EXIT_USAGE
    questions = QuestionLog.in_folder(settings.data_dir, read_only=True)
    if not questions.available:
        print(texts.QUESTIONS_NONE.format(path=questions.path), file=sys.stderr)
        return 0
    out = sys.stdout
    if not args.json:
        print(texts.QUESTIONS_HEADER, file=out)
    for entry in questions.entries(since=since, unanswered=args.unanswered):
        if args.json:
            out.write(json.dumps(entry.json(), ensure_ascii=False) + "\n")
            continue
        where = ""
        if entry.document is not None:
            title = texts.DOCUMENT_TITLE.format(title=entry.document)
            where = f"{title} {entry.section or texts.FRONT_MATTER}"
            if entry.paragraph:
                where += " · " + texts.PARAGRAPH_LABEL.format(n=entry.paragraph)
        question = " ".join((entry.question or "").split())
        cells = [
            entry.asked.strftime("%Y-%m-%d %H:%M"),
            entry.chat,
            entry.confidence,
            entry.feedback or "-",
            question,
            where or "-",
        ]
        print("\t".join(cells), file=out)
    questions.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="speechbot", description=texts.CLI_DESCRIPTION)
    parser.add_argument(
        "-v", "--verbose", dest="debug", action="store_true", help="log everything (DEBUG)"
    )
    parser.add_argument("--version", action="version", version=f"speechbot {bot.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_corpus(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--corpus", help="folder or file of documents (default: SPEECHBOT_CORPUS or seeds/)"
        )
        return p

    ask = with_corpus(
        sub.add_parser("ask", help="answer a question ('-' reads one question a line from stdin)")
    )
    ask.add_argument("question")
    ask.add_argument("--top", type=int, default=1, help="how many results to show (default 1)")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.set_defaults(func=cmd_ask)

    with_corpus(sub.add_parser("sections", help="table of contents")).set_defaults(
        func=cmd_sections
    )
    with_corpus(sub.add_parser("docs", help="list the documents")).set_defaults(func=cmd_docs)
    inspect = sub.add_parser(
        "inspect", help="what the bot reads from a file or folder (metadata, outline, passages)"
    )
    inspect.add_argument("path", help="a document file or a folder of documents")
    inspect.add_argument("--json", action="store_true", help="one JSON object per document")
    inspect.add_argument("--passages", action="store_true", help="list the passages, shortened")
    inspect.set_defaults(func=cmd_inspect)
    with_corpus(sub.add_parser("chat", help="interactive chat in the terminal")).set_defaults(
        func=cmd_chat
    )
    index = with_corpus(sub.add_parser("index", help="build and save the index, report its size"))
    index.add_argument("--merge", action="store_true", help="merge the index's segments into one")
    index.set_defaults(func=cmd_index)
    run = with_corpus(sub.add_parser("run", help="run the bot (long polling unless --webhook-url)"))
    run.add_argument(
        "--webhook-url",
        help="public HTTPS URL for Telegram to post updates to (env TELEGRAM_WEBHOOK_URL)",
    )
    run.add_argument(
        "--listen",
        help="address the webhook server binds (env TELEGRAM_WEBHOOK_LISTEN, default 127.0.0.1)",
    )
    run.add_argument(
        "--port",
        help="port the webhook server binds (env TELEGRAM_WEBHOOK_PORT, default 8443)",
    )
    run.add_argument(
        "--secret-token",
        help="webhook secret Telegram must send back (env TELEGRAM_WEBHOOK_SECRET; "
        "default: a random one per start)",
    )
    run.add_argument(
        "--watch",
        nargs="?",
        type=float,
        const=DEFAULT_WATCH_SECONDS,
        metavar="SECONDS",
        help="reload the corpus by itself when its files change, checking every SECONDS "
        f"(default {DEFAULT_WATCH_SECONDS:g})",
    )
    run.set_defaults(func=cmd_run)

    ev = with_corpus(sub.add_parser("eval", help="score a question file (JSON lines)"))
    ev.add_argument("file")
    ev.add_argument("--verbose", dest="list_all", action="store_true", help="list every question")
    ev.set_defaults(func=cmd_eval)

    qs = sub.add_parser("questions", help="the questions people asked the bot (the question log)")
    qs.add_argument("--unanswered", action="store_true", help="only those answered 「未找到」")
    qs.add_argument("--since", metavar="DATE", help="only those asked since DATE (2026-03-01)")
    qs.add_argument(
        "--json", action="store_true", help="JSON lines (speechbot eval reads them once labelled)"
    )
    qs.set_defaults(func=cmd_questions)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(exc.line(), file=sys.stderr)
        return EXIT_USAGE
    if args.debug:
        level = logging.DEBUG
    elif args.command == "run":
        level = getattr(logging, settings.log_level)
    else:
        level = logging.WARNING
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args, settings) or 0)
    except SettingsError as exc:  # a command-line flag checked as its variable is
        print(exc.line(), file=sys.stderr)
        return EXIT_USAGE
    except CorpusError as exc:
        print(f"speechbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
