"""Mood watch: a synthetic surge raises exactly one alert (with examples); a steady rate raises none."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from moderation.config.schema import MoodConfig
from moderation.manager.mood import find_surge
from tests.harness import Harness
from tests.manager_support import BOB, COMMUNITY, SCORES, say

MOOD = COMMUNITY.replace("mood: {window: 15m, baseline: 24h,", "mood: {window: 15m, baseline: 2h,")


def alerts(h: Harness) -> list[str]:
    texts = [str(c.args["text"]) for c in h.gateway.named("notify_moderators")]
    return [t for t in texts if t.startswith("Mood alert")]


async def chat(h: Harness, minutes: int, *, every: int, channel: str = "2001") -> None:
    """One message a minute for ``minutes``; every ``every``-th one is toxic."""
    for i in range(minutes):
        text = "you idiot" if i % every == every - 1 else f"hello number {i}"
        await say(h, text, author=BOB, channel=channel)
        h.clock.advance(timedelta(minutes=1))


async def test_steady_rate_raises_no_alert(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, MOOD, scores=SCORES) as h:
        await chat(h, 150, every=4)  # 25% toxic all along: the short window looks like the baseline
        assert alerts(h) == []


async def test_synthetic_surge_raises_one_alert_with_examples(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, MOOD, scores=SCORES) as h:
        await chat(h, 120, every=20)  # a 5% baseline
        assert alerts(h) == []
        for i in range(15):  # a pile-on: 3 messages a minute, 2 of them toxic
            await say(h, f"you idiot {i}", author=BOB)
            await say(h, f"idiot again {i}", author=BOB)
            await say(h, "calm down", author=BOB)
            h.clock.advance(timedelta(seconds=20))
        sent = alerts(h)
        assert len(sent) == 1  # cooldown: one alert, not one per message
        assert "channel 2001" in sent[0]
        assert "idiot" in sent[0]  # examples are quoted
        assert [str(c.args["text"]) for c in h.telegram.named("notify_moderators")][-1] == sent[0]


async def test_a_few_insults_in_a_quiet_channel_are_not_a_surge(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, MOOD, scores=SCORES) as h:
        for _ in range(4):  # below min_count (5)
            await say(h, "you idiot", author=BOB, channel="2005")
        assert alerts(h) == []


def test_find_surge_thresholds() -> None:
    cfg = MoodConfig(factor=3.0, min_count=5, min_baseline=0.02)
    assert find_surge(cfg, (4, 4), (0, 100)) is None  # too few
    assert find_surge(cfg, (5, 100), (10, 1000)) is None  # 5% is under 3 x the 2% floor
    surge = find_surge(cfg, (6, 100), (10, 1000))
    assert surge is not None
    assert surge.baseline == 0.02  # the floor applies over a 1% baseline
    assert find_surge(cfg, (10, 20), (200, 1000)) is None  # 50% against a 20% baseline: 2.5x
    assert find_surge(cfg, (13, 20), (200, 1000)) is not None  # 65%: over 3x


async def test_a_surge_spread_over_channels_raises_one_community_alert(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, MOOD, scores=SCORES) as h:
        for i in range(60):  # an hour of calm talk in four channels: 0% baseline (2% floor)
            await say(h, f"hello {i}", author=BOB, channel=str(2001 + i % 4))
            h.clock.advance(timedelta(minutes=1))
        for i in range(8):  # 8 insults over 4 channels: 2 per channel, under min_count everywhere
            await say(h, f"you idiot {i}", author=BOB, channel=str(2001 + i % 4))
            h.clock.advance(timedelta(seconds=30))
        sent = alerts(h)
        assert len(sent) == 1
        assert sent[0].startswith("Mood alert across acme: 5 of ")  # as soon as min_count is met
        for i in range(12):  # the pile-on grows in one channel: covered by the community-wide cooldown
            await say(h, f"idiot {i}", author=BOB, channel="2001")
        assert len(alerts(h)) == 1
