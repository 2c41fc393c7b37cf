"""What the Discord adapter needs from Steward's moderation service (a narrow, typed view of it)."""

from __future__ import annotations

from typing import Protocol

from moderation.config.schema import CommunityConfig
from moderation.domain import (
    Actor,
    CommandReply,
    Decision,
    InboundMessage,
    MemberJoined,
    MemberLeft,
    ModeratorCommand,
    Scope,
)
from moderation.ports import ChatGateway


class Service(Protocol):
    """The subset of ``moderation.service.ModerationService`` the adapter calls."""

    def register_gateway(self, gateway: ChatGateway) -> None:
        """Make a platform's gateway available for executing decisions."""
        ...

    def community_for(self, platform: str, space_id: str) -> str | None:
        """The community a guild belongs to, or ``None`` if it is not configured."""
        ...

    def community_config(self, community: str) -> CommunityConfig:
        """The community's base configuration."""
        ...

    async def handle_message(self, msg: InboundMessage) -> Decision:
        """Check a message and act on it."""
        ...

    async def handle_join(self, event: MemberJoined) -> None:
        """Greet a newcomer."""
        ...

    async def handle_leave(self, event: MemberLeft) -> None:
        """Record a departure."""
        ...

    async def handle_command(self, cmd: ModeratorCommand) -> CommandReply:
        """Run a moderator command (never raises)."""
        ...

    async def handle_button(self, scope: Scope, caller: Actor, verb: str, case_number: int) -> CommandReply:
        """Run a review card button."""
        ...

    def command_help(self) -> list[tuple[str, str]]:
        """Moderator commands as (name, one-line help)."""
        ...
