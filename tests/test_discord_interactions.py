"""Slash commands and review-card buttons through the real discord.py client and the fake Discord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.discord.client import DiscordRunner
from moderation.domain import (
    Actor,
    CommandReply,
    ModeratorCommand,
    ReviewCard,
    ReviewStatus,
)
from tests.fakes import discord_server as ds
from tests.fakes.discord_stub_service import RecordingService

COMMANDS = rf"/applications/{ds.BOT}/guilds/{ds.GUILD}/commands"
CALLBACK = r"/interactions/\d+/[^/]+/callback"


@dataclass
class Env:
    fake: ds.FakeDiscord
    service: RecordingService
    runner: DiscordRunner


async def _runner(service: RecordingService, reply_grace: float = 2.0) -> DiscordRunner:
    runner = DiscordRunner(service, "token", guild_ready_timeout=0.05, reply_grace=reply_grace)
    await runner.start()
    async with asyncio.timeout(5):
        await runner.wait_ready()
    return runner


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    fake = ds.FakeDiscord([ds.acme_guild()])
    service = RecordingService()
    async with ds.running(fake):
        env = Env(fake, service, await _runner(service))
        try:
            await fake.wait_request("PUT", COMMANDS)
            yield env
        finally:
            await env.runner.stop()


async def test_commands_are_synced_per_guild_for_moderators(env: Env) -> None:
    (put,) = env.fake.requests_to("PUT", COMMANDS)
    assert [c["name"] for c in put.body] == ["queue", "case", "appeal"]
    *moderators, appeal = put.body
    assert appeal["default_member_permissions"] is None  # members' /appeal: open to everyone
    assert [(o["name"], o["type"], o["required"]) for o in appeal["options"]] == [
        ("case", 4, True),
        ("why", 3, True),
    ]
    for command in moderators:
        assert int(command["default_member_permissions"]) == 1 << 13  # Manage Messages
        assert command["options"][0]["name"] == "args"
        assert command["options"][0]["description"].startswith("Arguments as in /help")
        assert not command["options"][0]["required"]
    assert not env.fake.requests_to("PUT", r"/applications/\d+/commands")  # nothing global


async def test_slash_command_reaches_the_service_and_refusal_is_ephemeral(env: Env) -> None:
    env.service.reply = CommandReply("You need level 50 for /case.", ephemeral=True)
    slash = env.fake.slash(ds.GUILD, ds.GENERAL, ds.ALICE, "case", args="17  a note")
    await env.fake.dispatch("INTERACTION_CREATE", slash)
    cmd = await env.service.next_event()
    assert isinstance(cmd, ModeratorCommand)
    assert (cmd.name, cmd.args, cmd.caller.user_id) == ("case", ("17", "a", "note"), ds.ALICE)
    assert cmd.scope.channel_id == ds.GENERAL
    (cb,) = await env.fake.wait_request("POST", CALLBACK)
    assert cb.json["type"] == 4
    assert cb.json["data"]["content"] == "You need level 50 for /case."
    assert cb.json["data"]["flags"] & 64


async def test_slash_answer_for_moderators_is_public_unless_marked(env: Env) -> None:
    env.service.reply = CommandReply("Queue: 2 pending")
    await env.fake.dispatch("INTERACTION_CREATE", env.fake.slash(ds.GUILD, ds.MOD_CHANNEL, ds.MOD, "queue"))
    cmd = await env.service.next_event()
    assert f"role:{ds.MOD_ROLE}" in cmd.caller.roles
    (cb,) = await env.fake.wait_request("POST", CALLBACK)
    assert not (cb.json["data"].get("flags") or 0) & 64


def _card(status: ReviewStatus) -> ReviewCard:
    return ReviewCard(
        community="acme",
        case_number=17,
        status=status,
        platform="discord",
        member=Actor("discord", ds.ALICE, "alice"),
        channel_id=ds.GENERAL,
        rule="toxicity",
        reason="toxic 0.7",
        excerpt="meh",
    )


async def test_card_button_runs_through_the_service_and_survives_a_restart(env: Env) -> None:
    card_id = await env.runner.gateway.send_review_card("acme", _card(ReviewStatus.PENDING))
    assert card_id is not None
    card_message = env.fake.messages[card_id]

    # Restart: a brand-new bot must still answer clicks on the old card.
    await env.runner.stop()
    env.runner = await _runner(env.service)

    env.service.reply = CommandReply("Approved case #17.", card=_card(ReviewStatus.APPROVED))
    click = env.fake.click(ds.GUILD, ds.MOD, card_message, "steward:rv:approve:17")
    await env.fake.dispatch("INTERACTION_CREATE", click)
    scope, caller, verb, number = await env.service.next_event()
    assert (verb, number, caller.user_id, scope.space_id) == ("approve", 17, ds.MOD, ds.GUILD)
    (cb,) = await env.fake.wait_request("POST", CALLBACK)
    assert cb.json["data"]["flags"] & 64
    assert cb.json["data"]["content"] == "Approved case #17."
    assert not cb.json["data"].get("embeds")  # the card itself is refreshed, not repeated
    (patch,) = await env.fake.wait_request("PATCH", rf"/channels/{ds.MOD_CHANNEL}/messages/{card_id}")
    buttons = patch.json["components"][0]["components"]
    assert [b.get("disabled", False) for b in buttons] == [True, True, True, False]


async def test_slow_answers_are_deferred_then_followed_up() -> None:
    fake = ds.FakeDiscord([ds.acme_guild()])
    service = RecordingService(delay=0.3, reply=CommandReply("Stats: 3 cases"))
    async with ds.running(fake):
        runner = await _runner(service, reply_grace=0.05)
        try:
            await fake.wait_request("PUT", COMMANDS)
            await fake.dispatch("INTERACTION_CREATE", fake.slash(ds.GUILD, ds.MOD_CHANNEL, ds.MOD, "queue"))
            (followup,) = await fake.wait_request("POST", rf"/webhooks/{ds.BOT}/[^/]+")
        finally:
            await runner.stop()
    (deferred,) = fake.requests_to("POST", CALLBACK)
    assert deferred.json["type"] == 5
    assert deferred.json["data"]["flags"] & 64
    assert followup.json["content"] == "Stats: 3 cases"
    assert followup.json["flags"] & 64
