"""Upgrading a live database: from empty step by step, and from the first release with data in place.

Runs on SQLite and on PostgreSQL (``empty_db_url`` gives a fresh database on each). What ``steward db
upgrade`` does to an operator's database after a new image is pulled.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from alembic.script import ScriptDirectory

from moderation.domain import ActionKind, Actor, Decision, InboundMessage, Outcome, PlannedAction, Scope
from moderation.records import CaseType
from moderation.storage import migrate
from moderation.storage.engine import make_engine
from moderation.storage.store import SqlStore

CHAT = "-1001234567890"
USER = "987654321012345678"  # a Discord-sized id: BigInteger columns are needed on PostgreSQL


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_the_revisions_form_one_chain() -> None:
    found = revisions()
    assert found[0] == "0001"
    assert found[-1] == migrate.head_revision()
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1
    for older, newer in itertools.pairwise(found):
        assert script.get_revision(newer).down_revision == older


async def test_upgrade_from_empty_one_revision_at_a_time(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        assert await migrate.current_revision(engine) is None
        for revision in revisions():
            await migrate.upgrade_engine(engine, revision)
            assert await migrate.current_revision(engine) == revision
        await migrate.upgrade_engine(engine)  # already at head: nothing to do
        assert await migrate.current_revision(engine) == migrate.head_revision()
    finally:
        await engine.dispose()


async def test_upgrade_from_the_first_release_keeps_the_data(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    store = SqlStore(engine)
    at = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    try:
        await migrate.upgrade_engine(engine, "0001")  # a database written by the first release
        scope = Scope("telegram", "acme", CHAT, CHAT)
        author = Actor("telegram", USER, "mallory")
        await store.touch_member("acme", author, at=at, joined_at=at - timedelta(days=3))
        msg = InboundMessage(scope, author, "4242", "buy followers", at)
        decision = Decision(Outcome.ACT, actions=(PlannedAction(ActionKind.DELETE, "spam"),))
        decision_id = await store.save_decision("acme", msg, decision, at=at)
        case = await store.create_case(
            "acme",
            case_type=CaseType.DELETE,
            platform="telegram",
            user_id=USER,
            user_name="mallory",
            rule="spam",
            reason="spam link",
            moderator="steward",
            at=at,
            decision_id=decision_id,
            channel_id=CHAT,
            message_id="4242",
        )
        await store.add_note("acme", case.number, author="mod", text="checked", at=at)

        await migrate.upgrade_engine(engine)  # steward db upgrade after pulling a new image
        assert await migrate.current_revision(engine) == migrate.head_revision()

        member = await store.get_member("acme", "telegram", USER)
        assert member is not None
        assert member.display_name == "mallory"
        again = await store.get_case("acme", case.number)
        assert again is not None
        assert again.user_id == USER
        assert any("checked" in note for note in again.notes)
        pending = await store.pending_decisions()
        assert [(d[0], d[1]) for d in pending] == [(decision_id, "acme")]
        # the tables added since work on the upgraded database
        assert await store.claim_message("telegram", CHAT, "4242", "", at=at)
        assert not await store.claim_message("telegram", CHAT, "4242", "", at=at)
        nxt = await store.create_case(
            "acme",
            case_type=CaseType.WARN,
            platform="telegram",
            user_id=USER,
            user_name="mallory",
            rule="spam",
            reason="again",
            moderator="steward",
            at=at,
        )
        assert nxt.number == case.number + 1  # case numbering continues

        await migrate.downgrade_engine(engine, "0001")  # and a rollback keeps the first release's data
        assert await migrate.current_revision(engine) == "0001"
        assert await store.get_case("acme", case.number) is not None
    finally:
        await store.close()


async def test_message_claims_distinguish_edits_and_are_purged(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    store = SqlStore(engine)
    now = datetime.now(UTC)
    try:
        await migrate.upgrade_engine(engine)
        assert await store.claim_message("discord", "1", USER, "", at=now - timedelta(days=3))
        assert await store.claim_message("discord", "1", USER, "edit-a", at=now)
        assert not await store.claim_message("discord", "1", USER, "edit-a", at=now)
        assert await store.claim_message("discord", "2", USER, "", at=now)  # another guild
        assert await store.purge_claims(now - timedelta(days=2)) == 1
        assert await store.claim_message("discord", "1", USER, "", at=now)  # forgotten after the purge
    finally:
        await store.close()
