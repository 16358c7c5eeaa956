"""Which document each chat asks in (`/doc N`), kept across restarts in a small JSON file.

A choice names the document by its path and title as well as its number, because numbers
shift when the library changes: `Edition.locate` finds the same document again after a
reload (or says it is gone). Only chats that chose a document are stored, and the file is
written only when a choice changes, atomically (a crash never leaves half a file). A file
that cannot be read is set aside and the bot starts with no choices, rather than not at all.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from bot import texts
from bot.answer.library import DocInfo, Edition
from bot.atomic import write_atomic

log = logging.getLogger("speechbot.telegram")

_VERSION = 1


@dataclass(frozen=True)
class Choice:
    path: str
    title: str
    index: int


class ChatChoices:
    def __init__(self, path: Path | None) -> None:
        self.path = path  # None: kept in memory only
        self._save_failed = False
        self._choices: dict[int, Choice] = self._load()

    def get(self, chat_id: int) -> Choice | None:
        return self._choices.get(chat_id)

    def set(self, chat_id: int, choice: Choice) -> None:
        if self._choices.get(chat_id) != choice:
            self._choices[chat_id] = choice
            self._save()

    def clear(self, chat_id: int) -> None:
        if self._choices.pop(chat_id, None) is not None:
            self._save()

    def move(self, old_chat: int, new_chat: int) -> None:
        """The group became a supergroup with a new id: its choice goes with it."""
        choice = self._choices.pop(old_chat, None)
        if choice is not None:
            self._choices[new_chat] = choice
            self._save()

    def scope(self, chat_id: int | None, edition: Edition) -> tuple[DocInfo | None, str | None]:
        """The document this chat asks in (None: all), and a notice if the one it chose is gone.

        The choice is found again by its path (then title) in this edition, wherever the
        document's number moved to; if it is not there any more the choice is dropped."""
        choice = self.get(chat_id) if chat_id is not None else None
        if choice is None or chat_id is None:
            return None, None
        info = edition.locate(choice.path, choice.title, choice.index)
        if info is None:
            self.clear(chat_id)
            return None, texts.TG_SCOPE_GONE.format(title=choice.title)
        if (info.path, info.title, info.index) != (choice.path, choice.title, choice.index):
            self.set(chat_id, Choice(info.path, info.title, info.index))
        return info, None

    def __len__(self) -> int:
        return len(self._choices)

    def _load(self) -> dict[int, Choice]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {
                int(chat): Choice(str(c["path"]), str(c["title"]), int(c["index"]))
                for chat, c in raw["chats"].items()
            }
        except Exception as exc:  # damaged or from elsewhere: start afresh, keep it for a look
            aside = self.path.with_name(self.path.name + ".damaged")
            log.warning(
                "ignoring the saved document choices %s (%s); moved to %s",
                self.path,
                exc,
                aside.name,
            )
            try:
                os.replace(self.path, aside)
            except OSError:
                pass
            return {}

    def _save(self) -> None:
        if self.path is None:
            return
        data = {
            "version": _VERSION,
            "chats": {
                str(chat): {"path": c.path, "title": c.title, "index": c.index}
                for chat, c in self._choices.items()
            },
        }
        try:
            write_atomic(self.path, json.dumps(data, ensure_ascii=False).encode("utf-8"))
        except OSError as exc:
            if not self._save_failed:  # once: the choices still work until a restart
                log.warning("could not save the document choices to %s: %s", self.path, exc)
                self._save_failed = True
        else:
            self._save_failed = False
