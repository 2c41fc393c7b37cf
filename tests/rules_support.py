"""Builders shared by the rules, triggers, actions and voice tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from moderation.config.schema import CommunityConfig
from moderation.domain import Actor, InboundMessage, MessageMeta, Scope
from moderation.ports import Classification
from moderation.records import MemberRecord
from moderation.rules.engine import MessageContext
from moderation.rules.triggers.base import TriggerContext

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def make_msg(
    text: str,
    *,
    user: str = "1",
    name: str = "alice",
    level: int = 0,
    community: str = "acme",
    channel: str = "200",
    platform: str = "sandbox",
    links: tuple[str, ...] = (),
    mentions: tuple[str, ...] = (),
    joined_at: datetime | None = None,
    at: datetime = T0,
    message_id: str = "m1",
) -> InboundMessage:
    scope = Scope(platform, community, "100", channel)
    author = Actor(platform, user, name, level=level, joined_at=joined_at)
    return InboundMessage(scope, author, message_id, text, at, MessageMeta(links=links, mentions=mentions))


def make_cfg(**partial: Any) -> CommunityConfig:
    data: dict[str, Any] = {"community": "acme", **partial}
    return CommunityConfig.model_validate(data)


def member(count: int = 0, joined_at: datetime | None = None, user: str = "1") -> MemberRecord:
    return MemberRecord("sandbox", "acme", user, "alice", joined_at, T0, T0, count)


def scores(**labels: float) -> Classification:
    return Classification(labels=labels, lang="en")


def tctx(
    msg: InboundMessage,
    *,
    mem: MemberRecord | None = None,
    classification: Classification | None = None,
    now: datetime = T0,
) -> TriggerContext:
    return TriggerContext(msg, mem, classification, now)


def mctx(
    msg: InboundMessage,
    *,
    mem: MemberRecord | None = None,
    classification: Classification | None = None,
    now: datetime | None = None,
    paused: Mapping[str, datetime] | None = None,
    lang: str | None = None,
) -> MessageContext:
    return MessageContext(msg, mem, classification, now or msg.sent_at, paused or {}, lang)
