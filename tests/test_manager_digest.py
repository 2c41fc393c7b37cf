"""Digest and report: numbers match a hand-counted fixture; md/csv/html render; the PNG is valid."""

from __future__ import annotations

import csv
import io
import re
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.charts import digest_chart
from bot.cli import app
from moderation.domain import Actor
from moderation.manager.digest import build_digest, summary
from moderation.manager.jobs import send_digests
from moderation.manager.report import render_csv, render_html, render_markdown
from tests.fakes.core import FrozenClock
from tests.harness import Harness
from tests.manager_support import BOB, CAROL, COMMUNITY, MEMBER, MODERATOR, SCORES, manager_store, reply, say

RULES = (
    COMMUNITY
    + """\
rules:
  toxicity:
    triggers: {classifier: {label: toxic, review_at: 0.6, act_at: 0.9}}
    actions: {delete: true}
digest: {at: "09:00", timezone: UTC, weekly_on: mon, top_members: 5, newcomer_messages: 3}
"""
)
FIXTURE_SCORES = {**SCORES, "dummy": {"toxic": 0.7}}
DAVE = Actor(platform="sandbox", user_id="1004", display_name="dave")
SINCE = datetime(2026, 1, 5, tzinfo=UTC)
UNTIL = datetime(2026, 1, 8, tzinfo=UTC)


def at(clock: FrozenClock, day: int, hour: int, minute: int = 0) -> None:
    clock.advance(datetime(2026, 1, day, hour, minute, tzinfo=UTC) - clock.now())


async def fixture(h: Harness) -> None:
    """The hand-counted community: see the expected numbers in the test below."""
    at(h.clock, 1, 9)
    await h.join(MODERATOR.user_id, MODERATOR.display_name)  # long-standing: not a newcomer
    at(h.clock, 3, 9)
    await h.join(MEMBER.user_id, MEMBER.display_name)  # previous period's newcomer who comes back
    await h.join(DAVE.user_id, DAVE.display_name)  # previous period's newcomer who never posts
    at(h.clock, 5, 11)
    await h.join(BOB.user_id, BOB.display_name)
    at(h.clock, 5, 12)
    await say(h, "hello all")
    question = await say(h, "does the app support export?")
    h.clock.advance(timedelta(minutes=4))
    await reply(h, question, "yes, in settings", author=BOB)  # answered after 4 minutes
    at(h.clock, 5, 13)
    await say(h, "you idiot", author=BOB)  # acted on: delete
    await say(h, "what a dummy", author=BOB)  # review #2 -> rejected below
    at(h.clock, 6, 10)
    await h.join(CAROL.user_id, CAROL.display_name)
    await say(h, "how do I reset my password?", author=CAROL)  # FAQ answers it at once
    await say(h, "where are the docs?", author=CAROL)  # never answered
    at(h.clock, 6, 10, 30)
    await say(h, "you idiot", author=CAROL)  # acted on: delete
    await say(h, "dummy again", author=BOB)  # review #4 -> approved below (delete)
    await h.command("/reject 2 just banter")
    await h.command("/approve 4")
    at(h.clock, 7, 9)
    await say(h, "welcome everyone", author=MODERATOR)  # staff, but 23h after the open question


async def test_digest_numbers_match_the_hand_counted_fixture(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, RULES, scores=FIXTURE_SCORES) as h:
        await fixture(h)
        cfg = h.service.community_config("acme").digest
        d = await build_digest(manager_store(h), cfg, "acme", SINCE, UNTIL)
    data = d.data
    assert data.days == [("2026-01-05", 5), ("2026-01-06", 4), ("2026-01-07", 1)]
    assert data.messages == 10
    assert data.active_members == 4  # alice, bob, carol, the moderator
    assert data.joins == 2  # bob, carol
    assert (data.previous_joiners, data.retained, d.retention) == (2, 1, 0.5)  # alice came back, dave not
    assert (d.responses.asked, d.responses.answered, d.responses.auto) == (3, 2, 1)
    assert d.responses.median == timedelta(0)  # nearest rank over [0s (FAQ), 4m]
    assert d.responses.p90 == timedelta(minutes=4)
    assert data.flagged_by_rule == {"toxicity": 4}
    assert data.actioned_by_rule == {"toxicity": 3}  # two deletes at once, one after approval
    assert data.reviews_by_status == {"approved": 1, "rejected": 1}
    assert d.false_positive_rate == 0.5
    assert data.mood_days == [("2026-01-05", 2, 5), ("2026-01-06", 2, 4), ("2026-01-07", 0, 1)]
    assert d.mood[0] == ("2026-01-05", 0.4)
    by_name = {m.name: m for m in data.top_members}
    assert (by_name["bob"].messages, by_name["bob"].answers_given) == (4, 1)
    assert (by_name["alice"].messages, by_name["alice"].replies_received) == (2, 1)
    assert data.top_members[0].name == "bob"  # 4 messages + an answer, most recent activity
    assert sorted(m.name for m in data.newcomers) == ["bob", "carol"]  # joined in the period, >= 3 messages
    assert d.responses_by_channel["2001"].asked == 3
    assert list(d.responses_by_week) == ["2026-W02"]

    text = summary(d, "Weekly digest")
    assert "Messages: 10 from 4 active member(s); joins 2, retention 50%" in text
    assert "median wait 0m 0s, p90 4m 0s" in text
    md = render_markdown(d)
    assert "| Messages | 10 |" in md
    assert "| 2026-01-06 | 4 |" in md
    rows = list(csv.reader(io.StringIO(render_csv(d))))
    assert ["overview", "Active members", "4"] in rows
    assert ["Flagged by rule", "toxicity", "4"] in rows
    png = digest_chart(d)
    page = render_html(d, png)
    assert "data:image/png;base64," in page
    assert "<td>Messages</td><td>10</td>" in page


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    assert data[-12:] == b"\x00\x00\x00\x00IEND\xaeB`\x82"
    return width, height


async def test_chart_is_a_valid_png_of_the_expected_size(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, RULES, scores=FIXTURE_SCORES) as h:
        await fixture(h)
        cfg = h.service.community_config("acme").digest
        d = await build_digest(manager_store(h), cfg, "acme", SINCE, UNTIL)
    assert png_size(digest_chart(d)) == (900, 450)
    assert png_size(digest_chart(d, width=640, height=320)) == (640, 320)


async def test_daily_and_weekly_digests_are_posted_once(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, RULES, scores=FIXTURE_SCORES) as h:
        await fixture(h)
        at(h.clock, 12, 8, 59)  # Monday Jan 12, a minute before 09:00
        assert await send_digests(h.service) == 0
        at(h.clock, 12, 9, 0)
        assert await send_digests(h.service) == 2  # daily and weekly
        assert await send_digests(h.service) == 0
        texts = [str(c.args["text"]) for c in h.gateway.named("notify_moderators")]
        weekly = [t for t in texts if t.startswith("Weekly digest")]
        assert len(weekly) == 1
        assert "Messages: 10 from 4" in weekly[0]
        assert len([t for t in texts if t.startswith("Daily digest")]) == 1
        at(h.clock, 13, 15, 0)  # 6 hours late for Tuesday's daily digest: sent once, late
        assert await send_digests(h.service) == 1


def test_report_command_writes_md_csv_and_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    async def build() -> Path:
        async with Harness.start(tmp_path, RULES, scores=FIXTURE_SCORES) as h:
            await fixture(h)
            return h.config_dir

    config_dir = asyncio.run(build())
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'steward.db'}")
    monkeypatch.setenv("STEWARD_CONFIG_DIR", str(config_dir))
    runner = CliRunner()
    md = runner.invoke(app, ["report", "--community", "acme", "--since", "3650d"])
    assert md.exit_code == 0, md.output
    assert re.search(r"\| Messages \| 10 \|", md.output)
    out = tmp_path / "r.html"
    html = runner.invoke(
        app, ["report", "--community", "acme", "--since", "3650d", "--format", "html", "-o", str(out)]
    )
    assert html.exit_code == 0, html.output
    assert "data:image/png;base64," in out.read_text()
    bad = runner.invoke(app, ["report", "--community", "acme", "--format", "pdf"])
    assert bad.exit_code == 2
