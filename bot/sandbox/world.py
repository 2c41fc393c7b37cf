"""The sandbox community's state: channels, members, posted messages and their numeric ids."""

from __future__ import annotations

import itertools
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime

from moderation.domain import Actor, MemberRef, Scope

PLATFORM = "sandbox"
SPACE_ID = "1"
MAX_REMEMBERED = 10_000
"""Messages the sandbox remembers (for deletions, replies and edits); older ones are forgotten."""
ROLE_MEMBERS: dict[str, tuple[str, ...]] = {"mod": ("mod",), "admin": ("admin",)}
"""Names that carry a sandbox role token (map them to levels with ``sandbox:mod`` / ``sandbox:admin``)."""
RIGHTS: dict[str, str] = {
    "reply": "send_messages",
    "delete": "delete_messages",
    "dm": "send_messages",
    "timeout": "restrict_members",
    "kick": "ban_members",
    "ban": "ban_members",
    "unban": "ban_members",
}
"""The right each gateway action needs; ``/deny ACTION`` makes the sandbox refuse it for a missing right."""


@dataclass
class Member:
    """A sandbox member."""

    actor: Actor
    present: bool = True
    banned: bool = False
    muted_until: datetime | None = None
    dms_closed: bool = False

    @property
    def name(self) -> str:
        """The member's name."""
        return self.actor.display_name


@dataclass
class Posted:
    """A message shown in the sandbox (by a member or by Steward)."""

    message_id: str
    channel_id: str
    author: str
    text: str
    deleted: bool = False


@dataclass
class World:
    """Everything the sandbox community remembers while it runs.

    Ids are numeric strings like on the real platforms: channels from 100 in the configured order,
    members a stable 5-digit number per name, messages from ``first_message_id`` (the runtime starts
    above every message a pending review still points at, so approving an old review never hits a new
    message).
    """

    community: str
    channels: dict[str, str] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    messages: dict[str, Posted] = field(default_factory=dict)
    current_channel: str = "general"
    current_actor: str = "you"
    refused: set[str] = field(default_factory=set)
    """Actions Steward lacks the right for, as a platform would refuse them (``delete``, ``timeout``...)."""
    _channel_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))
    first_message_id: int = 1001
    _message_ids: itertools.count[int] = field(init=False)

    def __post_init__(self) -> None:
        self._message_ids = itertools.count(self.first_message_id)

    def channel_id(self, name: str) -> str:
        """The id of channel ``name``, creating the channel on first use."""
        if name not in self.channels:
            self.channels[name] = str(next(self._channel_ids))
        return self.channels[name]

    def channel_name(self, channel_id: str) -> str:
        """The name of a channel id (the id itself if unknown)."""
        for name, cid in self.channels.items():
            if cid == channel_id:
                return name
        return channel_id

    def readable(self, text: str) -> str:
        """Steward's text with sandbox channel ids shown as ``#name`` (what a platform's mention shows)."""
        if not self.channels:
            return text
        ids = "|".join(re.escape(cid) for cid in sorted(self.channels.values(), key=len, reverse=True))
        names = {cid: name for name, cid in self.channels.items()}
        return re.sub(rf"(?<![\w#.:/-])({ids})(?![\w:/-]|\.\w)", lambda m: f"#{names[m.group(1)]}", text)

    def scope(self, channel: str | None = None) -> Scope:
        """The scope of a channel (default: the current one)."""
        return Scope(PLATFORM, self.community, SPACE_ID, self.channel_id(channel or self.current_channel))

    def member_ref(self, member: Member) -> MemberRef:
        """How gateways address a member."""
        return MemberRef(PLATFORM, SPACE_ID, member.actor.user_id)

    def user_id_for(self, name: str) -> str:
        """A stable id for a name (the same in every session, so strikes and history carry over)."""
        taken = {m.actor.user_id for m in self.members.values()}
        number = 10000 + zlib.crc32(name.encode()) % 90000
        while str(number) in taken:  # a rare clash of two names: take the next free id
            number = 10000 + (number - 10000 + 1) % 90000
        return str(number)

    def add_member(self, name: str, at: datetime) -> Member:
        """Create a member with its stable id (role tokens for ``mod`` and ``admin``)."""
        actor = Actor(
            platform=PLATFORM,
            user_id=self.user_id_for(name),
            display_name=name,
            roles=ROLE_MEMBERS.get(name, ()),
            joined_at=at,
        )
        member = Member(actor)
        self.members[name] = member
        return member

    def by_id(self, user_id: str) -> Member | None:
        """The member with a user id, if any."""
        for member in self.members.values():
            if member.actor.user_id == user_id:
                return member
        return None

    def post(self, channel_id: str, author: str, text: str) -> Posted:
        """Record a new message with the next id."""
        posted = Posted(str(next(self._message_ids)), channel_id, author, text)
        self.messages[posted.message_id] = posted
        if len(self.messages) > MAX_REMEMBERED:  # a long piped session must not grow without bound
            del self.messages[next(iter(self.messages))]
        return posted
