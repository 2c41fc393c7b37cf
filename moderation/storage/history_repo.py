"""Decision history for backtests: decisions joined with retained text and review verdicts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from moderation.beyond.history import HistoryItem, Verdict
from moderation.storage import ids
from moderation.storage.base import StoreBase
from moderation.storage.tables import CaseRow, DecisionRow, Message, ReviewItem, table

DECISIONS = table(DecisionRow)
MESSAGES = table(Message)
CASES = table(CaseRow)
REVIEWS = table(ReviewItem)
TEXT_LOOKBACK = timedelta(days=60)
"""Verdicts look for message text this far before the verdict period (reviews expire long before)."""


class HistoryMixin(StoreBase):
    """``decision_history`` and ``review_verdicts`` (not part of the core ``Store`` protocol)."""

    async def decision_history(self, community: str, since: datetime) -> list[HistoryItem]:
        """Decisions on messages since a time, oldest first, with text while retained and verdicts."""
        decisions = (
            select(DECISIONS)
            .where(DECISIONS.c.community == community)
            .where(DECISIONS.c.created_at >= since)
            .where(DECISIONS.c.message_id.is_not(None))
            .order_by(DECISIONS.c.created_at, DECISIONS.c.id)
        )
        texts = (
            select(MESSAGES.c.platform, MESSAGES.c.space_id, MESSAGES.c.message_id, MESSAGES.c.text)
            .where(MESSAGES.c.community == community)
            .where(MESSAGES.c.sent_at >= since)
            .where(MESSAGES.c.text.is_not(None))
        )
        verdicts = (
            select(CASES.c.decision_id, REVIEWS.c.case_number, REVIEWS.c.status)
            .join(
                REVIEWS,
                (REVIEWS.c.community == CASES.c.community) & (REVIEWS.c.case_number == CASES.c.number),
            )
            .where(CASES.c.community == community)
            .where(CASES.c.decision_id.is_not(None))
        )
        async with self._tx() as session:
            rows = (await session.execute(decisions)).all()
            text_rows = (await session.execute(texts)).all()
            verdict_rows = (await session.execute(verdicts)).all()
        text_of = {(r.platform, r.space_id, r.message_id): r.text for r in text_rows}
        verdict_of = {r.decision_id: (r.case_number, r.status) for r in verdict_rows}
        items = []
        for row in rows:
            case_number, verdict = verdict_of.get(row.id, (None, None))
            exempt = any(str(t.get("skipped") or "").startswith("author exempt") for t in row.traces)
            items.append(
                HistoryItem(
                    decision_id=row.id,
                    platform=row.platform or "",
                    space_id=ids.from_db_opt(row.space_id) or "",
                    channel_id=ids.from_db_opt(row.channel_id) or "",
                    message_id=ids.from_db_opt(row.message_id) or "",
                    user_id=ids.from_db_opt(row.user_id) or "",
                    at=row.created_at,
                    text=text_of.get((row.platform, row.space_id, row.message_id)),
                    lang=row.lang,
                    scores=dict(row.scores or {}),
                    rules=tuple(row.rules or ()),
                    exempt=exempt,
                    case_number=case_number,
                    verdict=verdict,
                )
            )
        return items

    async def review_verdicts(self, community: str | None, since: datetime) -> list[Verdict]:
        """Approved and rejected reviews resolved since a time (``community=None``: all), oldest first.

        Appeals are left out; the text is the flagged message's while retained.
        """
        query = (
            select(
                REVIEWS.c.community,
                REVIEWS.c.rule,
                REVIEWS.c.status,
                REVIEWS.c.resolved_at,
                REVIEWS.c.platform,
                REVIEWS.c.space_id,
                REVIEWS.c.message_id,
                DECISIONS.c.lang,
                DECISIONS.c.scores,
            )
            .join(
                CASES,
                (CASES.c.community == REVIEWS.c.community) & (CASES.c.number == REVIEWS.c.case_number),
            )
            .join(DECISIONS, DECISIONS.c.id == CASES.c.decision_id, isouter=True)
            .where(REVIEWS.c.status.in_(("approved", "rejected")))
            .where(REVIEWS.c.rule != "appeal")
            .where(REVIEWS.c.resolved_at >= since)
            .order_by(REVIEWS.c.resolved_at, REVIEWS.c.id)
        )
        if community is not None:
            query = query.where(REVIEWS.c.community == community)
        texts = select(
            MESSAGES.c.platform, MESSAGES.c.space_id, MESSAGES.c.message_id, MESSAGES.c.text
        ).where(MESSAGES.c.text.is_not(None), MESSAGES.c.sent_at >= since - TEXT_LOOKBACK)
        if community is not None:
            texts = texts.where(MESSAGES.c.community == community)
        async with self._tx() as session:
            rows = (await session.execute(query)).all()
            text_of = {
                (r.platform, r.space_id, r.message_id): r.text for r in (await session.execute(texts)).all()
            }
        return [
            Verdict(
                rule=row.rule,
                approved=row.status == "approved",
                lang=row.lang,
                text=text_of.get((row.platform, row.space_id, row.message_id)),
                scores=dict(row.scores or {}),
                at=row.resolved_at,
                community=row.community,
            )
            for row in rows
        ]
