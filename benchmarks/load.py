"""Load and soak: many users asking at once, through the fake Bot API, against `speechbot run`.

The bot runs as a subprocess (`python -m bot run`, as deployed: long polling, AIORateLimiter,
the update ledger) pointed at the fake Bot API server of tests/telegram (TELEGRAM_API_BASE_URL),
which runs in this process on 127.0.0.1. Its resident memory is read from outside with psutil.

Load: `--users` people (most in private chats, `--group-users` of them in `--groups` groups, where
they ask with /ask@bot or an @mention) send `--questions` questions in bursts of one question per
person every `--interval` seconds. Reported: questions sent, answered exactly once, lost, answered
twice, answered with an error; latency from the message reaching the Bot API to the bot's reply
reaching it (p50/p95/p99/max, private and groups apart), the most messages sent in one second and
to one group in one minute (Telegram's flood limits: 30/s overall, 20/min per group); the bot's
own search time (from its log); RSS before and after.

Soak (`--soak-minutes M`, not for CI): afterwards, `--soak-rate` questions a second for M minutes,
RSS sampled every 10 s; reported: first and last minute's average, peak, and the slope.

    .venv/bin/python benchmarks/load.py                      # 2,000 questions, about 2 minutes
    .venv/bin/python benchmarks/load.py --soak-minutes 10    # then 10 minutes of steady traffic
    .venv/bin/python benchmarks/load.py --questions 400 --users 40 --interval 5   # a quick look

Every wait is bounded: the run stops by itself (and stops the bot) even if answers never come.
Needs aiohttp and psutil (the test and bench extras, which `make bench` installs). Figures and what
they mean: docs/reliability.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

# The checkout's root, for `tests.support` (the test suite's helpers) and `benchmarks._questions`
# (the bot itself is installed in the venv).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil

from benchmarks._questions import dev_questions
from benchmarks._questions import percentile as pct
from bot import texts
from bot.settings import DEFAULT_CORPUS
from tests.support.fake_bot_api import TOKEN, FakeBotApi, User
from tests.support.process import bot_env

FALLBACK_QUESTIONS = [
    "人大代表需要学习哪些知识？",
    "怎样加强政治引领？",
    "调查研究工作要怎么改进？",
    "人大履职保障要怎么加强？",
    "今天天气怎么样？",
    "代表建议怎么办理？",
    "如何提高议事质量和效率？",
    "监督工作要注意什么？",
]
DRAIN_SECONDS = 180  # after the last question, how long answers may take before the rest are lost
DUPLICATE_WAIT = 3.0  # and how long to keep watching for a second answer


def mb(n: int) -> float:
    return n / 1024 / 1024


@dataclass
class Asked:
    chat: int
    message_id: int
    at: float
    group: bool


@dataclass
class Ledger:
    """What was asked and what came back (read from the fake server's recorded calls)."""

    asked: dict[tuple[int, int], Asked] = field(default_factory=dict)
    answers: dict[tuple[int, int], list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    seen: int = 0

    def ask(self, api: FakeBotApi, user: User, text: str, group: int | None) -> None:
        message = api.say(user, text, chat=group)
        key = (message["chat"]["id"], message["message_id"])
        self.asked[key] = Asked(key[0], key[1], time.perf_counter(), group is not None)

    def collect(self, api: FakeBotApi) -> None:
        calls = api.calls
        for call in calls[self.seen :]:
            chat, reply_to = call.chat_id, call.reply_to
            if (
                call.method == "sendMessage"
                and call.ok
                and chat is not None
                and reply_to is not None
            ):
                key = (chat, reply_to)
                if call.text == texts.TG_ERROR:
                    self.errors[key] += 1
                else:
                    self.answers[key].append(call.at)
        self.seen = len(calls)

    def all_answered(self, api: FakeBotApi, keys) -> bool:
        """Read what came back; whether every one of `keys` has its answer."""
        self.collect(api)
        return self.unanswered(keys) == 0

    def unanswered(self, keys=None) -> int:
        return sum(1 for k in (keys if keys is not None else self.asked) if not self.answers.get(k))

    def tally(self, keys) -> dict:
        keys = list(keys)
        counts = [len(self.answers.get(k, ())) for k in keys]
        return {
            "sent": len(keys),
            "answered": sum(1 for n in counts if n >= 1),
            "lost": sum(1 for n in counts if n == 0),
            "duplicated": sum(1 for n in counts if n > 1),
            "error_replies": sum(self.errors.get(k, 0) for k in keys),
        }

    def latencies(self, keys, group: bool | None = None) -> list[float]:
        out = []
        for k in keys:
            asked = self.asked[k]
            if (group is None or asked.group == group) and self.answers.get(k):
                out.append(min(self.answers[k]) - asked.at)
        return out


class Bot:
    """`speechbot run` in a subprocess, its log in a file, its memory read with psutil."""

    def __init__(
        self, base_url: str, corpus: Path, cache: Path, log_path: Path, cooldown: str
    ) -> None:
        self.env = bot_env(
            cache,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=base_url,
            SPEECHBOT_CORPUS=str(corpus),
            LOG_LEVEL="INFO",
            GROUP_COOLDOWN_SECONDS=cooldown,
        )
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None
        self.ps: psutil.Process | None = None

    async def start(self) -> None:
        self._log = open(self.log_path, "wb")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=self.env,
            cwd=tempfile.gettempdir(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=self._log,
        )
        self.ps = psutil.Process(self.process.pid)

    def rss(self) -> int:
        return self.ps.memory_info().rss if self.ps is not None and self.ps.is_running() else 0

    def cpu_seconds(self) -> float:
        assert self.ps is not None, "the bot has not started"
        times = self.ps.cpu_times()
        return times.user + times.system

    async def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self._log.close()
        return self.process.returncode

    def search_ms(self) -> list[float]:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return [float(m) for m in re.findall(r"search_ms=([0-9.]+)", text)]


async def until(condition, timeout: float, step: float = 0.05) -> bool:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(step)
    return True


def people(n_users: int, n_group_users: int, n_groups: int) -> list[tuple[User, int | None]]:
    out: list[tuple[User, int | None]] = []
    for i in range(n_users):
        user = User(100_000 + i, f"用户{i}", f"user_{i}" if i % 3 else None)
        group = -1002000000000 - (i % n_groups) if i < n_group_users else None
        out.append((user, group))
    return out


def phrase(api: FakeBotApi, question: str, group: int | None, i: int) -> str:
    if group is None:
        return question
    return f"/ask@{api.username} {question}" if i % 2 else f"@{api.username} {question}"


def flood_figures(api: FakeBotApi, since: float) -> tuple[int, int]:
    """The most messages the bot sent in one second, and to one group in one minute (sliding
    windows)."""
    sends = sorted(
        (c.at, c.chat_id) for c in api.calls if c.method == "sendMessage" and c.ok and c.at >= since
    )
    per_second = per_group_minute = 0
    j = 0
    for i, (t, _) in enumerate(sends):
        while sends[j][0] < t - 1.0:
            j += 1
        per_second = max(per_second, i - j + 1)
    by_group: dict[int, list[float]] = defaultdict(list)
    for t, chat in sends:
        if chat is not None and chat < 0:
            by_group[chat].append(t)
    for times in by_group.values():
        j = 0
        for i, t in enumerate(times):
            while times[j] < t - 60.0:
                j += 1
            per_group_minute = max(per_group_minute, i - j + 1)
    return per_second, per_group_minute


async def run(args: argparse.Namespace) -> dict:
    pool = dev_questions(FALLBACK_QUESTIONS)
    rng = random.Random(args.seed)
    api = FakeBotApi()
    await api.start()
    crowd = people(args.users, args.group_users, args.groups)
    for _, group in crowd:
        if group is not None and group not in api.chats:
            api.group(group, f"学习群{-group % 1000}")
    ledger = Ledger()
    result: dict = {
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    }
    with tempfile.TemporaryDirectory() as tmp:
        bot = Bot(
            api.base_url,
            args.corpus,
            Path(tmp) / "cache",
            Path(tmp) / "bot.log",
            str(args.cooldown),
        )
        started = time.perf_counter()
        await bot.start()
        try:
            if not await until(lambda: api.polls > 0, 120):
                raise SystemExit(
                    "the bot did not start polling within 120 s; log:\n" + bot.log_path.read_text()
                )
            result["startup_seconds"] = round(time.perf_counter() - started, 2)
            warm = [(User(99_000 + i, "热身"), None) for i in range(5)]
            for i, (user, _) in enumerate(warm):
                ledger.ask(api, user, pool[i % len(pool)], None)
            warm_keys = list(ledger.asked)
            await until(lambda: ledger.all_answered(api, warm_keys), 30)
            await asyncio.sleep(1.0)
            rss_before = bot.rss()
            cpu_before = bot.cpu_seconds()

            # ---- load: bursts ------------------------------------------------------------
            load_keys_start = len(ledger.asked)
            load_started = time.perf_counter()
            peak = rss_before
            sent = 0
            burst = 0
            while sent < args.questions:

                def burst_due(at: float = load_started + burst * args.interval) -> bool:
                    ledger.collect(api)  # the answers are read while waiting
                    return time.perf_counter() >= at

                await until(burst_due, args.interval + 5)
                # who comes first in a burst (and waits least for the flood limit) varies
                order = list(range(len(crowd)))
                rng.shuffle(order)
                for i in order:
                    user, group = crowd[i]
                    if sent >= args.questions:
                        break
                    ledger.ask(api, user, phrase(api, rng.choice(pool), group, i + burst), group)
                    sent += 1
                burst += 1
                peak = max(peak, bot.rss())
            last_sent = time.perf_counter()
            load_keys = list(ledger.asked)[load_keys_start:]

            async def drained(keys) -> None:
                deadline = time.perf_counter() + DRAIN_SECONDS
                while time.perf_counter() < deadline:
                    ledger.collect(api)
                    if ledger.unanswered(keys) == 0:
                        break
                    nonlocal peak
                    peak = max(peak, bot.rss())
                    await asyncio.sleep(0.1)
                await asyncio.sleep(DUPLICATE_WAIT)
                ledger.collect(api)

            await drained(load_keys)
            done = time.perf_counter()
            rss_after = bot.rss()
            lat_all = ledger.latencies(load_keys)
            lat_private = ledger.latencies(load_keys, group=False)
            lat_group = ledger.latencies(load_keys, group=True)
            per_second, per_group_minute = flood_figures(api, load_started)
            search = bot.search_ms()
            result["load"] = {
                **ledger.tally(load_keys),
                "bursts": burst,
                "users": args.users,
                "group_users": args.group_users,
                "groups": args.groups,
                "sending_seconds": round(last_sent - load_started, 1),
                "all_answered_after_seconds": round(done - DUPLICATE_WAIT - load_started, 1),
                "latency_s": {
                    name: {
                        "n": len(v),
                        "p50": pct(v, 50),
                        "p95": pct(v, 95),
                        "p99": pct(v, 99),
                        "max": max(v) if v else float("nan"),
                    }
                    for name, v in (
                        ("all", lat_all),
                        ("private", lat_private),
                        ("groups", lat_group),
                    )
                },
                "search_ms": {
                    "n": len(search),
                    "p50": pct(search, 50),
                    "p99": pct(search, 99),
                    "max": max(search) if search else float("nan"),
                },
                "max_messages_in_1s": per_second,
                "max_messages_to_one_group_in_60s": per_group_minute,
                "rss_mb": {"before": mb(rss_before), "after": mb(rss_after), "peak": mb(peak)},
                "bot_cpu_seconds": round(bot.cpu_seconds() - cpu_before, 1),
                "getUpdates_calls": api.polls,
            }

            # ---- soak: steady traffic, memory sampled --------------------------------------
            if args.soak_minutes > 0:
                soak_start_index = len(ledger.asked)
                samples: list[tuple[float, int]] = [(0.0, bot.rss())]
                soak_started = time.perf_counter()
                end = soak_started + args.soak_minutes * 60
                next_sample = soak_started + 10
                last_group_ask: dict[int, float] = {}
                i = 0
                while time.perf_counter() < end:
                    tick = time.perf_counter()
                    for _ in range(args.soak_rate):
                        user, group = crowd[rng.randrange(len(crowd))]
                        if (
                            group is not None
                            and tick - last_group_ask.get(user.id, -1e9) < args.cooldown + 0.5
                        ):
                            user, group = crowd[
                                -1 - rng.randrange(max(1, len(crowd) - args.group_users))
                            ]
                        if group is not None:
                            last_group_ask[user.id] = tick
                        ledger.ask(api, user, phrase(api, rng.choice(pool), group, i), group)
                        i += 1
                    ledger.collect(api)
                    if time.perf_counter() >= next_sample:
                        samples.append((time.perf_counter() - soak_started, bot.rss()))
                        next_sample += 10
                    await asyncio.sleep(max(0.0, tick + 1.0 - time.perf_counter()))
                soak_keys = list(ledger.asked)[soak_start_index:]
                await drained(soak_keys)
                samples.append((time.perf_counter() - soak_started, bot.rss()))
                xs = [t / 60 for t, _ in samples]
                ys = [mb(r) for _, r in samples]
                slope = (
                    statistics.linear_regression(xs, ys).slope if len(samples) > 2 else float("nan")
                )
                first = [mb(r) for t, r in samples if t <= 60] or ys[:1]
                last = [mb(r) for t, r in samples if t >= samples[-1][0] - 60] or ys[-1:]
                lat = ledger.latencies(soak_keys)
                result["soak"] = {
                    **ledger.tally(soak_keys),
                    "minutes": args.soak_minutes,
                    "rate_per_s": args.soak_rate,
                    "latency_s": {
                        "p50": pct(lat, 50),
                        "p95": pct(lat, 95),
                        "p99": pct(lat, 99),
                        "max": max(lat) if lat else float("nan"),
                    },
                    "rss_mb": {
                        "first_minute": statistics.mean(first),
                        "last_minute": statistics.mean(last),
                        "min": min(ys),
                        "max": max(ys),
                        "slope_per_minute": slope,
                    },
                    "rss_samples_mb": [(round(t, 1), round(mb(r), 1)) for t, r in samples],
                }
        finally:
            code = await bot.stop()
            result["bot_exit_code"] = code
            log = bot.log_path.read_text(encoding="utf-8", errors="replace")
            result["bot_log_errors"] = [
                line for line in log.splitlines() if " ERROR " in line or "Traceback" in line
            ][:20]
            result["token_in_log"] = TOKEN in log or TOKEN.split(":")[1].lower() in log.lower()
            await api.stop()
    return result


def report(r: dict) -> str:
    out = []
    load = r["load"]
    out.append(
        f"speechbot run as a subprocess against the fake Bot API on 127.0.0.1 (started in "
        f"{r['startup_seconds']} s); {load['users']} users ({load['group_users']} of them in "
        f"{load['groups']} groups), {load['sent']} questions in {load['bursts']} bursts over "
        f"{load['sending_seconds']} s\n"
    )
    out.append(
        "| questions sent | answered once | lost | answered twice | error replies "
        "| all answered after |"
    )
    out.append("|---|---|---|---|---|---|")
    out.append(
        f"| {load['sent']} | {load['answered'] - load['duplicated']} | {load['lost']} "
        f"| {load['duplicated']} | {load['error_replies']} "
        f"| {load['all_answered_after_seconds']} s |\n"
    )
    out.append("| latency, message to reply | n | p50 | p95 | p99 | max |")
    out.append("|---|---|---|---|---|---|")
    for name, v in load["latency_s"].items():
        out.append(
            f"| {name} | {v['n']} | {v['p50']:.2f} s | {v['p95']:.2f} s | {v['p99']:.2f} s "
            f"| {v['max']:.2f} s |"
        )
    s = load["search_ms"]
    out.append(
        f"\nbot's own search time per question: p50 {s['p50']:.1f} ms, p99 {s['p99']:.1f} ms, "
        f"max {s['max']:.1f} ms (n={s['n']}); bot CPU {load['bot_cpu_seconds']} s"
    )
    out.append(
        f"most messages sent in 1 s: {load['max_messages_in_1s']} (Telegram: 30); to one group "
        f"in 60 s: {load['max_messages_to_one_group_in_60s']} (Telegram: 20); getUpdates calls: "
        f"{load['getUpdates_calls']}"
    )
    m = load["rss_mb"]
    out.append(
        f"bot RSS: before {m['before']:.1f} MB, after {m['after']:.1f} MB, peak {m['peak']:.1f} MB"
    )
    if "soak" in r:
        soak = r["soak"]
        m = soak["rss_mb"]
        lat = soak["latency_s"]
        out.append(
            f"\nsoak: {soak['minutes']} min at {soak['rate_per_s']} questions/s: {soak['sent']} "
            f"sent, {soak['answered']} answered, {soak['lost']} lost, {soak['duplicated']} twice, "
            f"{soak['error_replies']} error replies; latency p50 {lat['p50']:.2f} s, "
            f"p99 {lat['p99']:.2f} s"
        )
        out.append(
            f"soak RSS: first minute {m['first_minute']:.1f} MB, last minute "
            f"{m['last_minute']:.1f} MB, min {m['min']:.1f}, max {m['max']:.1f}, slope "
            f"{m['slope_per_minute']:+.2f} MB/min"
        )
    out.append(
        f"\nbot exit code after SIGTERM: {r['bot_exit_code']}; ERROR lines in its log: "
        f"{len(r['bot_log_errors'])}; token in log: {r['token_in_log']}"
    )
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument(
        "--group-users", type=int, default=40, help="how many of the users ask in groups"
    )
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between bursts")
    parser.add_argument(
        "--cooldown", type=float, default=3.0, help="GROUP_COOLDOWN_SECONDS for the bot"
    )
    parser.add_argument("--soak-minutes", type=float, default=0.0)
    parser.add_argument(
        "--soak-rate", type=int, default=10, help="questions a second during the soak"
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not 0 <= args.group_users <= args.users or args.groups < 1:
        parser.error("--group-users must be between 0 and --users, --groups at least 1")
    if args.group_users and args.interval < args.cooldown + 1:
        parser.error(
            "--interval must exceed --cooldown by a second: the bot ignores a second question "
            "from one person in a group within GROUP_COOLDOWN_SECONDS (on purpose), which would "
            "count as lost"
        )
    result = asyncio.run(run(args))
    print(report(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    ok = result["load"]["lost"] == 0 and result["load"]["duplicated"] == 0
    if "soak" in result:
        ok = ok and result["soak"]["lost"] == 0 and result["soak"]["duplicated"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
