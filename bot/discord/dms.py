"""Direct messages to the bot: members' ``/appeal <case> <why>`` and ``/verify <answer>``."""

from __future__ import annotations

import contextlib
import logging

import discord

from bot.discord import translate
from bot.service_port import ModerationPort as Service
from moderation.domain import ModeratorCommand, Scope

log = logging.getLogger(__name__)

MEMBER_COMMANDS = frozenset({"appeal", "verify"})
"""Commands a member may send the bot privately (the service finds their community)."""
HINT = (
    "Here I only answer /appeal <case> <why the decision was wrong> and /verify <answer>. "
    "Moderator commands work as slash commands in the server."
)


def parse(text: str) -> tuple[str, tuple[str, ...]] | None:
    """``(name, args)`` of a ``/command args`` text, or ``None`` for plain text."""
    words = text.split()
    if not words or not words[0].startswith("/") or len(words[0]) < 2:
        return None
    return words[0][1:].lower(), tuple(words[1:])


def dm_scope(channel_id: int) -> Scope:
    """The scope of a DM: no community (the service looks the member's case up in every community)."""
    return Scope(translate.PLATFORM, "", str(channel_id), str(channel_id))


async def handle_direct(service: Service, message: discord.Message) -> None:
    """Run a member's private command through the service and answer in the DM; never raises."""
    if message.guild is not None or message.author.bot:
        return
    parsed = parse(message.content)
    if parsed is None:
        return  # small talk: nothing to do
    name, args = parsed
    if name not in MEMBER_COMMANDS:
        text = HINT
    else:
        command = ModeratorCommand(
            scope=dm_scope(message.channel.id),
            caller=translate.actor(message.author),
            name=name,
            args=args,
        )
        try:
            text = (await service.handle_command(command)).text
        except Exception:  # an edge: one DM must never take the bot down
            log.exception("private /%s from %s failed", name, message.author.id)
            return
    if text:
        with contextlib.suppress(discord.HTTPException):
            await message.channel.send(text[:2000], allowed_mentions=discord.AllowedMentions.none())
