"""Importable test doubles for the core: a recording gateway, a scripted classifier, a frozen clock."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from moderation.domain import MemberRef, ReviewCard, Scope
from moderation.errors import ActionFailed
from moderation.ports import Classification


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | float) -> None:
        self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)


@dataclass
class GatewayCall:
    """One call a RecordingGateway received."""

    method: str
    args: dict[str, object]


@dataclass
class RecordingGateway:
    """A ChatGateway that records every call; ``fail`` makes chosen methods raise ``ActionFailed``."""

    platform: str = "sandbox"
    calls: list[GatewayCall] = field(default_factory=list)
    fail: dict[str, ActionFailed] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def _record(self, method: str, **args: object) -> None:
        self.calls.append(GatewayCall(method, args))
        if method in self.fail:
            raise self.fail[method]

    def named(self, method: str) -> list[GatewayCall]:
        """Calls of one method, in order."""
        return [c for c in self.calls if c.method == method]

    async def send_message(self, scope: Scope, text: str, *, reply_to: str | None = None) -> str:
        self._record("send_message", scope=scope, text=text, reply_to=reply_to)
        return str(next(self._ids))

    async def delete_message(self, scope: Scope, message_id: str) -> None:
        self._record("delete_message", scope=scope, message_id=message_id)

    async def send_direct(self, member: MemberRef, text: str) -> str:
        self._record("send_direct", member=member, text=text)
        return str(next(self._ids))

    async def timeout_member(self, member: MemberRef, until: datetime, reason: str) -> None:
        self._record("timeout_member", member=member, until=until, reason=reason)

    async def kick_member(self, member: MemberRef, reason: str) -> None:
        self._record("kick_member", member=member, reason=reason)

    async def ban_member(self, member: MemberRef, reason: str, delete_message_days: int = 0) -> None:
        self._record("ban_member", member=member, reason=reason, delete_message_days=delete_message_days)

    async def unban_member(self, member: MemberRef, reason: str) -> None:
        self._record("unban_member", member=member, reason=reason)

    async def send_review_card(self, community: str, card: ReviewCard) -> str | None:
        self._record("send_review_card", community=community, card=card)
        return str(next(self._ids))

    async def notify_moderators(self, community: str, text: str) -> None:
        self._record("notify_moderators", community=community, text=text)


class ScriptedClassifier:
    """A classifier whose scores come from a function or a table of substrings -> scores."""

    def __init__(
        self,
        table: Mapping[str, Mapping[str, float]] | None = None,
        *,
        fn: Callable[[str], Classification] | None = None,
        labels: Sequence[str] = ("toxic", "spam", "question"),
    ) -> None:
        self._table = dict(table or {})
        self._fn = fn
        self._labels = frozenset(labels)
        self.batches: list[list[str]] = []

    @property
    def labels(self) -> frozenset[str]:
        return self._labels

    def _one(self, text: str) -> Classification:
        if self._fn is not None:
            return self._fn(text)
        scores = dict.fromkeys(self._labels, 0.0)
        for needle, values in self._table.items():
            if needle.lower() in text.lower():
                scores.update(values)
        return Classification(labels=scores, lang="en")

    async def classify(self, texts: Sequence[str]) -> list[Classification]:
        self.batches.append(list(texts))
        return [self._one(t) for t in texts]
