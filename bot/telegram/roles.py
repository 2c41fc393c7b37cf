"""Administrator roles per chat from getChatAdministrators, cached and refreshed on an interval."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from telegram import Bot, ChatMember
from telegram.error import TelegramError

log = logging.getLogger(__name__)


class AdminCache:
    """Caches each chat's administrators: ``creator`` and ``admin`` role tokens per user id.

    A chat's list is fetched on first use and again after ``ttl`` seconds; when a refresh fails the
    previous list is kept (or no roles at all for a chat never fetched).
    """

    def __init__(self, bot: Bot, *, ttl: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._bot = bot
        self._ttl = ttl
        self._clock = clock
        self._chats: dict[int, tuple[float, dict[int, tuple[str, ...]]]] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    def invalidate(self, chat_id: int) -> None:
        """Forget a chat's list (e.g. after a chat_member update about an administrator)."""
        self._chats.pop(chat_id, None)

    async def roles(self, chat_id: int, user_id: int) -> tuple[str, ...]:
        """Role tokens of a user in a chat: ``("creator", "admin")``, ``("admin",)`` or ``()``."""
        return (await self._admins(chat_id)).get(user_id, ())

    async def _admins(self, chat_id: int) -> dict[int, tuple[str, ...]]:
        async with self._locks.setdefault(chat_id, asyncio.Lock()):  # one fetch at a time per chat
            return await self._fetch(chat_id)

    async def _fetch(self, chat_id: int) -> dict[int, tuple[str, ...]]:
        cached = self._chats.get(chat_id)
        now = self._clock()
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        try:
            members = await self._bot.get_chat_administrators(chat_id)
        except TelegramError as exc:
            log.warning("telegram: cannot list administrators of %s: %s", chat_id, exc)
            admins = cached[1] if cached is not None else {}
            self._chats[chat_id] = (now - self._ttl + min(30.0, self._ttl), admins)  # retry in 30 s
            return admins
        admins = {}
        for member in members:
            if member.status == ChatMember.OWNER:
                admins[member.user.id] = ("creator", "admin")
            elif member.status == ChatMember.ADMINISTRATOR:
                admins[member.user.id] = ("admin",)
        self._chats[chat_id] = (now, admins)
        return admins
