"""The part of ``ModerationService`` a platform adapter calls (a Protocol, so adapter tests can stub it)."""

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


class ModerationPort(Protocol):
    """What the adapter calls on the core service."""

    def register_gateway(self, gateway: ChatGateway) -> None:
        """Make ``gateway`` the one that executes actions on its platform."""
        ...

    def community_for(self, platform: str, space_id: str) -> str | None:
        """Community owning a chat, or ``None``."""
        ...

    def community_config(self, community: str) -> CommunityConfig:
        """The community's base configuration."""
        ...

    async def handle_message(self, msg: InboundMessage) -> Decision:
        """Moderate one message."""
        ...

    async def handle_join(self, event: MemberJoined) -> None:
        """Greet a newcomer."""
        ...

    async def handle_leave(self, event: MemberLeft) -> None:
        """Record a member leaving."""
        ...

    async def handle_command(self, cmd: ModeratorCommand) -> CommandReply:
        """Run a moderator command (never raises)."""
        ...

    async def handle_button(self, scope: Scope, caller: Actor, verb: str, case_number: int) -> CommandReply:
        """Run a review card button."""
        ...

    def command_help(self) -> list[tuple[str, str]]:
        """Moderator commands with one-line help."""
        ...
