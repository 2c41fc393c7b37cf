"""Scheduled posts: once at the right local time across restarts, missed-run policy, /post commands."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from moderation.config.schema import CommunityConfig
from moderation.manager.cron import occurrences, parse_cron
from moderation.manager.jobs import run_posts
from moderation.manager.posts import plan
from tests.fakes.core import FrozenClock
from tests.harness import Harness
from tests.manager_support import COMMUNITY

CALENDAR = (
    COMMUNITY
    + """\
posts:
  timezone: Europe/Berlin
  grace: 1h
  calendar:
    morning:
      cron: "0 9 * * *"
      targets: [{platform: sandbox, channel: "2001"}, {platform: telegram, channel: "-1001234", lang: ru}]
      text: {en: "Good morning!", ru: "Доброе утро!"}
    launch:
      at: 2026-01-06T10:00
      targets: [{platform: sandbox, channel: "2001"}]
      text: {en: "We launch today"}
    too-late:
      at: 2026-01-06T08:00
      targets: [{platform: sandbox, channel: "2001"}]
      text: {en: "Never sent"}
    hourly:
      cron: "30 * * * *"
      timezone: UTC
      enabled: false
      targets: [{platform: sandbox, channel: "2001"}]
      text: {en: "tick"}
"""
)


def set_clock(clock: FrozenClock, when: datetime) -> None:
    clock.advance(when - clock.now())


def sent_texts(h: Harness) -> list[str]:
    return [str(c.args["text"]) for g in (h.gateway, h.telegram) for c in g.named("send_message")]


async def test_post_fires_once_at_local_time_across_a_restart(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, CALENDAR) as h:
        set_clock(h.clock, datetime(2026, 1, 5, 7, 59, tzinfo=UTC))  # 08:59 in Berlin
        assert await run_posts(h.service) == 0
        set_clock(h.clock, datetime(2026, 1, 5, 8, 0, tzinfo=UTC))  # 09:00 in Berlin
        assert await run_posts(h.service) == 1
        assert await run_posts(h.service) == 0
        (sandbox,) = h.gateway.named("send_message")
        (telegram,) = h.telegram.named("send_message")
        assert sandbox.args["text"] == "Good morning!"
        assert telegram.args["text"] == "Доброе утро!"
        assert telegram.args["scope"].space_id == "-1001234"  # type: ignore[attr-defined]
    async with Harness.start(tmp_path, CALENDAR) as again:  # a restart: same database, fresh process
        set_clock(again.clock, datetime(2026, 1, 5, 8, 0, 40, tzinfo=UTC))
        assert await run_posts(again.service) == 0
        assert sent_texts(again) == []
        set_clock(again.clock, datetime(2026, 1, 7, 8, 0, tzinfo=UTC))  # a later morning
        assert await run_posts(again.service) == 1


async def test_missed_runs_follow_the_grace_policy(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with Harness.start(tmp_path, CALENDAR) as h:
        # Steward was down from 06:00 to 10:30 Berlin time on Jan 6.
        set_clock(h.clock, datetime(2026, 1, 6, 9, 30, tzinfo=UTC))
        with caplog.at_level(logging.WARNING, logger="moderation.manager.posts"):
            await run_posts(h.service)
        texts = sent_texts(h)
        assert "We launch today" in texts  # 30 minutes late, within the 1h grace: sent once, late
        assert "Never sent" not in texts  # 2h30 late: skipped
        assert "Good morning!" not in texts  # 09:00 was 1h30 ago: skipped
        assert "too-late" in caplog.text
        assert "skipped" in caplog.text
        h.clock.advance(timedelta(minutes=1))
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="moderation.manager.posts"):
            assert await run_posts(h.service) == 0
        assert caplog.text == ""  # skips are logged once
        assert sent_texts(h).count("We launch today") == 1
        assert "tick" not in sent_texts(h)  # disabled in YAML


def test_only_the_latest_missed_occurrence_within_grace_is_sent() -> None:
    now = datetime(2026, 1, 6, 12, 10, tzinfo=UTC)
    times = [now - timedelta(minutes=m) for m in (130, 70, 40, 10)]
    send, skip = plan(times, {times[0]}, now, timedelta(hours=1))
    assert send == times[3]
    assert skip == [times[1], times[2]]


def test_cron_occurrences_follow_the_wall_clock_across_dst() -> None:
    from zoneinfo import ZoneInfo

    cron = parse_cron("0 9 * * mon-fri")
    zone = ZoneInfo("Europe/Berlin")
    found = occurrences(cron, zone, datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC))
    assert found == [datetime(2026, 3, 27, 8, 0, tzinfo=UTC), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)]
    with pytest.raises(ValueError, match="5 fields"):
        parse_cron("0 9 * *")
    with pytest.raises(ValueError, match="outside"):
        parse_cron("61 * * * *")


def test_calendar_config_is_checked_at_load() -> None:
    base = {
        "community": "x",
        "posts": {"calendar": {"p": {"targets": [{"platform": "sandbox", "channel": "1"}]}}},
    }
    with pytest.raises(ValueError, match="exactly one"):
        CommunityConfig.model_validate(
            {**base, "posts": {"calendar": {"p": {**base["posts"]["calendar"]["p"], "text": {"en": "x"}}}}}
        )
    with pytest.raises(ValueError, match="unknown time zone"):
        CommunityConfig.model_validate({"community": "x", "posts": {"timezone": "Mars/Olympus"}})
    with pytest.raises(ValueError, match="invalid cron"):
        CommunityConfig.model_validate(
            {
                "community": "x",
                "posts": {
                    "calendar": {
                        "p": {
                            "cron": "0 25 * * *",
                            "text": {"en": "x"},
                            "targets": [{"platform": "sandbox", "channel": "1"}],
                        }
                    }
                },
            }
        )


async def test_moderators_add_pause_resume_and_cancel_posts(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, COMMUNITY) as h:
        reply = await h.command("/post add promo +2h 2001 Big news at noon")
        assert "Scheduled: promo" in reply.text
        listing = await h.command("/post list")
        assert "promo [active, command]" in listing.text
        assert "Big news at noon" in listing.text
        assert "Only moderators" not in (await h.command("/post pause promo")).text
        h.clock.advance(timedelta(hours=2))
        assert await run_posts(h.service) == 0  # paused: nothing goes out
        assert "resumed" in (await h.command("/post resume promo")).text
        assert await run_posts(h.service) == 1
        assert sent_texts(h) == ["Big news at noon"]
        assert "cancelled" in (await h.command("/post cancel promo")).text
        assert "cancelled" in (await h.command("/post list")).text
        weekly = await h.command("/post add digest weekly@mon@09:00 telegram:-1001234 Weekly thread")
        assert "cron '0 9 * * mon'" in weekly.text
        bad = await h.command("/post add x tomorrow 2001 hi")
        assert "is not a time" in bad.text
        from tests.harness import MEMBER

        denied = await h.command("/post list", caller=MEMBER)
        assert "for moderators only" in denied.text
