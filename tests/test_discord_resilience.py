"""Disconnects, removed guilds and missing intents: logged clearly, never fatal."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.discord.client import DiscordRunner
from moderation.domain import InboundMessage
from tests.fakes import discord_server as ds
from tests.fakes.discord_stub_service import RecordingService

PORTAL = "Message Content Intent"


async def _start(service: RecordingService, *, message_content: bool = True) -> DiscordRunner:
    runner = DiscordRunner(service, "token", guild_ready_timeout=0.05, message_content=message_content)
    await runner.start()
    return runner


async def test_gateway_disconnect_is_resumed() -> None:
    fake = ds.FakeDiscord([ds.acme_guild()])
    service = RecordingService()
    async with ds.running(fake):
        runner = await _start(service)
        try:
            async with asyncio.timeout(5):
                await runner.wait_ready()
            await fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "before")
            await service.next_event()
            await fake.drop_connection()
            await fake.wait_connected()
            await fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "after")
            msg = await service.next_event()
            assert isinstance(msg, InboundMessage)
            assert msg.text == "after"
            assert len(fake.identifies) == 1
            assert fake.resumes[0]["session_id"] == fake.session_id
            assert fake.resumes[0]["seq"] >= 3
            assert any(e["t"] == "RESUMED" for e in fake.gateway_events)
        finally:
            await runner.stop()


async def test_removed_guild_is_logged_and_the_bot_keeps_running(caplog: pytest.LogCaptureFixture) -> None:
    other = ds.acme_guild()
    other.id = "7777"
    fake = ds.FakeDiscord([ds.acme_guild(), other])
    service = RecordingService()
    async with ds.running(fake):
        runner = await _start(service)
        try:
            async with asyncio.timeout(5):
                await runner.wait_ready()
            with caplog.at_level(logging.WARNING, logger="bot.discord"):
                await fake.dispatch("GUILD_DELETE", {"id": ds.GUILD})
                await fake.send_message("7777", ds.GENERAL, ds.ALICE, "still alive?")
                await asyncio.sleep(0.1)
            assert any("removed from the Discord server Acme (1100)" in r.message for r in caplog.records)
            assert "community acme" in caplog.text
            assert not runner.bot.is_closed()
            assert runner.bot.get_guild(int(ds.GUILD)) is None
        finally:
            await runner.stop()


async def test_refused_privileged_intents_log_how_to_enable_them(caplog: pytest.LogCaptureFixture) -> None:
    fake = ds.FakeDiscord([ds.acme_guild()], allowed_intents=ds.INTENT_MEMBERS)
    async with ds.running(fake):
        with caplog.at_level(logging.WARNING, logger="bot.discord"):
            runner = await _start(RecordingService())
            assert runner.connection is not None
            async with asyncio.timeout(5):
                await runner.connection  # ends by itself: Discord refused, nothing raised
            await runner.stop()
    (record,) = [r for r in caplog.records if "4014" in r.message]
    assert PORTAL in record.message
    assert "discord.com/developers/applications" in record.message


async def test_without_message_content_the_bot_warns_and_skips_empty_messages(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = ds.FakeDiscord([ds.acme_guild()])
    service = RecordingService()
    async with ds.running(fake):
        with caplog.at_level(logging.WARNING, logger="bot.discord"):
            runner = await _start(service, message_content=False)
            try:
                async with asyncio.timeout(5):
                    await runner.wait_ready()
                assert not fake.identifies[0]["intents"] & ds.INTENT_MESSAGE_CONTENT
                await fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "you will not see this")
                await fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, f"<@{ds.BOT}> hi", mentions=[ds.BOT])
                msg = await service.next_event()
            finally:
                await runner.stop()
    assert msg.text == f"<@{ds.BOT}> hi"  # mentions of the bot keep their content
    assert len(service.events) == 1
    warnings = [r for r in caplog.records if PORTAL in r.message]
    assert len(warnings) == 1
    assert "without their text" in warnings[0].message


async def test_application_without_the_intent_flag_is_warned_at_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = ds.FakeDiscord([ds.acme_guild()])
    fake.app_flags = 0
    async with ds.running(fake):
        with caplog.at_level(logging.WARNING, logger="bot.discord"):
            runner = await _start(RecordingService())
            await runner.stop()
    assert any(PORTAL in r.message for r in caplog.records)


async def test_one_shard_per_process_identifies_with_its_shard() -> None:
    from bot.discord.runtime import parse_shard

    assert parse_shard("") is None
    assert parse_shard("2/8") == (2, 8)
    for bad in ("8/8", "x", "1/2/3"):
        with pytest.raises(ValueError, match="DISCORD_SHARD"):
            parse_shard(bad)
    fake = ds.FakeDiscord([ds.acme_guild()])
    async with ds.running(fake):
        runner = DiscordRunner(RecordingService(), "token", guild_ready_timeout=0.05, shard=(1, 4))
        await runner.start()
        try:
            async with asyncio.timeout(5):
                await runner.wait_ready()
        finally:
            await runner.stop()
    assert fake.identifies[0]["shard"] == [1, 4]


async def test_stop_lets_messages_in_flight_finish_and_ignores_new_ones() -> None:
    fake = ds.FakeDiscord([ds.acme_guild()])
    service = RecordingService(delay=0.3)
    async with ds.running(fake):
        runner = await _start(service)
        async with asyncio.timeout(5):
            await runner.wait_ready()
        await fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "in flight")
        await service.next_event()
        stopping = asyncio.create_task(runner.stop())
        await asyncio.sleep(0.05)
        await fake.send_message(ds.GUILD, ds.GENERAL, ds.BOB, "too late")
        await stopping
    assert [m.text for m in service.finished] == ["in flight"]
    assert [m.text for m in service.events] == ["in flight"]
