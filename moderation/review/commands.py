"""Platform-neutral moderator commands; each handler's docstring is its help text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from moderation import raid_commands
from moderation.beyond import commands as beyond_commands
from moderation.beyond.appeal_verdicts import appeal_card_verdict
from moderation.beyond.stats import false_positive_lines
from moderation.cases import audit, format_case, format_case_line
from moderation.domain import ActionKind, CommandReply, Decision, PlannedAction
from moderation.errors import CommandError
from moderation.manager import commands as manager_commands
from moderation.review.queue import review_card
from moderation.review.registry import (
    CommandContext,
    CommandRegistry,
    UsageError,
    parse_case_number,
    parse_duration_arg,
    parse_member_arg,
)
from moderation.review.text import excerpt

REGISTRY = CommandRegistry()
"""The moderator commands, in the order ``/help`` lists them."""


def _note(args: Sequence[str]) -> str | None:
    text = " ".join(args).strip()
    return excerpt(text, 1000) if text else None


@REGISTRY.command("help")
async def help_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """List the moderator commands."""
    lines = ["Moderator commands:"]
    for spec in REGISTRY.specs():
        admin = " (admin)" if spec.admin else ""
        lines.append(f"/{spec.name} {spec.args}".rstrip() + f" — {spec.help}{admin}")
    return CommandReply("\n".join(lines), ephemeral=True)


@REGISTRY.command("queue")
async def queue_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Show the pending reviews, oldest first."""
    pending = await ctx.store.pending_reviews(ctx.community, limit=20)
    if not pending:
        return CommandReply("The review queue is empty.")
    now = ctx.clock.now()
    lines = [f"{len(pending)} pending review(s):"]
    for review in pending:
        left = max(timedelta(0), review.expires_at - now)
        hours = int(left.total_seconds() // 3600)
        lines.append(
            f"#{review.case_number} {review.rule} · {review.user_name} on {review.platform} · "
            f"expires in {hours}h · {excerpt(review.excerpt, 80)}"
        )
    lines.append("Use /case N for details, /approve N or /reject N.")
    return CommandReply("\n".join(lines))


@REGISTRY.command("case", "N", min_args=1, max_args=1)
async def case_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Show a case with its review state, notes and audit trail."""
    number = parse_case_number(args[0])
    case = await ctx.store.get_case(ctx.community, number)
    if case is None:
        raise CommandError(f"There is no case #{number} in this community.")
    review = await ctx.store.get_review(ctx.community, number)
    trail = await ctx.store.audit_trail(ctx.community, number)
    card = review_card(review) if review is not None else None
    return CommandReply(format_case(case, trail, review), card=card)


@REGISTRY.command("approve", "N [note]", min_args=1, max_args=None)
async def approve_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Approve a pending review and run the actions it holds."""
    number = parse_case_number(args[0])
    if (appeal := await appeal_card_verdict(ctx, "approve", args)) is not None:
        return appeal  # an appeal's card: approving lifts the appealed case
    return await ctx.ops.approve_case(ctx.community, number, ctx.caller, _note(args[1:]))


@REGISTRY.command("reject", "N [note]", min_args=1, max_args=None)
async def reject_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Reject a pending review: nothing runs, it is recorded as a false positive."""
    number = parse_case_number(args[0])
    if (appeal := await appeal_card_verdict(ctx, "reject", args)) is not None:
        return appeal  # an appeal's card: rejecting upholds the appealed case
    return await ctx.ops.reject_case(ctx.community, number, ctx.caller, _note(args[1:]))


@REGISTRY.command("ban", "N [note]", min_args=1, max_args=None, hidden=True)
async def ban_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Approve a pending review and ban the member as well."""
    number = parse_case_number(args[0])
    ban = PlannedAction(ActionKind.BAN, rule="moderator", reason=f"ban from review #{number}")
    return await ctx.ops.approve_case(ctx.community, number, ctx.caller, _note(args[1:]), extra=(ban,))


@REGISTRY.command("note", "N text", min_args=2, max_args=None)
async def note_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Attach a note to a case."""
    number = parse_case_number(args[0])
    text = _note(args[1:])
    if not text:
        raise UsageError("The note is empty.")
    if await ctx.store.get_case(ctx.community, number) is None:
        raise CommandError(f"There is no case #{number} in this community.")
    now = ctx.clock.now()
    await ctx.store.add_note(ctx.community, number, author=ctx.moderator, text=text, at=now)
    await audit(ctx.store, ctx.community, number, ctx.moderator, "note", text, now)
    return CommandReply(f"Noted on case #{number}.")


@REGISTRY.command("history", "<user id or @name>", min_args=1, max_args=1)
async def history_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Show a member's cases, newest first."""
    user_id, name = parse_member_arg(args[0])
    platform = ctx.scope.platform
    if user_id is None:
        found = ctx.ops.find_member(ctx.community, name or "")
        if found is None:
            raise CommandError(
                f"I haven't seen anyone called @{excerpt(name or '', 40)} lately; use their id or a mention."
            )
        platform, user_id = found
    member = await ctx.store.get_member(ctx.community, platform, user_id)
    cases = await ctx.store.member_cases(ctx.community, None, user_id, limit=20)
    head = f"History of {user_id}"
    if member is not None:
        head = f"History of {member.display_name} ({user_id}): {member.message_count} message(s)"
        if member.joined_at is not None:
            head += f", joined {member.joined_at.strftime('%Y-%m-%d')}"
    if not cases:
        return CommandReply(f"{head}\nNo cases.")
    return CommandReply("\n".join([head, *(format_case_line(c) for c in cases)]))


@REGISTRY.command("explain", "<text>", min_args=1, max_args=None)
async def explain_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Dry-run a text here as an ordinary member and say which rules would fire and why."""
    text = " ".join(args)
    decision = await ctx.ops.explain(
        ctx.community, text, platform=ctx.scope.platform, channel=ctx.scope.channel_id, level=0
    )
    return CommandReply(format_decision(decision), ephemeral=True)


def format_decision(decision: Decision) -> str:
    """Readable dry-run result: outcome, actions, then one line per rule."""
    lines = [f"Outcome: {decision.outcome}"]
    if decision.actions:
        lines.append("Would do: " + ", ".join(str(a.kind) for a in decision.actions))
    if decision.held_actions:
        lines.append("Would hold for review: " + ", ".join(str(a.kind) for a in decision.held_actions))
    if decision.scores:
        scores = ", ".join(f"{k} {v:.2f}" for k, v in sorted(decision.scores.items()))
        lines.append(f"Scores: {scores}" + (f" (lang {decision.lang})" if decision.lang else ""))
    for trace in decision.traces:
        if trace.skipped:
            lines.append(f"- {trace.rule}: skipped ({trace.skipped})")
        else:
            mark = f"fired [{trace.band}]" if trace.fired else "no"
            mode = " (dry run)" if trace.mode == "dry_run" else ""
            lines.append(f"- {trace.rule}: {mark}{mode} {trace.reason}".rstrip())
    return "\n".join(lines)


@REGISTRY.command("pause", "<rule> <duration>", min_args=2, max_args=2, admin=True)
async def pause_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Pause a rule for a while (0m lifts the pause)."""
    rule = args[0]
    if rule not in ctx.cfg.rules:
        known = ", ".join(sorted(ctx.cfg.rules)) or "none"
        raise UsageError(f"There is no rule '{excerpt(rule, 40)}' (rules: {known}).")
    duration = parse_duration_arg(args[1])
    now = ctx.clock.now()
    until = now + duration
    await ctx.store.set_pause(ctx.community, rule, until)
    if duration <= timedelta(0):
        await audit(ctx.store, ctx.community, None, ctx.moderator, "resumed", rule, now)
        return CommandReply(f"Rule {rule} is active again.")
    await audit(
        ctx.store, ctx.community, None, ctx.moderator, "paused", f"{rule} until {until:%Y-%m-%d %H:%M}", now
    )
    return CommandReply(f"Rule {rule} is paused until {until:%Y-%m-%d %H:%M} UTC.")


@REGISTRY.command("reload", admin=True)
async def reload_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Reload the configuration files (a bad edit keeps the running config)."""
    ok, errors = await ctx.ops.reload_config()
    if ok:
        return CommandReply("Configuration reloaded.")
    shown = "\n".join(f"- {e}" for e in errors[:10])
    return CommandReply(f"The new configuration has errors; the previous one stays live:\n{shown}")


@REGISTRY.command("stats", "[period, e.g. 7d]", max_args=1)
async def stats_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
    """Show counts of messages, decisions, cases and reviews over a period (default 7d)."""
    period = parse_duration_arg(args[0]) if args else timedelta(days=7)
    if period <= timedelta(0):
        raise UsageError("The period must be longer than zero.")
    stats = await ctx.store.stats(ctx.community, ctx.clock.now() - period)
    days = period.total_seconds() / 86400
    lines = [f"Last {days:g} day(s): {stats.messages} message(s), {stats.joins} join(s)"]
    for title, counts in (
        ("Decisions", stats.decisions_by_outcome),
        ("Cases", stats.cases_by_type),
        ("Reviews", stats.reviews_by_status),
    ):
        body = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
        lines.append(f"{title}: {body}")
    lines += await false_positive_lines(ctx.store, ctx.cfg, ctx.community, ctx.clock.now() - period)
    return CommandReply("\n".join(lines))


manager_commands.register(REGISTRY)  # /post (scheduled posts), after the core commands in /help
beyond_commands.register(REGISTRY)  # /backtest and the appeal verdicts
raid_commands.register(REGISTRY)  # /raid status, on, off, ban, kick
