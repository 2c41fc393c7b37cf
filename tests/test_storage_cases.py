"""SqlStore cases, notes, audit and the review queue, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest

from moderation.domain import ActionKind, Decision, Outcome, PlannedAction, ReviewStatus
from moderation.errors import Conflict, NotFound
from moderation.records import AuditEntry, CaseRecord, CaseType, ReviewRecord
from moderation.storage import SqlStore, open_store
from tests.test_storage import BIG_USER, T0, TG_CHAT, message, stored_texts


async def open_case(
    store: SqlStore,
    *,
    community: str = "acme",
    user_id: str = BIG_USER,
    platform: str = "telegram",
    case_type: CaseType = CaseType.REVIEW,
    minutes: int = 0,
) -> CaseRecord:
    return await store.create_case(
        community,
        case_type=case_type,
        platform=platform,
        user_id=user_id,
        user_name="bob",
        rule="toxicity",
        reason="toxic 0.7 >= review_at 0.6",
        moderator="steward",
        at=T0 + timedelta(minutes=minutes),
        channel_id=TG_CHAT,
        message_id="7001",
    )


def review_for(case: CaseRecord, *, expires_in: timedelta = timedelta(hours=24)) -> ReviewRecord:
    return ReviewRecord(
        community=case.community,
        case_number=case.number,
        status=ReviewStatus.PENDING,
        platform=case.platform,
        space_id=TG_CHAT,
        channel_id=TG_CHAT,
        message_id="7001",
        user_id=case.user_id,
        user_name=case.user_name,
        rule=case.rule,
        reason=case.reason,
        excerpt="you are all idiots",
        held_actions=(
            PlannedAction(ActionKind.DELETE, "toxicity"),
            PlannedAction(ActionKind.TIMEOUT, "toxicity", duration=timedelta(hours=1), reason="toxic"),
        ),
        created_at=case.created_at,
        expires_at=case.created_at + expires_in,
        suggested_reply=None,
    )


async def resolve(
    store: SqlStore, number: int, status: ReviewStatus, *, moderator: str = "m", note: str | None = None
) -> ReviewRecord:
    return await store.resolve_review("acme", number, status=status, moderator=moderator, note=note, at=T0)


# --- cases --------------------------------------------------------------------------------------------


async def test_case_numbers_count_per_community(store: SqlStore) -> None:
    numbers = [(await open_case(store)).number for _ in range(3)]
    other = await open_case(store, community="other")
    assert numbers == [1, 2, 3]
    assert other.number == 1


async def test_case_round_trips_with_big_ids(store: SqlStore) -> None:
    decision_id = await store.save_decision("acme", message(), _act_decision(), at=T0)
    created = await store.create_case(
        "acme",
        case_type=CaseType.TIMEOUT,
        platform="discord",
        user_id=BIG_USER,
        user_name="bob",
        rule="flood",
        reason="6 messages in 5 s",
        moderator="mod:99",
        at=T0,
        decision_id=decision_id,
        channel_id=TG_CHAT,
        message_id="1234567890123456788",
    )
    fetched = await store.get_case("acme", created.number)
    assert fetched == created
    assert fetched.case_type is CaseType.TIMEOUT
    assert (fetched.user_id, fetched.channel_id, fetched.decision_id) == (BIG_USER, TG_CHAT, decision_id)
    assert await store.get_case("acme", 99) is None
    assert await store.get_case("other", created.number) is None


def _act_decision() -> Decision:
    return Decision(Outcome.ACT, (PlannedAction(ActionKind.DELETE, "flood"),))


async def test_concurrent_cases_get_gapless_unique_numbers(store: SqlStore) -> None:
    cases = await asyncio.gather(*(open_case(store, minutes=i) for i in range(20)))
    assert sorted(c.number for c in cases) == list(range(1, 21))
    assert len({(c.number, c.created_at) for c in cases}) == 20


async def test_two_stores_on_one_database_share_the_counter(store: SqlStore, store_url: str) -> None:
    # Two engines stand in for two processes (bot and CLI) writing to the same database.
    second = await open_store(store_url)
    try:
        cases = await asyncio.gather(*(open_case(s, minutes=i) for i in range(10) for s in (store, second)))
    finally:
        await second.close()
    assert sorted(c.number for c in cases) == list(range(1, 21))


async def test_notes_and_audit_trail(store: SqlStore) -> None:
    case = await open_case(store)
    await store.add_note(
        "acme", case.number, author="mira", text="second offence", at=T0 + timedelta(minutes=1)
    )
    await store.add_note("acme", case.number, author="omar", text="agreed", at=T0 + timedelta(minutes=2))
    fetched = await store.get_case("acme", case.number)
    assert fetched is not None
    assert fetched.notes == ("mira: second offence", "omar: agreed")
    with pytest.raises(NotFound):
        await store.add_note("acme", 404, author="mira", text="?", at=T0)

    approval = AuditEntry("acme", case.number, T0 + timedelta(minutes=3), "mira", "approved", "ok")
    await store.add_audit(approval)
    await store.add_audit(AuditEntry("acme", None, T0, "steward", "reloaded config"))
    trail = await store.audit_trail("acme", case.number)
    assert [(e.actor, e.action) for e in trail] == [("steward", "opened review"), ("mira", "approved")]
    assert trail[0].detail == case.reason
    assert trail[1] == approval


async def test_member_cases_newest_first_filtered_by_platform(store: SqlStore) -> None:
    await open_case(store, platform="telegram")
    await open_case(store, platform="discord")
    await open_case(store, platform="telegram", user_id="5")
    await open_case(store, platform="telegram")
    await open_case(store, community="other")
    every = await store.member_cases("acme", None, BIG_USER)
    assert [c.number for c in every] == [4, 2, 1]
    telegram = await store.member_cases("acme", "telegram", BIG_USER)
    assert [c.number for c in telegram] == [4, 1]
    assert [c.number for c in await store.member_cases("acme", None, BIG_USER, limit=1)] == [4]
    await store.add_note("acme", 4, author="mira", text="watch", at=T0)
    assert every[0].notes == ()
    assert (await store.member_cases("acme", None, BIG_USER))[0].notes == ("mira: watch",)


# --- reviews ------------------------------------------------------------------------------------------


async def test_review_round_trip_and_queue_order(store: SqlStore) -> None:
    first = await open_case(store, minutes=5)
    second = await open_case(store, minutes=1)
    await store.create_review(review_for(first))
    await store.create_review(review_for(second))
    assert await store.get_review("acme", first.number) == review_for(first)
    queue = await store.pending_reviews("acme")
    assert [r.case_number for r in queue] == [second.number, first.number]  # oldest first
    assert [r.case_number for r in await store.pending_reviews("acme", limit=1)] == [second.number]
    assert await store.pending_reviews("other") == []
    assert await store.get_review("acme", 99) is None


async def test_review_needs_an_existing_case_and_only_one(store: SqlStore) -> None:
    case = await open_case(store)
    with pytest.raises(NotFound):
        await store.create_review(dataclasses.replace(review_for(case), case_number=99))
    await store.create_review(review_for(case))
    with pytest.raises(Conflict):
        await store.create_review(review_for(case))
    # The store still works after the failed transactions.
    assert len(await store.pending_reviews("acme")) == 1


@pytest.mark.parametrize("status", [ReviewStatus.APPROVED, ReviewStatus.REJECTED])
async def test_resolve_review_once(store: SqlStore, status: ReviewStatus) -> None:
    case = await open_case(store)
    await store.create_review(review_for(case))
    at = T0 + timedelta(minutes=7)
    resolved = await store.resolve_review(
        "acme", case.number, status=status, moderator="mira", note="ok", at=at
    )
    assert (resolved.status, resolved.resolved_by, resolved.resolved_at, resolved.note) == (
        status,
        "mira",
        at,
        "ok",
    )
    assert resolved.held_actions == review_for(case).held_actions
    assert await store.get_review("acme", case.number) == resolved
    assert await store.pending_reviews("acme") == []

    for again in (ReviewStatus.APPROVED, ReviewStatus.REJECTED, ReviewStatus.EXPIRED):
        with pytest.raises(Conflict):
            await resolve(store, case.number, again, moderator="omar")
    assert (await store.get_review("acme", case.number)) == resolved


async def test_resolve_unknown_or_to_pending_fails(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        await resolve(store, 1, ReviewStatus.APPROVED)
    case = await open_case(store)
    await store.create_review(review_for(case))
    with pytest.raises(ValueError, match="resolved"):
        await store.resolve_review(
            "acme", case.number, status=ReviewStatus.PENDING, moderator="m", note=None, at=T0
        )


async def test_concurrent_resolutions_have_one_winner(store: SqlStore) -> None:
    case = await open_case(store)
    await store.create_review(review_for(case))

    async def attempt(moderator: str, status: ReviewStatus) -> str:
        try:
            await store.resolve_review(
                "acme", case.number, status=status, moderator=moderator, note=None, at=T0
            )
        except Conflict:
            return "conflict"
        return "won"

    outcomes = await asyncio.gather(
        *(attempt(f"m{i}", ReviewStatus.APPROVED if i % 2 else ReviewStatus.REJECTED) for i in range(8))
    )
    assert sorted(outcomes) == ["conflict"] * 7 + ["won"]


async def test_expire_reviews_only_touches_overdue_pending_items(store: SqlStore) -> None:
    overdue = await open_case(store)
    fresh = await open_case(store)
    done = await open_case(store)
    elsewhere = await open_case(store, community="other")
    await store.create_review(review_for(overdue, expires_in=timedelta(hours=1)))
    await store.create_review(review_for(fresh, expires_in=timedelta(hours=48)))
    await store.create_review(review_for(done, expires_in=timedelta(hours=1)))
    await store.create_review(review_for(elsewhere, expires_in=timedelta(hours=1)))
    await store.resolve_review(
        "acme", done.number, status=ReviewStatus.APPROVED, moderator="m", note=None, at=T0
    )

    now = T0 + timedelta(hours=2)
    expired = await store.expire_reviews(now)
    assert [(r.community, r.case_number) for r in expired] == [("acme", overdue.number), ("other", 1)]
    assert all(r.status is ReviewStatus.EXPIRED and r.resolved_at == now for r in expired)
    assert [r.case_number for r in await store.pending_reviews("acme")] == [fresh.number]
    assert await store.expire_reviews(now) == []
    approved = await store.get_review("acme", done.number)
    assert approved is not None
    assert approved.status is ReviewStatus.APPROVED
    stats = await store.stats("acme", T0 - timedelta(hours=1))
    assert stats.reviews_by_status == {"expired": 1, "pending": 1, "approved": 1}
    assert stats.cases_by_type == {"review": 3}


async def test_purge_clears_resolved_excerpts_but_keeps_pending_ones(store: SqlStore) -> None:
    await store.record_message("acme", message("you are all idiots"), lang="en", flagged=True)
    pending = await open_case(store)
    resolved = await open_case(store)
    await store.create_review(review_for(pending))
    await store.create_review(review_for(resolved))
    await store.resolve_review(
        "acme", resolved.number, status=ReviewStatus.REJECTED, moderator="m", note=None, at=T0
    )

    assert await store.purge_text(T0 + timedelta(days=31)) == 2  # one message text, one excerpt
    assert await stored_texts(store) == []
    kept = await store.get_review("acme", pending.number)
    cleared = await store.get_review("acme", resolved.number)
    assert kept is not None
    assert cleared is not None
    assert kept.excerpt == "you are all idiots"
    assert cleared.excerpt == ""
