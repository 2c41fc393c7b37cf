"""The events cog: messages, edits, joins, leaves and guild changes, fed to the moderation service."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord import translate
from bot.discord.dms import handle_direct
from bot.discord.intents import IntentWatch
from moderation.domain import Decision, Outcome

if TYPE_CHECKING:
    from bot.discord.client import StewardBot

log = logging.getLogger(__name__)

_MODERATED_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class Events(commands.Cog):
    """Gateway events → the core's events (guard, translate, hand to the service)."""

    def __init__(self, bot: StewardBot, watch: IntentWatch) -> None:
        self.bot = bot
        self.service = bot.service
        self.watch = watch

    def _community(self, guild_id: int | None) -> str | None:
        if guild_id is None:
            return None
        return self.service.community_for(translate.PLATFORM, str(guild_id))

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Moderate a new guild message; answer a member's ``/appeal`` or ``/verify`` sent by DM."""
        if message.guild is None:
            async with self.bot.drain.hold() as accepting:
                if accepting:
                    await handle_direct(self.service, message)
            return
        await self._moderate(message, edited=False)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """Re-check a message whose text changed."""
        if "content" not in payload.data:
            return
        before = payload.cached_message
        if before is not None and before.content == payload.message.content:
            return  # an embed unfurled, not an edit
        await self._moderate(payload.message, edited=True)

    async def _moderate(self, message: discord.Message, *, edited: bool) -> None:
        async with self.bot.drain.hold() as accepting:
            if accepting:
                await self._moderate_now(message, edited=edited)

    async def _moderate_now(self, message: discord.Message, *, edited: bool) -> None:
        if message.guild is None or message.author.bot or message.type not in _MODERATED_TYPES:
            return
        community = self._community(message.guild.id)
        if community is None:
            return
        if self.watch.content_missing(message, self.bot.user):
            return
        try:
            decision = await self.service.handle_message(translate.inbound(community, message, edited=edited))
        except Exception:  # an edge: one message must never take the bot down
            log.exception("moderating message %s in %s failed", message.id, community)
            return
        line = mod_log_line(decision, message)
        if line is not None:
            await self.bot.gateway.log_line(community, line)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """Greet a newcomer (the service decides where)."""
        community = self._community(member.guild.id)
        if community is None or member.bot:
            return
        settings = self.service.community_config(community).platforms.discord
        welcome = settings.welcome_channel_id if settings is not None else None
        channel = welcome or _default_channel(member.guild)
        async with self.bot.drain.hold() as accepting:
            if not accepting:
                return
            try:
                await self.service.handle_join(
                    translate.joined(community, member, channel, datetime.now(UTC))
                )
            except Exception:
                log.exception("handling the join of %s in %s failed", member.id, community)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """Record a departure."""
        community = self._community(payload.guild_id)
        if community is None:
            return
        guild = self.bot.get_guild(payload.guild_id)
        channel = _default_channel(guild) if guild is not None else "0"
        event = translate.left(community, payload.guild_id, payload.user, channel, datetime.now(UTC))
        try:
            await self.service.handle_leave(event)
        except Exception:
            log.exception("handling the departure of %s in %s failed", payload.user.id, community)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot was removed from a guild (or it was deleted): say so, keep running."""
        community = self._community(guild.id)
        log.warning(
            "Steward was removed from the Discord server %s (%s)%s; "
            "actions there will fail until it is invited again.",
            guild.name,
            guild.id,
            f", community {community}" if community else "",
        )

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """Sync the slash commands in every configured guild once per process."""
        await self.bot.sync_guild(guild.id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """A new guild: sync its commands if it is configured."""
        await self.bot.sync_guild(guild.id)

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        """The gateway session was resumed after a disconnect."""
        log.info("Discord gateway session resumed")


def mod_log_line(decision: Decision, message: discord.Message) -> str | None:
    """One line for the mod-log channel about a decision that acted or asked for review."""
    if decision.dry_run or decision.outcome not in (Outcome.ACT, Outcome.REVIEW):
        return None
    rules = ", ".join(decision.fired_rules) or "review"
    done = ", ".join(str(a.kind) for a in decision.actions) or "none"
    held = ", ".join(str(a.kind) for a in decision.held_actions)
    text = f"[{decision.outcome}] {rules}: {done} · <@{message.author.id}> in <#{message.channel.id}>"
    return text + (f" · held for review: {held}" if held else "")


def _default_channel(guild: discord.Guild) -> str:
    """Where Discord itself would greet: the system channel, else the first text channel we can write in."""
    if guild.system_channel is not None:
        return str(guild.system_channel.id)
    me = guild.me
    for channel in guild.text_channels:
        if me is None or channel.permissions_for(me).send_messages:
            return str(channel.id)
    return "0"
