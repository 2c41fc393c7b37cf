"""The shared ChatGateway contract, run against the Discord gateway and the fake Discord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from bot.discord.client import DiscordRunner
from moderation.domain import MemberRef, Scope
from moderation.ports import ChatGateway
from tests.fakes import discord_server as ds
from tests.fakes.discord_stub_service import RecordingService, acme_config
from tests.gateway_contract import CONTRACT, Check

_DENY = {
    "delete": ("DELETE", r"/channels/\d+/messages/\d+"),
    "timeout": ("PATCH", r"/guilds/\d+/members/\d+"),
}


class DiscordWorld:
    """ContractWorld over the fake Discord."""

    mod_channel_optional = True

    def __init__(self, fake: ds.FakeDiscord, service: RecordingService, gateway: ChatGateway) -> None:
        self.fake = fake
        self.service = service
        self.gateway = gateway
        self.community = "acme"
        self.scope = Scope("discord", "acme", ds.GUILD, ds.GENERAL, ds.CATEGORY)
        self.member = MemberRef("discord", ds.GUILD, ds.ALICE)

    async def post(self, text: str) -> str:
        data = await self.fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, text)
        return str(data["id"])

    def deny(self, action: str) -> None:
        method, path = _DENY[action]
        self.fake.fail(method, path, times=-1)

    def close_dms(self) -> None:
        self.fake.closed_dms.add(self.member.user_id)

    def muted_until(self) -> datetime | None:
        until = self.fake.guilds[ds.GUILD].members[ds.ALICE].get("communication_disabled_until")
        return datetime.fromisoformat(until) if until else None

    def moderator_posts(self) -> int:
        return len(self.fake.requests_to("POST", rf"/channels/{ds.MOD_CHANNEL}/messages"))

    def drop_mod_channel(self) -> None:
        self.service.config = acme_config(mod_channel_id=None)


@pytest.fixture
async def world() -> AsyncIterator[DiscordWorld]:
    fake = ds.FakeDiscord([ds.acme_guild()])
    async with ds.running(fake):
        service = RecordingService()
        runner = DiscordRunner(service, "token", guild_ready_timeout=0.05)
        await runner.start()
        try:
            async with asyncio.timeout(5):
                await runner.wait_ready()
            yield DiscordWorld(fake, service, runner.gateway)
        finally:
            await runner.stop()


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
async def test_contract(world: DiscordWorld, check: Check) -> None:
    await check(world)


async def test_the_gateway_is_a_chat_gateway(world: DiscordWorld) -> None:
    assert isinstance(world.gateway, ChatGateway)
    assert world.gateway.platform == "discord"
