"""The action outbox's storage: per-action states and the unfinished decisions to resume."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from moderation.outbox_types import ActionState, ActionStatus, UnfinishedDecision
from moderation.storage import codec, ids
from moderation.storage.base import StoreBase
from moderation.storage.claims import CLAIMS
from moderation.storage.outbox_tables import ActionStateRow
from moderation.storage.tables import DecisionRow, Member, Message, table

STATES = table(ActionStateRow)
DECISIONS = table(DecisionRow)
MEMBERS = table(Member)
MESSAGES = table(Message)


def _state(row: Any) -> ActionState:
    return ActionState(
        seq=row.seq,
        kind=row.kind,
        status=ActionStatus(row.status),
        attempts=row.attempts,
        error=row.error,
        result_message_id=ids.from_db_opt(row.result_message_id),
    )


class OutboxMixin(StoreBase):
    """``OutboxStore`` methods."""

    async def set_action_state(self, decision_id: int, state: ActionState, *, at: datetime) -> None:
        """Create or replace the state of one action of a decision."""
        values = {
            "decision_id": decision_id,
            "seq": state.seq,
            "kind": state.kind,
            "status": state.status.value,
            "attempts": state.attempts,
            "error": state.error,
            "result_message_id": ids.to_db_opt(state.result_message_id),
            "updated_at": at,
        }
        stmt = self._upsert(STATES, values)
        keep = {k: stmt.excluded[k] for k in values if k not in ("decision_id", "seq")}
        upsert = stmt.on_conflict_do_update(index_elements=[STATES.c.decision_id, STATES.c.seq], set_=keep)
        async with self._tx() as session:
            await session.execute(upsert)

    async def has_decision(self, platform: str, space_id: str, message_id: str) -> bool:
        """Whether a decision about this message is stored already (a redelivered update)."""
        query = (
            select(DECISIONS.c.id)
            .where(
                DECISIONS.c.platform == platform,
                DECISIONS.c.space_id == ids.to_db(space_id),
                DECISIONS.c.message_id == ids.to_db(message_id),
            )
            .limit(1)
        )
        async with self._tx() as session:
            return (await session.execute(query)).first() is not None

    async def take_over_claim(
        self,
        platform: str,
        space_id: str,
        message_id: str,
        version: str,
        *,
        at: datetime,
        claimed_before: datetime,
    ) -> bool:
        """Take over a claim made before ``claimed_before`` for a message still without a decision.

        Its claimer died between claiming and deciding (killed, crashed); the message would otherwise
        never be decided. Returns whether this process now holds the claim.
        """
        space, message = ids.to_db(space_id), ids.to_db(message_id)
        decided = (
            select(DECISIONS.c.id)
            .where(
                DECISIONS.c.platform == platform,
                DECISIONS.c.space_id == space,
                DECISIONS.c.message_id == message,
            )
            .exists()
        )
        stmt = (
            update(CLAIMS)
            .where(
                CLAIMS.c.platform == platform,
                CLAIMS.c.space_id == space,
                CLAIMS.c.message_id == message,
                CLAIMS.c.version == version,
                CLAIMS.c.claimed_at < claimed_before,
                ~decided,
            )
            .values(claimed_at=at)
            .returning(CLAIMS.c.message_id)
        )
        async with self._tx() as session:
            return (await session.execute(stmt)).first() is not None

    async def action_states(self, decision_id: int) -> dict[int, ActionState]:
        """States of a decision's actions by ``seq``."""
        query = select(STATES).where(STATES.c.decision_id == decision_id)
        async with self._tx() as session:
            rows = (await session.execute(query)).all()
        return {row.seq: _state(row) for row in rows}

    async def unfinished_decisions(
        self, *, created_before: datetime | None = None, limit: int = 500
    ) -> list[UnfinishedDecision]:
        """Decisions not marked done (oldest first), with their action states, names and flagged text."""
        query = select(DECISIONS).where(DECISIONS.c.actions_done.is_(False))
        if created_before is not None:
            query = query.where(DECISIONS.c.created_at < created_before)
        query = query.order_by(DECISIONS.c.id).limit(limit)
        async with self._tx() as session:
            rows = (await session.execute(query)).all()
            found = []
            for row in rows:
                found.append(await self._unfinished(session, row))
        return found

    async def _unfinished(self, session: Any, row: Any) -> UnfinishedDecision:
        states = (await session.execute(select(STATES).where(STATES.c.decision_id == row.id))).all()
        name = text = None
        if row.platform is not None and row.user_id is not None:
            name = (
                await session.execute(
                    select(MEMBERS.c.display_name).where(
                        MEMBERS.c.community == row.community,
                        MEMBERS.c.platform == row.platform,
                        MEMBERS.c.user_id == row.user_id,
                    )
                )
            ).scalar_one_or_none()
        if row.platform is not None and row.message_id is not None:
            text = (
                await session.execute(
                    select(MESSAGES.c.text)
                    .where(
                        MESSAGES.c.community == row.community,
                        MESSAGES.c.platform == row.platform,
                        MESSAGES.c.message_id == row.message_id,
                    )
                    .order_by(MESSAGES.c.id.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
        return UnfinishedDecision(
            id=row.id,
            community=row.community,
            platform=row.platform or "",
            space_id=ids.from_db_opt(row.space_id) or "",
            channel_id=ids.from_db_opt(row.channel_id) or "",
            message_id=ids.from_db_opt(row.message_id) or "",
            user_id=ids.from_db_opt(row.user_id) or "",
            outcome=row.outcome,
            actions=codec.actions_from_json(row.actions),
            held_actions=codec.actions_from_json(row.held_actions),
            traces=codec.traces_from_json(row.traces),
            created_at=row.created_at,
            states={s.seq: _state(s) for s in states},
            user_name=name or "",
            text=text or "",
        )
