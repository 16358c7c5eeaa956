"""Every question answered once, across faults and restarts: when to confirm updates, when to retry.

Telegram keeps an update until getUpdates is called with an `offset` above its id. The
Updater of python-telegram-bot confirms an update as soon as it has *fetched* it (its next
getUpdates carries offset = last fetched + 1, and `Updater.stop` makes one more call to
confirm everything fetched), before the update has been answered. A process stopped while
answering (SIGTERM from a deploy, a slow network holding the answers) therefore lost those
questions: confirmed at Telegram, never answered.

* `Ledger` knows which fetched updates are still being answered. `LedgerBot.get_updates`
  sends as offset the id of the oldest of them (the *watermark*) instead of what the Updater
  asks for, and hands the Updater only updates it has not seen yet: Telegram keeps sending
  the unfinished ones again, and they are skipped until they are done. (While an answer is
  in progress getUpdates therefore returns at once; the bot then asks again after
  `REPOLL_SECONDS`, or as soon as no answer is in progress, so it does not spin.)
* `LedgerProcessor`, the Application's update processor, marks an update done when its
  handlers have finished (a handler error dealt with by the error handler counts as done).
  An update cancelled at shut-down is not done, so it is not confirmed.
* The updates done above the watermark are written to `updates-<bot id>.json` in the cache
  folder (atomically, before every getUpdates that confirms something, and at shut-down),
  so that those Telegram sends again after a restart are skipped instead of answered twice.
  The file is ignored when older than Telegram keeps updates (24 hours).
* `stop_gracefully` (SIGTERM, SIGINT): stop fetching, give the answers in progress
  `GRACE_SECONDS` to finish, cancel the rest (Telegram sends those again after the restart),
  confirm what finished, and exit.
* `UpdatesRequest`: an update python-telegram-bot cannot read (a self-hosted Bot API server or
  a proxy can send one) would fail the whole getUpdates call, again and again, since it is never
  confirmed. Each update is checked as it arrives; one that does not parse is logged once with
  its id, marked done (so the next getUpdates confirms it) and left out.
* `LedgerBot.get_updates` rides out an unexpected error of its own (anything but a
  TelegramError, which python-telegram-bot retries itself): logged, then polling goes on after
  a backoff (1 s, doubling up to 30 s) instead of spinning.
* `supervise_polling` watches python-telegram-bot's polling task: if it ends while the Updater
  still says it is running (an error escaped its retry loop), the bot would be alive but deaf.
  The bot then stops, exit status 1, for the service manager to start it again.
* `Stopper` ends the process within `STOP_DEADLINE` seconds of the first signal whatever
  happens: if the graceful stop has not finished by then (a reload still building on a worker
  thread, say), the ledger is saved and the process exits at once.
* `RetryingRequest`: a request that certainly did not reach Telegram (connection refused, or
  closed before any answer; no free connection; 500, 502, 503) is sent again, up to
  `SEND_ATTEMPTS` times with a short backoff (not getMe: an unreachable server at start-up
  is reported at once). One that timed out waiting for its answer is not:
  it may well have been delivered, and Telegram has no way to say "only once". 429 with
  `retry_after` is the rate limiter's (AIORateLimiter) to retry.

Webhook mode: Telegram considers an update delivered when the web server answers it, which
python-telegram-bot does when it has queued it; the graceful stop applies, re-fetching does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, BaseUpdateProcessor, ExtBot
from telegram.request import HTTPXRequest

from bot.atomic import write_atomic

log = logging.getLogger("speechbot.telegram")

GRACE_SECONDS = 3.0  # after SIGTERM, answers in progress get this long to finish
STOP_DEADLINE = 6.0  # after SIGTERM, the process is gone within this long, however it goes
CONFIRM_SECONDS = 2.0  # the last confirmation on the way out may take this long, no more
REPOLL_SECONDS = 0.25  # while answers are in progress, ask Telegram for new updates this often
MAX_AGE_SECONDS = 23 * 3600  # Telegram keeps unconfirmed updates 24 hours
SEND_ATTEMPTS = 4
SEND_BACKOFF = (0.5, 1.0, 2.0)  # seconds before the 2nd, 3rd, 4th attempt
RETRY_STATUS = frozenset({500, 502, 503})
NOT_RETRIED = frozenset({"getMe"})  # start-up says at once that the Bot API cannot be reached
POLL_BACKOFF_MAX = 30.0  # seconds between getUpdates calls after unexpected errors in a row
POLLING_TASK = "Updater:start_polling:polling_task"  # python-telegram-bot's name for its task
SUPERVISE_SECONDS = 0.5
# no getUpdates call started for this long (python-telegram-bot waits at most 30 s between tries,
# a long poll lasts 10 s): polling has stopped, even if its task was never seen
STALL_SECONDS = 60.0
EXIT_POLLING_DIED = 1


# ---- which updates are done ----------------------------------------------------------------


class Ledger:
    """Fetched updates still being answered, and those done above the watermark."""

    def __init__(self, path: Path | None = None, clock=time.time) -> None:
        self.path = path
        self.clock = clock
        self.offset = 0  # every update below it is done (or was never ours)
        self.taken: set[int] = set()  # fetched, being answered
        self.done: set[int] = set()  # answered, all >= offset
        self.stopping = False
        self.polled = False  # getUpdates was used (not a webhook)
        self.failures = 0  # getUpdates calls in a row that failed unexpectedly
        self.last_poll = time.monotonic()  # when the last getUpdates call started
        self._idle: asyncio.Event | None = None
        self._saved: tuple | None = None
        self._warned = False
        self._load()

    def _load(self) -> None:
        if self.path is None:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            saved, offset = float(data["saved"]), int(data["offset"])
            done = {int(i) for i in data["done"]}
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring %s: %s", self.path, exc)
            return
        if self.clock() - saved > MAX_AGE_SECONDS:
            return  # Telegram has forgotten those updates (and may start its ids afresh)
        self.offset = offset
        self.done = {i for i in done if i >= offset}
        self._saved = self._state()

    def _state(self) -> tuple:
        return self.offset, tuple(sorted(self.done))

    def watermark(self) -> int:
        """The offset to confirm with: the oldest update still in progress, else one past the newest
        done. Forgets what is below it."""
        if self.taken:
            low = min(self.taken)
        else:
            low = max(self.offset, max(self.done, default=-1) + 1)
        if low > self.offset:
            self.offset = low
            self.done = {i for i in self.done if i >= low}
        return self.offset

    def take(self, updates: list[Update]) -> list[Update]:
        """The updates not seen before, now in progress (none while stopping: they come again)."""
        if self.stopping:
            return []
        fresh = []
        for update in updates:
            uid = update.update_id
            if uid < self.offset or uid in self.done or uid in self.taken:
                continue
            self.taken.add(uid)
            fresh.append(update)
        return fresh

    def skip(self, update_id: int) -> None:
        """An update that cannot be read: done, so that it is confirmed and never fetched again."""
        if update_id >= self.offset and update_id not in self.taken:
            self.done.add(update_id)

    def finish(self, update_id: int) -> None:
        if update_id in self.taken:
            self.taken.discard(update_id)
            self.done.add(update_id)
            if not self.taken:
                event, self._idle = self._idle, None
                if event is not None:
                    event.set()

    async def idle(self, timeout: float) -> None:
        """Wait until no update is in progress (at once if none is), at most `timeout` seconds."""
        if not self.taken:
            return
        if self._idle is None:
            self._idle = asyncio.Event()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)

    def save(self) -> None:
        """Write the watermark and the updates done above it, if they changed (atomically)."""
        if self.path is None:
            return
        self.watermark()
        state = self._state()
        if state == self._saved:
            return
        data = {"offset": state[0], "done": list(state[1]), "saved": self.clock()}
        try:
            write_atomic(self.path, json.dumps(data).encode("ascii"))
        except OSError as exc:
            if not self._warned:  # the bot goes on; only a restart could answer something twice
                log.warning("could not write %s: %s", self.path, exc)
                self._warned = True
            return
        self._saved = state


class LedgerBot(ExtBot):
    """An ExtBot whose getUpdates confirms only what is done and returns only updates not seen
    before."""

    # A Bot is frozen once made, but for attributes whose name starts with "_": ours is one.
    __slots__ = ("_ledger",)

    def __init__(self, *args: Any, ledger: Ledger, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ledger = ledger

    @property
    def ledger(self) -> Ledger:
        return self._ledger

    async def get_updates(
        self, offset: int | None = None, *args: Any, **kwargs: Any
    ) -> tuple[Update, ...]:
        ledger = self.ledger
        ledger.polled = True
        ledger.last_poll = time.monotonic()
        try:
            confirm = ledger.watermark()
            ledger.save()  # before Telegram forgets anything: what is done above it is on disk
            updates = await super().get_updates(confirm or None, *args, **kwargs)
        except TelegramError:
            raise  # python-telegram-bot's retry loop deals with these (backoff, RetryAfter, ...)
        except Exception as exc:  # anything else would make it poll again at once, forever
            delay = min(POLL_BACKOFF_MAX, 2.0 ** min(ledger.failures, 8))
            ledger.failures += 1
            log.error(
                "getUpdates failed unexpectedly (%s: %s, %d in a row); polling again in %g s",
                type(exc).__name__,
                exc,
                ledger.failures,
                delay,
                exc_info=exc if ledger.failures == 1 else None,
            )
            await asyncio.sleep(delay)
            return ()
        if ledger.failures:
            log.info("getUpdates works again after %d unexpected errors", ledger.failures)
            ledger.failures = 0
        fresh = ledger.take(list(updates))
        if updates and not fresh and not ledger.stopping:
            await ledger.idle(REPOLL_SECONDS)  # only answers in progress came back: do not spin
        return tuple(fresh)

    async def confirm(self) -> None:
        """One last getUpdates (no waiting) that confirms everything done, fetching nothing."""
        ledger = self.ledger
        confirm = ledger.watermark()
        ledger.save()
        if not ledger.polled:  # webhook mode: getUpdates would be refused, nothing to confirm
            return
        try:
            await asyncio.wait_for(
                super().get_updates(confirm or None, timeout=0, limit=1), CONFIRM_SECONDS
            )
        except (TimeoutError, TelegramError) as exc:  # the saved ledger stops them coming twice
            log.warning(
                "could not confirm the last updates to Telegram: %s", exc or "no answer in time"
            )


class LedgerProcessor(BaseUpdateProcessor):
    """Runs updates concurrently (like SimpleUpdateProcessor), marks them done, and can be closed:
    updates in progress are cancelled and those not started are left for Telegram to send again."""

    def __init__(self, ledger: Ledger, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self.ledger = ledger
        self.active: set[asyncio.Task] = set()
        self.closed = False

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self.closed:
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            return
        task = asyncio.current_task()
        if task is not None:
            self.active.add(task)
        try:
            await coroutine
        except asyncio.CancelledError:
            raise  # not done: Telegram sends it again after the restart
        except Exception:  # the Application deals with handler errors itself; log anything else
            log.exception("update %s could not be processed", getattr(update, "update_id", None))
        finally:
            if task is not None:
                self.active.discard(task)
        if isinstance(update, Update):
            self.ledger.finish(update.update_id)

    def close(self) -> int:
        """Cancel the updates in progress and refuse the rest; how many were cancelled."""
        self.closed = True
        for task in self.active:
            task.cancel()
        return len(self.active)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


# ---- stopping ------------------------------------------------------------------------------


async def stop_gracefully(app: Application, grace: float = GRACE_SECONDS) -> None:
    """Stop fetching, let answers in progress finish for `grace` seconds, leave the rest
    unconfirmed, and stop `run_polling`/`run_webhook` (which then stop and shut down the
    Application)."""
    bot, processor = app.bot, app.update_processor
    ledger = bot.ledger if isinstance(bot, LedgerBot) else None
    if ledger is not None:
        ledger.stopping = True
    if app.updater is not None and app.updater.running:
        try:
            await app.updater.stop()
        except Exception as exc:  # its polling task died of this: stopping goes on regardless
            log.warning("the updater stopped with an error: %s: %s", type(exc).__name__, exc)
    deadline = time.monotonic() + grace

    def busy() -> bool:
        return bool(getattr(processor, "active", ())) or not app.update_queue.empty()

    while busy() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    cancelled = processor.close() if isinstance(processor, LedgerProcessor) else 0
    if cancelled:
        log.warning(
            "stopping with %d answers unfinished after %g s; Telegram will send those questions "
            "again after the restart",
            cancelled,
            grace,
        )
    if isinstance(bot, LedgerBot):
        await bot.confirm()
    for _ in range(100):  # run_polling may still be starting up (then stop_running only marks it)
        app.stop_running()
        if app.running:
            return
        await asyncio.sleep(0.05)


class Stopper:
    """The signal handler: the first SIGTERM/SIGINT stops gracefully, a second one at once; and in
    any case the process is gone `deadline` seconds after the first."""

    def __init__(
        self, app: Application, grace: float = GRACE_SECONDS, deadline: float = STOP_DEADLINE
    ) -> None:
        self.app = app
        self.grace = grace
        self.deadline = deadline
        self.task: asyncio.Task | None = None
        self.exit_code = 0
        self._timer: threading.Timer | None = None

    def __call__(self) -> None:
        if self.task is None:
            log.info("stopping: no new questions; answers in progress get %g s", self.grace)
            self._stop()
        else:
            log.info("stopping now")
            if isinstance(self.app.update_processor, LedgerProcessor):
                self.app.update_processor.close()
            self.app.stop_running()

    def polling_died(self, error: BaseException | None) -> None:
        """`supervise_polling`'s call: stop, and exit non-zero for the service manager."""
        log.critical(
            "polling for updates stopped unexpectedly (%s); stopping with exit status %d so that "
            "the service manager starts the bot again",
            f"{type(error).__name__}: {error}" if error is not None else "its task has ended",
            EXIT_POLLING_DIED,
        )
        self.exit_code = EXIT_POLLING_DIED
        if self.task is None:
            self._stop()

    def _stop(self) -> None:
        self.task = asyncio.get_running_loop().create_task(stop_gracefully(self.app, self.grace))
        self._timer = threading.Timer(self.deadline, self._exit_now)
        self._timer.daemon = True
        self._timer.start()

    def _exit_now(self) -> None:
        """On a timer thread: the graceful stop took too long; save what is known and exit."""
        log.error("could not stop within %g s; exiting now", self.deadline)
        bot = self.app.bot
        if isinstance(bot, LedgerBot):
            with contextlib.suppress(Exception):
                bot.ledger.save()
        with contextlib.suppress(Exception):
            logging.shutdown()
        sys.stderr.flush()
        os._exit(self.exit_code or 1)


# ---- reading updates -------------------------------------------------------------------------


class UpdatesRequest(HTTPXRequest):
    """The getUpdates connection: updates python-telegram-bot cannot read are left out (logged
    once, then confirmed through `on_unreadable`), so that one of them cannot block the rest."""

    def __init__(self, on_unreadable: Callable[[int], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_unreadable = on_unreadable
        self._reported: set[int] = set()

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        code, payload = await super().do_request(url, method, *args, **kwargs)
        if code != 200 or not url.rstrip("/").endswith("/getUpdates"):
            return code, payload
        try:
            body = json.loads(payload)
            results = body["result"]
        except (ValueError, KeyError, TypeError):
            return code, payload  # not ours to judge: python-telegram-bot reports it
        if not isinstance(results, list):
            return code, payload
        readable = [u for u in results if self._readable(u)]
        if len(readable) == len(results):
            return code, payload
        body["result"] = readable
        return code, json.dumps(body).encode()

    def _readable(self, data: object) -> bool:
        try:
            Update.de_json(data, None)  # type: ignore[arg-type]
            return True
        except Exception as exc:
            update_id = data.get("update_id") if isinstance(data, dict) else None
            if not isinstance(update_id, int):
                log.warning("skipping an update without an id: %s: %s", type(exc).__name__, exc)
                return False
            if update_id not in self._reported:
                if len(self._reported) > 10_000:
                    self._reported.clear()
                self._reported.add(update_id)
                log.warning(
                    "update %d cannot be read (%s: %s); it is confirmed and skipped",
                    update_id,
                    type(exc).__name__,
                    exc,
                )
                log.debug("update %d as received: %.2000r", update_id, data)
            self.on_unreadable(update_id)
            return False


async def supervise_polling(
    app: Application,
    on_death: Callable[[BaseException | None], None],
    interval: float = SUPERVISE_SECONDS,
) -> None:
    """Call `on_death` once if python-telegram-bot's polling task is gone while the Application
    and the Updater both say they are running (the bot would be alive but deaf). Runs until
    cancelled.

    The task is recognised by the name python-telegram-bot gives it. One that ended before it
    was ever seen running (or a name that changed) counts only once no getUpdates call has
    started for `STALL_SECONDS`, so that a renamed task never stops a bot that is polling."""
    task: asyncio.Task | None = None
    bot = app.bot
    while True:
        await asyncio.sleep(interval)
        updater = app.updater
        if updater is None or not updater.running or not app.running:
            task = None  # starting, stopping, or not polling
            continue
        if task is not None and not task.done():
            continue
        live = next(
            (t for t in asyncio.all_tasks() if t.get_name() == POLLING_TASK and not t.done()),
            None,
        )
        if live is not None:
            task = live
            continue
        if task is None and not (
            isinstance(bot, LedgerBot) and time.monotonic() - bot.ledger.last_poll > STALL_SECONDS
        ):
            continue  # never seen running: dead only if getUpdates has stopped too
        error = None
        if task is not None and not task.cancelled():
            error = task.exception()
        on_death(error)
        return


# ---- sending -------------------------------------------------------------------------------


def _not_delivered(error: TelegramError) -> str | None:
    """Why a failed request certainly never reached Telegram, or None if it may have."""
    cause = error.__cause__
    if isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return type(cause).__name__
    if isinstance(cause, httpx.WriteError):
        return "the request could not be written"
    if isinstance(cause, httpx.RemoteProtocolError) and "without sending a response" in str(cause):
        return "the connection was closed before any answer"
    return None


class RetryingRequest(HTTPXRequest):
    """HTTPXRequest that sends again what certainly did not arrive (see the module's docstring)."""

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        endpoint = url.rstrip("/").rpartition("/")[2]  # the URL holds the token: log the method
        attempts = 1 if endpoint in NOT_RETRIED else SEND_ATTEMPTS
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                code, payload = await super().do_request(url, method, *args, **kwargs)
            except TelegramError as exc:
                reason = _not_delivered(exc)
                if reason is None or last:
                    raise
            else:
                if code not in RETRY_STATUS or last:
                    return code, payload
                reason = f"HTTP {code}"
            delay = SEND_BACKOFF[min(attempt, len(SEND_BACKOFF) - 1)]
            log.warning("%s not delivered (%s); sending it again in %g s", endpoint, reason, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
