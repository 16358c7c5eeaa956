"""One settings object, read from the environment and an optional `.env` file, checked at start.

Every variable of `.env.example` is read here and nowhere else. A value that cannot be used
raises `SettingsError`, which names the variable, the value and what is expected; the command
line prints it as one line and exits with status 2 (no traceback). The bot token is never
printed, not even when it is the bad value.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv
from platformdirs import user_cache_path, user_data_path

from bot import texts

APP_NAME = "speechbot"
PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent


def _bundled_corpus() -> Path:
    """The bundled speech: inside the installed package (`bot/seeds`, copied there from the
    repository's `seeds/` when the package is built; a link to it in a checkout)."""
    bundled = PACKAGE_DIR / "seeds"
    if bundled.is_dir():
        return bundled.resolve()
    return PROJECT_ROOT / "seeds"  # a checkout whose link did not survive (e.g. no symlinks)


DEFAULT_CORPUS = _bundled_corpus()
DEFAULT_COOLDOWN_SECONDS = 3.0
DEFAULT_RETENTION_DAYS = 90
DEFAULT_WEBHOOK_LISTEN = "127.0.0.1"
DEFAULT_WEBHOOK_PORT = 8443
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_TOKEN = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{1,200}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_ON = {"1", "true", "yes", "on"}
_OFF = {"0", "false", "no", "off"}


class SettingsError(ValueError):
    """A setting that cannot be used: which one, its value, and what is expected."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        self.name, self.value, self.expected = name, value, expected
        super().__init__(self.line())

    def line(self) -> str:
        return texts.SETTING_INVALID.format(
            name=self.name, value=self.value, expected=self.expected
        )


def default_cache_dir() -> Path:
    """~/.cache/speechbot on Linux (XDG_CACHE_HOME respected); the platform's cache folder."""
    return user_cache_path(APP_NAME, appauthor=False)


def default_data_dir() -> Path:
    """~/.local/share/speechbot on Linux (XDG_DATA_HOME respected): apart from the cache, so
    that wiping the cache loses no question log."""
    return user_data_path(APP_NAME, appauthor=False)


# ---- one checker per kind of value ------------------------------------------------------------


def _text(raw: str | None) -> str:
    return (raw or "").strip()


def parse_seconds(name: str, raw: str | None, default: float) -> float:
    value = _text(raw)
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise SettingsError(name, value, texts.SETTING_EXPECT_SECONDS)
    return seconds


def parse_ids(name: str, raw: str | None, *, users: bool) -> frozenset[int]:
    """Comma-separated numeric ids (`;` and spaces tolerated between them)."""
    out: set[int] = set()
    value = _text(raw)
    for part in re.split(r"[,;\s]+", value):
        if not part:
            continue
        if not re.fullmatch(r"-?[0-9]{1,20}", part) or (users and part.startswith("-")):
            expected = texts.SETTING_EXPECT_USER_IDS if users else texts.SETTING_EXPECT_CHAT_IDS
            raise SettingsError(name, value, expected)
        out.add(int(part))
    return frozenset(out)


def parse_url(name: str, raw: str | None) -> str | None:
    value = _text(raw)
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        raise SettingsError(name, value, texts.SETTING_EXPECT_URL)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number or out of range
    except ValueError:
        raise SettingsError(name, value, texts.SETTING_EXPECT_URL) from None
    return value


def parse_listen(name: str, raw: str | None) -> str:
    value = _text(raw)
    if not value:
        return DEFAULT_WEBHOOK_LISTEN
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not _HOSTNAME.match(value):
            raise SettingsError(name, value, texts.SETTING_EXPECT_LISTEN) from None
    return value


def parse_port(name: str, raw: str | int | None) -> int:
    value = _text(str(raw) if raw is not None else None)
    if not value:
        return DEFAULT_WEBHOOK_PORT
    if not value.isascii() or not value.isdigit() or not 0 < int(value) < 65536:
        raise SettingsError(name, value, texts.SETTING_EXPECT_PORT)
    return int(value)


def parse_secret(name: str, raw: str | None) -> str | None:
    value = (raw or "").strip()
    if not value:
        return None
    if not _SECRET.match(value):
        raise SettingsError(name, value, texts.SETTING_EXPECT_SECRET)
    return value


def parse_switch(name: str, raw: str | None, default: bool) -> bool:
    value = _text(raw).lower()
    if not value:
        return default
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise SettingsError(name, _text(raw), texts.SETTING_EXPECT_SWITCH)


def parse_optional_switch(name: str, raw: str | None) -> bool | None:
    """A switch that may be left unset (None: the program decides, e.g. by the terminal)."""
    return parse_switch(name, raw, False) if _text(raw) else None


def parse_days(name: str, raw: str | None, default: int) -> int:
    value = _text(raw)
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or len(value) > 6:
        raise SettingsError(name, value, texts.SETTING_EXPECT_DAYS)
    return int(value)


def parse_log_level(name: str, raw: str | None) -> str:
    value = _text(raw).upper()
    if not value:
        return "INFO"
    if value not in LOG_LEVELS:
        raise SettingsError(name, _text(raw), texts.SETTING_EXPECT_LOG_LEVEL)
    return value


def parse_token(name: str, raw: str | None) -> str | None:
    value = _text(raw)
    if not value:
        return None
    if not _TOKEN.match(value):
        # never print a token, not even a wrong one: at most the bot id before the colon
        head, colon, _ = value.partition(":")
        shown = (head[:20] + ":…") if colon and head.isdigit() else "…"
        raise SettingsError(name, shown, texts.SETTING_EXPECT_TOKEN)
    return value


def parse_folder(name: str, raw: str | None, default: Path) -> Path:
    """A folder the bot writes to: it may not exist yet, but it may not be a file."""
    value = _text(raw)
    path = Path(value).expanduser() if value else default
    if path.exists() and not path.is_dir():
        raise SettingsError(name, value, texts.SETTING_EXPECT_FOLDER)
    return path


def parse_corpus(name: str, raw: str | None) -> Path:
    """A folder or a single file; whether it exists and holds documents is the corpus's to say."""
    value = _text(raw)
    return Path(value).expanduser() if value else DEFAULT_CORPUS


# ---- the settings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Webhook:
    """Webhook mode: Telegram posts updates to `url`; python-telegram-bot's server listens on
    `listen:port` at the URL's path (behind a TLS-terminating proxy)."""

    url: str
    listen: str = DEFAULT_WEBHOOK_LISTEN
    port: int = DEFAULT_WEBHOOK_PORT
    secret_token: str | None = None  # a random one is made at each start if not given

    @property
    def url_path(self) -> str:
        return urlsplit(self.url).path.strip("/")


@dataclass(frozen=True)
class Settings:
    corpus: Path
    cache_dir: Path
    telegram_token: str | None
    telegram_api_base_url: str | None
    telegram_api_file_url: str | None
    owner_ids: frozenset[int]
    allowed_chat_ids: frozenset[int]
    group_cooldown_seconds: float
    log_level: str
    data_dir: Path = default_data_dir()
    webhook_url: str | None = None
    webhook_listen: str = DEFAULT_WEBHOOK_LISTEN
    webhook_port: int = DEFAULT_WEBHOOK_PORT
    webhook_secret: str | None = None
    record_questions: bool = True
    question_retention_days: int = DEFAULT_RETENTION_DAYS
    follow_symlinks: bool = False
    progress: bool | None = None  # a progress bar of index builds; None: when on a terminal

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env") -> Settings:
        """Read and check every setting; values already in the environment win over `.env`.
        SettingsError for the first value that cannot be used."""
        if env_file is not None:
            load_dotenv(env_file, override=False)
        return cls.from_mapping(os.environ)

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> Settings:
        return cls(
            corpus=parse_corpus("SPEECHBOT_CORPUS", env.get("SPEECHBOT_CORPUS")),
            cache_dir=parse_folder(
                "SPEECHBOT_CACHE_DIR", env.get("SPEECHBOT_CACHE_DIR"), default_cache_dir()
            ),
            data_dir=parse_folder(
                "SPEECHBOT_DATA_DIR", env.get("SPEECHBOT_DATA_DIR"), default_data_dir()
            ),
            telegram_token=parse_token("TELEGRAM_BOT_TOKEN", env.get("TELEGRAM_BOT_TOKEN")),
            telegram_api_base_url=parse_url(
                "TELEGRAM_API_BASE_URL", env.get("TELEGRAM_API_BASE_URL")
            ),
            telegram_api_file_url=parse_url(
                "TELEGRAM_API_FILE_URL", env.get("TELEGRAM_API_FILE_URL")
            ),
            webhook_url=parse_url("TELEGRAM_WEBHOOK_URL", env.get("TELEGRAM_WEBHOOK_URL")),
            webhook_listen=parse_listen(
                "TELEGRAM_WEBHOOK_LISTEN", env.get("TELEGRAM_WEBHOOK_LISTEN")
            ),
            webhook_port=parse_port("TELEGRAM_WEBHOOK_PORT", env.get("TELEGRAM_WEBHOOK_PORT")),
            webhook_secret=parse_secret(
                "TELEGRAM_WEBHOOK_SECRET", env.get("TELEGRAM_WEBHOOK_SECRET")
            ),
            group_cooldown_seconds=parse_seconds(
                "GROUP_COOLDOWN_SECONDS",
                env.get("GROUP_COOLDOWN_SECONDS"),
                DEFAULT_COOLDOWN_SECONDS,
            ),
            allowed_chat_ids=parse_ids(
                "ALLOWED_CHAT_IDS", env.get("ALLOWED_CHAT_IDS"), users=False
            ),
            owner_ids=parse_ids("OWNER_IDS", env.get("OWNER_IDS"), users=True),
            record_questions=parse_switch("RECORD_QUESTIONS", env.get("RECORD_QUESTIONS"), True),
            question_retention_days=parse_days(
                "QUESTION_RETENTION_DAYS",
                env.get("QUESTION_RETENTION_DAYS"),
                DEFAULT_RETENTION_DAYS,
            ),
            follow_symlinks=parse_switch("FOLLOW_SYMLINKS", env.get("FOLLOW_SYMLINKS"), False),
            progress=parse_optional_switch("SPEECHBOT_PROGRESS", env.get("SPEECHBOT_PROGRESS")),
            log_level=parse_log_level("LOG_LEVEL", env.get("LOG_LEVEL")),
        )

    def webhook(
        self,
        url: str | None = None,
        listen: str | None = None,
        port: int | str | None = None,
        secret_token: str | None = None,
    ) -> Webhook | None:
        """Webhook mode from the command line's flags over the settings (None: long polling).
        A flag's value is checked as its variable is, and named by the flag."""
        chosen = parse_url("--webhook-url", url) if url else self.webhook_url
        if not chosen:
            return None
        return Webhook(
            url=chosen,
            listen=parse_listen("--listen", listen) if listen else self.webhook_listen,
            port=parse_port("--port", port) if port is not None else self.webhook_port,
            secret_token=(
                parse_secret("--secret-token", secret_token)
                if secret_token
                else self.webhook_secret
            ),
        )
