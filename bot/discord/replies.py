"""Answering interactions: quick answers directly, slow ones deferred (Discord allows 3 s)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import Any

import discord

from bot.discord.cards import card_embed, card_view
from moderation.domain import CommandReply

log = logging.getLogger(__name__)

QUICK = 2.0
"""Seconds to wait for an answer before deferring (Discord drops interactions unanswered after 3 s)."""
SORRY = "Sorry, something went wrong on my side; the error is logged."


async def answer(
    interaction: discord.Interaction[Any],
    work: Awaitable[CommandReply],
    *,
    always_ephemeral: bool = False,
    with_card: bool = True,
    quick: float = QUICK,
) -> CommandReply | None:
    """Run ``work`` and show its reply; defer (ephemerally) if it takes longer than ``quick`` seconds.

    Args:
        interaction: The slash command or button click.
        work: The service call producing the reply.
        always_ephemeral: Show the answer only to the caller even if the reply is not marked so.
        with_card: Attach the reply's review card (off for buttons, which refresh their own card).
        quick: Seconds to wait before deferring.
    """
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=quick)
    deferred = False
    if not done:
        await interaction.response.defer(ephemeral=True, thinking=True)
        deferred = True
    try:
        reply = await task
    except Exception:  # an edge: one interaction must never take the bot down
        log.exception("interaction %s failed", interaction.id)
        reply = CommandReply(SORRY, ephemeral=True)
    ephemeral = always_ephemeral or reply.ephemeral or deferred
    kwargs: dict[str, Any] = {}
    if with_card and reply.card is not None:
        kwargs = {"embed": card_embed(reply.card), "view": card_view(reply.card)}
    text = reply.text[:2000] or "Done."
    with contextlib.suppress(discord.HTTPException):
        if deferred:
            await interaction.followup.send(text, ephemeral=True, **kwargs)
        else:
            await interaction.response.send_message(text, ephemeral=ephemeral, **kwargs)
        return reply
    log.warning("could not answer interaction %s", interaction.id)
    return reply


async def refuse(interaction: discord.Interaction[Any], text: str) -> None:
    """An ephemeral refusal."""
    with contextlib.suppress(discord.HTTPException):
        await interaction.response.send_message(text, ephemeral=True)
