"""Rate limiting: Telegram's message limits apply to posting, not to deletions and restrictions."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

POSTING_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "sendPhoto",
        "sendDocument",
        "sendAnimation",
        "sendVideo",
        "sendSticker",
        "forwardMessage",
        "copyMessage",
    }
)
"""Methods counted against the 30 messages/second overall and 20 messages/minute per group limits."""


class PostingRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` whose flood limits pace only posting methods.

    The stock limiter counts every request that names a group chat (deleteMessage, banChatMember,
    getChatAdministrators...) against the 20-per-minute group budget, which would make a spam wave of
    thirty messages take minutes to clean up. Every method still waits out a 429's ``retry_after``.
    """

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Pace posting methods; let the others through unpaced (429 retries still apply)."""
        if endpoint not in POSTING_METHODS:
            data = {key: value for key, value in data.items() if key != "chat_id"}
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
