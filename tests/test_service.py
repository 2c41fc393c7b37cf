"""End-to-end scenarios through the harness: messages, actions, cases, strikes, dry run, FAQ, joins."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from moderation.domain import ActionKind, Outcome
from moderation.errors import ActionFailed
from moderation.records import CaseType
from tests.harness import COMMUNITY, MEMBER, Harness, make_message

STORES = ["memory"] + (["sqlite"] if importlib.util.find_spec("moderation.storage.store") else [])


@pytest.fixture(params=STORES)
async def h(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    async with Harness.start(tmp_path, store=request.param) as harness:
        yield harness


async def test_toxic_message_is_deleted_answered_and_cased(h: Harness) -> None:
    msg = make_message("you idiot", sent_at=h.clock.now())
    decision = await h.push(msg)

    assert decision.outcome is Outcome.ACT
    assert [c.args["message_id"] for c in h.gateway.named("delete_message")] == [msg.message_id]
    replies = h.gateway.named("send_message")
    assert len(replies) == 1
    assert str(replies[0].args["text"]).startswith("Let's keep it kind here, alice.")
    assert replies[0].args["reply_to"] is None  # the message is gone; no reply to it
    case = await h.store.get_case("acme", 1)
    assert case is not None
    assert case.case_type is CaseType.DELETE
    assert (case.user_id, case.rule, case.message_id) == ("1001", "toxicity", msg.message_id)
    assert await h.store.get_case("acme", 2) is None  # a reply opens no case
    trail = await h.store.audit_trail("acme", 1)
    assert [e.actor for e in trail] == ["steward"]
    assert h.classifier.batches == [["you idiot"]]


async def test_harmless_message_does_nothing(h: Harness) -> None:
    decision = await h.say("good morning everyone")
    assert decision.outcome is Outcome.IGNORE
    assert h.gateway.calls == []
    assert await h.store.get_case("acme", 1) is None
    member = await h.store.get_member("acme", "sandbox", "1001")
    assert member is not None
    assert member.message_count == 1


async def test_unknown_space_is_skipped(h: Harness) -> None:
    decision = await h.push(make_message("you idiot", platform="telegram", space_id="-100777"))
    assert decision.outcome is Outcome.IGNORE
    assert h.telegram.calls == []
    assert h.classifier.batches == []


async def test_strike_ladder_times_out_on_third_warning(h: Harness) -> None:
    for _ in range(2):
        await h.say("you meanie")
        h.clock.advance(timedelta(hours=1))
    assert h.gateway.named("timeout_member") == []
    decision = await h.say("you meanie")
    kinds = [a.kind for a in decision.actions]
    assert kinds == [ActionKind.WARN, ActionKind.TIMEOUT]
    [timeout] = h.gateway.named("timeout_member")
    assert timeout.args["until"] == h.clock.now() + timedelta(hours=1)
    assert len(h.gateway.named("send_message")) == 3
    cases = await h.store.member_cases("acme", None, "1001")
    assert sorted(str(c.case_type) for c in cases) == ["timeout", "warn", "warn", "warn"]


async def test_strikes_decay_outside_the_window(h: Harness) -> None:
    for _ in range(2):
        await h.say("you meanie")
    h.clock.advance(timedelta(days=8))
    await h.say("you meanie")
    assert h.gateway.named("timeout_member") == []


async def test_edited_message_is_rechecked(h: Harness) -> None:
    await h.say("hello", message_id="777")
    decision = await h.push(make_message("you idiot", message_id="777", edited=True, sent_at=h.clock.now()))
    assert decision.outcome is Outcome.ACT
    assert h.gateway.named("delete_message")[0].args["message_id"] == "777"


async def test_failing_action_does_not_stop_the_others(h: Harness) -> None:
    h.gateway.fail["delete_message"] = ActionFailed("delete", "not_found")
    decision = await h.say("you idiot")
    assert decision.outcome is Outcome.ACT
    assert len(h.gateway.named("send_message")) == 1
    assert await h.store.get_case("acme", 1) is None  # nothing executed, no case


async def test_retryable_failure_is_retried_a_bounded_number_of_times(h: Harness) -> None:
    h.gateway.fail["delete_message"] = ActionFailed("delete", "rate_limited", retryable=True)
    await h.say("you idiot")
    assert len(h.gateway.named("delete_message")) == 3
    # "I removed that message" would be untrue while the message is still there: the reply waits
    # for the delete (outbox) or is dropped (no outbox); it is never sent ahead of it.
    assert h.gateway.named("send_message") == []


async def test_missing_permission_is_reported_once(h: Harness) -> None:
    h.gateway.fail["delete_message"] = ActionFailed(
        "delete", "missing_permissions", missing_permission="manage_messages"
    )
    await h.say("you idiot")
    await h.say("you idiot again")
    notices = h.gateway.named("notify_moderators")
    assert len(notices) == 1
    assert "manage_messages" in str(notices[0].args["text"])
    assert len(h.gateway.named("delete_message")) == 2


async def test_gateway_bug_is_contained(h: Harness) -> None:
    h.gateway.fail["delete_message"] = RuntimeError("adapter bug")  # type: ignore[assignment]
    decision = await h.say("you idiot")
    assert decision.outcome is Outcome.ACT
    assert h.gateway.named("send_message") == []  # its reply would claim a removal that failed
    h.gateway.fail.clear()
    await h.say("you idiot again")  # the service keeps working after the bug
    assert len(h.gateway.named("delete_message")) == 2
    assert len(h.gateway.named("send_message")) == 1


async def test_reply_is_not_sent_when_its_delete_is_refused(h: Harness) -> None:
    h.gateway.fail["delete_message"] = ActionFailed(
        "delete", "missing_permissions", missing_permission="manage_messages"
    )
    await h.say("you idiot")
    assert h.gateway.named("send_message") == []
    assert len(h.gateway.named("notify_moderators")) == 1  # moderators are told what is missing


async def test_community_dry_run_acts_on_nothing_but_stores_traces(tmp_path: Path) -> None:
    async with Harness.start(
        tmp_path, COMMUNITY.replace("community: acme", "community: acme\nmode: dry_run"), store=STORES[-1]
    ) as h:
        decision = await h.say("you idiot")
        assert decision.dry_run
        assert decision.outcome is Outcome.ACT
        assert decision.actions == ()
        assert any(t.rule == "toxicity" and t.fired and t.mode == "dry_run" for t in decision.traces)
        assert h.gateway.calls == []
        assert await h.store.get_case("acme", 1) is None
        stats = await h.store.stats("acme", h.clock.now() - timedelta(days=1))
        assert stats.decisions_by_outcome == {"act": 1}


async def test_faq_question_is_answered_in_the_brand_voice(h: Harness) -> None:
    msg = make_message("How do I reset my password?", sent_at=h.clock.now())
    decision = await h.push(msg)
    assert decision.outcome is Outcome.REPLY
    [reply] = h.gateway.named("send_message")
    assert reply.args["text"] == "Open Settings, then Reset password, alice."
    assert reply.args["reply_to"] == msg.message_id


async def test_join_greets_and_deletes_previous_greeting(h: Harness) -> None:
    await h.join("1201", "bob")
    await h.join("1202", "carol")
    sent = h.gateway.named("send_message")
    assert [c.args["text"] for c in sent] == ["Welcome to acme, bob!", "Welcome to acme, carol!"]
    [deleted] = h.gateway.named("delete_message")
    assert deleted.args["message_id"] == "1000"  # the first greeting's id
    member = await h.store.get_member("acme", "sandbox", "1201")
    assert member is not None
    assert member.joined_at == h.clock.now()


async def test_hostile_text_does_not_crash(h: Harness) -> None:
    for text in ["x" * 100_000, "\u202eevil\u202c \x00\x07 idiot", "bad \ud800 surrogate idiot", ""]:
        decision = await h.say(text)
        assert decision is not None
    assert len(h.gateway.named("delete_message")) == 2
    assert MEMBER.user_id == "1001"


async def test_dry_run_community_does_not_answer_faq(tmp_path: Path) -> None:
    community = COMMUNITY.replace("community: acme", "community: acme\nmode: dry_run")
    async with Harness.start(tmp_path, community, store="memory") as h:
        decision = await h.say("how do I reset my password?")
        assert decision.dry_run
        assert decision.actions == ()
        assert any(t.rule == "faq" and t.fired for t in decision.traces)
        assert h.gateway.calls == []


async def test_exempt_moderator_is_not_classified(h: Harness) -> None:
    from tests.harness import MODERATOR

    decision = await h.say("you idiot", author=MODERATOR)
    assert decision.outcome is Outcome.IGNORE
    assert h.classifier.batches == []
    assert h.gateway.calls == []
