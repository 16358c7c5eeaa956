"""Keep the bot token (and the webhook secret) out of every log line.

python-telegram-bot logs the Bot API URL, which contains the token, at DEBUG, and httpx
logs every request URL at INFO. Two guards, both replacing each secret with `<token>`:

* `SecretFilter`, a logging.Filter put on every handler of the root logger;
* the same redaction applied when a record is created (a log-record factory), so that a
  handler added later (a test's caplog, a second stream) never sees the secret either.

Tracebacks are rendered and redacted up front too, since exception messages can carry URLs.

People are never named by their ids either: `Tagger` turns a user id (for the log lines and
the question log) or a message's chat and id (to find an answer's row again when its 👍/👎 is
tapped) into a keyed hash (HMAC-SHA256 keyed with the bot token), stable across restarts and
not reversible by hashing every possible id without the token.
Matching ignores case: python-telegram-bot capitalizes the description of an API error
(`str.capitalize` lower-cases everything after the first letter), so a token quoted in one
reaches the log lower-cased.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading

REDACTED = "<token>"
TAG_CHARS = 12
QUIET_LOGGERS = ("httpx", "httpcore")  # log request URLs (with the token) at INFO/DEBUG

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None
_installed_factory = False
_formatter = logging.Formatter()


def _variants(secret: str) -> set[str]:
    """The secret itself and, for a bot token `123:ABC…`, its secret half alone."""
    out = {secret}
    _, _, tail = secret.partition(":")
    if len(tail) >= 16:
        out.add(tail)
    return out


def redact(text: str) -> str:
    pattern = _pattern
    return pattern.sub(REDACTED, text) if pattern is not None else text


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    if not _secrets:
        return record
    try:
        message = record.getMessage()
    except Exception:  # a malformed call; logging reports it itself
        return record
    clean = redact(message)
    if clean != message:  # records without a secret are left exactly as they were
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        rendered = _formatter.formatException(record.exc_info)
        if redact(rendered) != rendered:
            record.exc_text = redact(rendered)
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class SecretFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_filter = SecretFilter()


def protect(*secrets: str | None) -> None:
    """Redact `secrets` from all log output from now on. Safe to call more than once."""
    global _installed_factory, _pattern
    with _lock:
        for secret in secrets:
            if secret and len(secret) >= 8:
                _secrets.update(_variants(secret))
        if _secrets:
            alternatives = "|".join(re.escape(s) for s in sorted(_secrets, key=len, reverse=True))
            _pattern = re.compile(alternatives, re.IGNORECASE)
        for name in QUIET_LOGGERS:
            logger = logging.getLogger(name)
            if logger.level == logging.NOTSET or logger.level < logging.WARNING:
                logger.setLevel(logging.WARNING)
        for handler in logging.getLogger().handlers:
            if _filter not in handler.filters:
                handler.addFilter(_filter)
        if not _installed_factory:
            previous = logging.getLogRecordFactory()

            def factory(*args, **kwargs) -> logging.LogRecord:
                return redact_record(previous(*args, **kwargs))

            logging.setLogRecordFactory(factory)
            _installed_factory = True


class Tagger:
    """Keyed hashes of ids: the same id gives the same tag for the same key (the bot token)."""

    def __init__(self, key: str | None) -> None:
        self._key = (key or "speechbot").encode()

    def _tag(self, text: str, chars: int) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()[:chars]

    def user(self, user_id: int | None) -> str:
        return "-" if user_id is None else self._tag(str(user_id), TAG_CHARS)

    def message(self, chat_id: int, message_id: int) -> str:
        return self._tag(f"{chat_id}:{message_id}", 32)
