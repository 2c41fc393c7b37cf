"""Appeal round trips on the fake Discord: real discord.py client, real service on SQLite, appeals by DM."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.discord.client import DiscordRunner
from moderation.beyond.appeal_types import AppealStatus, AppealStore
from moderation.config.reload import ConfigHolder
from moderation.domain import ReviewStatus
from moderation.executor import Executor
from moderation.ports import Store, SystemClock
from moderation.records import CaseType
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
    levels: {{"discord:role:{ds.MOD_ROLE}": 50, "discord:perm:administrator": 100}}
    appeals: {{enabled: true, window: 3d}}
    voice:
      replies:
        appeal_lifted: {{en: "Good news {{user}}: case #{{case}} is lifted. Welcome back to {{community}}!"}}
    rules:
      toxicity:
        triggers: {{classifier: {{label: toxic, review_at: 0.6, act_at: 0.9}}}}
        actions: {{delete: true, timeout: 1h}}
    """
)
SCORES = {"idiot": {"toxic": 0.95}, "dummy": {"toxic": 0.7}}
MOD_POSTS = rf"/channels/{ds.MOD_CHANNEL}/messages"
CALLBACK = r"/interactions/\d+/[^/]+/callback"
BOB = ds.user_payload(ds.BOB, "bob")
ALICE = ds.user_payload(ds.ALICE, "alice")


@dataclass
class World:
    fake: ds.FakeDiscord
    store: Store


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """The fake Discord, a real service on SQLite and a connected ``DiscordRunner``."""
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
            runner = DiscordRunner(service, "token", guild_ready_timeout=0.05)
            await runner.start()
            try:
                async with asyncio.timeout(5):
                    await runner.wait_ready()
                await fake.wait_request("PUT", rf"/applications/{ds.BOT}/guilds/{ds.GUILD}/commands")
                yield World(fake, store)
            finally:
                await runner.stop()
                await service.intake.drain(5)  # as the runtime does, before the store closes
    finally:
        await closer.close()


async def case_of(store: Store, user_id: str, kind: CaseType) -> int:
    """The member's case of a kind, once recorded (the case is written right after the platform call)."""
    for _ in range(100):
        found = [
            c.number for c in await store.member_cases("acme", "discord", user_id) if c.case_type is kind
        ]
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind} case recorded")


def _card_with(fake: ds.FakeDiscord, text: str) -> ds.JSON:
    return next(
        m
        for m in fake.messages.values()
        if m.get("channel_id") == ds.MOD_CHANNEL and any(text in str(e) for e in m.get("embeds", []))
    )


def _button(card: ds.JSON, verb: str) -> str:
    ids = [b["custom_id"] for row in card["components"] for b in row["components"]]
    return str(next(i for i in ids if i.startswith(f"steward:rv:{verb}:")))


async def test_ban_appealed_by_dm_and_lifted_with_the_appeal_cards_approve_button(world: World) -> None:
    fake, store = world.fake, world.store
    await fake.send_message(ds.GUILD, ds.GENERAL, ds.BOB, "you dummy")
    await fake.wait_request("POST", MOD_POSTS, where=lambda r: bool(r.json.get("embeds")))
    review_card = _card_with(fake, "you dummy")
    await fake.dispatch(
        "INTERACTION_CREATE", fake.click(ds.GUILD, ds.MOD, review_card, _button(review_card, "ban"))
    )
    await fake.wait_request("PUT", rf"/guilds/{ds.GUILD}/bans/{ds.BOB}")
    assert (ds.GUILD, ds.BOB) in fake.bans
    ban_case = await case_of(store, ds.BOB, CaseType.BAN)

    # Banned, Bob is no longer in the server: he writes to the bot privately.
    await fake.send_direct_message(BOB, f"/appeal {ban_case} I was quoting a film")
    ack = await fake.wait_dm(ds.BOB)
    assert ack == f"Thanks bob, your appeal of case #{ban_case} was sent to the moderators."
    await fake.wait_request(
        "POST", MOD_POSTS, where=lambda r: "I was quoting a film" in str(r.json.get("embeds"))
    )
    appeal_card = _card_with(fake, "I was quoting a film")
    assert f"Appeal of case #{ban_case}" in str(appeal_card["embeds"])
    assert not fake.requests_to("DELETE", rf"/guilds/{ds.GUILD}/bans/{ds.BOB}")

    click = fake.click(ds.GUILD, ds.MOD, appeal_card, _button(appeal_card, "approve"))
    await fake.dispatch("INTERACTION_CREATE", click)
    await fake.wait_request("DELETE", rf"/guilds/{ds.GUILD}/bans/{ds.BOB}")
    assert (ds.GUILD, ds.BOB) not in fake.bans
    told = await fake.wait_dm(ds.BOB, lambda t: "lifted" in t)
    assert told == f"Good news bob: case #{ban_case} is lifted. Welcome back to acme!"
    (answer,) = await fake.wait_request("POST", CALLBACK, where=lambda r: "Appeal" in str(r.json))
    assert answer.json["data"]["flags"] & 64
    assert answer.json["data"]["content"].startswith(f"Appeal of case #{ban_case} lifted: unbanned.")
    assert "The member was told." in answer.json["data"]["content"]

    assert isinstance(store, AppealStore)
    appeal = await store.find_appeal("acme", ban_case)
    assert appeal is not None
    assert appeal.status is AppealStatus.LIFTED
    assert appeal.review_number is not None
    review = await store.get_review("acme", appeal.review_number)
    assert review is not None
    assert review.status is ReviewStatus.APPROVED
    kinds = [c.case_type for c in await store.member_cases("acme", "discord", ds.BOB)]
    assert CaseType.UNBAN in kinds


async def test_timeout_appealed_by_dm_and_lifted_with_slash_lift(world: World) -> None:
    fake, store = world.fake, world.store
    await fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "you idiot")
    (timeout,) = await fake.wait_request("PATCH", rf"/guilds/{ds.GUILD}/members/{ds.ALICE}")
    assert timeout.json["communication_disabled_until"]
    timeout_case = await case_of(store, ds.ALICE, CaseType.TIMEOUT)

    await fake.send_direct_message(ALICE, f"/appeal {timeout_case} it was a joke between friends")
    assert "was sent to the moderators" in await fake.wait_dm(ds.ALICE)
    await fake.wait_request("POST", MOD_POSTS, where=lambda r: "joke between friends" in str(r.json))

    # A second appeal of the same case is refused, in the DM.
    await fake.send_direct_message(ALICE, f"/appeal {timeout_case} please")
    again = await fake.wait_dm(ds.ALICE, lambda t: "appealed already" in t)
    assert again == f"Case #{timeout_case} was appealed already; the moderators will answer once."

    lift = fake.slash(ds.GUILD, ds.MOD_CHANNEL, ds.MOD, "lift", args=str(timeout_case))
    await fake.dispatch("INTERACTION_CREATE", lift)
    cleared = await fake.wait_request(
        "PATCH",
        rf"/guilds/{ds.GUILD}/members/{ds.ALICE}",
        count=2,
        where=lambda r: "communication_disabled_until" in r.json,
    )
    assert cleared[-1].json["communication_disabled_until"] is None
    assert fake.guilds[ds.GUILD].members[ds.ALICE]["communication_disabled_until"] is None
    told = await fake.wait_dm(ds.ALICE, lambda t: "lifted" in t)
    assert told == f"Good news alice: case #{timeout_case} is lifted. Welcome back to acme!"
    (answer,) = await fake.wait_request("POST", CALLBACK, where=lambda r: "Appeal" in str(r.json))
    assert f"Appeal of case #{timeout_case} lifted: timeout ended." in answer.json["data"]["content"]


async def test_dm_commands_other_than_member_ones_get_a_hint_and_unknown_cases_are_refused(
    world: World,
) -> None:
    fake = world.fake
    await fake.send_direct_message(BOB, "/queue")
    assert (await fake.wait_dm(ds.BOB)).startswith("Here I only answer /appeal")
    await fake.send_direct_message(BOB, "/appeal 999 unfair")
    assert await fake.wait_dm(ds.BOB, lambda t: "999" in t) == "I can't find a case #999 about you."
    await fake.send_direct_message(BOB, "hello there")
    await fake.send_direct_message(BOB, "/appeal")
    usage = await fake.wait_dm(ds.BOB, lambda t: "Usage" in t)
    assert usage.endswith("Usage: /appeal <case number> <why the decision was wrong>")
    assert len(fake.dms_to(ds.BOB)) == 3  # plain text gets no answer


async def test_slash_appeal_in_the_server_is_ephemeral_and_rejecting_the_card_upholds(world: World) -> None:
    fake, store = world.fake, world.store
    await fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "you idiot")
    await fake.wait_request("PATCH", rf"/guilds/{ds.GUILD}/members/{ds.ALICE}")
    timeout_case = await case_of(store, ds.ALICE, CaseType.TIMEOUT)

    appeal = fake.slash(ds.GUILD, ds.GENERAL, ds.ALICE, "appeal", case=timeout_case, why="I was  misread")
    await fake.dispatch("INTERACTION_CREATE", appeal)
    (ack,) = await fake.wait_request("POST", CALLBACK)
    assert ack.json["data"]["flags"] & 64
    assert ack.json["data"]["content"] == (
        f"Thanks alice, your appeal of case #{timeout_case} was sent to the moderators."
    )
    await fake.wait_request("POST", MOD_POSTS, where=lambda r: "I was misread" in str(r.json))
    appeal_card = _card_with(fake, "I was misread")

    reject = fake.click(ds.GUILD, ds.MOD, appeal_card, _button(appeal_card, "reject"))
    await fake.dispatch("INTERACTION_CREATE", reject)
    told = await fake.wait_dm(ds.ALICE, lambda t: "kept the decision" in t)
    assert told == (
        f"Hi alice, the moderators reviewed your appeal of case #{timeout_case} and kept the decision."
    )
    _, answer = await fake.wait_request("POST", CALLBACK, count=2)
    assert answer.json["data"]["content"].startswith(f"Appeal of case #{timeout_case} upheld")
    patches = fake.requests_to("PATCH", rf"/guilds/{ds.GUILD}/members/{ds.ALICE}")
    assert [p.json["communication_disabled_until"] is None for p in patches] == [False]  # still timed out
    assert isinstance(store, AppealStore)
    found = await store.find_appeal("acme", timeout_case)
    assert found is not None
    assert found.status is AppealStatus.UPHELD
