"""Response times: questions tracked until answered (reply, staff, FAQ), reminders sent exactly once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from moderation.manager.jobs import remind_questions
from moderation.manager.members import engagement_factor
from moderation.manager.ports import QuestionTiming
from moderation.manager.responses import by_channel, by_week, percentile, response_stats
from tests.manager_support import (
    BOB,
    CAROL,
    COMMUNITY,
    MEMBER,
    MODERATOR,
    SCORES,
    Harness,
    manager_store,
    minutes,
    reply,
    say,
)


async def _timings(h: Harness) -> list[QuestionTiming]:
    now = h.clock.now()
    data = await manager_store(h).report_data(
        "acme", now - timedelta(days=1), now + minutes(1), epoch_factor=1.0, top=0, newcomer=1
    )
    return data.questions


async def test_a_question_answered_by_a_reply_after_4_minutes_reports_4_minutes(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, COMMUNITY, scores=SCORES) as h:
        question = await say(h, "does the beta support webhooks?")
        h.clock.advance(minutes(2))
        await reply(h, question, "me too, same question?", author=MEMBER)  # the asker: not an answer
        h.clock.advance(minutes(2))
        await reply(h, question, "yes, since 2.1", author=BOB)
        h.clock.advance(minutes(1))
        await reply(h, question, "and 2.2 too", author=CAROL)  # not the first answer
        timings = [t for t in await _timings(h) if t.asked_at == question.sent_at]
        stats = response_stats(timings)
        assert stats.asked == 1
        assert stats.answered == 1
        assert stats.median == minutes(4)
        assert stats.p90 == minutes(4)
        assert stats.auto == 0


async def test_staff_message_in_the_channel_answers_within_the_window_only(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, COMMUNITY, scores=SCORES) as h:
        await say(h, "old question?")
        h.clock.advance(minutes(40))
        await say(h, "recent question?", author=BOB)
        await say(h, "other channel question?", author=CAROL, channel="2002")
        h.clock.advance(minutes(6))
        await say(h, "Here is how it works.", author=MODERATOR)
        by_text = {
            round((t.answered_at - t.asked_at).total_seconds() / 60) if t.answered_at else None
            for t in await _timings(h)
        }
        timings = await _timings(h)
        answered = [t for t in timings if t.answered_at is not None]
        assert len(timings) == 3
        assert len(answered) == 1
        assert answered[0].answered_at is not None
        assert answered[0].answered_at - answered[0].asked_at == minutes(6)
        assert answered[0].channel == "2001"
        assert by_text == {None, 6}


async def test_faq_auto_answer_counts_flagged_as_auto(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, COMMUNITY, scores=SCORES) as h:
        await say(h, "how do I reset my password?")
        stats = response_stats(await _timings(h))
        assert (stats.asked, stats.answered, stats.auto) == (1, 1, 1)
        assert stats.median == timedelta(0)
        assert h.gateway.named("send_message")  # the FAQ answer went out


async def test_unanswered_question_is_reminded_exactly_once(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, COMMUNITY, scores=SCORES) as h:
        await say(h, "is anyone there? the export fails")
        answered = await say(h, "what is the api limit?", author=BOB)
        h.clock.advance(minutes(1))
        await reply(h, answered, "100 per minute", author=CAROL)
        h.clock.advance(minutes(118))
        assert await remind_questions(h.service) == 0  # not yet two hours
        h.clock.advance(minutes(1))
        assert await remind_questions(h.service) == 1
        h.clock.advance(timedelta(hours=5))
        assert await remind_questions(h.service) == 0
        notes = [c.args["text"] for g in (h.gateway, h.telegram) for c in g.named("notify_moderators")]
        reminders = [str(t) for t in notes if "waiting for an answer" in str(t)]
        assert len(reminders) == 2  # once, on each of the community's two platforms
        assert "channel 2001" in reminders[0]
        assert "message " in reminders[0]
        assert "the export fails" not in reminders[0]  # unflagged text is not stored by default
        assert "api limit" not in reminders[0]


async def test_reminder_quotes_the_question_when_excerpts_are_kept(tmp_path: Path) -> None:
    config = COMMUNITY.replace("remind_after: 2h}", "remind_after: 2h, keep_excerpts: true}")
    assert config != COMMUNITY
    async with Harness.start(tmp_path, config, scores=SCORES) as h:
        await say(h, "is anyone there? the export fails")
        h.clock.advance(minutes(121))
        assert await remind_questions(h.service) == 1
        notes = [str(c.args["text"]) for c in h.gateway.named("notify_moderators")]
        assert any("the export fails" in t for t in notes)


async def test_answering_builds_engagement(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, COMMUNITY, scores=SCORES) as h:
        question = await say(h, "how to export?")
        await reply(h, question, "use /export", author=BOB)
        now = h.clock.now()
        data = await manager_store(h).report_data(
            "acme",
            now - timedelta(days=1),
            now + minutes(1),
            epoch_factor=engagement_factor(now, timedelta(days=7)),
            top=5,
            newcomer=1,
        )
        scores = {m.user_id: m for m in data.top_members}
        assert scores[BOB.user_id].answers_given == 1
        assert scores[BOB.user_id].score == pytest.approx(4.0)  # 1 message + 3 for the answer
        assert scores[MEMBER.user_id].replies_received == 1
        assert scores[MEMBER.user_id].score == pytest.approx(3.0)  # 1 message + 2 for the reply received
        assert [m.user_id for m in data.top_members] == [BOB.user_id, MEMBER.user_id]


def test_percentiles_by_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.9) == 5.0
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 0.5) == 5.0
    assert percentile(values, 0.9) == 9.0


def test_grouping_by_channel_and_week() -> None:
    from datetime import UTC, datetime

    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday, ISO week 2
    timings = [
        QuestionTiming("1", t0, t0 + minutes(2), False),
        QuestionTiming("1", t0, t0 + minutes(10), False),
        QuestionTiming("2", t0 + timedelta(days=7), None, False),
    ]
    channels = by_channel(timings)
    assert channels["1"].median == minutes(2)
    assert channels["1"].p90 == minutes(10)
    assert channels["2"].answered == 0
    weeks = by_week(timings)
    assert list(weeks) == ["2026-W02", "2026-W03"]


async def test_the_hook_only_queues_and_a_timer_writes_the_batch(tmp_path: Path) -> None:
    import asyncio

    from tests.harness import make_message

    async with Harness.start(tmp_path, COMMUNITY, scores=SCORES) as h:
        tracker = h.service.manager
        assert tracker is not None
        tracker.flush_after = 0.05
        await h.push(make_message("queued question?", sent_at=h.clock.now()))
        assert await _timings(h) == []  # not written yet: the message did not wait for a commit
        await asyncio.sleep(0.3)
        assert len(await _timings(h)) == 1
        tracker.flush_after = 60.0
        tracker.max_pending = 2
        await h.push(make_message("first?", sent_at=h.clock.now()))
        await h.push(make_message("second?", sent_at=h.clock.now()))  # the second fills the batch
        assert len(await _timings(h)) == 3
        await tracker.close()


def test_reminders_link_to_the_message() -> None:
    from datetime import UTC, datetime

    from moderation.manager.ports import OpenQuestion
    from moderation.manager.responses import message_link, reminder_text

    assert message_link("discord", "1100", "1200", "99") == "https://discord.com/channels/1100/1200/99"
    assert message_link("telegram", "-1001234", "-1001234", "7") == "https://t.me/c/1234/7"
    assert message_link("sandbox", "1", "2001", "5") is None
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    asked = OpenQuestion(
        1, "discord", "1100", "1200", "99", "5", now - timedelta(minutes=150), "where is it?"
    )
    text = reminder_text([asked], now)
    assert "https://discord.com/channels/1100/1200/99, 150 min ago: “where is it?”" in text
