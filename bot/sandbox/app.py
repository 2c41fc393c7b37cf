"""The sandbox console as the runtime starts it: banner, gateway registration, config notices, input loop."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Protocol, TextIO

from bot.sandbox.gateway import SandboxGateway
from bot.sandbox.reader import read_lines
from bot.sandbox.render import BannerInfo, Renderer
from bot.sandbox.session import HELP_LINES, SandboxService, SandboxSession
from bot.sandbox.world import World
from moderation.ports import ChatGateway, Clock


class SandboxHost(SandboxService, Protocol):
    """The service as the sandbox needs it: the handlers plus gateway registration."""

    def register_gateway(self, gateway: ChatGateway) -> None:
        """Make ``gateway`` execute actions on its platform."""
        ...


class SandboxConsole:
    """A console community wired to a moderation service.

    Args:
        service: The moderation service.
        community: The community the console simulates.
        channels: Channel names to create up front (the first one is where you start).
        stdout: Where the console writes.
        clock: Time source for joins, messages and timeouts.
        colour: Force colour on or off (default: only on a terminal).
        first_message_id: The first message id (above those pending reviews of earlier sessions hold).
        reports_dir: Where images for the moderators (the digest chart) are saved.
    """

    def __init__(
        self,
        service: SandboxHost,
        *,
        community: str,
        channels: Sequence[str],
        stdout: TextIO,
        clock: Clock,
        colour: bool | None = None,
        first_message_id: int = 1001,
        reports_dir: Path | None = None,
    ) -> None:
        names = [c.lstrip("#").lower() for c in channels if c.strip("# ")] or ["general"]
        self.world = World(community=community, current_channel=names[0], first_message_id=first_message_id)
        for name in names:
            self.world.channel_id(name)
        self.renderer = Renderer(stdout, colour=colour)
        self.gateway = SandboxGateway(self.world, self.renderer, reports_dir=reports_dir)
        self.session = SandboxSession(service, self.world, self.renderer, clock)
        self.session.seed()
        service.register_gateway(self.gateway)

    def banner(self, *, config_dir: str, database: str, classifier: str) -> None:
        """Print the start banner with the commands."""
        info = BannerInfo(self.world.community, config_dir, database, classifier, list(self.world.channels))
        self.renderer.banner(info, HELP_LINES)

    def config_changed(self, ok: bool, errors: Sequence[str], communities: Sequence[str]) -> None:
        """Tell the console user that the configuration was reloaded, or why an edit was rejected."""
        if ok:
            self.renderer.notice(f"configuration reloaded ({', '.join(communities) or 'no communities'})")
            return
        self.renderer.error("configuration edit rejected; the last good configuration stays live:")
        for error in errors:
            self.renderer.error(f"  {error}")

    async def run(self, stdin: BinaryIO) -> None:
        """Read and handle lines until ``/quit`` or end of input."""
        await self.session.run(read_lines(stdin))
