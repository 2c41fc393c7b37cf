"""The ``/raid`` moderator command: status for moderators; on, off, ban and kick for admins."""

from __future__ import annotations

from collections.abc import Sequence

from moderation.cases import audit, open_action_case
from moderation.domain import ActionKind, CommandReply, PlannedAction
from moderation.errors import CommandError, PermissionDenied
from moderation.raid import RaidGuard
from moderation.review.registry import CommandContext, CommandRegistry, UsageError

VERBS = ("on", "off", "ban", "kick")


def _guard(ctx: CommandContext) -> RaidGuard:
    guard = getattr(ctx.ops, "raid", None)
    if not isinstance(guard, RaidGuard):
        raise CommandError("Raid protection is not available here.")
    return guard


def register(registry: CommandRegistry) -> None:
    """Add ``/raid`` to a command registry."""
    registry.command("raid", "[on|off|ban|kick]", max_args=1)(raid_command)


async def raid_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Show raid mode; admins: /raid on|off, /raid ban|kick removes every joiner of the raid."""
    guard = _guard(ctx)
    verb = args[0].strip().lower() if args else ""
    if not verb:
        raid = guard.active(ctx.community)
        if raid is None:
            return CommandReply("Raid mode is off.")
        return CommandReply(
            f"Raid mode is ON since {raid.started:%H:%M} UTC ({raid.reason}), until {raid.until:%H:%M} UTC; "
            f"{len(raid.joiners)} joiner(s) recorded."
        )
    if verb not in VERBS:
        raise UsageError(f"'{verb[:20]}' is not one of on, off, ban, kick.")
    if ctx.level < ctx.cfg.moderation.admin_level:  # checked now, at call time
        raise PermissionDenied(f"Sorry, /raid {verb} is for admins only.")
    now = ctx.clock.now()
    if verb == "on":
        raid = await guard.switch_on(ctx.community, ctx.cfg, ctx.moderator)
        await audit(ctx.store, ctx.community, None, ctx.moderator, "raid on", raid.reason, now)
        return CommandReply(f"Raid mode is ON until {raid.until:%H:%M} UTC.")
    if verb == "off":
        ended = guard.switch_off(ctx.community)
        if ended is None:
            return CommandReply("Raid mode was not on.")
        detail = f"{len(ended.joiners)} joiner(s) recorded"
        await audit(ctx.store, ctx.community, None, ctx.moderator, "raid off", detail, now)
        return CommandReply(f"Raid mode is off ({detail}).")
    return await _mass_action(ctx, guard, verb)


async def _mass_action(ctx: CommandContext, guard: RaidGuard, verb: str) -> CommandReply:
    if guard.active(ctx.community) is None:
        raise CommandError("Raid mode is not on; there are no raid joiners to act on.")
    reason = f"raid: mass {verb} by {ctx.moderator}"
    done, failures = await guard.mass_action(ctx.community, verb, reason)
    kind = ActionKind.BAN if verb == "ban" else ActionKind.KICK
    action = PlannedAction(kind, "raid", reason=reason)
    for joiner in done:  # one case each, recorded as the moderator's: the audit trail says who
        await open_action_case(
            ctx.store,
            ctx.community,
            action,
            platform=joiner.member.platform,
            user_id=joiner.member.user_id,
            user_name=joiner.name,
            moderator=ctx.moderator,
            at=ctx.clock.now(),
        )
    detail = f"{len(done)} done, {len(failures)} failed"
    await audit(ctx.store, ctx.community, None, ctx.moderator, f"raid {verb}", detail, ctx.clock.now())
    text = f"Raid {verb}: {detail}."
    if failures:
        text += " Failures: " + "; ".join(failures[:5]) + (" …" if len(failures) > 5 else "")
    return CommandReply(text)
