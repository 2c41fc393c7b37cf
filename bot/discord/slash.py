"""Slash commands mirroring the service's moderator commands, plus members' ``/appeal``, synced per guild."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord import app_commands

from bot.discord import translate
from bot.discord.drain import Drain
from bot.discord.replies import QUICK, answer, refuse
from bot.service_port import ModerationPort as Service
from moderation.domain import ModeratorCommand

log = logging.getLogger(__name__)

DEFAULT_PERMISSIONS = discord.Permissions(manage_messages=True)
"""Who sees the commands by default; server admins can change it, and the level is checked per call."""

Callback = Callable[[discord.Interaction[Any], str | None], Coroutine[Any, Any, None]]


def split_args(text: str | None) -> tuple[str, ...]:
    """Split typed arguments on whitespace, as the other platforms do."""
    return tuple((text or "").split())


async def run_command(
    service: Service,
    interaction: discord.Interaction[Any],
    name: str,
    args: str | None,
    *,
    quick: float = QUICK,
) -> None:
    """Run one slash command through the service; refusals and errors are ephemeral."""
    guild_id = interaction.guild_id
    if guild_id is None:
        await refuse(interaction, "Use this command in a server.")
        return
    community = service.community_for(translate.PLATFORM, str(guild_id))
    if community is None:
        await refuse(interaction, "This server is not set up for Steward.")
        return
    command = ModeratorCommand(
        scope=translate.scope(community, guild_id, interaction.channel or interaction.channel_id),
        caller=translate.actor(interaction.user),
        name=name,
        args=split_args(args),
    )
    await answer(interaction, service.handle_command(command), quick=quick)


RESTARTING = "Steward is restarting; please try again in a moment."


def _callback(service: Service, name: str, quick: float, drain: Drain) -> Callback:
    @app_commands.describe(args="Arguments as in /help, e.g. a case number: 17")
    async def callback(interaction: discord.Interaction[Any], args: str | None = None) -> None:
        async with drain.hold() as accepting:
            if accepting:
                await run_command(service, interaction, name, args, quick=quick)
            else:
                await refuse(interaction, RESTARTING)

    return callback


def build_commands(
    service: Service, *, quick: float = QUICK, drain: Drain | None = None
) -> list[app_commands.Command[Any, ..., None]]:
    """One app command per moderator command in ``service.command_help()``."""
    drain = drain or Drain()
    commands: list[app_commands.Command[Any, ..., None]] = []
    for name, help_text in service.command_help():
        command: app_commands.Command[Any, ..., None] = app_commands.Command(
            name=name, description=(help_text or name)[:100], callback=_callback(service, name, quick, drain)
        )
        command.default_permissions = DEFAULT_PERMISSIONS
        command.guild_only = True
        commands.append(command)
    return commands


def appeal_command(
    service: Service, *, quick: float = QUICK, drain: Drain | None = None
) -> app_commands.Command[Any, ..., None]:
    """``/appeal case why`` for every member (no default permissions); the answer is ephemeral."""
    drain = drain or Drain()

    @app_commands.describe(case="The case number from the notice", why="Why the decision was wrong")
    async def callback(interaction: discord.Interaction[Any], case: int, why: str) -> None:
        async with drain.hold() as accepting:
            if not accepting:
                await refuse(interaction, RESTARTING)
                return
            guild_id = interaction.guild_id
            community = service.community_for(translate.PLATFORM, str(guild_id)) if guild_id else None
            if guild_id is None or community is None:
                await refuse(interaction, "This server is not set up for Steward.")
                return
            command = ModeratorCommand(
                scope=translate.scope(community, guild_id, interaction.channel or interaction.channel_id),
                caller=translate.actor(interaction.user),
                name="appeal",
                args=(str(case), *split_args(why)),
            )
            await answer(interaction, service.handle_command(command), always_ephemeral=True, quick=quick)

    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name="appeal",
        description="Contest a warning, timeout or ban of yours (once per case)",
        callback=callback,
    )
    command.guild_only = True
    return command


def install(
    tree: app_commands.CommandTree[Any], service: Service, *, quick: float = QUICK, drain: Drain | None = None
) -> None:
    """Add the moderator commands and members' ``/appeal`` to a tree (synced later, per guild)."""
    for command in build_commands(service, quick=quick, drain=drain):
        tree.add_command(command, override=True)
    if "appeal" not in {name for name, _ in service.command_help()}:
        tree.add_command(appeal_command(service, quick=quick, drain=drain), override=True)


async def sync_guild(tree: app_commands.CommandTree[Any], guild_id: int) -> int:
    """Copy the commands to one guild and sync them there; return how many were synced."""
    guild = discord.Object(guild_id)
    tree.copy_global_to(guild=guild)
    synced = await tree.sync(guild=guild)
    return len(synced)
