"""Round trip from a user's message to the bot's reply, through the fake Bot API server.

The real Application (built by `build_application`) long-polls the fake server on
127.0.0.1; a round trip is the time from the update being queued on the server to the
bot's sendMessage arriving there. Measured twice: with AIORateLimiter as in production
(Telegram's flood limits: 30 messages a second overall) and without it (the bot's own cost).

    .venv/bin/python benchmarks/telegram_roundtrip.py [--questions 200] [--chats 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

# The checkout's root, for `tests.support` (the test suite's helpers) and `benchmarks._questions`
# (the bot itself is installed in the venv).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._questions import dev_questions as questions
from benchmarks._questions import percentile
from bot.answer import Engine
from bot.frontends.telegram.app import build_application
from bot.settings import DEFAULT_CORPUS
from tests.support.fake_bot_api import FakeBotApi, User
from tests.support.telegram import bot_settings, running


async def measure(
    engine: Engine, corpus: Path, cache: Path, n: int, chats: int, rate_limiter: bool
) -> dict:
    api = FakeBotApi()
    await api.start()
    settings = bot_settings(api.base_url, cache, corpus=corpus)
    app = build_application(settings, engine, rate_limiter=rate_limiter)
    pool = questions()
    try:
        async with running(app, poll_timeout=10.0):
            user = User(9000, "Bench")
            await api.reply_to(api.say(user, pool[0]))  # warm-up
            sequential: list[float] = []
            for i in range(n):
                started = time.perf_counter()
                reply = await api.reply_to(api.say(user, pool[i % len(pool)]))
                sequential.append(reply.at - started)

            # let the rate limiter's bucket drain: the burst starts from rest
            await asyncio.sleep(1.5)
            users = [User(10_000 + i, f"U{i}") for i in range(chats)]
            started = time.perf_counter()
            sent = [api.say(u, pool[i % len(pool)]) for i, u in enumerate(users)]
            replies = await asyncio.gather(*(api.reply_to(m) for m in sent))
            burst = [r.at - started for r in replies]
            answered = sum(1 for r in replies if r.ok)
    finally:
        await api.stop()
    return {"sequential": sequential, "burst": burst, "answered": answered, "wall": max(burst)}


def row(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"| {label:<48} | {len(ms):>4} | {percentile(ms, 50):>7.1f} | {percentile(ms, 95):>7.1f} | "
        f"{max(ms):>7.1f} | {statistics.mean(ms):>7.1f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        engine = Engine.open(args.corpus, cache)
        results = {
            flag: asyncio.run(measure(engine, args.corpus, cache, args.questions, args.chats, flag))
            for flag in (True, False)
        }
    print(
        f"Telegram round trip, fake Bot API on 127.0.0.1, corpus {args.corpus} "
        f"({len(engine.index.passages)} passages)\n"
    )
    print(f"| {'run':<48} |    n | p50 ms  | p95 ms  | max ms  | mean ms |")
    print(f"|{'-' * 50}|------|---------|---------|---------|---------|")
    for flag, label in ((True, "with AIORateLimiter"), (False, "without rate limiter")):
        r = results[flag]
        print(row(f"one chat, one at a time ({label})", r["sequential"]))
        print(row(f"{args.chats} chats at once ({label})", r["burst"]))
    print()
    for flag, label in ((True, "with AIORateLimiter"), (False, "without rate limiter")):
        r = results[flag]
        print(
            f"{args.chats} chats at once, {label}: {r['answered']}/{args.chats} answered, "
            f"last reply after {r['wall'] * 1000:.0f} ms"
        )
    ok = all(r["answered"] == args.chats for r in results.values())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
