"""The action outbox: per-action states, retries across runs, resumption after a crash, no repeats."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc

from moderation import jobs
from moderation.domain import ActionKind, Decision, MemberRef, Outcome, PlannedAction, RuleTrace, Scope
from moderation.errors import ActionFailed
from moderation.outbox import Outbox
from moderation.outbox_types import ActionState, ActionStatus
from moderation.storage import engine as engine_module
from moderation.storage.resilience import RetryPolicy, resilient
from moderation.storage.store import SqlStore, open_store
from tests.fakes.core import RecordingGateway
from tests.harness import Harness, make_message


class FlakyGateway(RecordingGateway):
    """Fails the first ``failures`` deletes (and kicks) with a retryable error, like a 500 or a 429."""

    def __init__(self, failures: int) -> None:
        super().__init__("sandbox")
        self.failures = failures
        self.deleted: list[str] = []

    async def delete_message(self, scope: Scope, message_id: str) -> None:
        self._record("delete_message", scope=scope, message_id=message_id)
        if self.failures > 0:
            self.failures -= 1
            raise ActionFailed("delete", "network", retryable=True, detail="502 Bad Gateway")
        self.deleted.append(message_id)


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    async with Harness.start(tmp_path) as harness:
        yield harness


def outbox(h: Harness) -> Outbox:
    assert h.service.outbox is not None
    return h.service.outbox


async def test_a_long_platform_outage_is_retried_later_and_the_delete_happens_once(h: Harness) -> None:
    flaky = FlakyGateway(failures=4)  # the executor tries 3 times per run
    h.service.register_gateway(flaky)
    decision = await h.say("you idiot")
    assert decision.outcome is Outcome.ACT
    [pending] = await h.store.pending_decisions()
    states = await h.store.action_states(pending[0])  # type: ignore[attr-defined]
    assert states[0].status is ActionStatus.RETRY
    assert states[0].attempts == 3
    assert await jobs.resume_outbox(h.service) == 0  # too fresh: the handler may still own it
    h.clock.advance(timedelta(minutes=1))
    assert await jobs.resume_outbox(h.service) == 1
    assert len(flaky.deleted) == 1
    assert await h.store.pending_decisions() == []
    states = await h.store.action_states(pending[0])  # type: ignore[attr-defined]
    assert [states[0].status, states[0].attempts] == [ActionStatus.DONE, 5]
    assert [s.status for s in states.values()].count(ActionStatus.DONE) == 2  # the delete and the reply
    assert len(flaky.named("send_message")) == 1  # the reply was not repeated by the resume
    methods = [c.method for c in flaky.calls]
    assert methods.index("send_message") > len(methods) - 1 - methods[::-1].index("delete_message")
    # ... and it waited for the delete: "I removed that message" is never said ahead of the removal
    cases = await h.store.member_cases("acme", "sandbox", "1001")
    assert [c.case_type for c in cases] == ["delete"]


async def test_an_action_that_never_succeeds_is_given_up_and_the_decision_closed(h: Harness) -> None:
    flaky = FlakyGateway(failures=10_000)
    h.service.register_gateway(flaky)
    await h.say("you idiot")
    for _ in range(6):
        h.clock.advance(timedelta(minutes=1))
        await jobs.resume_outbox(h.service)
    assert await h.store.pending_decisions() == []
    assert len(flaky.named("delete_message")) == 12  # MAX_ATTEMPTS over every run, then no more
    assert flaky.named("send_message") == []  # the message was never removed: no reply saying it was
    [row] = [await h.store.decision_details(1)]  # type: ignore[attr-defined]
    assert row is not None
    assert "network" in row["failures"][0]


async def save(h: Harness, *actions: PlannedAction, outcome: Outcome = Outcome.ACT) -> tuple[int, str]:
    msg = make_message("you idiot")
    await h.store.touch_member("acme", msg.author, at=h.clock.now())
    traces = (RuleTrace("toxicity", fired=True, band="review", reason="toxic 0.7 >= 0.6"),)
    decision = Decision(outcome, actions=actions, traces=traces)
    return await h.store.save_decision("acme", msg, decision, at=h.clock.now()), msg.message_id


async def test_after_a_crash_only_the_unfinished_actions_run(h: Harness) -> None:
    delete = PlannedAction(ActionKind.DELETE, "toxicity")
    reply = PlannedAction(ActionKind.REPLY, "toxicity", text="Be kind")
    timeout = PlannedAction(ActionKind.TIMEOUT, "toxicity", duration=timedelta(hours=1))
    decision_id, _ = await save(h, delete, reply, timeout)
    store = h.store
    await store.set_action_state(  # type: ignore[attr-defined]
        decision_id, ActionState(0, "delete", ActionStatus.DONE, 1), at=h.clock.now()
    )
    await store.set_action_state(  # type: ignore[attr-defined]
        decision_id, ActionState(1, "reply", ActionStatus.STARTED, 1), at=h.clock.now()
    )
    assert await jobs.report_interrupted(h.service) == 1
    assert h.gateway.named("delete_message") == []  # done before the crash
    assert h.gateway.named("send_message") == []  # may have been sent: never sent twice
    [timeout_call] = h.gateway.named("timeout_member")
    assert timeout_call.args["member"] == MemberRef("sandbox", "1", "1001")
    details = await store.decision_details(decision_id)  # type: ignore[attr-defined]
    assert details["actions_done"] is True
    assert any("not repeated" in f for f in details["failures"])
    states = await store.action_states(decision_id)  # type: ignore[attr-defined]
    assert [states[i].status for i in range(3)] == [
        ActionStatus.DONE,
        ActionStatus.UNKNOWN,
        ActionStatus.DONE,
    ]
    assert await jobs.report_interrupted(h.service) == 0


async def test_a_review_cut_off_before_its_card_is_escalated_on_restart(h: Harness) -> None:
    _decision_id, message_id = await save(
        h, PlannedAction(ActionKind.REVIEW, "toxicity"), outcome=Outcome.REVIEW
    )
    assert await jobs.report_interrupted(h.service) == 1
    [review] = await h.store.pending_reviews("acme")
    assert review.message_id == message_id
    assert review.rule == "toxicity"
    cards = h.gateway.named("send_review_card") + h.telegram.named("send_review_card")
    assert len(cards) == 2  # sandbox and telegram, once each
    assert await jobs.report_interrupted(h.service) == 0
    assert len(await h.store.pending_reviews("acme")) == 1


async def test_the_database_locked_for_a_while_loses_no_decision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
    async with Harness.start(tmp_path) as h:
        assert isinstance(h.store, SqlStore)
        store = resilient(h.store, RetryPolicy(deadline=20))
        h.service.store = store
        h.service.outbox._store = store  # type: ignore[union-attr]
        path = tmp_path / "steward.db"
        locked = threading.Event()

        def hold_lock() -> None:
            other = sqlite3.connect(path, isolation_level=None)
            other.execute("BEGIN EXCLUSIVE")
            locked.set()
            time.sleep(1.5)
            other.execute("COMMIT")
            other.close()

        plain = await open_store(f"sqlite+aiosqlite:///{path}", migrate=False)
        thread = threading.Thread(target=hold_lock)
        thread.start()
        locked.wait()
        try:
            with pytest.raises(sa_exc.OperationalError, match="locked"):  # the fault is real
                await plain.touch_member("acme", make_message("x").author, at=h.clock.now())
            decision = await h.say("you idiot")
        finally:
            thread.join()
            await plain.close()
        assert decision.outcome is Outcome.ACT
        assert len(h.gateway.named("delete_message")) == 1
        assert await h.store.pending_decisions() == []
        assert (await h.store.stats("acme", h.clock.now() - timedelta(days=1))).messages == 1
