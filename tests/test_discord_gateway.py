"""DiscordGateway against the fake Discord: each action hits its endpoint; failures become ActionFailed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.discord.client import DiscordRunner
from bot.discord.gateway import DiscordGateway
from moderation.domain import ActionKind, Actor, MemberRef, ReviewCard, ReviewStatus, Scope
from moderation.errors import ActionFailed
from tests.fakes import discord_server as ds
from tests.fakes.discord_stub_service import RecordingService

SCOPE = Scope("discord", "acme", ds.GUILD, ds.GENERAL, ds.CATEGORY)


def ref(user: str) -> MemberRef:
    return MemberRef("discord", ds.GUILD, user)


@dataclass
class Env:
    fake: ds.FakeDiscord
    runner: DiscordRunner

    @property
    def gw(self) -> DiscordGateway:
        return self.runner.gateway


async def _env(bot_permissions: int = ds.BOT_PERMS, **fake_args: object) -> AsyncIterator[Env]:
    fake = ds.FakeDiscord([ds.acme_guild(bot_permissions=bot_permissions)], **fake_args)  # type: ignore[arg-type]
    async with ds.running(fake):
        runner = DiscordRunner(RecordingService(), "token", guild_ready_timeout=0.05)
        await runner.start()
        try:
            async with asyncio.timeout(5):
                await runner.wait_ready()
            yield Env(fake, runner)
        finally:
            await runner.stop()


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async for e in _env(closed_dms={ds.BOB}):
        yield e


@pytest.fixture
async def weak_env() -> AsyncIterator[Env]:
    """The bot's role lacks Manage Messages and Moderate Members."""
    async for e in _env(bot_permissions=ds.EVERYONE_PERMS):
        yield e


async def test_reply_references_the_message_and_never_pings_everyone(env: Env) -> None:
    original = await env.fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "hi")
    new_id = await env.gw.send_message(SCOPE, "Let's keep it kind", reply_to=original["id"])
    (req,) = env.fake.requests_to("POST", rf"/channels/{ds.GENERAL}/messages")
    assert req.json["content"] == "Let's keep it kind"
    assert str(req.json["message_reference"]["message_id"]) == original["id"]
    assert req.json["allowed_mentions"]["parse"] == ["users"]
    assert new_id in env.fake.messages


async def test_delete_and_already_deleted(env: Env) -> None:
    msg = await env.fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "bad")
    await env.gw.delete_message(SCOPE, msg["id"])
    assert msg["id"] not in env.fake.messages
    await env.gw.delete_message(SCOPE, msg["id"])  # 404 Unknown Message: still success
    assert [r.status for r in env.fake.requests_to("DELETE", r"/channels/\d+/messages/\d+")] == [204, 404]


async def test_delete_forbidden_names_the_permission(env: Env) -> None:
    env.fake.fail("DELETE", r"/channels/\d+/messages/\d+")
    with pytest.raises(ActionFailed) as info:
        await env.gw.delete_message(SCOPE, "123")
    assert info.value.reason == "missing_permissions"
    assert info.value.missing_permission == "manage_messages"
    assert not info.value.retryable


async def test_rate_limited_delete_goes_through_after_retry_after(env: Env) -> None:
    msg = await env.fake.send_message(ds.GUILD, ds.GENERAL, ds.ALICE, "bad")
    env.fake.rate_limit("DELETE", r"/channels/\d+/messages/\d+", retry_after=0.2)
    started = asyncio.get_running_loop().time()
    await env.gw.delete_message(SCOPE, msg["id"])
    took = asyncio.get_running_loop().time() - started
    assert [r.status for r in env.fake.requests_to("DELETE", r"/channels/\d+/messages/\d+")] == [429, 204]
    assert took >= 0.2


async def test_direct_message_and_closed_dms(env: Env) -> None:
    await env.gw.send_direct(ref(ds.ALICE), "Please read the rules")
    (opened,) = env.fake.requests_to("POST", r"/users/@me/channels")
    assert str(opened.json["recipient_id"]) == ds.ALICE
    with pytest.raises(ActionFailed) as info:
        await env.gw.send_direct(ref(ds.BOB), "Please read the rules")
    assert info.value.reason == "dm_closed"


async def test_timeout_is_capped_at_28_days(env: Env) -> None:
    until = datetime.now(UTC) + timedelta(minutes=10)
    await env.gw.timeout_member(ref(ds.ALICE), until, "toxicity")
    (req,) = env.fake.requests_to("PATCH", rf"/guilds/{ds.GUILD}/members/{ds.ALICE}")
    sent = datetime.fromisoformat(req.json["communication_disabled_until"])
    assert abs((sent - until).total_seconds()) < 1
    assert req.headers["X-Audit-Log-Reason"] == "toxicity"
    await env.gw.timeout_member(ref(ds.BOB), datetime.now(UTC) + timedelta(days=90), "long")
    (req,) = env.fake.requests_to("PATCH", rf"/guilds/{ds.GUILD}/members/{ds.BOB}")
    sent = datetime.fromisoformat(req.json["communication_disabled_until"])
    assert sent <= datetime.now(UTC) + timedelta(days=28)


async def test_timeout_of_a_higher_member_is_a_hierarchy_failure_reported_once(env: Env) -> None:
    env.fake.fail("PATCH", rf"/guilds/{ds.GUILD}/members/{ds.BOSS}", times=-1)
    for _ in range(2):
        with pytest.raises(ActionFailed) as info:
            await env.gw.timeout_member(ref(ds.BOSS), datetime.now(UTC) + timedelta(minutes=5), "x")
        assert info.value.reason == "hierarchy"
    notices = env.fake.requests_to("POST", rf"/channels/{ds.MOD_CHANNEL}/messages")
    assert len(notices) == 1
    assert "boss" in notices[0].json["content"]
    assert "role" in notices[0].json["content"]


async def test_timeout_without_the_permission(weak_env: Env) -> None:
    weak_env.fake.fail("PATCH", rf"/guilds/{ds.GUILD}/members/\d+")
    with pytest.raises(ActionFailed) as info:
        await weak_env.gw.timeout_member(ref(ds.ALICE), datetime.now(UTC) + timedelta(minutes=5), "x")
    assert (info.value.reason, info.value.missing_permission) == ("missing_permissions", "moderate_members")


async def test_kick_ban_unban(env: Env) -> None:
    await env.gw.kick_member(ref(ds.ALICE), "spam")
    assert env.fake.requests_to("DELETE", rf"/guilds/{ds.GUILD}/members/{ds.ALICE}")[0].status == 204
    await env.gw.ban_member(ref(ds.BOB), "raid", delete_message_days=2)
    assert int(env.fake.bans[(ds.GUILD, ds.BOB)]["delete_message_seconds"]) == 2 * 86400
    await env.gw.unban_member(ref(ds.BOB), "appeal")
    assert (ds.GUILD, ds.BOB) not in env.fake.bans
    await env.gw.unban_member(ref(ds.BOB), "again")  # not banned: fine


async def test_actions_in_a_guild_the_bot_left(env: Env) -> None:
    with pytest.raises(ActionFailed) as info:
        await env.gw.kick_member(MemberRef("discord", "4242", ds.ALICE), "x")
    assert info.value.reason == "removed"


def _card(status: ReviewStatus = ReviewStatus.PENDING) -> ReviewCard:
    return ReviewCard(
        community="acme",
        case_number=17,
        status=status,
        platform="discord",
        member=Actor("discord", ds.ALICE, "alice"),
        channel_id=ds.GENERAL,
        rule="toxicity",
        reason="toxic 0.7 >= review_at 0.6",
        excerpt="you are kind of dumb",
        held_actions=(ActionKind.DELETE, ActionKind.TIMEOUT),
    )


async def test_review_card_is_posted_then_refreshed(env: Env) -> None:
    card_id = await env.gw.send_review_card("acme", _card())
    (post,) = env.fake.requests_to("POST", rf"/channels/{ds.MOD_CHANNEL}/messages")
    embed = post.json["embeds"][0]
    assert embed["title"] == "Case #17 · toxicity"
    assert "you are kind of dumb" in embed["description"]
    buttons = post.json["components"][0]["components"]
    assert [b["custom_id"] for b in buttons] == [
        "steward:rv:approve:17",
        "steward:rv:reject:17",
        "steward:rv:ban:17",
        "steward:rv:details:17",
    ]
    again = await env.gw.send_review_card("acme", _card(ReviewStatus.APPROVED))
    assert again == card_id
    (patch,) = env.fake.requests_to("PATCH", rf"/channels/{ds.MOD_CHANNEL}/messages/{card_id}")
    disabled = [b.get("disabled", False) for b in patch.json["components"][0]["components"]]
    assert disabled == [True, True, True, False]


async def test_notify_and_mod_log(env: Env) -> None:
    await env.gw.notify_moderators("acme", "@everyone heads up")
    (note,) = env.fake.requests_to("POST", rf"/channels/{ds.MOD_CHANNEL}/messages")
    assert note.json["allowed_mentions"]["parse"] == []
    await env.gw.log_line("acme", "Case #3 delete alice")
    (line,) = env.fake.requests_to("POST", rf"/channels/{ds.LOG_CHANNEL}/messages")
    assert line.json["content"] == "Case #3 delete alice"
