"""An in-memory implementation of ``moderation.ports.Store`` (a second store the service tests run on)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from moderation.domain import Actor, Decision, InboundMessage, PlannedAction, ReviewStatus
from moderation.errors import Conflict, NotFound
from moderation.records import AuditEntry, CaseRecord, CaseType, MemberRecord, ReviewRecord, Stats


@dataclasses.dataclass
class StoredMessage:
    community: str
    platform: str
    channel_id: str
    message_id: str
    user_id: str
    text: str | None
    lang: str | None
    flagged: bool
    at: datetime


@dataclasses.dataclass
class StoredDecision:
    id: int
    community: str
    msg: InboundMessage | None
    decision: Decision
    at: datetime
    done: bool = False
    failures: tuple[str, ...] = ()


class MemoryStore:
    """Everything in dicts; behaves like SqlStore for the core's purposes."""

    def __init__(self) -> None:
        self.members: dict[tuple[str, str, str], MemberRecord] = {}
        self.messages: list[StoredMessage] = []
        self.decisions: list[StoredDecision] = []
        self.cases: dict[tuple[str, int], CaseRecord] = {}
        self.audit: list[AuditEntry] = []
        self.reviews: dict[tuple[str, int], ReviewRecord] = {}
        self.strikes: list[tuple[str, str, str, datetime, int | None]] = []
        self.pauses: dict[tuple[str, str], datetime] = {}
        self.joins: list[tuple[str, datetime]] = []

    async def touch_member(
        self, community: str, actor: Actor, *, at: datetime, joined_at: datetime | None = None
    ) -> MemberRecord:
        key = (community, actor.platform, actor.user_id)
        old = self.members.get(key)
        if old is None:
            record = MemberRecord(
                platform=actor.platform,
                community=community,
                user_id=actor.user_id,
                display_name=actor.display_name,
                joined_at=joined_at,
                first_seen=at,
                last_seen=at,
            )
        else:
            record = dataclasses.replace(
                old, display_name=actor.display_name, last_seen=at, joined_at=joined_at or old.joined_at
            )
        if joined_at is not None:
            self.joins.append((community, joined_at))
        self.members[key] = record
        return record

    async def get_member(self, community: str, platform: str, user_id: str) -> MemberRecord | None:
        return self.members.get((community, platform, user_id))

    async def record_message(
        self, community: str, msg: InboundMessage, *, lang: str | None, flagged: bool
    ) -> MemberRecord:
        member = await self.touch_member(community, msg.author, at=msg.sent_at)
        member = dataclasses.replace(member, message_count=member.message_count + 1)
        self.members[(community, msg.author.platform, msg.author.user_id)] = member
        self.messages.append(
            StoredMessage(
                community,
                msg.scope.platform,
                msg.scope.channel_id,
                msg.message_id,
                msg.author.user_id,
                msg.text if flagged else None,
                lang,
                flagged,
                msg.sent_at,
            )
        )
        return member

    async def save_decision(
        self, community: str, msg: InboundMessage | None, decision: Decision, *, at: datetime
    ) -> int:
        stored = StoredDecision(len(self.decisions) + 1, community, msg, decision, at)
        self.decisions.append(stored)
        return stored.id

    async def mark_decision_done(self, decision_id: int, failures: Sequence[str] = ()) -> None:
        stored = self.decisions[decision_id - 1]
        stored.done = True
        stored.failures = tuple(failures)

    async def pending_decisions(self) -> list[tuple[int, str, tuple[PlannedAction, ...]]]:
        return [(d.id, d.community, d.decision.actions) for d in self.decisions if not d.done]

    async def create_case(
        self,
        community: str,
        *,
        case_type: CaseType,
        platform: str,
        user_id: str,
        user_name: str,
        rule: str,
        reason: str,
        moderator: str,
        at: datetime,
        decision_id: int | None = None,
        channel_id: str | None = None,
        message_id: str | None = None,
    ) -> CaseRecord:
        number = 1 + max((n for c, n in self.cases if c == community), default=0)
        case = CaseRecord(
            community, number, case_type, platform, user_id, user_name, rule, reason, moderator, at,
            decision_id, channel_id, message_id,
        )  # fmt: skip
        self.cases[(community, number)] = case
        self.audit.append(AuditEntry(community, number, at, moderator, f"opened {case_type}", reason))
        return case

    async def get_case(self, community: str, number: int) -> CaseRecord | None:
        return self.cases.get((community, number))

    async def add_note(self, community: str, number: int, *, author: str, text: str, at: datetime) -> None:
        case = self.cases.get((community, number))
        if case is None:
            raise NotFound(f"no case {number}")
        self.cases[(community, number)] = dataclasses.replace(case, notes=(*case.notes, f"{author}: {text}"))

    async def member_cases(
        self, community: str, platform: str | None, user_id: str, *, limit: int = 20
    ) -> list[CaseRecord]:
        found = [
            c
            for (comm, _), c in self.cases.items()
            if comm == community and c.user_id == user_id and (platform is None or c.platform == platform)
        ]
        return sorted(found, key=lambda c: c.number, reverse=True)[:limit]

    async def audit_trail(self, community: str, number: int) -> list[AuditEntry]:
        return [e for e in self.audit if e.community == community and e.case_number == number]

    async def add_audit(self, entry: AuditEntry) -> None:
        self.audit.append(entry)

    async def create_review(self, review: ReviewRecord) -> None:
        self.reviews[(review.community, review.case_number)] = review

    async def get_review(self, community: str, case_number: int) -> ReviewRecord | None:
        return self.reviews.get((community, case_number))

    async def pending_reviews(self, community: str, *, limit: int = 20) -> list[ReviewRecord]:
        found = [
            r for r in self.reviews.values() if r.community == community and r.status is ReviewStatus.PENDING
        ]
        return sorted(found, key=lambda r: (r.created_at, r.case_number))[:limit]

    async def resolve_review(
        self,
        community: str,
        case_number: int,
        *,
        status: ReviewStatus,
        moderator: str,
        note: str | None,
        at: datetime,
    ) -> ReviewRecord:
        review = self.reviews.get((community, case_number))
        if review is None:
            raise NotFound(f"no review {case_number}")
        if review.status is not ReviewStatus.PENDING:
            raise Conflict(f"review {case_number} is {review.status}")
        review = dataclasses.replace(review, status=status, resolved_by=moderator, resolved_at=at, note=note)
        self.reviews[(community, case_number)] = review
        return review

    async def expire_reviews(self, now: datetime) -> list[ReviewRecord]:
        expired = []
        for key, review in list(self.reviews.items()):
            if review.status is ReviewStatus.PENDING and review.expires_at <= now:
                review = dataclasses.replace(review, status=ReviewStatus.EXPIRED, resolved_at=now)
                self.reviews[key] = review
                expired.append(review)
        return expired

    async def add_strike(
        self, community: str, platform: str, user_id: str, *, at: datetime, case_number: int | None
    ) -> None:
        self.strikes.append((community, platform, user_id, at, case_number))

    async def count_strikes(self, community: str, platform: str, user_id: str, *, since: datetime) -> int:
        return sum(
            1
            for c, p, u, at, _ in self.strikes
            if (c, p, u) == (community, platform, user_id) and at >= since
        )

    async def set_pause(self, community: str, rule: str, until: datetime) -> None:
        self.pauses[(community, rule)] = until

    async def active_pauses(self, community: str, now: datetime) -> dict[str, datetime]:
        return {rule: until for (c, rule), until in self.pauses.items() if c == community and until > now}

    async def stats(self, community: str, since: datetime) -> Stats:
        return Stats(
            messages=sum(1 for m in self.messages if m.community == community and m.at >= since),
            decisions_by_outcome=dict(
                Counter(
                    str(d.decision.outcome)
                    for d in self.decisions
                    if d.community == community and d.at >= since
                )
            ),
            cases_by_type=dict(
                Counter(
                    str(c.case_type)
                    for c in self.cases.values()
                    if c.community == community and c.created_at >= since
                )
            ),
            reviews_by_status=dict(
                Counter(
                    str(r.status)
                    for r in self.reviews.values()
                    if r.community == community and r.created_at >= since
                )
            ),
            joins=sum(1 for c, at in self.joins if c == community and at >= since),
        )

    async def purge_text(self, older_than: datetime) -> int:
        cleared = 0
        for m in self.messages:
            if m.text is not None and m.at < older_than:
                m.text = None
                cleared += 1
        return cleared
