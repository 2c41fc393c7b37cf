"""Explicit registry of moderator commands: specs, argument parsing, permission checks, dispatch."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from moderation.config.schema import CommunityConfig, parse_duration
from moderation.domain import Actor, CommandReply, Decision, PlannedAction, Scope
from moderation.errors import CommandError
from moderation.ports import Clock, Store
from moderation.review.text import excerpt

log = logging.getLogger(__name__)

MAX_CASE_NUMBER = 2**31 - 1


class UsageError(CommandError):
    """A command argument is missing or malformed; the reply adds the usage line."""


class CommandOps(Protocol):
    """What command handlers need from the service beyond the store (gateways, config, dry run)."""

    async def approve_case(
        self,
        community: str,
        number: int,
        caller: Actor,
        note: str | None,
        *,
        extra: Sequence[PlannedAction] = (),
    ) -> CommandReply:
        """Approve a pending review, run its held actions (plus ``extra``) and refresh its cards."""
        ...

    async def reject_case(self, community: str, number: int, caller: Actor, note: str | None) -> CommandReply:
        """Reject a pending review as a false positive and refresh its cards."""
        ...

    async def explain(
        self, community: str, text: str, *, platform: str, channel: str, level: int, lang: str | None = None
    ) -> Decision:
        """Dry-run a text through the effective config."""
        ...

    async def reload_config(self) -> tuple[bool, list[str]]:
        """Reload the configuration; return whether it worked and the errors."""
        ...

    def find_member(self, community: str, name: str) -> tuple[str, str] | None:
        """(platform, user id) of a recently seen member called ``name``, if any."""
        ...


@dataclass(frozen=True)
class CommandContext:
    """Everything a command handler may use.

    Attributes:
        community: The caller's community.
        scope: Where the command was issued.
        caller: Who issued it.
        level: The caller's level, computed from the community's ``levels:`` map.
        cfg: The effective configuration for the caller's scope.
        store: Persistence.
        clock: Time source.
        ops: Service operations (approve, reject, explain, reload).
    """

    community: str
    scope: Scope
    caller: Actor
    level: int
    cfg: CommunityConfig
    store: Store
    clock: Clock
    ops: CommandOps

    @property
    def moderator(self) -> str:
        """The caller as recorded in cases and audit entries."""
        return moderator_name(self.caller)


def moderator_name(actor: Actor) -> str:
    """How a moderator is recorded: display name plus platform id (names can change)."""
    return f"{actor.display_name} ({actor.platform}:{actor.user_id})"


Handler = Callable[[CommandContext, Sequence[str]], Awaitable[CommandReply]]


@dataclass(frozen=True)
class CommandSpec:
    """One moderator command.

    Attributes:
        name: Name without the slash.
        args: Argument synopsis, e.g. ``N [note]``.
        handler: The coroutine; its docstring's first line is the help text.
        min_args: Fewest positional arguments.
        max_args: Most positional arguments (``None``: the rest of the line).
        admin: Needs ``admin_level`` instead of ``moderator_level``.
        hidden: Left out of ``/help`` and menus (button-only verbs).
    """

    name: str
    args: str
    handler: Handler
    min_args: int = 0
    max_args: int | None = 0
    admin: bool = False
    hidden: bool = False

    @property
    def help(self) -> str:
        """One-line help from the handler's docstring."""
        doc = (self.handler.__doc__ or "").strip()
        return doc.splitlines()[0].strip() if doc else self.name

    @property
    def usage(self) -> str:
        """The usage line shown on a missing or wrong argument."""
        return f"Usage: /{self.name} {self.args}".rstrip()


class CommandRegistry:
    """Commands by name, registered explicitly with ``@registry.command(...)``."""

    def __init__(self) -> None:
        self._specs: dict[str, CommandSpec] = {}

    def command(
        self,
        name: str,
        args: str = "",
        *,
        min_args: int = 0,
        max_args: int | None = 0,
        admin: bool = False,
        hidden: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Register the decorated handler under ``name``."""

        def register(handler: Handler) -> Handler:
            if name in self._specs:
                raise ValueError(f"command {name!r} registered twice")
            self._specs[name] = CommandSpec(name, args, handler, min_args, max_args, admin, hidden)
            return handler

        return register

    def get(self, name: str) -> CommandSpec | None:
        """The command called ``name`` (case-insensitive, leading slash allowed), if any."""
        return self._specs.get(name.strip().lstrip("/").split("@", 1)[0].lower())

    def specs(self, *, include_hidden: bool = False) -> list[CommandSpec]:
        """Registered commands in registration order."""
        return [s for s in self._specs.values() if include_hidden or not s.hidden]

    async def dispatch(self, ctx: CommandContext, name: str, args: Sequence[str]) -> CommandReply:
        """Check permission and arguments, run the handler, and turn every error into a reply."""
        spec = self.get(name)
        shown = name.strip().lstrip("/")[:32] or "?"
        if spec is None:
            return CommandReply(f"Unknown command /{shown}. Type /help for the list.", ephemeral=True)
        needed = ctx.cfg.moderation.admin_level if spec.admin else ctx.cfg.moderation.moderator_level
        if ctx.level < needed:
            who = "admins" if spec.admin else "moderators"
            return CommandReply(f"Sorry, /{spec.name} is for {who} only.", ephemeral=True)
        if len(args) < spec.min_args or (spec.max_args is not None and len(args) > spec.max_args):
            problem = "Missing argument." if len(args) < spec.min_args else "Too many arguments."
            return CommandReply(f"{problem} {spec.usage}", ephemeral=True)
        try:
            return await spec.handler(ctx, args)
        except UsageError as exc:
            return CommandReply(f"{exc.user_message} {spec.usage}", ephemeral=True)
        except CommandError as exc:
            return CommandReply(exc.user_message, ephemeral=True)
        except Exception:  # the edge of one command: log, apologise, keep running
            log.exception("command /%s failed", spec.name)
            return CommandReply(
                f"Sorry, /{spec.name} failed unexpectedly; the error was logged.", ephemeral=True
            )


# ---------------------------------------------------------------- argument parsers

_MENTION = re.compile(r"^<@!?(\d{1,20})>$")


def parse_case_number(value: str) -> int:
    """Parse ``17`` or ``#17`` into a case number.

    Raises:
        UsageError: If it is not a positive whole number.
    """
    text = value.strip().lstrip("#")
    if not text.isascii() or not text.isdigit() or int(text) < 1 or int(text) > MAX_CASE_NUMBER:
        raise UsageError(f"'{_shorten(value)}' is not a case number.")
    return int(text)


def parse_duration_arg(value: str) -> timedelta:
    """Parse a duration such as ``30m``, ``2h``, ``7d``.

    Raises:
        UsageError: If it is not a duration.
    """
    try:
        return parse_duration(value.strip())
    except ValueError:
        raise UsageError(f"'{_shorten(value)}' is not a duration (try 30m, 2h or 7d).") from None


def parse_member_arg(value: str) -> tuple[str | None, str | None]:
    """Parse ``123``, ``<@123>``, ``@123`` (ids) or ``@name`` (a display name).

    Returns:
        ``(user_id, None)`` or ``(None, name)``.

    Raises:
        UsageError: If it is neither.
    """
    text = value.strip()
    mention = _MENTION.match(text)
    if mention:
        return mention.group(1), None
    bare = text.removeprefix("@")
    if bare.isascii() and bare.lstrip("-").isdigit() and len(bare) <= 21:
        return bare, None
    if text.startswith("@") and len(bare) >= 1:
        return None, bare
    raise UsageError(f"'{_shorten(value)}' is neither a user id nor an @name.")


def _shorten(value: str, limit: int = 40) -> str:
    return excerpt(value, limit)
