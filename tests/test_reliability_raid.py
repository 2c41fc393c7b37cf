"""Raid protection: join-rate detection, one alert, stricter rules, mass action, ending."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from moderation.domain import Actor, Outcome
from tests.harness import ADMIN, MODERATOR, Harness

LINK = "https://totally-legit.example/free"


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    async with Harness.start(tmp_path) as harness:
        yield harness


def joiner(i: int) -> Actor:
    return Actor(platform="sandbox", user_id=str(30_000 + i), display_name=f"raider{i}")


async def raid(h: Harness, count: int = 100, seconds: float = 10.0) -> None:
    for i in range(count):
        await h.join(joiner(i).user_id, joiner(i).display_name)
        h.clock.advance(seconds / count)


def alerts(h: Harness) -> list[str]:
    calls = h.gateway.named("notify_moderators") + h.telegram.named("notify_moderators")
    return [str(c.args["text"]) for c in calls if "Raid mode is ON" in str(c.args["text"])]


async def test_100_joins_in_10_seconds_start_raid_mode_once_with_one_alert(h: Harness) -> None:
    await raid(h)
    assert h.service.raid.alerts_sent == 1
    sandbox = [t for t in alerts(h) if t]
    assert len(h.gateway.named("notify_moderators")) == 1  # one alert in each moderators' channel
    assert len(h.telegram.named("notify_moderators")) == 1
    text = sandbox[0]
    assert "20 joins within 60s" in text
    assert "raider0 (sandbox:30000)" in text
    assert "/raid ban" in text
    assert "/raid kick" in text
    greeted = [c for c in h.gateway.named("send_message") if "Welcome" in str(c.args["text"])]
    assert len(greeted) == 19  # greetings stop when raid mode starts
    reply = await h.command("/raid")
    assert "Raid mode is ON" in reply.text
    assert "100 joiner(s)" in reply.text


async def test_raid_mode_holds_new_members_links_for_review_until_it_ends(h: Harness) -> None:
    before = await h.say(f"look {LINK}", author=joiner(500), links=[LINK])
    assert before.outcome is Outcome.IGNORE
    await raid(h)
    deletes = len(h.gateway.named("delete_message"))  # greetings replaced before the raid
    during = await h.say(f"look {LINK}", author=joiner(3), links=[LINK])
    assert during.outcome is Outcome.REVIEW
    assert "raid_new_member_links" in during.fired_rules
    assert len(h.gateway.named("delete_message")) == deletes  # held for review, not done
    assert len(await h.store.pending_reviews("acme")) == 1
    h.clock.advance(timedelta(minutes=31))  # raid.duration is 30m
    after = await h.say(f"look {LINK}", author=joiner(4), links=[LINK])
    assert after.outcome is Outcome.IGNORE
    assert (await h.command("/raid")).text == "Raid mode is off."


async def test_mass_ban_needs_admin_level_and_is_recorded_per_member(h: Harness) -> None:
    await raid(h, count=30, seconds=5)
    refused = await h.command("/raid ban", caller=MODERATOR)
    assert "admins only" in refused.text
    assert h.gateway.named("ban_member") == []
    reply = await h.command("/raid ban", caller=ADMIN)
    assert reply.text.startswith("Raid ban: 30 done, 0 failed")
    banned = {c.args["member"].user_id for c in h.gateway.named("ban_member")}  # type: ignore[attr-defined]
    assert banned == {joiner(i).user_id for i in range(30)}
    [case] = await h.store.member_cases("acme", "sandbox", joiner(7).user_id)
    assert case.case_type == "ban"
    assert case.moderator == "root (sandbox:1999)"


async def test_raid_mode_by_command_and_off_by_command(h: Harness) -> None:
    assert "admins only" in (await h.command("/raid on", caller=MODERATOR)).text
    on = await h.command("/raid on", caller=ADMIN)
    assert on.text.startswith("Raid mode is ON")
    assert h.service.raid.alerts_sent == 1
    assert "switched on by root" in alerts(h)[0]
    await h.command("/raid on", caller=ADMIN)
    assert h.service.raid.alerts_sent == 1  # already on: no second alert
    off = await h.command("/raid off", caller=ADMIN)
    assert off.text.startswith("Raid mode is off")
    assert (await h.command("/raid")).text == "Raid mode is off."
    assert "not one of" in (await h.command("/raid maybe", caller=ADMIN)).text


async def test_raid_detection_can_be_switched_off(tmp_path: Path) -> None:
    from tests.harness import COMMUNITY

    async with Harness.start(tmp_path, COMMUNITY + "raid: {enabled: false}\n") as h:
        await raid(h)
        assert h.service.raid.alerts_sent == 0
