"""End to end: real discord.py client + real ModerationService (SQLite) + the fake Discord on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import textwrap
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.discord.client import DiscordRunner
from moderation.config.reload import ConfigHolder
from moderation.domain import ReviewStatus
from moderation.executor import Executor
from moderation.ports import Store, SystemClock
from moderation.service import ModerationService
from tests.fakes import discord_server as ds
from tests.fakes.core import ScriptedClassifier
from tests.harness import open_test_store, write_config

COMMUNITY = textwrap.dedent(
    f"""\
    community: acme
    platforms:
      discord:
        guild_ids: ["{ds.GUILD}"]
        mod_channel_id: "{ds.MOD_CHANNEL}"
        welcome_channel_id: "{ds.WELCOME}"
        log_channel_id: "{ds.LOG_CHANNEL}"
    levels: {{"discord:role:{ds.MOD_ROLE}": 50, "discord:perm:administrator": 100}}
    voice:
      replies:
        toxicity_removed: {{en: "Let's keep Acme friendly, {{user}}. I removed that message."}}
    greetings:
      enabled: true
      text: {{en: "Welcome to {{community}}, {{user}}!"}}
    rules:
      toxicity:
        triggers: {{classifier: {{label: toxic, review_at: 0.6, act_at: 0.9}}}}
        actions: {{delete: true, reply: toxicity_removed, timeout: 10m}}
    """
)
SCORES = {"idiot": {"toxic": 0.95}, "dummy": {"toxic": 0.7}}
GENERAL_POSTS = rf"/channels/{ds.GENERAL}/messages"
MOD_POSTS = rf"/channels/{ds.MOD_CHANNEL}/messages"
DELETES = rf"/channels/{ds.GENERAL}/messages/\d+"
CALLBACK = r"/interactions/\d+/[^/]+/callback"


def _is_card(request: ds.Recorded) -> bool:
    return bool(request.json.get("embeds"))


@dataclass
class World:
    fake: ds.FakeDiscord
    service: ModerationService
    store: Store
    runner: DiscordRunner


async def _world(tmp_path: Path, *, message_content: bool = True) -> AsyncIterator[World]:
    fake = ds.FakeDiscord([ds.acme_guild()])
    store, closer = await open_test_store("sqlite", tmp_path)
    clock = SystemClock()
    service = ModerationService(
        config=ConfigHolder(write_config(tmp_path / "config", COMMUNITY)),
        store=store,
        classifier=ScriptedClassifier(SCORES),
        clock=clock,
        executor=Executor(clock, base_delay=0.05),
    )
    try:
        async with ds.running(fake):
            runner = DiscordRunner(
                service, "token", guild_ready_timeout=0.05, message_content=message_content
            )
            await runner.start()
            try:
                async with asyncio.timeout(5):
                    await runner.wait_ready()
                yield World(fake, service, store, runner)
            finally:
                await runner.stop()
                await service.intake.drain(5)  # as the runtime does, before the store closes
    finally:
        await closer.close()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async for w in _world(tmp_path):
        await w.fake.wait_request("PUT", rf"/applications/{ds.BOT}/guilds/{ds.GUILD}/commands")
        yield w
        await w.runner.stop()  # the test may have replaced the runner


async def test_newcomer_is_greeted_in_the_welcome_channel(world: World) -> None:
    newcomer = ds.member_payload(ds.user_payload("6001", "newbie"))
    world.fake.guilds[ds.GUILD].add_member(newcomer)
    await world.fake.dispatch("GUILD_MEMBER_ADD", newcomer | {"guild_id": ds.GUILD})
    (greeting,) = await world.fake.wait_request("POST", rf"/channels/{ds.WELCOME}/messages")
    assert greeting.json["content"] == "Welcome to acme, newbie!"


async def test_toxic_message_is_deleted_answered_timed_out_and_logged(world: World) -> None:
    msg = await world.fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "you idiot")
    (deleted,) = await world.fake.wait_request("DELETE", DELETES)
    assert deleted.path.endswith(msg["id"])
    (reply,) = await world.fake.wait_request("POST", GENERAL_POSTS)
    assert reply.json["content"] == "Let's keep Acme friendly, alice. I removed that message."
    (timeout,) = await world.fake.wait_request("PATCH", rf"/guilds/{ds.GUILD}/members/{ds.ALICE}")
    assert timeout.json["communication_disabled_until"]
    (logline,) = await world.fake.wait_request("POST", rf"/channels/{ds.LOG_CHANNEL}/messages")
    assert "toxicity" in logline.json["content"]
    assert "delete" in logline.json["content"]
    cases = await world.store.member_cases("acme", "discord", ds.ALICE)
    assert {c.case_type.value for c in cases} >= {"delete", "timeout"}
    assert all(c.message_id == msg["id"] for c in cases if c.case_type.value == "delete")


async def test_moderators_are_exempt(world: World) -> None:
    await world.fake.send_message(ds.GUILD, ds.GENERAL, ds.MOD, "you idiot")
    bad = await world.fake.send_message(ds.GUILD, ds.GENERAL, ds.BOB, "you idiot")
    (deleted,) = await world.fake.wait_request("DELETE", DELETES)
    assert deleted.path.endswith(bad["id"])


async def test_borderline_message_gets_a_card_whose_button_runs_the_held_action(world: World) -> None:
    msg = await world.fake.send_message(ds.GUILD, ds.GENERAL, ds.BOB, "you dummy")
    (card_post,) = await world.fake.wait_request("POST", MOD_POSTS, where=_is_card)
    assert not world.fake.requests_to("DELETE", DELETES)  # held, not done
    buttons = card_post.json["components"][0]["components"]
    approve = buttons[0]["custom_id"]
    assert approve.startswith("steward:rv:approve:")
    number = int(approve.rsplit(":", 1)[1])
    card = next(m for m in world.fake.messages.values() if m.get("embeds"))
    assert card["channel_id"] == ds.MOD_CHANNEL
    click = world.fake.click(ds.GUILD, ds.MOD, card, approve)
    await world.fake.dispatch("INTERACTION_CREATE", click)
    (deleted,) = await world.fake.wait_request("DELETE", DELETES)
    assert deleted.path.endswith(msg["id"])
    (cb,) = await world.fake.wait_request("POST", CALLBACK)
    assert cb.json["data"]["flags"] & 64
    review = await world.store.get_review("acme", number)
    assert review is not None
    assert review.status is ReviewStatus.APPROVED
    assert review.resolved_by is not None
    patches = await world.fake.wait_request("PATCH", rf"{MOD_POSTS}/{card['id']}")
    last = patches[-1].json["components"][0]["components"]
    assert [b.get("disabled", False) for b in last] == [True, True, True, False]


async def test_slash_queue_is_refused_without_the_level_and_works_with_it(world: World) -> None:
    await world.fake.send_message(ds.GUILD, ds.GENERAL, ds.BOB, "you dummy")
    await world.fake.wait_request("POST", MOD_POSTS, where=_is_card)
    await world.fake.dispatch("INTERACTION_CREATE", world.fake.slash(ds.GUILD, ds.GENERAL, ds.ALICE, "queue"))
    (refusal,) = await world.fake.wait_request("POST", CALLBACK)
    assert refusal.json["data"]["flags"] & 64
    await world.fake.dispatch(
        "INTERACTION_CREATE", world.fake.slash(ds.GUILD, ds.MOD_CHANNEL, ds.MOD, "queue")
    )
    _, answer = await world.fake.wait_request("POST", CALLBACK, count=2)
    assert refusal.json["data"]["content"] == "Sorry, /queue is for moderators only."
    assert "#1 toxicity · bob on discord" in answer.json["data"]["content"]


async def test_missing_permission_on_delete_is_reported_once(world: World) -> None:
    world.fake.fail("DELETE", DELETES, times=-1)
    await world.fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "you idiot")
    await world.fake.send_message(ds.GUILD, ds.GENERAL, ds.BOB, "idiot again")
    await world.fake.wait_request("PATCH", rf"/guilds/{ds.GUILD}/members/{ds.BOB}")  # the rest ran
    notices = [r for r in world.fake.requests_to("POST", MOD_POSTS) if "manage_messages" in r.json["content"]]
    assert len(notices) == 1
    assert len(world.fake.requests_to("DELETE", DELETES)) == 2  # no retries of a 403
    # The brand-voice reply says the message was removed; with the delete refused it is not sent.
    assert world.fake.requests_to("POST", GENERAL_POSTS) == []


async def test_rate_limit_is_survived_without_a_retry_storm(world: World) -> None:
    world.fake.rate_limit("POST", GENERAL_POSTS, retry_after=0.3)
    await world.fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "you idiot")
    (reply,) = await world.fake.wait_request("POST", GENERAL_POSTS)
    assert "Let's keep Acme friendly" in reply.json["content"]
    assert [r.status for r in world.fake.requests_to("POST", GENERAL_POSTS)] == [429, 200]


async def test_without_message_content_intent_the_bot_says_how_to_enable_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.discord"):
        async for w in _world(tmp_path, message_content=False):
            await w.fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "you idiot")
            await w.fake.send_message(ds.GUILD, ds.GENERAL, ds.BOB, f"<@{ds.BOT}> idiot", mentions=[ds.BOT])
            await w.fake.wait_request("DELETE", DELETES)  # only the mention keeps its text
            assert len(w.fake.requests_to("DELETE", DELETES)) == 1
    warnings = [r.message for r in caplog.records if "Message Content Intent" in r.message]
    assert len(warnings) == 1
    assert "discord.com/developers/applications" in warnings[0]


async def test_runtime_entry_builds_a_runner_for_the_real_service(tmp_path: Path) -> None:
    from bot.discord.runtime import create_runner
    from bot.settings import Settings

    async for w in _world(tmp_path):
        core = type("Core", (), {"service": w.service})()
        settings = Settings.model_validate({"DISCORD_TOKEN": "abc"})
        runner = create_runner(core, settings, environ={"DISCORD_MESSAGE_CONTENT": "0"})
        assert isinstance(runner, DiscordRunner)
        assert not runner.bot.intents.message_content
        assert runner.bot.intents.members
        assert w.service.gateway("discord") is runner.gateway
        await runner.bot.close()
        with pytest.raises(ValueError, match="DISCORD_TOKEN"):
            create_runner(core, Settings.model_validate({"DISCORD_TOKEN": ""}), environ={})


async def test_card_buttons_still_work_after_a_restart(world: World) -> None:
    msg = await world.fake.send_message(ds.GUILD, ds.GENERAL, ds.BOB, "you dummy")
    (card_post,) = await world.fake.wait_request("POST", MOD_POSTS, where=_is_card)
    reject, approve = (b["custom_id"] for b in card_post.json["components"][0]["components"][1::-1])
    card = next(m for m in world.fake.messages.values() if m.get("embeds"))

    await world.runner.stop()
    world.runner = DiscordRunner(world.service, "token", guild_ready_timeout=0.05)
    await world.runner.start()
    async with asyncio.timeout(5):
        await world.runner.wait_ready()

    await world.fake.dispatch("INTERACTION_CREATE", world.fake.click(ds.GUILD, ds.ALICE, card, approve))
    (refused,) = await world.fake.wait_request("POST", CALLBACK)
    assert refused.json["data"]["flags"] & 64
    assert "moderators only" in refused.json["data"]["content"]
    assert not world.fake.requests_to("DELETE", DELETES)

    await world.fake.dispatch("INTERACTION_CREATE", world.fake.click(ds.GUILD, ds.MOD, card, reject))
    await world.fake.wait_request("POST", CALLBACK, count=2)
    number = int(reject.rsplit(":", 1)[1])
    review = await world.store.get_review("acme", number)
    assert review is not None
    assert review.status is ReviewStatus.REJECTED
    assert msg["id"] in world.fake.messages  # rejected: the message stays
