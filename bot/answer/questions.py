"""The question log: what people asked, how sure the answer was, what was shown, and whether it
helped. One SQLite file (the standard library's `sqlite3`, WAL mode) in the data folder, not the
cache: wiping the cache loses nothing here.

Each question is one row: when, the kind of chat, a keyed hash of the user id (never the id), the
question, the answer's confidence ("high" | "low" | "none"), the document, section and paragraph
shown, the latency, and the 👍/👎 feedback. With `record=False` (RECORD_QUESTIONS=0) a row keeps
only what counts need: time, kind of chat, confidence, latency, feedback; no question, no user,
no document. Rows older than `retention_days` are deleted (0 keeps them all).

The log never stops the bot: a folder that cannot be written or a damaged file is reported once
in the log, a damaged file is set aside, and questions go on being answered unrecorded.
Nothing here knows about Telegram: `answer_key` is an opaque string the front end makes for the
message that carried the answer, so that a feedback tap finds its row after any restart.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

log = logging.getLogger("speechbot.questions")

FILE_NAME = "questions.sqlite3"
SCHEMA_VERSION = 1
PRUNE_EVERY_SECONDS = 3600.0
LATEST = 5  # unanswered and 👎 questions listed in the stats

Vote = Literal["up", "down"]
VOTES: dict[str, int] = {"up": 1, "down": -1}
_VOTE_NAMES = {1: "up", -1: "down"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id          INTEGER PRIMARY KEY,
    asked_at    REAL NOT NULL,      -- seconds since the epoch
    chat        TEXT NOT NULL,      -- private, group, supergroup, channel, inline
    user        TEXT,               -- keyed hash of the user id (NULL when not recording)
    question    TEXT,               -- NULL when not recording
    found       INTEGER NOT NULL,
    confidence  TEXT NOT NULL,      -- high, low, none
    document    TEXT,
    section     TEXT,               -- '' for the opening before the first heading
    paragraph   INTEGER,
    latency_ms  REAL NOT NULL,
    feedback    INTEGER,            -- 1 (👍), -1 (👎) or NULL
    answer_key  TEXT UNIQUE         -- the message that carried the answer (opaque)
);
CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at);
"""


@dataclass(frozen=True)
class Entry:
    """One logged question, as `speechbot questions` and /stats show it."""

    id: int
    asked_at: float
    chat: str
    question: str | None
    found: bool
    confidence: str
    document: str | None
    section: str | None
    paragraph: int | None
    latency_ms: float
    feedback: Vote | None

    @property
    def asked(self) -> datetime:
        return datetime.fromtimestamp(self.asked_at).astimezone()

    def json(self) -> dict[str, Any]:
        """The export's shape: `speechbot eval` reads it once `accept` phrases are added."""
        return {
            "q": self.question,
            "asked_at": self.asked.isoformat(timespec="seconds"),
            "chat": self.chat,
            "found": self.found,
            "confidence": self.confidence,
            "feedback": self.feedback,
            "document": self.document,
            "section": self.section,
            "paragraph": self.paragraph,
        }


@dataclass(frozen=True)
class Stats:
    today: int
    week: int
    total: int
    high: int  # answered
    low: int  # possibly relevant
    none: int  # not found
    up: int
    down: int
    p50_ms: float | None
    p95_ms: float | None
    unanswered: tuple[Entry, ...]  # the latest, newest first (empty when not recording)
    disliked: tuple[Entry, ...]
    retention_days: int
    recording: bool

    def share(self, count: int) -> float:
        return count / self.total if self.total else 0.0


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        id=row["id"],
        asked_at=row["asked_at"],
        chat=row["chat"],
        question=row["question"],
        found=bool(row["found"]),
        confidence=row["confidence"],
        document=row["document"],
        section=row["section"],
        paragraph=row["paragraph"],
        latency_ms=row["latency_ms"],
        feedback=_VOTE_NAMES.get(row["feedback"]),  # type: ignore[arg-type]
    )


def _percentile(sorted_values: list[float], share: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(share * (len(sorted_values) - 1))))
    return sorted_values[index]


def start_of_today(now: float) -> float:
    local = datetime.fromtimestamp(now).astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


class QuestionLog:
    """The log in `path` (None: nothing is recorded, everything reads as empty)."""

    def __init__(
        self,
        path: Path | None,
        *,
        record: bool = True,
        retention_days: int = 90,
        clock=time.time,
        read_only: bool = False,
    ) -> None:
        self.path = path
        self.recording = record
        self.retention_days = retention_days
        self.clock = clock
        self.read_only = read_only
        self._db: sqlite3.Connection | None = None
        self._warned = False
        self._pruned_at = 0.0
        if path is not None:
            self._db = self._open(path)
        if self._db is not None and not read_only:
            self.prune()

    @classmethod
    def in_folder(cls, folder: Path, **kwargs: Any) -> QuestionLog:
        return cls(Path(folder) / FILE_NAME, **kwargs)

    @property
    def available(self) -> bool:
        return self._db is not None

    # ---- opening ------------------------------------------------------------------------------
    def _open(self, path: Path) -> sqlite3.Connection | None:
        try:
            return self._connect(path)
        except sqlite3.DatabaseError as exc:
            if self.read_only and not path.exists():
                return None  # nothing recorded yet: the reader says so in its own words
            if self.read_only or not path.exists():
                self._warn(f"cannot open the question log {path}: {exc}")
                return None
            aside = path.with_name(path.name + ".damaged")
            self._warn(f"the question log {path} is damaged ({exc}); moved to {aside.name}")
            with contextlib.suppress(OSError):
                os.replace(path, aside)
                for suffix in ("-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
            try:
                return self._connect(path)
            except (sqlite3.Error, OSError) as again:
                self._warn(f"cannot open the question log {path}: {again}")
                return None
        except OSError as exc:
            self._warn(f"cannot open the question log {path}: {exc.strerror or exc}")
            return None

    def _connect(self, path: Path) -> sqlite3.Connection:
        if self.read_only:
            if not path.exists():
                raise sqlite3.OperationalError("no such file")
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("SELECT count(*) FROM questions").fetchone()
            return db
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=2.0, check_same_thread=False, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(
                    f"written by a newer speechbot (schema {version}, "
                    f"this one reads {SCHEMA_VERSION})"
                )
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except BaseException:
            db.close()
            raise
        return db

    def _warn(self, message: str) -> None:
        if not self._warned:  # once: the bot goes on answering, unrecorded
            tail = "" if self.read_only else "; questions are not recorded"
            log.warning("%s%s", message, tail)
            self._warned = True

    def close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            db.close()

    def _write(self, sql: str, params: tuple = ()) -> sqlite3.Cursor | None:
        if self._db is None or self.read_only:
            return None
        try:
            return self._db.execute(sql, params)
        except sqlite3.Error as exc:
            self._warn(f"cannot write the question log {self.path}: {exc}")
            return None

    # ---- writing ------------------------------------------------------------------------------
    def record(
        self,
        *,
        chat: str,
        user: str | None,
        question: str,
        found: bool,
        confidence: str,
        document: str | None,
        section: str | None,
        paragraph: int | None,
        latency_ms: float,
        answer_key: str | None = None,
    ) -> int | None:
        """Log one question; its row id (None if the log is unavailable)."""
        now = self.clock()
        if now - self._pruned_at > PRUNE_EVERY_SECONDS:
            self.prune()
        keep = self.recording
        cursor = self._write(
            "INSERT OR REPLACE INTO questions (asked_at, chat, user, question, found, confidence,"
            " document, section, paragraph, latency_ms, answer_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                now,
                chat,
                user if keep else None,
                question if keep else None,
                int(found),
                confidence,
                document if keep else None,
                section if keep else None,
                paragraph if keep else None,
                round(latency_ms, 2),
                answer_key,
            ),
        )
        return cursor.lastrowid if cursor is not None else None

    def vote(self, answer_key: str, vote: Vote) -> Entry | None:
        """Set the feedback on the answer `answer_key` (a later tap replaces an earlier one); the
        updated entry, or None if no answer of that key is logged (pruned, or never recorded)."""
        cursor = self._write(
            "UPDATE questions SET feedback = ? WHERE answer_key = ?", (VOTES[vote], answer_key)
        )
        if cursor is None or cursor.rowcount == 0:
            return None
        return self._one("SELECT * FROM questions WHERE answer_key = ?", (answer_key,))

    def prune(self) -> int:
        """Delete rows older than the retention period; how many."""
        self._pruned_at = self.clock()
        if self.retention_days <= 0:
            return 0
        cutoff = self._pruned_at - self.retention_days * 86400
        cursor = self._write("DELETE FROM questions WHERE asked_at < ?", (cutoff,))
        removed = cursor.rowcount if cursor is not None else 0
        if removed:
            log.info(
                "question log: %d questions older than %d days removed",
                removed,
                self.retention_days,
            )
        return removed

    # ---- reading ------------------------------------------------------------------------------
    def _rows(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        if self._db is None:
            return []
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            self._warn(f"cannot read the question log {self.path}: {exc}")
            return []

    def _one(self, sql: str, params: tuple = ()) -> Entry | None:
        rows = self._rows(sql, params)
        return _entry(rows[0]) if rows else None

    def get(self, entry_id: int) -> Entry | None:
        return self._one("SELECT * FROM questions WHERE id = ?", (entry_id,))

    def entries(self, *, since: float | None = None, unanswered: bool = False) -> Iterator[Entry]:
        """Logged questions with their text, oldest first (rows of counts only are left out)."""
        sql = "SELECT * FROM questions WHERE question IS NOT NULL"
        params: list[Any] = []
        if since is not None:
            sql += " AND asked_at >= ?"
            params.append(since)
        if unanswered:
            sql += " AND confidence = 'none'"
        sql += " ORDER BY asked_at, id"
        for row in self._rows(sql, tuple(params)):
            yield _entry(row)

    def stats(self, latest: int = LATEST) -> Stats:
        now = self.clock()
        today, week = start_of_today(now), now - 7 * 86400

        def count(where: str = "1", params: tuple = ()) -> int:
            rows = self._rows(f"SELECT count(*) AS n FROM questions WHERE {where}", params)
            return int(rows[0]["n"]) if rows else 0

        latencies = [
            r["latency_ms"]
            for r in self._rows("SELECT latency_ms FROM questions ORDER BY latency_ms")
        ]

        def newest(where: str) -> tuple[Entry, ...]:
            rows = self._rows(
                f"SELECT * FROM questions WHERE question IS NOT NULL AND {where}"
                " ORDER BY asked_at DESC, id DESC LIMIT ?",
                (latest,),
            )
            return tuple(_entry(r) for r in rows)

        return Stats(
            today=count("asked_at >= ?", (today,)),
            week=count("asked_at >= ?", (week,)),
            total=count(),
            high=count("confidence = 'high'"),
            low=count("confidence = 'low'"),
            none=count("confidence = 'none'"),
            up=count("feedback = 1"),
            down=count("feedback = -1"),
            p50_ms=_percentile(latencies, 0.5),
            p95_ms=_percentile(latencies, 0.95),
            unanswered=newest("confidence = 'none'"),
            disliked=newest("feedback = -1"),
            retention_days=self.retention_days,
            recording=self.recording,
        )


def parse_since(text: str) -> float:
    """`--since`: a date (2026-03-01, local midnight) or a date and time; ValueError otherwise."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.astimezone()
    return value.timestamp()
