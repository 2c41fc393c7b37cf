"""Decisions: written before their actions run, marked done afterwards, resumed after a crash."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from moderation.domain import Decision, InboundMessage, PlannedAction
from moderation.errors import NotFound
from moderation.records import DecisionRecord
from moderation.storage import codec, ids
from moderation.storage.outbox import OutboxMixin
from moderation.storage.tables import DecisionRow, table

DECISIONS = table(DecisionRow)


def decision_record(row: Any) -> DecisionRecord:
    """Build a ``DecisionRecord`` from a ``decisions`` row (ids of message-less decisions are empty)."""
    return DecisionRecord(
        id=row.id,
        community=row.community,
        platform=row.platform or "",
        channel_id=ids.from_db_opt(row.channel_id) or "",
        message_id=ids.from_db_opt(row.message_id) or "",
        user_id=ids.from_db_opt(row.user_id) or "",
        outcome=row.outcome,
        rules=tuple(row.rules),
        created_at=row.created_at,
        actions_done=row.actions_done,
    )


class DecisionsMixin(OutboxMixin):
    """``Store`` methods about decisions (and, through ``OutboxMixin``, their actions' states)."""

    async def save_decision(
        self, community: str, msg: InboundMessage | None, decision: Decision, *, at: datetime
    ) -> int:
        """Persist a decision with its traces before anything runs; return its id.

        A decision with no immediate actions (ignore, dry run, review-only) is stored as already done,
        so :meth:`pending_decisions` only ever returns work that still has to run.
        """
        async with self._tx() as session:
            return await self._save_decision_in(session, community, msg, decision, at=at)

    async def _save_decision_in(
        self,
        session: AsyncSession,
        community: str,
        msg: InboundMessage | None,
        decision: Decision,
        *,
        at: datetime,
    ) -> int:
        """``save_decision`` inside an open transaction."""
        row = DecisionRow(
            community=community,
            platform=msg.scope.platform if msg else None,
            space_id=ids.to_db(msg.scope.space_id) if msg else None,
            channel_id=ids.to_db(msg.scope.channel_id) if msg else None,
            message_id=ids.to_db(msg.message_id) if msg else None,
            user_id=ids.to_db(msg.author.user_id) if msg else None,
            outcome=decision.outcome.value,
            dry_run=decision.dry_run,
            lang=decision.lang,
            rules=list(decision.fired_rules),
            traces=codec.traces_to_json(decision.traces),
            scores={k: float(v) for k, v in decision.scores.items()},
            actions=codec.actions_to_json(decision.actions),
            held_actions=codec.actions_to_json(decision.held_actions),
            actions_done=not decision.actions,
            created_at=at,
            done_at=at if not decision.actions else None,
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        return row.id

    async def mark_decision_done(self, decision_id: int, failures: Sequence[str] = ()) -> None:
        """Record that a decision's actions ran (with failure descriptions, if any).

        Raises:
            NotFound: If there is no such decision.
        """
        stmt = (
            update(DECISIONS)
            .where(DECISIONS.c.id == decision_id)
            .values(actions_done=True, failures=list(failures), done_at=datetime.now(UTC))
            .returning(DECISIONS.c.id)
        )
        async with self._tx() as session:
            if (await session.execute(stmt)).first() is None:
                raise NotFound(f"no decision {decision_id}")

    async def pending_decisions(self) -> list[tuple[int, str, tuple[PlannedAction, ...]]]:
        """Decisions whose actions were never marked done (for resuming after a crash), oldest first."""
        query = (
            select(DECISIONS.c.id, DECISIONS.c.community, DECISIONS.c.actions)
            .where(DECISIONS.c.actions_done.is_(False))
            .order_by(DECISIONS.c.id)
        )
        async with self._tx() as session:
            rows = (await session.execute(query)).all()
        return [(row.id, row.community, codec.actions_from_json(row.actions)) for row in rows]

    async def get_decision(self, decision_id: int) -> DecisionRecord | None:
        """Return a stored decision, or ``None`` (not part of the ``Store`` protocol)."""
        async with self._tx() as session:
            row = (await session.execute(select(DECISIONS).where(DECISIONS.c.id == decision_id))).first()
        return None if row is None else decision_record(row)

    async def decision_details(self, decision_id: int) -> dict[str, Any] | None:
        """Everything stored about a decision, JSON fields decoded (for ``/case`` details and tests)."""
        async with self._tx() as session:
            row = (await session.execute(select(DECISIONS).where(DECISIONS.c.id == decision_id))).first()
        if row is None:
            return None
        data = dict(row._mapping)
        data["traces"] = codec.traces_from_json(row.traces)
        data["actions"] = codec.actions_from_json(row.actions)
        data["held_actions"] = codec.actions_from_json(row.held_actions)
        return data
