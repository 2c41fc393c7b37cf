"""Confirm Telegram updates only once they are processed, so a crash loses none of them.

python-telegram-bot confirms a batch of updates (by asking ``getUpdates`` with a higher offset) as soon
as it has queued them in memory; a process killed under a flood would lose every queued, unprocessed
update. Here the next ``getUpdates`` waits until the previous batch is processed (at most
``max_wait`` seconds, so a stuck handler cannot stop polling for good). The backlog then stays on
Telegram's side (it keeps updates for 24 hours), memory holds at most one batch, and after a crash the
unfinished batch is delivered again (the service skips messages it already decided).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import Application

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 60.0


def hold_acks_until_processed(app: Application, max_wait: float = MAX_WAIT_SECONDS) -> None:  # type: ignore[type-arg]
    """Make ``app``'s polling confirm a batch of updates only after the batch was processed."""
    bot = app.bot
    fetch: Callable[..., Awaitable[Any]] = bot.get_updates

    async def get_updates(*args: Any, **kwargs: Any) -> Any:
        try:
            await asyncio.wait_for(app.update_queue.join(), max_wait)
        except TimeoutError:
            log.warning("telegram: updates still processing after %.0fs; polling on", max_wait)
        return await fetch(*args, **kwargs)

    with bot._unfrozen():  # PTB objects refuse new attributes otherwise
        object.__setattr__(bot, "get_updates", get_updates)
