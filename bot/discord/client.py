"""``StewardBot`` (a discord.py ``commands.Bot`` with Steward's cogs) and the runtime's ``DiscordRunner``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

import discord
from discord.ext import commands

from bot.discord import slash, translate
from bot.discord.cards import CardButton, card_embed, card_view
from bot.discord.drain import Drain
from bot.discord.events import Events
from bot.discord.gateway import DiscordGateway
from bot.discord.intents import REFUSED_WARNING, IntentWatch, steward_intents
from bot.discord.replies import QUICK, answer, refuse
from bot.service_port import ModerationPort as Service
from moderation.domain import CommandReply

log = logging.getLogger(__name__)

STOP_GRACE = 10.0
"""Seconds ``DiscordRunner.stop`` waits for messages being handled (their actions) to finish."""
MAX_RATELIMIT_WAIT = 60.0
"""Longer 429 waits fail the action (retryable, recorded) instead of stalling a message handler."""


class StewardBot(commands.Bot):
    """The Discord client: events cog, persistent review-card buttons, per-guild slash commands."""

    def __init__(
        self,
        service: Service,
        *,
        message_content: bool = True,
        guild_ready_timeout: float = 2.0,
        reply_grace: float = QUICK,
        shard: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(
            shard_id=shard[0] if shard is not None else None,
            shard_count=shard[1] if shard is not None else None,
            command_prefix=commands.when_mentioned,
            intents=steward_intents(message_content=message_content),
            guild_ready_timeout=guild_ready_timeout,
            allowed_mentions=discord.AllowedMentions(everyone=False, roles=False),
            help_command=None,
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
        )
        self.service = service
        self.gateway = DiscordGateway(self, service)
        self.intent_watch = IntentWatch()
        self._synced: set[int] = set()
        self.reply_grace = reply_grace
        self.drain = Drain()

    async def setup_hook(self) -> None:
        """Register the cog, the card buttons (so old cards keep working) and the slash commands."""
        await self.add_cog(Events(self, self.intent_watch))
        self.add_dynamic_items(CardButton)
        slash.install(self.tree, self.service, quick=self.reply_grace, drain=self.drain)
        self.intent_watch.check_flags(self.intents, self.application_flags)

    async def sync_guild(self, guild_id: int) -> None:
        """Sync slash commands to a configured guild, once per process."""
        if guild_id in self._synced or self.service.community_for(translate.PLATFORM, str(guild_id)) is None:
            return
        self._synced.add(guild_id)
        try:
            count = await slash.sync_guild(self.tree, guild_id)
        except discord.HTTPException as exc:
            self._synced.discard(guild_id)
            log.warning(
                "could not sync slash commands in guild %s (%s); invite the bot with the "
                "applications.commands scope",
                guild_id,
                exc,
            )
        else:
            log.info("synced %d slash commands in guild %s", count, guild_id)

    async def on_card_button(
        self, interaction: discord.Interaction[Any], verb: str, case_number: int
    ) -> None:
        """Run a review card's button through the service and refresh the card."""
        guild_id = interaction.guild_id
        community = (
            self.service.community_for(translate.PLATFORM, str(guild_id)) if guild_id is not None else None
        )
        if guild_id is None or community is None:
            await refuse(interaction, "This server is not set up for Steward.")
            return
        card_message = interaction.message
        if card_message is not None:
            self.gateway.remember_card(community, case_number, card_message.channel.id, card_message.id)
        scope = translate.scope(community, guild_id, interaction.channel or interaction.channel_id)
        work = self.service.handle_button(scope, translate.actor(interaction.user), verb, case_number)
        async with self.drain.hold() as accepting:
            if accepting:
                await self._answer_button(interaction, work, card_message)
            else:
                work.close()
                await refuse(interaction, slash.RESTARTING)

    async def _answer_button(
        self,
        interaction: discord.Interaction[Any],
        work: Coroutine[Any, Any, CommandReply],
        card_message: discord.Message | None,
    ) -> None:
        reply = await answer(
            interaction, work, always_ephemeral=True, with_card=False, quick=self.reply_grace
        )
        if reply is not None and reply.card is not None and card_message is not None:
            with contextlib.suppress(discord.HTTPException):
                await card_message.edit(embed=card_embed(reply.card), view=card_view(reply.card))


class DiscordRunner:
    """Runs the Discord bot inside Steward's own event loop, beside the other platforms.

    Args:
        service: The moderation service (the gateway is registered with it).
        token: The bot token (from the environment).
        message_content: Ask for the privileged Message Content intent (needed to moderate text).
        guild_ready_timeout: Seconds discord.py waits for more guilds before READY.
        reply_grace: Seconds an interaction's answer may take before it is deferred.
        shard: ``(shard id, shard count)`` to run one shard of a large bot in this process.
    """

    def __init__(
        self,
        service: Service,
        token: str,
        *,
        message_content: bool = True,
        guild_ready_timeout: float = 2.0,
        reply_grace: float = QUICK,
        shard: tuple[int, int] | None = None,
    ) -> None:
        self.service = service
        self._token = token
        self.bot = StewardBot(
            service,
            message_content=message_content,
            guild_ready_timeout=guild_ready_timeout,
            reply_grace=reply_grace,
            shard=shard,
        )
        service.register_gateway(self.bot.gateway)
        self._task: asyncio.Task[None] | None = None

    @property
    def connection(self) -> asyncio.Task[None] | None:
        """The background task holding the gateway connection (done when it stopped for good)."""
        return self._task

    @property
    def gateway(self) -> DiscordGateway:
        """The ``ChatGateway`` registered with the service."""
        return self.bot.gateway

    async def start(self) -> None:
        """Log in (raises ``discord.LoginFailure`` on a bad token) and connect in the background."""
        await self.bot.login(self._token)
        self._task = asyncio.create_task(self._connect(), name="discord-gateway")

    async def _connect(self) -> None:
        try:
            await self.bot.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired:
            log.error(REFUSED_WARNING)
        except asyncio.CancelledError:
            raise
        except Exception:  # the Discord side stopping must not stop the other platforms
            log.exception("the Discord connection stopped")

    async def wait_ready(self) -> None:
        """Wait until the bot has received READY and its guilds (wrap in ``asyncio.timeout``)."""
        await self.bot.wait_until_ready()

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Let handlers in flight finish (up to ``grace`` seconds), then close the connection."""
        left = await self.bot.drain.close(grace)
        if left:
            log.warning("closing Discord with %d event handler(s) still running", left)
        await self.bot.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
