"""Read documents in a worker process with a memory and a time limit.

A hostile or broken file (a zip bomb the zip check cannot see, a PDF whose parser runs away)
must not take the process that reads it: the bot, or a command line tool. `Guard` keeps one
worker process (`python -m bot.corpus.guard`) that reads and parses documents with its
address space limited by `resource.setrlimit(RLIMIT_AS)` and each document limited in time; a
document that hits either limit, or kills the worker, is refused with a `DocumentError` that
says why, and the next document gets a fresh worker.

    with Guard() as guard:
        document = guard.parse(path, data)      # DocumentError if refused
    document = parse_guarded(path, data)        # one document, one worker
    document = shared_guard().parse(path, data) # this process's guard, kept while in use

The worker is started with `subprocess` (fork and exec), not forked from the caller: it
inherits no signal handlers, no event loop, no open sockets, and imports only `bot.corpus`.
It talks over its stdin and stdout in length-prefixed pickles; what it sends back is a
`Document` or the reason a document was refused. It ends when its stdin closes (the process
that started it ended), and a document still being read then ends it a little after its time
limit, so that no worker outlives its parent for long.

A worker that dies (a reader that crashes it, the system's out-of-memory killer, a worker that
cannot start) is `WorkerDied`: not necessarily the document's fault, so an index does not
record the refusal and tries the file again next time.
"""

from __future__ import annotations

import atexit
import contextlib
import faulthandler
import logging
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from bot import texts
from bot.corpus.limits import GUARD_MEMORY_BYTES, GUARD_SECONDS, size_limit, too_large
from bot.corpus.source import DocumentError
from bot.corpus.structure import Document

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!Q")
_READY = "ready"
_START_SECONDS = 60.0  # a worker that has not started in this long is broken
_BACKSTOP_SECONDS = 30.0  # a worker ends itself this long after a document's time limit
SHARED_IDLE_SECONDS = 60.0  # the shared guard's worker ends after this long without a document


class WorkerDied(DocumentError):
    """The worker ended (or never started) before it gave an answer about the document."""


def limit_memory(limit_bytes: int) -> None:
    """Limit this process's address space (RLIMIT_AS): allocations past it raise MemoryError.

    Call it in a worker process that reads documents (the indexer's pool workers, say)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit_bytes = min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, hard))


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refused before reading when it is larger than its format's limit."""
    limit = size_limit(path)
    try:
        size = path.stat().st_size
        if size > limit:
            raise DocumentError(too_large(size, limit))
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise DocumentError(texts.FILE_UNREADABLE.format(reason=exc.strerror or exc)) from exc
    if len(data) > limit:
        raise DocumentError(too_large(len(data), limit))
    return data


# ---- the parent's side ------------------------------------------------------------------------


class Guard:
    """A worker process that parses documents under a memory and a time limit (see module)."""

    def __init__(
        self,
        memory_bytes: int = GUARD_MEMORY_BYTES,
        seconds: float = GUARD_SECONDS,
        idle_seconds: float | None = None,
    ) -> None:
        """`idle_seconds`: end the worker once it has had no document for this long (the next
        document starts a new one); None: keep it until `close`."""
        self.memory_bytes = memory_bytes
        self.seconds = seconds
        self.idle_seconds = idle_seconds
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._last_used = 0.0
        self._idle_timer: threading.Timer | None = None

    def __enter__(self) -> Guard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._stop()
            if self._idle_timer is not None:
                self._idle_timer.cancel()
                self._idle_timer = None

    @property
    def running(self) -> bool:
        """Whether its worker process is there (one is started for the next document if not)."""
        process = self._process
        return process is not None and process.poll() is None

    def parse(self, path: Path, data: bytes | None = None) -> Document:
        """`bot.corpus.library.parse_file(path, data)` in the worker; DocumentError if the
        document cannot be used, is too large for the memory limit or takes too long.
        `data`: the bytes to parse (read from `path` if None; `path` then only names them)."""
        if data is None:
            data = read_bytes(path)
        with self._lock:
            process = self._worker()
            try:
                _send(process.stdin, (str(path), data))
                reply = _receive(process.stdout, self.seconds)
            except TimeoutError:
                self._stop()
                raise DocumentError(texts.READ_TIMED_OUT.format(seconds=self.seconds)) from None
            except (OSError, EOFError, pickle.UnpicklingError, struct.error) as exc:
                reason = self._stop() or type(exc).__name__
                raise WorkerDied(texts.READ_WORKER_DIED.format(reason=reason)) from None
            finally:
                self._used()
        kind, value = reply
        if kind == "ok" and isinstance(value, Document):
            return value
        if kind == "memory":
            raise DocumentError(
                texts.READ_OUT_OF_MEMORY.format(limit=self.memory_bytes // (1024 * 1024))
            )
        raise DocumentError(str(value))

    def _worker(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._stop()
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])  # the folder that holds `bot`
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.corpus.guard", str(self.memory_bytes), str(self.seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
        try:
            if _receive(process.stdout, _START_SECONDS) != _READY:
                raise EOFError
        except (TimeoutError, OSError, EOFError, pickle.UnpicklingError, struct.error):
            self._process = process
            reason = self._stop() or "no answer"
            raise WorkerDied(texts.READ_WORKER_DIED.format(reason=reason)) from None
        self._process = process
        return process

    def _used(self) -> None:
        """(With the lock held.) A document was read: the idle clock starts again."""
        self._last_used = time.monotonic()
        if self.idle_seconds is not None and self._idle_timer is None:
            self._arm(self.idle_seconds)

    def _arm(self, seconds: float) -> None:
        timer = self._idle_timer = threading.Timer(seconds, self._idle)
        timer.daemon = True
        timer.start()

    def _idle(self) -> None:
        with self._lock:
            self._idle_timer = None
            assert self.idle_seconds is not None
            left = self._last_used + self.idle_seconds - time.monotonic()
            if left > 0:
                self._arm(left)
            else:
                self._stop()

    def _stop(self) -> str | None:
        """End the worker; why it ended, if it died on its own (for the reason given)."""
        process, self._process = self._process, None
        if process is None:
            return None
        died = process.poll()
        if died is None:
            process.kill()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        code = process.wait()
        if died is None:
            return None
        if code < 0:
            try:
                return signal.Signals(-code).name
            except ValueError:
                return f"signal {-code}"
        return f"exit {code}"


def parse_guarded(
    path: Path,
    data: bytes | None = None,
    memory_bytes: int = GUARD_MEMORY_BYTES,
    seconds: float = GUARD_SECONDS,
) -> Document:
    """Parse one document in a worker process of its own (see `Guard.parse`)."""
    with Guard(memory_bytes, seconds) as guard:
        return guard.parse(path, data)


_shared: tuple[int, Guard] | None = None  # (the process it belongs to, its guard)
_shared_lock = threading.Lock()


def shared_guard(memory_bytes: int = GUARD_MEMORY_BYTES, seconds: float = GUARD_SECONDS) -> Guard:
    """This process's guard with these limits, for callers that read document after document
    (the indexer): its worker is started once and kept while documents keep coming (ended after
    `SHARED_IDLE_SECONDS` without one, and at exit). Thread-safe: documents take turns. A child
    process gets a guard of its own."""
    global _shared
    with _shared_lock:
        if _shared is not None:
            pid, guard = _shared
            if pid == os.getpid() and (guard.memory_bytes, guard.seconds) == (
                memory_bytes,
                seconds,
            ):
                return guard
            if pid == os.getpid():
                guard.close()
        guard = Guard(memory_bytes, seconds, idle_seconds=SHARED_IDLE_SECONDS)
        _shared = (os.getpid(), guard)
        return guard


@atexit.register
def _close_shared() -> None:
    if _shared is not None and _shared[0] == os.getpid():
        _shared[1].close()


def _send(stream: IO[bytes] | None, obj: object) -> None:
    if stream is None:
        raise EOFError
    body = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(body)) + body)
    stream.flush()


def _read_exactly(stream: IO[bytes], n: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    fd = stream.fileno()
    while n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _receive(stream: IO[bytes] | None, seconds: float | None) -> Any:
    if stream is None:
        raise EOFError
    deadline = None if seconds is None else time.monotonic() + seconds
    (size,) = _HEADER.unpack(_read_exactly(stream, _HEADER.size, deadline))
    return pickle.loads(_read_exactly(stream, size, deadline))


# ---- the worker's side ------------------------------------------------------------------------


def _serve(memory_bytes: int, seconds: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops us
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies may reach the pipe
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from bot.corpus.library import parse_file  # imported before the limit: it is not the document

    limit_memory(memory_bytes)
    _send(stdout, _READY)
    while True:
        try:
            name, data = _receive(stdin, None)
        except EOFError:
            return
        # if the parent is gone and no one ends a runaway read, end it a little after its time
        with contextlib.suppress(RuntimeError):  # (no thread for it: the parent still watches)
            faulthandler.dump_traceback_later(seconds + _BACKSTOP_SECONDS, exit=True)
        try:
            reply: tuple[str, object] = ("ok", parse_file(Path(name), data))
        except DocumentError as exc:
            reason = str(exc)
            kind = "memory" if isinstance(exc.__cause__, MemoryError) else "refused"
            reply = (kind, reason)
        except MemoryError:
            reply = ("memory", "")
        except Exception as exc:  # a reader bug must not end the worker's service
            reply = ("refused", texts.FILE_UNPARSABLE.format(error=type(exc).__name__, detail=exc))
        finally:
            faulthandler.cancel_dump_traceback_later()
        del data
        try:
            _send(stdout, reply)
        except MemoryError:
            _send(stdout, ("memory", ""))


if __name__ == "__main__":
    _serve(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else GUARD_SECONDS)
