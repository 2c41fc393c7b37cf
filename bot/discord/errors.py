"""Map discord.py's HTTP errors to the core's ``ActionFailed``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import aiohttp
import discord

from moderation.errors import ActionFailed

MISSING_PERMISSIONS = 50013
CANNOT_DM = 50007
UNKNOWN_CODES = {
    10003: "channel",
    10004: "guild",
    10007: "member",
    10008: "message",
    10013: "user",
    10026: "ban",
}


def action_failed(action: str, exc: BaseException, *, missing_permission: str | None = None) -> ActionFailed:
    """Translate a discord.py (or network) exception into ``ActionFailed``.

    Args:
        action: The action that failed (``delete``, ``timeout``...).
        exc: The exception discord.py raised.
        missing_permission: The Discord permission the action needs, named when it was refused.
    """
    if isinstance(exc, discord.RateLimited):
        return ActionFailed(
            action, "rate_limited", retryable=True, detail=f"retry after {exc.retry_after:.1f}s"
        )
    if isinstance(exc, discord.HTTPException):
        code, text = exc.code, exc.text or str(exc)
        if code == CANNOT_DM:
            return ActionFailed(action, "dm_closed", detail=text)
        if isinstance(exc, discord.Forbidden):
            return ActionFailed(
                action, "missing_permissions", missing_permission=missing_permission, detail=text
            )
        if isinstance(exc, discord.NotFound):
            what = UNKNOWN_CODES.get(code, "resource")
            return ActionFailed(action, "not_found", detail=f"unknown {what}: {text}")
        if exc.status == 429:
            return ActionFailed(action, "rate_limited", retryable=True, detail=text)
        if exc.status >= 500:
            return ActionFailed(action, "network", retryable=True, detail=f"{exc.status} {text}")
        return ActionFailed(action, "rejected", detail=f"{exc.status} {text}")
    if isinstance(exc, aiohttp.ClientError | TimeoutError | OSError):
        return ActionFailed(action, "network", retryable=True, detail=repr(exc)[:200])
    return ActionFailed(action, "error", detail=repr(exc)[:200])


@contextlib.contextmanager
def translated(action: str, *, missing_permission: str | None = None) -> Iterator[None]:
    """Run a block, re-raising discord.py and network errors as ``ActionFailed``."""
    try:
        yield
    except ActionFailed:
        raise
    except (discord.DiscordException, aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise action_failed(action, exc, missing_permission=missing_permission) from exc
