"""Verification on join: newcomers held until they answer; passes, wrong answers, timeouts, raids."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from moderation.beyond.jobs import verification_deadlines
from moderation.domain import Actor, MemberJoined, MemberRef, Scope
from tests.harness import COMMUNITY, MODERATOR, SANDBOX_CHANNEL, SANDBOX_SPACE, Harness

CAROL = Actor(platform="sandbox", user_id="1003", display_name="carol")
SCOPE = Scope("sandbox", "", SANDBOX_SPACE, SANDBOX_CHANNEL)


def verifying(**options: Any) -> dict[str, Any]:
    """The harness community with verification on (plus ``options``)."""
    data: dict[str, Any] = yaml.safe_load(COMMUNITY)
    data["verification"] = {
        "enabled": True,
        "time_limit": "10m",
        "question": {"en": "What colour is the sky?"},
        "answers": {"en": ["blue"], "ru": ["синий"]},
        **options,
    }
    return data


def member_of(call: Any) -> str:
    member = call.args["member"]
    assert isinstance(member, MemberRef)
    return member.user_id


def timeouts_of(h: Harness, user_id: str) -> list[Any]:
    return [c.args["until"] for c in h.gateway.named("timeout_member") if member_of(c) == user_id]


async def test_newcomer_held_then_verified_and_greeted(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, verifying()) as h:
        joined = h.clock.now()
        await h.join("1003", "carol")
        assert timeouts_of(h, "1003") == [joined + timedelta(minutes=15)]
        (dm,) = h.gateway.named("send_direct")
        assert "answer within 10m" in str(dm.args["text"])
        assert "What colour is the sky?" in str(dm.args["text"])
        assert not h.gateway.named("send_message")  # no greeting before verification

        wrong = await h.command("/verify green", caller=CAROL)
        assert "not the answer" in wrong.text
        assert len(timeouts_of(h, "1003")) == 1
        h.clock.advance(timedelta(minutes=2))
        right = await h.command("/verify  Синий ", caller=CAROL)  # any language's answer counts
        assert right.text == "Thanks carol, you are verified. Welcome to acme!"
        assert timeouts_of(h, "1003")[-1] == h.clock.now()  # restriction lifted
        (greeting,) = h.gateway.named("send_message")
        assert "Welcome to acme, carol!" in str(greeting.args["text"])
        assert (await h.command("/verify blue", caller=CAROL)).text == "You have nothing to verify."
        h.clock.advance(timedelta(hours=1))
        assert await verification_deadlines(h.service) == 0
        assert not h.gateway.named("kick_member")


async def test_unanswered_verification_kicks_at_the_deadline(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, verifying()) as h:
        await h.join("1003", "carol")
        h.clock.advance(timedelta(minutes=9))
        assert await verification_deadlines(h.service) == 0
        h.clock.advance(timedelta(minutes=1))
        assert await verification_deadlines(h.service) == 1
        (kick,) = h.gateway.named("kick_member")
        assert kick.args["member"] == MemberRef("sandbox", "1", "1003")
        assert await verification_deadlines(h.service) == 0  # once
        assert (await h.command("/verify blue", caller=CAROL)).text == "You have nothing to verify."


async def test_failure_can_leave_the_member_restricted(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, verifying(on_fail="restrict")) as h:
        await h.join("1003", "carol")
        for _ in range(4):
            assert "not the answer" in (await h.command("/verify red", caller=CAROL)).text
        assert "Too many wrong answers" in (await h.command("/verify red", caller=CAROL)).text
        assert timeouts_of(h, "1003")[-1] == h.clock.now() + timedelta(days=28)
        assert not h.gateway.named("kick_member")
        assert (await h.command("/verify blue", caller=CAROL)).text == "You have nothing to verify."


async def test_known_members_skip_and_a_raid_is_held(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, verifying()) as h:
        await h.say("hello, I have been here for ages")  # alice is known from now on
        h.clock.advance(timedelta(days=2))
        await h.join("1001", "alice")
        assert timeouts_of(h, "1001") == []
        assert len(h.gateway.named("send_message")) == 1  # greeted straight away
        for n in range(30):
            await h.join(str(3000 + n), f"bot{n}")
        held = {member_of(c) for c in h.gateway.named("timeout_member")}
        assert held == {str(3000 + n) for n in range(30)}
        h.clock.advance(timedelta(minutes=11))
        assert await verification_deadlines(h.service) == 30
        assert len(h.gateway.named("kick_member")) == 30


async def test_verification_off_by_default(tmp_path: Path) -> None:
    async with Harness.start(tmp_path) as h:
        await h.join("1003", "carol")
        assert not h.gateway.named("timeout_member")
        assert (await h.command("/verify blue", caller=CAROL)).text == "You have nothing to verify."


async def test_staff_and_members_verified_before_skip(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, verifying()) as h:
        await h.service.handle_join(MemberJoined(SCOPE, MODERATOR, h.clock.now()))
        assert timeouts_of(h, MODERATOR.user_id) == []
        await h.join("1003", "carol")
        await h.command("/verify blue", caller=CAROL)
        calls = len(h.gateway.named("timeout_member"))
        await h.join("1003", "carol")  # left and came back within skip_known_after
        assert len(h.gateway.named("timeout_member")) == calls
        assert (await h.command("/verify blue", caller=CAROL)).text == "You have nothing to verify."
