"""Question -> ranked passages -> Answer. Knows nothing of Telegram or the terminal."""

from bot.answer.engine import Answer, Engine, Hit, TocEntry

__all__ = ["Answer", "Engine", "Hit", "TocEntry"]
