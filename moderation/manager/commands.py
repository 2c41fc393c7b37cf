"""Moderator commands for scheduled posts: ``/post list|add|pause|resume|cancel``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from moderation.config.schema import ScheduledPost, parse_duration
from moderation.domain import CommandReply
from moderation.errors import CommandError
from moderation.manager.ports import ManagerStore
from moderation.manager.posts import Post, calendar, make_post
from moderation.review.registry import CommandContext, CommandRegistry, UsageError
from moderation.review.text import excerpt

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_DAILY = re.compile(r"^daily@([01]\d|2[0-3]):([0-5]\d)$")
_WEEKLY = re.compile(r"^weekly@(mon|tue|wed|thu|fri|sat|sun)@([01]\d|2[0-3]):([0-5]\d)$")
USAGE = "list | add <id> <when> <channel> <text> | pause|resume|cancel <id>"
PLATFORMS = ("discord", "telegram", "sandbox")
WHEN_HELP = "when: 2026-12-01T09:00, +2h, daily@09:00, weekly@mon@09:00 or cron:0_9_*_*_mon"


def _store(ctx: CommandContext) -> ManagerStore:
    if not isinstance(ctx.store, ManagerStore):
        raise CommandError("Scheduled posts need Steward's SQL database.")
    return ctx.store


def parse_when(value: str, now: datetime, zone: ZoneInfo) -> dict[str, str]:
    """Turn a ``when`` argument into ``at`` (ISO, with offset) or ``cron`` for a post spec.

    Raises:
        UsageError: If it is none of the accepted forms.
    """
    text = value.strip().lower()
    if text.startswith("+"):
        try:
            return {"at": (now + parse_duration(text[1:])).astimezone(UTC).isoformat()}
        except ValueError:
            raise UsageError(f"'{excerpt(value, 30)}' is not a delay like +30m or +2h.") from None
    if match := _DAILY.match(text):
        return {"cron": f"{int(match.group(2))} {int(match.group(1))} * * *"}
    if match := _WEEKLY.match(text):
        return {"cron": f"{int(match.group(3))} {int(match.group(2))} * * {match.group(1)}"}
    if text.startswith("cron:"):
        return {"cron": text[5:].replace("_", " ")}
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"'{excerpt(value, 30)}' is not a time ({WHEN_HELP}).") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone)
    return {"at": at.astimezone(UTC).isoformat()}


def parse_target(ctx: CommandContext, value: str) -> dict[str, str]:
    """``here``, ``<channel id>`` (the caller's platform) or ``<platform>:<channel id>``."""
    if value == "here":
        return {"platform": ctx.scope.platform, "channel": ctx.scope.channel_id}
    platform, _, channel = value.rpartition(":")
    platform = platform or ctx.scope.platform
    if platform not in PLATFORMS or not channel.lstrip("-").isdigit():
        raise UsageError(f"'{excerpt(value, 40)}' is not a channel (here, 1200 or telegram:-1001234).")
    return {"platform": platform, "channel": channel}


def _line(post: Post, now: datetime) -> str:
    upcoming = post.next_time(now) if post.status == "active" else None
    nxt = f", next {upcoming.astimezone(post.zone):%Y-%m-%d %H:%M}" if upcoming else ""
    targets = ", ".join(f"{t.platform}:{t.channel}" for t in post.spec.targets)
    text = excerpt(next(iter(post.spec.text.values())), 50)
    return f"{post.post_id} [{post.status}, {post.source}] {post.schedule()}{nxt} → {targets}: “{text}”"


async def _list(ctx: CommandContext, store: ManagerStore) -> CommandReply:
    posts = calendar(ctx.cfg, await store.stored_posts(ctx.community))
    if not posts:
        return CommandReply("No scheduled posts. Add one with /post add.")
    now = ctx.clock.now()
    return CommandReply("\n".join([f"{len(posts)} scheduled post(s):", *(_line(p, now) for p in posts)]))


async def _add(ctx: CommandContext, store: ManagerStore, args: Sequence[str]) -> CommandReply:
    if len(args) < 4:
        raise UsageError("/post add needs an id, a time, a channel and the text.")
    post_id, when, where, *words = args
    if not _ID.match(post_id):
        raise UsageError("A post id uses lowercase letters, digits, - and _ (up to 40).")
    existing = {p.post_id: p for p in calendar(ctx.cfg, await store.stored_posts(ctx.community))}
    if post_id in existing and existing[post_id].status != "cancelled":
        raise CommandError(f"There is already a post '{post_id}'; cancel it first or pick another id.")
    zone = ZoneInfo(ctx.cfg.posts.timezone)
    spec = {
        **parse_when(when, ctx.clock.now(), zone),
        "targets": [parse_target(ctx, where)],
        "text": {ctx.cfg.voice.default_lang: " ".join(words)},
    }
    try:
        checked = ScheduledPost.model_validate(spec)
    except ValidationError as exc:
        raise UsageError(f"That post is not valid: {exc.errors()[0]['msg']}.") from None
    now = ctx.clock.now()
    await store.save_post(
        ctx.community,
        post_id,
        source="command",
        status="active",
        spec=checked.model_dump(mode="json", exclude_none=True),
        by=ctx.moderator,
        at=now,
    )
    post = make_post(post_id, checked, ctx.cfg.posts.timezone, source="command", status="active")
    return CommandReply(f"Scheduled: {_line(post, now)}")


async def _set_status(ctx: CommandContext, store: ManagerStore, post_id: str, status: str) -> CommandReply:
    posts = {p.post_id: p for p in calendar(ctx.cfg, await store.stored_posts(ctx.community))}
    post = posts.get(post_id)
    if post is None:
        raise CommandError(f"There is no post '{excerpt(post_id, 40)}'. /post list shows them.")
    if post.status == "cancelled" and status != "cancelled":
        raise CommandError(f"Post {post_id} was cancelled; add it again instead.")
    spec = post.spec.model_dump(mode="json", exclude_none=True) if post.source == "command" else None
    await store.save_post(
        ctx.community,
        post_id,
        source=post.source,
        status=status,
        spec=spec,
        by=ctx.moderator,
        at=ctx.clock.now(),
    )
    verb = {"active": "resumed", "paused": "paused", "cancelled": "cancelled"}[status]
    return CommandReply(f"Post {post_id} {verb}.")


def register(registry: CommandRegistry) -> None:
    """Add ``/post`` to a command registry."""

    @registry.command(
        "post", "list | add <id> <when> <channel> <text> | pause|resume|cancel <id>", max_args=None
    )
    async def post_command(ctx: CommandContext, args: Sequence[str]) -> CommandReply:
        """List, add, pause, resume or cancel scheduled posts."""
        store = _store(ctx)
        verb = args[0].lower() if args else "list"
        if verb == "list":
            return await _list(ctx, store)
        if verb == "add":
            return await _add(ctx, store, args[1:])
        statuses = {"pause": "paused", "resume": "active", "cancel": "cancelled"}
        if verb in statuses:
            if len(args) != 2:
                raise UsageError(f"/post {verb} needs the post id.")
            return await _set_status(ctx, store, args[1], statuses[verb])
        raise UsageError(f"Unknown /post action '{excerpt(verb, 20)}'. {WHEN_HELP}.")
