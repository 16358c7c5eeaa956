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
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "telegram"))

from _questions import dev_questions as questions  # noqa: E402
from _questions import percentile
from fake_bot_api import TOKEN, FakeBotApi, User  # noqa: E402

from bot.answer import Engine  # noqa: E402
from bot.frontends.telegram.app import ALLOWED_UPDATES, build_application  # noqa: E402
from bot.settings import DEFAULT_CORPUS, Settings  # noqa: E402


async def measure(
    engine: Engine, corpus: Path, cache: Path, n: int, chats: int, rate_limiter: bool
) -> dict:
    api = FakeBotApi()
    await api.start()
    settings = dataclasses.replace(
        Settings.from_env(env_file=None),
        corpus=corpus,
        cache_dir=cache,
        telegram_token=TOKEN,
        telegram_api_base_url=api.base_url,
        telegram_api_file_url=None,
        group_cooldown_seconds=0.0,
        allowed_chat_ids=frozenset(),
        owner_ids=frozenset(),
    )
    app = build_application(settings, engine, rate_limiter=rate_limiter)
    pool = questions()
    await app.initialize()
    await app.post_init(app)
    await app.updater.start_polling(poll_interval=0.0, timeout=10, allowed_updates=ALLOWED_UPDATES)
    await app.start()
    try:
        user = User(9000, "Bench")
        await api.reply_to(api.say(user, pool[0]))  # warm-up
        sequential: list[float] = []
        for i in range(n):
            started = time.perf_counter()
            reply = await api.reply_to(api.say(user, pool[i % len(pool)]))
            sequential.append(reply.at - started)

        await asyncio.sleep(1.5)  # let the rate limiter's bucket drain: the burst starts from rest
        users = [User(10_000 + i, f"U{i}") for i in range(chats)]
        started = time.perf_counter()
        sent = [api.say(u, pool[i % len(pool)]) for i, u in enumerate(users)]
        replies = await asyncio.gather(*(api.reply_to(m, timeout=60) for m in sent))
        burst = [r.at - started for r in replies]
        answered = sum(1 for r in replies if r.ok)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
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
