"""The `speechbot` command line. Its output of `ask --json` is a contract other tools use."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot import texts
from bot.answer import Answer, Engine
from bot.answer.library import DEFAULT_WATCH_SECONDS, documents_of
from bot.corpus.library import CorpusError, Problem
from bot.frontends.plain import format_answer
from bot.settings import Settings

log = logging.getLogger("speechbot")

EXIT_USAGE = 2


def answer_json(answer: Answer, top: int) -> dict:
    return {
        "question": answer.question,
        "found": answer.found,
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
    """One line per file: 「已跳过」 for files left out, 「注意」 for warnings about files that loaded."""
    for problem in problems:
        template = texts.SKIPPED_FILE if getattr(problem, "skipped", True) else texts.NOTE_ON_FILE
        print(template.format(path=problem.path, reason=problem.reason), file=out)


def _open_engine(args: argparse.Namespace, settings: Settings) -> Engine:
    engine = Engine.open(_corpus(args, settings), settings.cache_dir)
    print_problems(engine.index.problems, sys.stderr)
    return engine


def _print_answer(engine: Engine, question: str, args: argparse.Namespace, out: TextIO) -> None:
    answer = engine.ask(question, top=max(args.top, 1))
    if args.json:
        out.write(json.dumps(answer_json(answer, args.top), ensure_ascii=False) + "\n")
    elif answer.empty:
        out.write(texts.EMPTY_QUESTION.format(example="、".join(engine.examples())) + "\n")
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
        print(f"《{document.title}》")
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
                name=info.name,
            )
        )
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.frontends.terminal import run_chat

    return run_chat(_open_engine(args, settings))


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.answer.evaluate import evaluate_file, format_report

    engine = _open_engine(args, settings)
    report = evaluate_file(engine, Path(args.file))
    print(format_report(report, verbose=args.verbose))
    return 0


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from bot.search.store import merge_index

    engine = _open_engine(args, settings)
    index = engine.index
    if args.merge and merge_index(
        Path(index.root), settings.cache_dir, index.bm25.params, index.tokenizer
    ):
        print(texts.INDEX_MERGED)
        index = Engine.open(Path(index.root), settings.cache_dir).index
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
    import os

    if args.watch is not None and not args.watch > 0:
        print(f"speechbot: --watch {args.watch:g}: 秒数应大于 0", file=sys.stderr)
        return EXIT_USAGE
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
    from bot.frontends.telegram.app import Webhook, run

    webhook = None
    url = args.webhook_url or os.environ.get("TELEGRAM_WEBHOOK_URL")
    if url:
        port = args.port or os.environ.get("TELEGRAM_WEBHOOK_PORT") or "8443"
        if not str(port).isdigit():
            print(texts.TG_BAD_WEBHOOK.format(reason=f"端口 {port!r} 无效"), file=sys.stderr)
            return EXIT_USAGE
        webhook = Webhook(
            url=url,
            listen=args.listen or os.environ.get("TELEGRAM_WEBHOOK_LISTEN") or "127.0.0.1",
            port=int(port),
            secret_token=args.secret_token or os.environ.get("TELEGRAM_WEBHOOK_SECRET") or None,
        )
    library = Library(corpus, settings.cache_dir, engine)
    return run(settings, library, webhook, watch_seconds=args.watch)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="speechbot", description="按原文回答关于讲话和公文的问题。"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="more log output")
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
        type=int,
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
    ev.add_argument("--verbose", action="store_true", help="list every question")
    ev.set_defaults(func=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    logging.basicConfig(
        level=logging.DEBUG
        if args.verbose
        else getattr(logging, settings.log_level, logging.INFO)
        if args.command == "run"
        else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args, settings) or 0)
    except CorpusError as exc:
        print(f"speechbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
