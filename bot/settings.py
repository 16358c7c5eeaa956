"""One settings object, read from the environment and an optional `.env` file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = PROJECT_ROOT / "seeds"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "speechbot"


def _int_set(raw: str | None) -> frozenset[int]:
    out: set[int] = set()
    for part in (raw or "").replace(";", ",").split(","):
        part = part.strip()
        if part.lstrip("-").isdigit():
            out.add(int(part))
    return frozenset(out)


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

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env") -> Settings:
        """Read settings; values already in the environment win over the `.env` file."""
        if env_file is not None:
            load_dotenv(env_file, override=False)
        env = os.environ
        corpus = env.get("SPEECHBOT_CORPUS") or str(DEFAULT_CORPUS)
        return cls(
            corpus=Path(corpus).expanduser(),
            cache_dir=Path(env.get("SPEECHBOT_CACHE_DIR") or _default_cache_dir()).expanduser(),
            telegram_token=(env.get("TELEGRAM_BOT_TOKEN") or "").strip() or None,
            telegram_api_base_url=(env.get("TELEGRAM_API_BASE_URL") or "").strip() or None,
            telegram_api_file_url=(env.get("TELEGRAM_API_FILE_URL") or "").strip() or None,
            owner_ids=_int_set(env.get("OWNER_IDS")),
            allowed_chat_ids=_int_set(env.get("ALLOWED_CHAT_IDS")),
            group_cooldown_seconds=float(env.get("GROUP_COOLDOWN_SECONDS") or 3.0),
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
        )
