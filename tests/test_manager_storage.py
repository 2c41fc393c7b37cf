"""The manager's repository on SQLite and PostgreSQL: runs claimed once, batches, aggregates, purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from moderation.domain import Actor
from moderation.manager.ports import TrackedMessage
from moderation.storage import SqlStore

T0 = datetime(2026, 1, 5, 23, 58, tzinfo=UTC)
CHAT = "-1001234567890"


def event(minutes: float, user: str, message: str, **kwargs: object) -> TrackedMessage:
    defaults: dict[str, object] = {
        "community": "acme",
        "platform": "telegram",
        "space_id": CHAT,
        "channel_id": CHAT,
        "message_id": message,
        "user_id": user,
        "at": T0 + timedelta(minutes=minutes),
        "engagement_factor": 1.0,
        "mood": True,
    }
    defaults.update(kwargs)
    return TrackedMessage(**defaults)  # type: ignore[arg-type]


async def test_runs_are_claimed_once(store: SqlStore) -> None:
    assert await store.claim_run("acme", "post", "p", T0, status="sending", at=T0)
    assert not await store.claim_run("acme", "post", "p", T0, status="sending", at=T0)
    assert await store.claim_run("acme", "post", "p", T0 + timedelta(days=1), status="skipped", at=T0)
    await store.finish_run("acme", "post", "p", T0, status="sent", detail="")
    assert await store.run_times("acme", "post", "p", T0) == {T0, T0 + timedelta(days=1)}
    assert await store.run_times("acme", "post", "other", T0) == set()


async def test_batches_answers_mood_and_aggregates(store: SqlStore) -> None:
    big_user = "7000000000"  # over 32 bits
    await store.touch_member("acme", Actor("telegram", big_user, "ann"), at=T0, joined_at=T0)
    answered = await store.track_messages(
        [
            event(0, big_user, "101", question=True, excerpt="how?"),
            event(3, "42", "102", reply_to="101", reply_to_author=big_user, mood_hit=True),  # 00:01 next day
            event(4, "43", "103", staff=True, staff_window=timedelta(minutes=30)),  # nothing left open
        ]
    )
    assert answered == 1
    hits, total = await store.mood_counts("acme", "telegram", CHAT, T0, T0 + timedelta(minutes=10))
    assert (hits, total) == (1, 3)
    data = await store.report_data(
        "acme", T0 - timedelta(hours=1), T0 + timedelta(hours=1), epoch_factor=1.0, top=3, newcomer=1
    )
    assert data.mood_days == [("2026-01-05", 0, 1), ("2026-01-06", 1, 2)]
    (question,) = data.questions
    assert question.answered_at == T0 + timedelta(minutes=3)
    assert question.channel == CHAT
    names = {m.user_id: m for m in data.top_members}
    assert names[big_user].name == "ann"
    assert names[big_user].replies_received == 1
    assert names["42"].answers_given == 1
    assert [m.user_id for m in data.newcomers] == [big_user]
    removed = await store.purge_member_data("acme", T0 + timedelta(minutes=2))
    assert removed == 4  # the question, a mood bucket, ann's engagement, ann
    assert await store.mood_counts("acme", "telegram", CHAT, T0, T0 + timedelta(minutes=10)) == (1, 2)


async def test_posts_state_round_trips(store: SqlStore) -> None:
    spec = {
        "at": "2026-01-05T10:00:00+00:00",
        "targets": [{"platform": "telegram", "channel": CHAT}],
        "text": {"en": "hi"},
    }
    await store.save_post("acme", "p", source="command", status="active", spec=spec, by="mod", at=T0)
    await store.save_post("acme", "p", source="command", status="paused", spec=spec, by="mod2", at=T0)
    (stored,) = await store.stored_posts("acme")
    assert (stored.status, stored.changed_by, stored.spec) == ("paused", "mod2", spec)
    assert await store.stored_posts("other") == []
