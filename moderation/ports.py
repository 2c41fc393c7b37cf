"""Protocols the outside world implements for the core: gateways, classifier, clock, store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from moderation.domain import (
    Actor,
    Decision,
    InboundMessage,
    MemberRef,
    PlannedAction,
    ReviewCard,
    ReviewStatus,
    Scope,
)
from moderation.records import (
    AuditEntry,
    CaseRecord,
    CaseType,
    MemberRecord,
    ReviewRecord,
    Stats,
)


@runtime_checkable
class ChatGateway(Protocol):
    """What a platform adapter must do for the core. Every method raises ``ActionFailed`` on failure.

    Deleting an already deleted message counts as success (idempotent).
    """

    platform: str

    async def send_message(self, scope: Scope, text: str, *, reply_to: str | None = None) -> str:
        """Post ``text`` in the scope's channel, optionally as a reply; return the new message id."""
        ...

    async def delete_message(self, scope: Scope, message_id: str) -> None:
        """Delete a message."""
        ...

    async def send_direct(self, member: MemberRef, text: str) -> str:
        """Send a direct message; raise ``ActionFailed(reason="dm_closed")`` if impossible."""
        ...

    async def timeout_member(self, member: MemberRef, until: datetime, reason: str) -> None:
        """Mute a member until ``until`` (UTC)."""
        ...

    async def kick_member(self, member: MemberRef, reason: str) -> None:
        """Remove a member who may come back."""
        ...

    async def ban_member(self, member: MemberRef, reason: str, delete_message_days: int = 0) -> None:
        """Ban a member, optionally removing their recent messages."""
        ...

    async def unban_member(self, member: MemberRef, reason: str) -> None:
        """Lift a ban."""
        ...

    async def send_review_card(self, community: str, card: ReviewCard) -> str | None:
        """Post or refresh a review card in the community's moderators' channel.

        Returns:
            The card's message id, or ``None`` when this platform has no moderators' channel.
        """
        ...

    async def notify_moderators(self, community: str, text: str) -> None:
        """Tell the community's moderators something (mod channel/chat); no-op if none configured."""
        ...


@runtime_checkable
class TimeoutLifter(Protocol):
    """Optional gateway capability: end a member's timeout/restriction at once.

    Gateways without it get ``timeout_member(member, now)`` instead (Telegram would stretch that to a
    30-second restriction; Discord ends the timeout).
    """

    async def lift_timeout(self, member: MemberRef, reason: str) -> None:
        """Give a timed-out or restricted member their normal rights back."""
        ...


@runtime_checkable
class ModeratorFileSender(Protocol):
    """Optional gateway capability: post a file (e.g. the digest's PNG chart) to the moderators' channel.

    Gateways without it get the text alone through ``notify_moderators``.
    """

    async def send_moderator_file(
        self, community: str, filename: str, data: bytes, caption: str
    ) -> str | None:
        """Post ``data`` as ``filename`` with ``caption`` in the community's moderators' channel.

        Returns:
            The new message's id, or ``None`` when this platform has no moderators' channel.

        Raises:
            ActionFailed: If the platform refuses.
        """
        ...


@dataclass(frozen=True)
class Classification:
    """A classifier's result for one text.

    Attributes:
        labels: Calibrated probability per label (``toxic``, ``spam``, ``question``, ...).
        lang: Detected language code among the configured ones, or ``None``.
    """

    labels: Mapping[str, float] = field(default_factory=dict)
    lang: str | None = None


@runtime_checkable
class Classifier(Protocol):
    """Scores texts. Implementations batch internally and never block the event loop."""

    @property
    def labels(self) -> frozenset[str]:
        """Labels this classifier produces."""
        ...

    async def classify(self, texts: Sequence[str]) -> list[Classification]:
        """Classify texts, returning one result per input, in order."""
        ...


@dataclass(frozen=True)
class FaqMatch:
    """The best FAQ entry for a question.

    Attributes:
        entry: Name of the FAQ entry (its key in ``faq.entries``).
        score: Similarity in [0, 1].
    """

    entry: str
    score: float


@runtime_checkable
class FaqMatcher(Protocol):
    """Finds the FAQ entry that answers a question (by keywords or by meaning)."""

    async def match(
        self, text: str, lang: str | None, entries: Mapping[str, Sequence[str]]
    ) -> FaqMatch | None:
        """Return the best entry whose question variants match ``text``, or ``None``.

        Args:
            text: The member's message.
            lang: Its detected language, if any.
            entries: Entry name -> all question variants (every language).
        """
        ...


class Clock(Protocol):
    """Time source; tests freeze it."""

    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        return datetime.now(UTC)


@runtime_checkable
class Store(Protocol):
    """Persistence the core needs. Implemented by ``moderation.storage.SqlStore``.

    All methods are async and never block the event loop. Ids are strings in the core and
    BigInteger-safe in the database.
    """

    async def touch_member(
        self, community: str, actor: Actor, *, at: datetime, joined_at: datetime | None = None
    ) -> MemberRecord:
        """Create or update a member (name, last seen, join time if given) and return it."""
        ...

    async def get_member(self, community: str, platform: str, user_id: str) -> MemberRecord | None:
        """Return a member, or ``None`` if never seen."""
        ...

    async def record_message(
        self, community: str, msg: InboundMessage, *, lang: str | None, flagged: bool
    ) -> MemberRecord:
        """Store message metadata (text only when ``flagged``), bump the member's count; return member."""
        ...

    async def save_decision(
        self, community: str, msg: InboundMessage | None, decision: Decision, *, at: datetime
    ) -> int:
        """Persist a decision with its traces before anything runs; return its id."""
        ...

    async def mark_decision_done(self, decision_id: int, failures: Sequence[str] = ()) -> None:
        """Record that a decision's actions ran (with failure descriptions, if any)."""
        ...

    async def pending_decisions(self) -> list[tuple[int, str, tuple[PlannedAction, ...]]]:
        """Decisions whose actions were never marked done (for resuming after a crash)."""
        ...

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
        """Open a case with the next number for the community (atomic) and audit it."""
        ...

    async def get_case(self, community: str, number: int) -> CaseRecord | None:
        """Return a case with its notes, or ``None``."""
        ...

    async def add_note(self, community: str, number: int, *, author: str, text: str, at: datetime) -> None:
        """Attach a moderator note to a case; raise ``NotFound`` if there is no such case."""
        ...

    async def member_cases(
        self, community: str, platform: str | None, user_id: str, *, limit: int = 20
    ) -> list[CaseRecord]:
        """Cases about a member, newest first (``platform=None``: any platform)."""
        ...

    async def audit_trail(self, community: str, number: int) -> list[AuditEntry]:
        """Audit entries of a case, oldest first."""
        ...

    async def add_audit(self, entry: AuditEntry) -> None:
        """Append an audit entry."""
        ...

    async def create_review(self, review: ReviewRecord) -> None:
        """Store a pending review item for an existing case."""
        ...

    async def get_review(self, community: str, case_number: int) -> ReviewRecord | None:
        """Return a review item, or ``None``."""
        ...

    async def pending_reviews(self, community: str, *, limit: int = 20) -> list[ReviewRecord]:
        """Pending reviews, oldest first."""
        ...

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
        """Move a pending review to ``status``; raise ``NotFound`` or ``Conflict`` (not pending)."""
        ...

    async def expire_reviews(self, now: datetime) -> list[ReviewRecord]:
        """Mark every pending review past its expiry as expired; return them."""
        ...

    async def add_strike(
        self, community: str, platform: str, user_id: str, *, at: datetime, case_number: int | None
    ) -> None:
        """Record one strike (a warning) against a member."""
        ...

    async def count_strikes(self, community: str, platform: str, user_id: str, *, since: datetime) -> int:
        """Strikes since a time (decay is the caller's window)."""
        ...

    async def set_pause(self, community: str, rule: str, until: datetime) -> None:
        """Pause a rule until a time (a past time lifts the pause)."""
        ...

    async def active_pauses(self, community: str, now: datetime) -> dict[str, datetime]:
        """Rules paused at ``now``, with their end times."""
        ...

    async def stats(self, community: str, since: datetime) -> Stats:
        """Counts since a time for ``/stats``."""
        ...

    async def purge_text(self, older_than: datetime) -> int:
        """Erase stored message text older than a time; return how many rows were cleared."""
        ...


class DecisionObserver(Protocol):
    """Told about every decision on a message once its actions ran (metrics; must not block or raise)."""

    def decision_made(self, msg: InboundMessage, decision: Decision, failures: Sequence[str]) -> None:
        """One message was judged; ``failures`` describes the actions that failed."""
        ...
