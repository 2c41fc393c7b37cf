"""Permissions are checked at call time: demoted moderators are refused; admin-only stays admin-only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from moderation.domain import Actor, Outcome, ReviewStatus, Scope
from tests.fakes import telegram_api as tg
from tests.fakes.telegram_harness import CHAT, MOD_CHAT
from tests.harness import ADMIN, MODERATOR, SANDBOX_SPACE, Harness
from tests.test_telegram_e2e import MOD, OWNER, _borderline_card, real_world

DEMOTED = Actor(platform="sandbox", user_id=MODERATOR.user_id, display_name=MODERATOR.display_name)


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    async with Harness.start(tmp_path) as harness:
        yield harness


async def test_a_moderator_demoted_after_the_card_was_posted_is_refused(h: Harness) -> None:
    decision = await h.say("you dummy")
    assert decision.outcome is Outcome.REVIEW
    [review] = await h.store.pending_reviews("acme")
    scope = Scope("sandbox", "", SANDBOX_SPACE, SANDBOX_SPACE)
    refused = await h.service.handle_button(scope, DEMOTED, "approve", review.case_number)
    assert "moderators only" in refused.text
    assert h.gateway.named("delete_message") == []
    still = await h.store.get_review("acme", review.case_number)
    assert still is not None
    assert still.status is ReviewStatus.PENDING
    done = await h.service.handle_button(scope, MODERATOR, "approve", review.case_number)
    assert done.text.startswith(f"Approved case #{review.case_number}")
    trail = await h.store.audit_trail("acme", review.case_number)
    assert any(e.actor == "mod (sandbox:1900)" and "held actions" in e.action for e in trail)


@pytest.mark.parametrize("line", ["/reload", "/pause toxicity 1h", "/raid on", "/raid kick"])
async def test_admin_only_commands_refuse_moderators(h: Harness, line: str) -> None:
    reply = await h.command(line, caller=MODERATOR)
    assert "admins only" in reply.text
    assert await h.store.active_pauses("acme", h.clock.now()) == {}
    admin = await h.command(line, caller=ADMIN)
    assert "admins only" not in admin.text


async def test_every_moderator_command_refuses_ordinary_members(h: Harness) -> None:
    member = Actor(platform="sandbox", user_id="1001", display_name="alice")
    for spec in h.service.command_help():
        name = spec[0]
        reply = await h.command(f"/{name} 1 x", caller=member)
        assert "only" in reply.text, name


async def test_telegram_admin_demoted_after_the_card_cannot_press_its_buttons(tmp_path: Path) -> None:
    async with real_world(tmp_path) as world:
        card_message, number = await _borderline_card(world, 420)
        world.api.set_admins(CHAT, creator=OWNER)  # Mona is no longer an admin anywhere
        world.api.set_admins(MOD_CHAT)
        world.api.inject(tg.chat_member_update(CHAT, MOD, old="administrator", new="member", by=OWNER))
        world.api.inject(tg.chat_member_update(MOD_CHAT, MOD, old="administrator", new="member", by=OWNER))
        await world.api.wait_polled()
        world.api.inject(tg.callback_update(MOD, card_message, f"rv:approve:{number}", query_id="late"))
        (answer,) = await world.api.wait_for("answerCallbackQuery")
        assert answer["show_alert"] is True
        assert "moderator" in answer["text"].lower()
        await world.api.wait_polled()
        assert world.api.calls_to("deleteMessage") == []
        review = await world.store.get_review("acme", number)
        assert review is not None
        assert review.status is ReviewStatus.PENDING
