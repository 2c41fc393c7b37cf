"""The real discord.py client, connected to the fake Discord, translates events for the core."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.discord.client import DiscordRunner
from moderation.domain import InboundMessage, MemberJoined, MemberLeft
from tests.fakes import discord_server as ds
from tests.fakes.discord_stub_service import RecordingService


@dataclass
class Env:
    fake: ds.FakeDiscord
    service: RecordingService
    runner: DiscordRunner


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    fake = ds.FakeDiscord([ds.acme_guild()])
    service = RecordingService()
    async with ds.running(fake):
        runner = DiscordRunner(service, "token", guild_ready_timeout=0.05)
        await runner.start()
        try:
            async with asyncio.timeout(5):
                await runner.wait_ready()
            yield Env(fake, service, runner)
        finally:
            await runner.stop()


async def test_message_with_reply_links_mentions_and_attachment(env: Env) -> None:
    first = await env.fake.send_message(ds.GUILD, ds.GENERAL, ds.BOB, "original")
    await env.service.next_event()
    attachment = {
        "id": ds.snowflake(),
        "filename": "cat.png",
        "size": 10,
        "url": "https://cdn.example/cat.png",
        "proxy_url": "https://media.example/cat.png",
    }
    await env.fake.send_message(
        ds.GUILD,
        ds.GENERAL,
        ds.ALICE,
        "look https://spam.example/x, and discord.gg/abc <@5002>",
        mentions=[ds.BOB],
        attachments=[attachment],
        reply_to=first["id"],
    )
    msg = await env.service.next_event()
    assert isinstance(msg, InboundMessage)
    assert msg.text.startswith("look ")
    assert (msg.scope.community, msg.scope.space_id, msg.scope.channel_id) == ("acme", ds.GUILD, ds.GENERAL)
    assert msg.scope.category_id == ds.CATEGORY
    assert msg.author.user_id == ds.ALICE
    assert msg.author.level == 0
    assert msg.author.roles == ()
    assert msg.meta.links == ("https://spam.example/x", "discord.gg/abc")
    assert msg.meta.mentions == (ds.BOB,)
    assert msg.meta.attachments == ("https://cdn.example/cat.png",)
    assert msg.meta.reply_to == first["id"]
    assert msg.meta.reply_to_author == ds.BOB
    assert not msg.meta.edited


async def test_thread_is_a_channel_with_its_parent_as_category(env: Env) -> None:
    await env.fake.send_message(ds.GUILD, ds.THREAD, ds.ALICE, "in a thread")
    msg = await env.service.next_event()
    assert (msg.scope.channel_id, msg.scope.category_id) == (ds.THREAD, ds.GENERAL)


async def test_forwarded_message_is_checked_by_its_forwarded_text(env: Env) -> None:
    source = env.fake.message(ds.GUILD, ds.THREAD, ds.BOB, "buy followers https://spam.example/now")
    await env.fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "", forward_of=source)
    msg = await env.service.next_event()
    assert msg.meta.is_forward
    assert msg.meta.reply_to is None
    assert msg.text == "buy followers https://spam.example/now"
    assert msg.meta.links == ("https://spam.example/now",)
    assert not env.runner.bot.intent_watch.warned


async def test_role_and_permission_tokens(env: Env) -> None:
    await env.fake.send_message(ds.GUILD, ds.GENERAL, ds.MOD, "mod speaking")
    mod = (await env.service.next_event()).author
    assert mod.roles == (f"role:{ds.MOD_ROLE}", "perm:moderate_members", "perm:manage_messages")
    await env.fake.send_message(ds.GUILD, ds.GENERAL, ds.BOSS, "admin speaking")
    boss = (await env.service.next_event()).author
    assert boss.roles[0] == f"role:{ds.ADMIN_ROLE}"
    assert set(boss.roles[1:]) == {
        "perm:administrator",
        "perm:manage_guild",
        "perm:ban_members",
        "perm:moderate_members",
        "perm:manage_messages",
    }


async def test_edit_is_rechecked_and_unfurl_is_not(env: Env) -> None:
    original = await env.fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "harmless")
    await env.service.next_event()
    edited = original | {"content": "now nasty", "edited_timestamp": ds.iso()}
    await env.fake.dispatch("MESSAGE_UPDATE", edited)
    msg = await env.service.next_event()
    assert msg.text == "now nasty"
    assert msg.meta.edited
    assert msg.message_id == original["id"]
    unfurl = edited | {"embeds": [{"type": "link", "url": "https://x.example"}]}
    await env.fake.dispatch("MESSAGE_UPDATE", unfurl)
    await env.fake.send_message(ds.GUILD, ds.GENERAL, ds.BOB, "next")
    assert (await env.service.next_event()).text == "next"


async def test_bots_and_unconfigured_guilds_are_ignored(env: Env) -> None:
    other = ds.acme_guild()
    other.id = "7777"
    env.fake.guilds[other.id] = other
    await env.fake.dispatch("GUILD_CREATE", other.payload())
    await env.fake.send_message("7777", ds.GENERAL, ds.ALICE, "elsewhere")
    await env.fake.send_message(ds.GUILD, ds.GENERAL, ds.BOT, "from myself")
    await env.fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "counted")
    msg = await env.service.next_event()
    assert msg.text == "counted"
    assert len(env.service.events) == 1


async def test_join_and_leave(env: Env) -> None:
    newcomer = ds.member_payload(ds.user_payload("6001", "newbie"))
    await env.fake.dispatch("GUILD_MEMBER_ADD", newcomer | {"guild_id": ds.GUILD})
    joined = await env.service.next_event()
    assert isinstance(joined, MemberJoined)
    assert joined.member.user_id == "6001"
    assert joined.scope.space_id == ds.GUILD
    await env.fake.dispatch("GUILD_MEMBER_REMOVE", {"guild_id": ds.GUILD, "user": newcomer["user"]})
    left = await env.service.next_event()
    assert isinstance(left, MemberLeft)
    assert left.member.user_id == "6001"


async def test_edit_without_member_data_keeps_the_members_roles(env: Env) -> None:
    original = await env.fake.send_message(ds.GUILD, ds.GENERAL, ds.MOD, "fine")
    await env.service.next_event()
    edited = {k: v for k, v in original.items() if k != "member"}
    await env.fake.dispatch("MESSAGE_UPDATE", edited | {"content": "edited", "edited_timestamp": ds.iso()})
    msg = await env.service.next_event()
    assert msg.meta.edited
    assert f"role:{ds.MOD_ROLE}" in msg.author.roles
