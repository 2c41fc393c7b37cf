"""The batched common path of a message: one read transaction and one atomic write transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from moderation.domain import ActionKind, Decision, Outcome, PlannedAction, RuleTrace
from moderation.intake_store import BatchedIntake, read_member_and_pauses, save_decision_and_message
from moderation.review.answers import FAQ_RULE
from moderation.storage import SqlStore
from tests.test_storage import T0, message


async def count(store: SqlStore, table: str) -> int:
    async with store.engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def test_reads_member_and_pauses_like_the_separate_calls(store: SqlStore) -> None:
    assert isinstance(store, BatchedIntake)
    msg = message()
    assert await read_member_and_pauses(store, "acme", msg, T0) == (None, {})
    await store.record_message("acme", msg, lang="en", flagged=False)
    await store.set_pause("acme", "links", T0 + timedelta(hours=1))
    await store.set_pause("acme", "flood", T0 - timedelta(minutes=1))  # already over
    member, paused = await read_member_and_pauses(store, "acme", msg, T0)
    assert member == await store.get_member("acme", "telegram", "42")
    assert member is not None
    assert member.message_count == 1
    assert paused == {"links": T0 + timedelta(hours=1)} == await store.active_pauses("acme", T0)


async def test_saves_decision_and_message_together(store: SqlStore) -> None:
    msg = message("buy cheap stuff", message_id="7002")
    warn = PlannedAction(ActionKind.WARN, "spam", reason="spam")
    decision = Decision(Outcome.ACT, actions=(warn,), traces=(RuleTrace("spam", True, "act", "spam"),))
    decision_id = await save_decision_and_message(store, "acme", msg, decision, at=T0, lang="en")
    stored = await store.get_decision(decision_id)
    assert stored is not None
    assert not stored.actions_done
    assert [pending[0] for pending in await store.pending_decisions()] == [decision_id]
    member = await store.get_member("acme", "telegram", "42")
    assert member is not None
    assert member.message_count == 1
    async with store.engine.connect() as conn:
        kept = (await conn.execute(text("SELECT text FROM messages"))).scalars().all()
    assert kept == ["buy cheap stuff"]  # a fired rule keeps the text


async def test_faq_answer_keeps_no_text_and_ignore_is_done_at_once(store: SqlStore) -> None:
    faq = Decision(Outcome.IGNORE, traces=(RuleTrace(FAQ_RULE, True, None, "faq"),))
    decision_id = await save_decision_and_message(store, "acme", message("when?"), faq, at=T0, lang=None)
    stored = await store.get_decision(decision_id)
    assert stored is not None
    assert stored.actions_done
    async with store.engine.connect() as conn:
        kept = (await conn.execute(text("SELECT text FROM messages"))).scalars().all()
    assert kept == [None]


async def test_failed_message_row_leaves_no_decision(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_record_message_in", broken)
    msg = message(message_id="7003")
    with pytest.raises(RuntimeError, match="disk full"):
        await save_decision_and_message(store, "acme", msg, Decision(Outcome.IGNORE), at=T0, lang=None)
    assert await count(store, "decisions") == 0  # both or neither: a redelivery is handled afresh
    assert not await store.has_decision("telegram", msg.scope.space_id, "7003")
