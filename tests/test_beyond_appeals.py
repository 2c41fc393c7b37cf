"""Appeals through the harness: file once within the window, uphold, reduce, lift, member told."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from moderation.beyond.appeal_types import AppealStatus, AppealStore
from moderation.domain import Actor, MemberRef, ReviewCard, Scope
from moderation.records import CaseType
from tests.harness import COMMUNITY, MEMBER, MODERATOR, SANDBOX_SPACE, Harness

BOB = Actor(platform="sandbox", user_id="1002", display_name="bob")


def with_appeals(**appeals: Any) -> dict[str, Any]:
    """The harness community with appeals enabled (and ``appeals`` options)."""
    data: dict[str, Any] = yaml.safe_load(COMMUNITY)
    data["appeals"] = {"enabled": True, "window": "7d", **appeals}
    data["voice"]["replies"]["appeal_upheld"] = {"en": "Sorry {user}, case #{case} stands."}
    return data


async def case_of(h: Harness, kind: CaseType, user: str = MEMBER.user_id) -> int:
    cases = await h.store.member_cases("acme", "sandbox", user)
    return next(c.number for c in cases if c.case_type is kind)


def last_dm(h: Harness) -> tuple[MemberRef, str]:
    call = h.gateway.named("send_direct")[-1]
    member, text = call.args["member"], call.args["text"]
    assert isinstance(member, MemberRef)
    assert isinstance(text, str)
    return member, text


async def test_warning_appeal_upheld_once_with_the_trace(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, with_appeals()) as h:
        await h.say("what a meanie")
        warn = await case_of(h, CaseType.WARN)
        reply = await h.command(f"/appeal {warn} it was a joke between friends", caller=MEMBER)
        assert reply.text == f"Thanks alice, your appeal of case #{warn} was sent to the moderators."
        (pending,) = await h.store.pending_reviews("acme")
        assert pending.rule == "appeal"
        assert pending.excerpt == "it was a joke between friends"
        assert f"Appeal of case #{warn} (warn, rule rudeness" in pending.reason
        assert "trace: rudeness [act] words" in pending.reason
        card = h.gateway.named("send_review_card")[-1].args["card"]
        assert isinstance(card, ReviewCard)
        assert card.case_number == pending.case_number
        again = await h.command(f"/appeal {warn} please", caller=MEMBER)
        assert "appealed already" in again.text

        verdict = await h.command(f"/uphold {pending.case_number} rude is rude", caller=MODERATOR)
        assert verdict.text.startswith(f"Appeal of case #{warn} upheld: nothing to undo.")
        member, text = last_dm(h)
        assert (member.user_id, member.space_id) == (MEMBER.user_id, "1")
        assert text == f"Sorry alice, case #{warn} stands."
        assert not h.gateway.named("unban_member")
        assert not h.gateway.named("timeout_member")
        assert "already upheld" in (await h.command(f"/lift {warn}", caller=MODERATOR)).text
        store = h.store
        assert isinstance(store, AppealStore)
        appeal = await store.find_appeal("acme", warn)
        assert appeal is not None
        assert appeal.status is AppealStatus.UPHELD
        case = await h.store.get_case("acme", warn)
        assert case is not None
        assert any("Appeal upheld" in note for note in case.notes)


async def test_lifting_a_timeout_ends_it_now(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, with_appeals()) as h:
        for _ in range(3):
            await h.say("what a meanie")
        timeout = await case_of(h, CaseType.TIMEOUT)
        await h.command(f"/appeal {timeout} sorry, won't happen again", caller=MEMBER)
        h.clock.advance(timedelta(minutes=5))
        before = len(h.gateway.named("timeout_member"))
        reply = await h.command(f"/lift {timeout}", caller=MODERATOR)
        assert "timeout ended" in reply.text
        assert "The member was told." in reply.text
        ended = h.gateway.named("timeout_member")[before:]
        assert [c.args["until"] for c in ended] == [h.clock.now()]
        _, text = last_dm(h)
        assert text == f"Hi alice, the moderators reviewed your appeal of case #{timeout} and lifted it."
        assert (await h.store.pending_reviews("acme")) == []


async def test_reducing_a_ban_unbans_and_records_it(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, with_appeals()) as h:
        await h.say("you dummy")
        (review,) = await h.store.pending_reviews("acme")
        await h.command(f"/ban {review.case_number}", caller=MODERATOR)
        ban = await case_of(h, CaseType.BAN)
        await h.command(f"/appeal {ban} one strike should not be a ban", caller=MEMBER)
        reply = await h.command(f"/reduce {ban} a warning is enough", caller=MODERATOR)
        assert "reduced: unbanned" in reply.text
        (unban,) = h.gateway.named("unban_member")
        member = unban.args["member"]
        assert isinstance(member, MemberRef)
        assert (member.space_id, member.user_id) == ("1", MEMBER.user_id)
        assert await case_of(h, CaseType.UNBAN)
        assert "reduced it" in last_dm(h)[1]


async def test_appeals_refused_outside_the_rules(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, with_appeals()) as h:
        await h.say("what a meanie")
        await h.say("you idiot")
        warn = await case_of(h, CaseType.WARN)
        delete = await case_of(h, CaseType.DELETE)
        assert "can't find a case" in (await h.command(f"/appeal {warn} not me", caller=BOB)).text
        assert "nothing to appeal" in (await h.command(f"/appeal {delete} hmm", caller=MEMBER)).text
        assert "Usage: /appeal" in (await h.command(f"/appeal {warn}", caller=MEMBER)).text
        assert "no appeal" in (await h.command(f"/lift {warn}", caller=MODERATOR)).text
        assert "moderators only" in (await h.command(f"/lift {warn}", caller=MEMBER)).text
        h.clock.advance(timedelta(days=8))
        assert "has passed" in (await h.command(f"/appeal {warn} late", caller=MEMBER)).text
        assert await h.store.pending_reviews("acme") == []


async def test_appeals_are_off_by_default(tmp_path: Path) -> None:
    async with Harness.start(tmp_path) as h:
        await h.say("what a meanie")
        warn = await case_of(h, CaseType.WARN)
        reply = await h.command(f"/appeal {warn} please", caller=MEMBER)
        assert reply.text == "Appeals are not open in this community."


async def test_card_buttons_on_an_appeal_lift_or_uphold(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, with_appeals()) as h:
        await h.say("you dummy")
        (review,) = await h.store.pending_reviews("acme")
        await h.command(f"/ban {review.case_number}", caller=MODERATOR)
        ban = await case_of(h, CaseType.BAN)
        await h.command(f"/appeal {ban} please", caller=MEMBER)
        (appeal,) = await h.store.pending_reviews("acme")
        scope = Scope("sandbox", "", SANDBOX_SPACE, SANDBOX_SPACE)
        reply = await h.service.handle_button(scope, MODERATOR, "approve", appeal.case_number)
        assert f"Appeal of case #{ban} lifted: unbanned." in reply.text
        assert len(h.gateway.named("unban_member")) == 1

        await h.say("what a meanie")
        warn = await case_of(h, CaseType.WARN)
        await h.command(f"/appeal {warn} please", caller=MEMBER)
        (second,) = await h.store.pending_reviews("acme")
        reply = await h.service.handle_button(scope, MODERATOR, "reject", second.case_number)
        assert f"Appeal of case #{warn} upheld" in reply.text
        assert last_dm(h)[1] == f"Sorry alice, case #{warn} stands."
