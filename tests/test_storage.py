"""SqlStore on SQLite and PostgreSQL: members, messages, decisions, strikes, pauses, stats, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from moderation.domain import (
    ActionKind,
    Actor,
    Decision,
    InboundMessage,
    MessageMeta,
    Outcome,
    PlannedAction,
    RuleTrace,
    Scope,
)
from moderation.errors import NotFound
from moderation.ports import Store
from moderation.records import CaseType
from moderation.storage import SqlStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TG_CHAT = "-1001234567890"
BIG_USER = "1234567890123456789"
MAX_ID = str(2**63 - 1)


def actor(user_id: str = "42", name: str = "alice", *, platform: str = "telegram") -> Actor:
    return Actor(platform=platform, user_id=user_id, display_name=name)


def message(
    text: str = "hello",
    *,
    user: Actor | None = None,
    message_id: str = "7001",
    at: datetime = T0,
    links: tuple[str, ...] = (),
    community: str = "acme",
) -> InboundMessage:
    author = user or actor()
    scope = Scope(author.platform, community, TG_CHAT, TG_CHAT)
    return InboundMessage(scope, author, message_id, text, at, MessageMeta(links=links))


async def stored_texts(store: SqlStore) -> list[str]:
    query = text("SELECT text FROM messages WHERE text IS NOT NULL ORDER BY id")
    async with store.engine.connect() as conn:
        return list((await conn.execute(query)).scalars())


def delete_and_timeout() -> tuple[PlannedAction, ...]:
    return (
        PlannedAction(ActionKind.DELETE, "toxicity", reason="toxic 0.95"),
        PlannedAction(ActionKind.TIMEOUT, "toxicity", duration=timedelta(minutes=10), reason="toxic"),
    )


def test_sqlstore_satisfies_the_store_protocol() -> None:
    assert issubclass(SqlStore, Store)
    protocol_methods = {
        name for name in vars(Store) if not name.startswith("_") and callable(getattr(Store, name))
    }
    assert protocol_methods <= set(dir(SqlStore))


# --- members ----------------------------------------------------------------------------------------


async def test_touch_member_creates_then_updates(store: SqlStore) -> None:
    joined = T0 - timedelta(days=3)
    first = await store.touch_member("acme", actor(BIG_USER, "Al"), at=T0, joined_at=joined)
    assert (first.user_id, first.display_name, first.joined_at) == (BIG_USER, "Al", joined)
    assert first.first_seen == first.last_seen == T0
    assert first.message_count == 0

    later = T0 + timedelta(hours=1)
    second = await store.touch_member("acme", actor(BIG_USER, "Alice"), at=later)
    assert second.display_name == "Alice"
    assert second.joined_at == joined  # not given: kept
    assert (second.first_seen, second.last_seen) == (T0, later)

    # An out-of-order older event never moves last_seen back.
    third = await store.touch_member("acme", actor(BIG_USER, "Alice"), at=T0 - timedelta(hours=1))
    assert third.last_seen == later
    assert third.first_seen == T0 - timedelta(hours=1)

    assert await store.get_member("acme", "telegram", BIG_USER) == third


async def test_members_are_per_community_and_platform(store: SqlStore) -> None:
    await store.touch_member("acme", actor("5"), at=T0)
    assert await store.get_member("other", "telegram", "5") is None
    assert await store.get_member("acme", "discord", "5") is None
    assert await store.get_member("acme", "telegram", "6") is None


@pytest.mark.parametrize("user_id", [TG_CHAT, BIG_USER, MAX_ID, str(-(2**63)), "0"])
async def test_big_and_negative_ids_round_trip(store: SqlStore, user_id: str) -> None:
    member = await store.touch_member("acme", actor(user_id), at=T0)
    assert member.user_id == user_id
    fetched = await store.get_member("acme", "telegram", user_id)
    assert fetched is not None
    assert fetched.user_id == user_id


async def test_ids_that_are_not_64_bit_integers_are_rejected(store: SqlStore) -> None:
    with pytest.raises(ValueError, match="64-bit"):
        await store.touch_member("acme", actor(str(2**63)), at=T0)
    with pytest.raises(ValueError, match="decimal integer"):
        await store.touch_member("acme", actor("alice"), at=T0)


async def test_times_come_back_aware_utc_whatever_zone_went_in(store: SqlStore) -> None:
    tehran = timezone(timedelta(hours=3, minutes=30))
    local = datetime(2026, 3, 1, 15, 30, tzinfo=tehran)
    member = await store.touch_member("acme", actor(), at=local)
    fetched = await store.get_member("acme", "telegram", "42")
    assert fetched is not None
    assert fetched.first_seen == local
    assert fetched.first_seen.utcoffset() == timedelta(0)
    assert member.first_seen == T0


async def test_record_message_counts_and_keeps_text_only_when_flagged(store: SqlStore) -> None:
    user = Actor("telegram", BIG_USER, "bob", joined_at=T0 - timedelta(days=1))
    first = await store.record_message("acme", message("hi", user=user), lang="en", flagged=False)
    assert first.message_count == 1
    assert first.joined_at == T0 - timedelta(days=1)
    second = await store.record_message(
        "acme",
        message("buy followers", user=user, message_id="7002", at=T0 + timedelta(minutes=1)),
        lang="en",
        flagged=True,
    )
    assert second.message_count == 2
    assert second.last_seen == T0 + timedelta(minutes=1)
    assert await stored_texts(store) == ["buy followers"]


async def test_purge_text_erases_old_text_and_resolved_excerpts(store: SqlStore) -> None:
    await store.record_message("acme", message("old bad", message_id="1", at=T0), lang=None, flagged=True)
    await store.record_message("acme", message("old fine", message_id="2", at=T0), lang=None, flagged=False)
    recent = T0 + timedelta(days=40)
    await store.record_message("acme", message("new bad", message_id="3", at=recent), lang=None, flagged=True)

    cleared = await store.purge_text(T0 + timedelta(days=30))
    assert cleared == 1
    assert await stored_texts(store) == ["new bad"]
    assert await store.purge_text(T0 + timedelta(days=30)) == 0  # idempotent
    # Metadata stays: the purged message still counts.
    assert (await store.stats("acme", T0)).messages == 3


# --- decisions ----------------------------------------------------------------------------------------


async def test_decisions_are_saved_before_acting_and_resumed_until_done(store: SqlStore) -> None:
    traces = (
        RuleTrace("toxicity", True, "act", "toxic 0.95 >= act_at 0.92"),
        RuleTrace("links", False, skipped="paused"),
    )
    acting = Decision(Outcome.ACT, delete_and_timeout(), traces=traces, scores={"toxic": 0.95}, lang="ru")
    ignoring = Decision(Outcome.IGNORE, traces=(RuleTrace("toxicity", False),))
    act_id = await store.save_decision("acme", message(user=actor(BIG_USER)), acting, at=T0)
    ignore_id = await store.save_decision("acme", message(message_id="7002"), ignoring, at=T0)
    none_id = await store.save_decision("acme", None, acting, at=T0)
    assert len({act_id, ignore_id, none_id}) == 3

    # Nothing to run for the ignore decision, so only the acting ones wait.
    assert await store.pending_decisions() == [
        (act_id, "acme", delete_and_timeout()),
        (none_id, "acme", delete_and_timeout()),
    ]
    await store.mark_decision_done(act_id, ["timeout failed: missing_permissions"])
    assert await store.pending_decisions() == [(none_id, "acme", delete_and_timeout())]

    details = await store.decision_details(act_id)
    assert details is not None
    assert details["failures"] == ["timeout failed: missing_permissions"]
    assert details["traces"] == traces
    assert details["scores"] == {"toxic": 0.95}
    assert (details["lang"], details["actions_done"], details["user_id"]) == ("ru", True, int(BIG_USER))
    record = await store.get_decision(act_id)
    assert record is not None
    assert (record.outcome, record.rules, record.user_id, record.channel_id) == (
        "act",
        ("toxicity",),
        BIG_USER,
        TG_CHAT,
    )


async def test_mark_unknown_decision_done_is_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        await store.mark_decision_done(999)


# --- strikes and pauses -------------------------------------------------------------------------------


async def test_strikes_count_within_a_window(store: SqlStore) -> None:
    for days_ago in (10, 6, 2, 0):
        at = T0 - timedelta(days=days_ago)
        await store.add_strike("acme", "telegram", TG_CHAT, at=at, case_number=None)
    await store.add_strike("acme", "discord", TG_CHAT, at=T0, case_number=3)
    await store.add_strike("other", "telegram", TG_CHAT, at=T0, case_number=None)

    assert await store.count_strikes("acme", "telegram", TG_CHAT, since=T0 - timedelta(days=7)) == 3
    assert await store.count_strikes("acme", "telegram", TG_CHAT, since=T0 - timedelta(days=2)) == 2
    assert await store.count_strikes("acme", "telegram", TG_CHAT, since=T0 + timedelta(seconds=1)) == 0
    assert await store.count_strikes("acme", "discord", TG_CHAT, since=T0 - timedelta(days=30)) == 1


async def test_pauses_expire_and_can_be_lifted(store: SqlStore) -> None:
    await store.set_pause("acme", "links", T0 + timedelta(hours=1))
    await store.set_pause("acme", "flood", T0 + timedelta(minutes=5))
    await store.set_pause("other", "links", T0 + timedelta(hours=1))
    assert await store.active_pauses("acme", T0) == {
        "links": T0 + timedelta(hours=1),
        "flood": T0 + timedelta(minutes=5),
    }
    assert await store.active_pauses("acme", T0 + timedelta(minutes=10)) == {"links": T0 + timedelta(hours=1)}

    await store.set_pause("acme", "links", T0 - timedelta(seconds=1))  # lift
    assert await store.active_pauses("acme", T0) == {"flood": T0 + timedelta(minutes=5)}
    assert await store.active_pauses("other", T0) == {"links": T0 + timedelta(hours=1)}


# --- stats -------------------------------------------------------------------------------------------


async def test_stats_count_the_period_of_one_community(store: SqlStore) -> None:
    before = T0 - timedelta(days=2)
    await store.record_message("acme", message(message_id="1", at=before), lang=None, flagged=False)
    for i in range(3):
        await store.record_message("acme", message(message_id=str(10 + i)), lang="en", flagged=i == 0)
    await store.record_message("other", message(community="other"), lang=None, flagged=False)
    await store.touch_member("acme", actor("1"), at=T0, joined_at=T0)
    await store.touch_member("acme", actor("2"), at=T0, joined_at=before)

    await store.save_decision("acme", None, Decision(Outcome.ACT, delete_and_timeout()), at=T0)
    await store.save_decision("acme", None, Decision(Outcome.REVIEW), at=T0)
    await store.save_decision("acme", None, Decision(Outcome.REVIEW), at=T0)
    await store.save_decision("acme", None, Decision(Outcome.ACT), at=before)
    for case_type in (CaseType.DELETE, CaseType.DELETE, CaseType.BAN):
        await store.create_case(
            "acme", case_type=case_type, platform="telegram", user_id="1", user_name="u", rule="r",
            reason="x", moderator="steward", at=T0,
        )  # fmt: skip

    stats = await store.stats("acme", T0 - timedelta(hours=1))
    assert stats.messages == 3
    assert stats.joins == 1
    assert stats.decisions_by_outcome == {"act": 1, "review": 2}
    assert stats.cases_by_type == {"delete": 2, "ban": 1}
    assert stats.reviews_by_status == {}
    assert (await store.stats("acme", T0 + timedelta(hours=1))).messages == 0


# --- hostile text -------------------------------------------------------------------------------------


async def test_any_text_a_member_can_send_is_stored(store: SqlStore) -> None:
    nasty = "a\x00b \u202eevil\u202c \u200bzw \U0001f600 \u0627\u0644\u0633\u0644\u0627\u0645 \ud800!"
    long_text = "x" * 100_000
    user = actor(name="\u202e\x00nimda")
    member = await store.record_message("acme", message(nasty, user=user), lang=None, flagged=True)
    await store.record_message("acme", message(long_text, user=user, message_id="2"), lang=None, flagged=True)
    cleaned = nasty.replace("\x00", "\ufffd").replace("\ud800", "\ufffd")
    assert await stored_texts(store) == [cleaned, long_text]
    assert member.display_name == "\u202e\ufffdnimda"
    case = await store.create_case(
        "acme", case_type=CaseType.WARN, platform="telegram", user_id="42", user_name=nasty, rule="r",
        reason=nasty, moderator="m", at=T0,
    )  # fmt: skip
    await store.add_note("acme", case.number, author="m", text=nasty, at=T0)
    fetched = await store.get_case("acme", case.number)
    assert fetched is not None
    assert (fetched.user_name, fetched.reason, fetched.notes) == (cleaned, cleaned, (f"m: {cleaned}",))
