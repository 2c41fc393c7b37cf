"""What a backtest replays: stored decisions with their scores, text (while retained) and verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class HistoryItem:
    """One stored decision on a message, as a backtest sees it.

    Attributes:
        decision_id: The stored decision's id.
        platform: Where the message was posted.
        space_id: Guild or chat id.
        channel_id: Channel id.
        message_id: Message id.
        user_id: Author id.
        at: When it was decided.
        text: The message text if it was flagged and is still within retention, else ``None``.
        lang: Detected language.
        scores: Classifier scores stored with the decision.
        rules: Rules that fired live.
        exempt: The author was exempt (a moderator): not replayed.
        case_number: The review case opened for it, if any.
        verdict: That review's status (``approved``, ``rejected``, ``expired``, ``pending``), if any.
    """

    decision_id: int
    platform: str
    space_id: str
    channel_id: str
    message_id: str
    user_id: str
    at: datetime
    text: str | None
    lang: str | None
    scores: Mapping[str, float] = field(default_factory=dict)
    rules: tuple[str, ...] = ()
    exempt: bool = False
    case_number: int | None = None
    verdict: str | None = None


@runtime_checkable
class HistorySource(Protocol):
    """A store that can list decisions for a backtest (``SqlStore``)."""

    async def decision_history(self, community: str, since: datetime) -> list[HistoryItem]:
        """Decisions on messages since a time, oldest first."""
        ...


@dataclass(frozen=True)
class Verdict:
    """A moderator's verdict on a review opened by a rule: a labelled example while its text is retained.

    Attributes:
        rule: The rule that opened the review.
        approved: ``True`` approved (a true positive), ``False`` rejected (a false positive).
        lang: The message's detected language.
        text: The message text while retained, else ``None``.
        scores: The classifier scores stored with the decision.
        at: When the moderator decided.
        community: The community.
    """

    rule: str
    approved: bool
    lang: str | None
    text: str | None
    scores: Mapping[str, float]
    at: datetime
    community: str = ""


@runtime_checkable
class VerdictSource(Protocol):
    """A store that can list moderators' verdicts (``SqlStore``)."""

    async def review_verdicts(self, community: str | None, since: datetime) -> list[Verdict]:
        """Approved and rejected reviews resolved since a time (``community=None``: all), oldest first."""
        ...
