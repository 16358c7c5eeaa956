"""Who is answered, where, and how often: the allow-list gate, the owners, the group cooldown.

* The gate (`ALLOWED_CHAT_IDS`) runs before every other handler: updates from other chats are
  dropped (owners excepted) and the bot leaves a group that is not on the list.
* Owners (`OWNER_IDS`) are user ids, never names: anyone can take a name.
* The cooldown (`GROUP_COOLDOWN_SECONDS`): in a group, one person's questions are answered at
  most once per period. A question inside the period is not dropped: it waits for the period to
  end and is answered then (one waiting question per person); a further one meanwhile gets one
  short notice per period. Button taps inside the period get a short notice. Private chats and
  owners have no cooldown.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram import Chat, Update, User
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import texts
from bot.frontends.telegram import buttons
from bot.settings import Settings

log = logging.getLogger("speechbot.telegram")

Key = tuple[str, int, int]  # (what, chat id, user id)
MAX_KEYS = 10_000


def is_group(chat: Chat | None) -> bool:
    return chat is not None and chat.type in (Chat.GROUP, Chat.SUPERGROUP)


class Cooldown:
    """At most one action per `seconds` for each key, kept in memory."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.next_free: dict[Key, float] = {}  # when the key may act again
        self.waiting: set[Key] = set()  # keys with a question waiting for its turn
        self.noticed: dict[Key, float] = {}  # the turn a notice was sent for

    def _trim(self, now: float) -> None:
        if len(self.next_free) > MAX_KEYS:
            self.next_free = {
                k: t for k, t in self.next_free.items() if t > now or k in self.waiting
            }
            self.noticed = {k: t for k, t in self.noticed.items() if k in self.next_free}

    def wait(self, key: Key) -> bool:
        """True if `key` acted less than `seconds` ago and must wait; otherwise record it."""
        if self.seconds <= 0:
            return False
        now = self.clock()
        if now < self.next_free.get(key, 0.0):
            return True
        self.next_free[key] = now + self.seconds
        self._trim(now)
        return False

    def reserve(self, key: Key) -> float | None:
        """Seconds `key` must wait before acting (0: at once), its turn now taken; None if one of
        its actions is already waiting (at most one waits per key)."""
        if self.seconds <= 0:
            return 0.0
        now = self.clock()
        free = self.next_free.get(key, 0.0)
        if now >= free:
            self.next_free[key] = now + self.seconds
            self._trim(now)
            return 0.0
        if key in self.waiting:
            return None
        self.waiting.add(key)
        self.next_free[key] = free + self.seconds
        return free - now

    def release(self, key: Key) -> None:
        """The waiting action of `key` has had its turn (or was cancelled)."""
        self.waiting.discard(key)

    def notice_due(self, key: Key) -> bool:
        """Whether to tell `key` to wait: once per turn it is waiting for."""
        turn = self.next_free.get(key, 0.0)
        if self.noticed.get(key) == turn:
            return False
        self.noticed[key] = turn
        return True


class Access:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.owners = settings.owner_ids
        self.allowed = settings.allowed_chat_ids
        self.cooldown = Cooldown(settings.group_cooldown_seconds, clock)
        self._left: set[int] = set()  # groups left for not being in ALLOWED_CHAT_IDS

    def is_owner(self, user: User | None) -> bool:
        return user is not None and user.id in self.owners

    def limited(self, chat: Chat | None, user: User | None) -> bool:
        """Whether the cooldown applies: a non-owner in a group."""
        return is_group(chat) and user is not None and not self.is_owner(user)

    def question_turn(
        self, chat: Chat | None, user: User | None
    ) -> tuple[Key | None, float | None]:
        """(key, seconds to wait) for a question; (None, 0) without cooldown; (key, None) if
        this person already has a question waiting."""
        if not self.limited(chat, user):
            return None, 0.0
        assert chat is not None and user is not None
        key: Key = ("ask", chat.id, user.id)
        return key, self.cooldown.reserve(key)

    # ---- handlers that run before all others ----------------------------------------------
    async def gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """With ALLOWED_CHAT_IDS set, updates from other chats (owners excepted) are dropped, and
        the bot leaves a group or channel that is not on the list (once; it can be added back)."""
        allowed = self.allowed
        if not allowed:
            return
        chat, user = update.effective_chat, update.effective_user
        if chat is not None and chat.id in allowed:
            return
        if user is not None and (user.id in self.owners or (chat is None and user.id in allowed)):
            return
        if chat is not None and chat.type != Chat.PRIVATE and chat.id not in self._left:
            if len(self._left) > MAX_KEYS:
                self._left.clear()
            self._left.add(chat.id)
            log.info("leaving chat %s: it is not in ALLOWED_CHAT_IDS", chat.id)
            try:
                await context.bot.leave_chat(chat.id)
            except TelegramError as exc:
                log.warning("could not leave chat %s: %s", chat.id, exc)
        raise ApplicationHandlerStop

    async def tap_cooldown(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Button taps in groups inside the cooldown get a short notice and go no further
        (feedback and the owner's /stats buttons are exempt: they send nothing to the chat)."""
        query = update.callback_query
        if query is None or buttons.is_kind(query.data, buttons.Feedback, buttons.Asked):
            return
        chat, user = update.effective_chat, update.effective_user
        if not self.limited(chat, user):
            return
        assert chat is not None and user is not None
        if self.cooldown.wait(("tap", chat.id, user.id)):
            await query.answer(texts.TG_COOLDOWN)
            raise ApplicationHandlerStop
