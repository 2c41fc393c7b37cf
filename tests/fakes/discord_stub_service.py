"""A recording stand-in for ModerationService, for Discord adapter tests that check translation only."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from moderation.config.schema import CommunityConfig
from moderation.domain import (
    Actor,
    CommandReply,
    Decision,
    InboundMessage,
    MemberJoined,
    MemberLeft,
    ModeratorCommand,
    Outcome,
    Scope,
)
from moderation.ports import ChatGateway
from tests.fakes import discord_server as ds


def acme_config(**discord: Any) -> CommunityConfig:
    """Community ``acme`` on guild 1100 with the fake's mod, welcome and log channels."""
    settings = {
        "guild_ids": [ds.GUILD],
        "mod_channel_id": ds.MOD_CHANNEL,
        "welcome_channel_id": ds.WELCOME,
        "log_channel_id": ds.LOG_CHANNEL,
    } | discord
    return CommunityConfig.model_validate({"community": "acme", "platforms": {"discord": settings}})


@dataclass
class RecordingService:
    """Records what the adapter hands over; answers commands with a fixed reply."""

    config: CommunityConfig = field(default_factory=acme_config)
    events: list[Any] = field(default_factory=list)
    gateways: list[ChatGateway] = field(default_factory=list)
    reply: CommandReply = field(default_factory=lambda: CommandReply("ok"))
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    delay: float = 0.0
    finished: list[Any] = field(default_factory=list)

    def register_gateway(self, gateway: ChatGateway) -> None:
        self.gateways.append(gateway)

    def community_for(self, platform: str, space_id: str) -> str | None:
        discord = self.config.platforms.discord
        if platform == "discord" and discord is not None and space_id in discord.guild_ids:
            return self.config.community
        return None

    def community_config(self, community: str) -> CommunityConfig:
        return self.config

    def _got(self, event: Any) -> None:
        self.events.append(event)
        self.arrived.set()

    async def handle_message(self, msg: InboundMessage) -> Decision:
        self._got(msg)
        await asyncio.sleep(self.delay)
        self.finished.append(msg)
        return Decision(Outcome.IGNORE)

    async def handle_join(self, event: MemberJoined) -> None:
        self._got(event)

    async def handle_leave(self, event: MemberLeft) -> None:
        self._got(event)

    async def handle_command(self, cmd: ModeratorCommand) -> CommandReply:
        self._got(cmd)
        await asyncio.sleep(self.delay)
        return self.reply

    async def handle_button(self, scope: Scope, caller: Actor, verb: str, case_number: int) -> CommandReply:
        self._got((scope, caller, verb, case_number))
        await asyncio.sleep(self.delay)
        return self.reply

    def command_help(self) -> list[tuple[str, str]]:
        return [("queue", "Show the review queue"), ("case", "Show a case")]

    async def next_event(self, within: float = 5.0) -> Any:
        """Wait for the next recorded event and return it."""
        count = len(self.events)
        async with asyncio.timeout(within):
            while len(self.events) <= count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.events[count]
