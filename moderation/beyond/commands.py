"""Moderator commands of the beyond features: ``/backtest`` (and the appeal verdicts)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol, runtime_checkable

from moderation.beyond.appeal_verdicts import decide_appeal
from moderation.beyond.backtest import format_report, run_backtest
from moderation.beyond.history import HistorySource
from moderation.config.configset import ConfigSet
from moderation.config.loader import load_config_dir
from moderation.domain import CommandReply
from moderation.errors import CommandError, ConfigErrors
from moderation.review.registry import CommandContext, CommandRegistry, UsageError, parse_duration_arg


@runtime_checkable
class LiveConfigs(Protocol):
    """The service's live configuration set."""

    @property
    def configs(self) -> ConfigSet:
        """The configuration in use."""
        ...


async def backtest_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Replay recent decisions through the config files on disk and show what would change."""
    period = parse_duration_arg(args[0]) if args else timedelta(days=7)
    if period <= timedelta(0):
        raise UsageError("The period must be longer than zero.")
    if not isinstance(ctx.store, HistorySource) or not isinstance(ctx.ops, LiveConfigs):
        raise CommandError("Backtests need Steward's SQL database.")
    live = ctx.ops.configs
    try:
        on_disk = await asyncio.to_thread(load_config_dir, live.source_dir)
    except ConfigErrors as exc:
        problem = f"The config files on disk have {len(exc.errors)} error(s); fix them first."
        raise CommandError(problem) from None
    since = ctx.clock.now() - period
    reports = await run_backtest(ctx.store, live, on_disk, since, ctx.community)
    return CommandReply("\n".join(format_report(r) for r in reports), ephemeral=True)


def register(registry: CommandRegistry) -> None:
    """Add the beyond commands to the moderator command registry."""
    registry.command("backtest", "[period, e.g. 7d]", max_args=1, admin=True)(backtest_command)
    registry.command("uphold", "N [note]", min_args=1, max_args=None)(uphold_command)
    registry.command("reduce", "N [duration] [note]", min_args=1, max_args=None)(reduce_command)
    registry.command("lift", "N [note]", min_args=1, max_args=None)(lift_command)


async def uphold_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Uphold an appeal: the decision stands and the member is told."""
    return await decide_appeal(ctx, "uphold", args)


async def reduce_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Reduce an appealed ban or timeout (a timeout ends after the optional duration)."""
    return await decide_appeal(ctx, "reduce", args)


async def lift_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Lift an appealed case: unban or end the timeout, and tell the member."""
    return await decide_appeal(ctx, "lift", args)
