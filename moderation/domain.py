"""Platform-free domain types: events, actors, scopes, decisions and review records."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Scope:
    """Where an event happened.

    Attributes:
        platform: ``discord``, ``telegram`` or ``sandbox``.
        community: The community name from the YAML file (``community:`` key).
        space_id: The Discord guild id or the Telegram chat id.
        channel_id: The channel (Discord channel or thread, Telegram chat or forum topic).
        category_id: The Discord category or parent channel of a thread; Telegram: the chat of a topic.
    """

    platform: str
    community: str
    space_id: str
    channel_id: str
    category_id: str | None = None


@dataclass(frozen=True)
class Actor:
    """A member of a community as the core sees them.

    Attributes:
        platform: Platform of the account.
        user_id: Platform user id as a string.
        display_name: Name shown to others (never trusted for permissions).
        level: Numeric trust level from the ``levels:`` map (0 = ordinary member).
        roles: Platform role ids (Discord roles; Telegram ``admin``/``creator``).
        joined_at: When they joined the community, if known.
        is_bot: Whether the account is a bot.
    """

    platform: str
    user_id: str
    display_name: str
    level: int = 0
    roles: tuple[str, ...] = ()
    joined_at: datetime | None = None
    is_bot: bool = False


@dataclass(frozen=True)
class MessageMeta:
    """Structured facts about a message that the platform already parsed."""

    links: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    reply_to: str | None = None
    reply_to_author: str | None = None
    is_forward: bool = False
    edited: bool = False


@dataclass(frozen=True)
class InboundMessage:
    """A message posted in a community, translated from a platform update."""

    scope: Scope
    author: Actor
    message_id: str
    text: str
    sent_at: datetime
    meta: MessageMeta = field(default_factory=MessageMeta)


@dataclass(frozen=True)
class MemberJoined:
    """A member joined a community."""

    scope: Scope
    member: Actor
    joined_at: datetime


@dataclass(frozen=True)
class MemberLeft:
    """A member left (or was removed from) a community."""

    scope: Scope
    member: Actor
    left_at: datetime


@dataclass(frozen=True)
class MemberRef:
    """Enough to address a member for an action on a platform."""

    platform: str
    space_id: str
    user_id: str


class Outcome(enum.StrEnum):
    """What the engine decided to do with an event."""

    IGNORE = "ignore"
    REPLY = "reply"
    REVIEW = "review"
    ACT = "act"


class ActionKind(enum.StrEnum):
    """Kinds of action a rule can plan."""

    DELETE = "delete"
    REPLY = "reply"
    WARN = "warn"
    TIMEOUT = "timeout"
    KICK = "kick"
    BAN = "ban"
    REVIEW = "review"
    NOTIFY = "notify"


@dataclass(frozen=True)
class PlannedAction:
    """One action a decision asks a gateway to carry out.

    Attributes:
        kind: The action kind.
        rule: Name of the rule that planned it.
        text: Rendered text for replies, warnings and notifications.
        dm: For warnings, whether to send by direct message (falls back to the channel).
        duration: For timeouts, how long.
        delete_message_days: For bans, how many days of messages to remove.
        reason: Short human reason recorded with the action on the platform.
    """

    kind: ActionKind
    rule: str
    text: str | None = None
    dm: bool = False
    duration: timedelta | None = None
    delete_message_days: int = 0
    reason: str = ""


@dataclass(frozen=True)
class RuleTrace:
    """Why a rule fired or did not.

    Attributes:
        rule: Rule name.
        fired: Whether the rule matched.
        band: ``act``, ``review`` or ``None`` when it did not fire.
        reason: A sentence a moderator can read ("toxic 0.94 >= act_at 0.92").
        mode: ``live`` or ``dry_run``.
        skipped: Why the rule was not evaluated (disabled, paused, exempt), if so.
    """

    rule: str
    fired: bool
    band: str | None = None
    reason: str = ""
    mode: str = "live"
    skipped: str | None = None


@dataclass(frozen=True)
class Decision:
    """The engine's verdict on one event.

    Attributes:
        outcome: The strongest outcome across fired rules.
        actions: Actions to execute now (empty in dry run).
        held_actions: Actions held for review (run when a moderator approves).
        traces: One trace per rule considered.
        scores: Classifier probabilities used, by label.
        lang: Detected language, if any.
        dry_run: True when nothing is to be executed.
    """

    outcome: Outcome
    actions: tuple[PlannedAction, ...] = ()
    held_actions: tuple[PlannedAction, ...] = ()
    traces: tuple[RuleTrace, ...] = ()
    scores: Mapping[str, float] = field(default_factory=dict)
    lang: str | None = None
    dry_run: bool = False

    @property
    def fired_rules(self) -> tuple[str, ...]:
        """Names of the rules that fired."""
        return tuple(t.rule for t in self.traces if t.fired)


class ReviewStatus(enum.StrEnum):
    """States of a review item."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


@dataclass(frozen=True)
class ReviewCard:
    """What a platform shows moderators for a pending review.

    Attributes:
        community: Community name.
        case_number: Case number shared across platforms.
        status: Current review status.
        platform: Platform of the flagged message.
        member: The flagged member.
        channel_id: Channel of the flagged message.
        rule: Rule that escalated it.
        reason: Trace reason.
        excerpt: Start of the flagged text (already sanitised for display).
        held_actions: Kinds of actions that approving would run.
        suggested_reply: For FAQ suggestions, the answer a moderator can send.
    """

    community: str
    case_number: int
    status: ReviewStatus
    platform: str
    member: Actor
    channel_id: str
    rule: str
    reason: str
    excerpt: str
    held_actions: tuple[ActionKind, ...] = ()
    suggested_reply: str | None = None


@dataclass(frozen=True)
class CommandReply:
    """A moderator command's answer.

    Attributes:
        text: Plain text to show the caller.
        ephemeral: Show only to the caller where the platform can.
        card: A review card to render with buttons, if the answer is about one case.
    """

    text: str
    ephemeral: bool = False
    card: ReviewCard | None = None


@dataclass(frozen=True)
class ModeratorCommand:
    """A moderator command typed or clicked on any platform.

    Attributes:
        scope: Where it was issued.
        caller: Who issued it (level decides permission at call time).
        name: Command name without the slash (``queue``, ``approve``...).
        args: Positional arguments as typed.
    """

    scope: Scope
    caller: Actor
    name: str
    args: tuple[str, ...] = ()
