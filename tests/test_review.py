"""Review queue scenarios: escalation, shared cross-platform queue, approve, reject, buttons, expiry."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from moderation import jobs
from moderation.domain import ActionKind, Actor, Outcome, ReviewCard, ReviewStatus, Scope
from moderation.records import CaseType
from moderation.review.text import excerpt
from tests.harness import COMMUNITY, MODERATOR, TELEGRAM_MOD_CHAT, Harness, make_message

STORES = ["memory"] + (["sqlite"] if importlib.util.find_spec("moderation.storage.store") else [])
TG_MOD = Actor(platform="telegram", user_id="7001", display_name="tgmod", roles=("admin",))


@pytest.fixture(params=STORES)
async def h(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    async with Harness.start(tmp_path, store=request.param) as harness:
        yield harness


def cards(h: Harness) -> list[ReviewCard]:
    return [c.args["card"] for c in h.gateway.named("send_review_card")]  # type: ignore[misc]


async def test_borderline_message_goes_to_review_on_every_platform(h: Harness) -> None:
    msg = make_message("you dummy", sent_at=h.clock.now())
    decision = await h.push(msg)

    assert decision.outcome is Outcome.REVIEW
    assert h.gateway.named("delete_message") == []
    [card] = cards(h)
    assert (card.case_number, card.status, card.rule) == (1, ReviewStatus.PENDING, "toxicity")
    assert card.held_actions == (ActionKind.DELETE, ActionKind.REPLY)
    assert card.excerpt == "you dummy"
    assert len(h.telegram.named("send_review_card")) == 1  # the shared queue shows it on Telegram too
    review = await h.store.get_review("acme", 1)
    assert review is not None
    assert review.expires_at == h.clock.now() + timedelta(hours=48)
    case = await h.store.get_case("acme", 1)
    assert case is not None
    assert case.case_type is CaseType.REVIEW


async def test_approve_from_telegram_runs_held_actions_on_the_sandbox(h: Harness) -> None:
    msg = make_message("you dummy", sent_at=h.clock.now())
    await h.push(msg)
    reply = await h.command("/approve 1 clearly rude", caller=TG_MOD)

    assert "Approved case #1" in reply.text
    assert [c.args["message_id"] for c in h.gateway.named("delete_message")] == [msg.message_id]
    assert len(h.gateway.named("send_message")) == 1
    assert h.telegram.named("delete_message") == []
    review = await h.store.get_review("acme", 1)
    assert review is not None
    assert review.status is ReviewStatus.APPROVED
    assert review.note == "clearly rude"
    assert cards(h)[-1].status is ReviewStatus.APPROVED
    assert h.telegram.named("send_review_card")[-1].args["card"].status is ReviewStatus.APPROVED  # type: ignore[attr-defined]
    delete_case = await h.store.get_case("acme", 2)
    assert delete_case is not None
    assert delete_case.case_type is CaseType.DELETE
    assert "tgmod" in delete_case.moderator
    trail = [e.action for e in await h.store.audit_trail("acme", 1)]
    assert "approved" in trail
    assert "ran held actions" in trail


async def test_approving_twice_is_a_clear_conflict(h: Harness) -> None:
    await h.say("you dummy")
    await h.command("/approve 1")
    again = await h.command("/approve 1")
    assert "already approved" in again.text
    assert len(h.gateway.named("delete_message")) == 1


async def test_reject_records_a_false_positive_with_the_note(h: Harness) -> None:
    await h.say("you dummy")
    reply = await h.command("/reject 1 it was a joke among friends")
    assert "false positive" in reply.text
    assert h.gateway.named("delete_message") == []
    review = await h.store.get_review("acme", 1)
    assert review is not None
    assert review.status is ReviewStatus.REJECTED
    assert review.note == "it was a joke among friends"
    trail = await h.store.audit_trail("acme", 1)
    assert any(e.action == "rejected" and "false positive" in e.detail for e in trail)
    assert "already rejected" in (await h.command("/approve 1")).text


async def test_cases_are_numbered_across_platforms(h: Harness) -> None:
    await h.say("you dummy")
    await h.push(make_message("you dummy", author=Actor("telegram", "8001", "tguser"), sent_at=h.clock.now()))
    review = await h.store.get_review("acme", 2)
    assert review is not None
    assert review.platform == "telegram"
    await h.command("/approve 2")  # approved from the sandbox, executed on Telegram
    assert len(h.telegram.named("delete_message")) == 1
    assert h.gateway.named("delete_message") == []


@pytest.mark.parametrize(
    ("verb", "status"), [("approve", ReviewStatus.APPROVED), ("reject", ReviewStatus.REJECTED)]
)
async def test_buttons_use_the_command_paths(h: Harness, verb: str, status: ReviewStatus) -> None:
    await h.say("you dummy")
    scope = Scope("telegram", "", TELEGRAM_MOD_CHAT, TELEGRAM_MOD_CHAT)
    reply = await h.service.handle_button(scope, TG_MOD, verb, 1)
    assert reply.card is not None
    assert reply.card.status is status


async def test_ban_button_approves_and_bans(h: Harness) -> None:
    await h.say("you dummy")
    scope = Scope("sandbox", "", "1", "1")
    await h.service.handle_button(scope, MODERATOR, "ban", 1)
    [ban] = h.gateway.named("ban_member")
    assert ban.args["member"].user_id == "1001"  # type: ignore[attr-defined]
    assert len(h.gateway.named("delete_message")) == 1


async def test_details_button_and_unknown_verb(h: Harness) -> None:
    await h.say("you dummy")
    scope = Scope("sandbox", "", "1", "1")
    details = await h.service.handle_button(scope, MODERATOR, "details", 1)
    assert "Case #1" in details.text
    assert details.card is not None
    odd = await h.service.handle_button(scope, MODERATOR, "explode", 1)
    assert "Unknown button" in odd.text


async def test_buttons_refuse_non_moderators(h: Harness) -> None:
    await h.say("you dummy")
    scope = Scope("sandbox", "", "1", "1")
    reply = await h.service.handle_button(scope, Actor("sandbox", "1002", "eve"), "approve", 1)
    assert "moderators only" in reply.text
    review = await h.store.get_review("acme", 1)
    assert review is not None
    assert review.status is ReviewStatus.PENDING


async def test_expiry_job_expires_and_refreshes_cards(h: Harness) -> None:
    await h.say("you dummy")
    h.clock.advance(timedelta(hours=47))
    assert await jobs.expire_reviews(h.service) == []
    h.clock.advance(timedelta(hours=2))
    [expired] = await jobs.expire_reviews(h.service)
    assert expired.case_number == 1
    assert cards(h)[-1].status is ReviewStatus.EXPIRED
    assert "already expired" in (await h.command("/approve 1")).text


async def test_reminder_job_mentions_old_reviews(h: Harness) -> None:
    await h.say("you dummy")
    assert await jobs.remind_pending_reviews(h.service) == 0
    h.clock.advance(timedelta(hours=2))
    assert await jobs.remind_pending_reviews(h.service) == 1
    [note] = h.gateway.named("notify_moderators")
    assert "#1" in str(note.args["text"])
    assert len(h.telegram.named("notify_moderators")) == 1


async def test_purge_job_erases_old_flagged_text(h: Harness) -> None:
    await h.say("you idiot")
    assert await jobs.purge_old_text(h.service) == 0
    h.clock.advance(timedelta(days=31))
    assert await jobs.purge_old_text(h.service) == 1


async def test_faq_suggest_mode_holds_the_answer_for_review(tmp_path: Path) -> None:
    community = COMMUNITY.replace("mode: answer", "mode: suggest")
    async with Harness.start(tmp_path, community, store=STORES[-1]) as h:
        decision = await h.say("how do I reset my password?")
        assert decision.outcome is Outcome.REVIEW
        assert h.gateway.named("send_message") == []
        [card] = cards(h)
        assert card.suggested_reply == "Open Settings, then Reset password, alice."
        await h.command("/approve 1")
        [sent] = h.gateway.named("send_message")
        assert sent.args["text"] == card.suggested_reply


def test_excerpt_strips_bidi_controls_and_caps_length() -> None:
    assert excerpt("a\u202eb\u200bc\x00d\x07e\nf") == "abcde f"
    assert excerpt("bad \ud800 text") == "bad \ufffd text"
    long = excerpt("x" * 100_000)
    assert len(long) == 300
    assert long.endswith("…")


async def test_interrupted_decisions_are_resumed_or_reported_once(h: Harness) -> None:
    from moderation.domain import Decision, PlannedAction

    decision = Decision(Outcome.ACT, actions=(PlannedAction(ActionKind.DELETE, "toxicity"),))
    msg = make_message("you idiot")
    await h.store.save_decision("acme", msg, decision, at=h.clock.now())
    assert await jobs.report_interrupted(h.service) == 1
    if h.service.outbox is not None:  # the SQL store keeps per-action states: the delete is resumed
        [delete] = h.gateway.named("delete_message")
        assert delete.args["message_id"] == msg.message_id
    else:  # a store without them: moderators are told
        [note] = h.gateway.named("notify_moderators")
        assert "decision 1 (delete)" in str(note.args["text"])
    assert await jobs.report_interrupted(h.service) == 0
    assert len(h.gateway.named("delete_message")) <= 1


async def test_approved_warnings_count_as_strikes_and_escalate(tmp_path: Path) -> None:
    community = COMMUNITY.replace(
        "actions: {warn: {template: warned, dm: false}}",
        "actions: {warn: {template: warned, dm: false}, review: true}",
    )
    async with Harness.start(tmp_path, community, store=STORES[-1]) as h:
        for number in (1, 2, 3):
            assert (await h.say("you meanie")).outcome is Outcome.REVIEW
            reply = await h.command(f"/approve {number * 2 - 1}")  # review cases 1, 3, 5; warnings between
            assert "Approved" in reply.text
        assert len(h.gateway.named("send_message")) == 3
        [timeout] = h.gateway.named("timeout_member")
        assert timeout.args["until"] == h.clock.now() + timedelta(hours=1)
