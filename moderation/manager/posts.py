"""Scheduled posts: the calendar (YAML plus posts added by command), due runs and the missed-run policy.

Policy: every occurrence is recorded in ``job_runs`` *before* it is sent (unique per post and
scheduled time), so it is sent at most once, across restarts and processes. After downtime, only the
latest missed occurrence that is at most ``posts.grace`` late is sent (once, late); every other missed
occurrence is recorded as skipped and logged. A crash between recording and sending loses that one post
rather than risking a double post; its run stays ``sending`` for the record.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from moderation.config.schema import CommunityConfig, PostTarget, ScheduledPost
from moderation.domain import Scope
from moderation.manager.cron import Cron, occurrences, parse_cron
from moderation.manager.ports import ManagerStore, StoredPost
from moderation.ports import ChatGateway

log = logging.getLogger(__name__)

KIND = "post"
"""``job_runs.kind`` of scheduled posts."""
LOOKBACK = timedelta(days=1)
"""How far back missed cron occurrences are looked for (older ones are not reported)."""
SANDBOX_SPACE = "1"


@dataclass(frozen=True)
class Post:
    """A post of the calendar with its state.

    Attributes:
        source: ``calendar`` (YAML) or ``command`` (added at run time).
        status: ``active``, ``paused``, ``cancelled`` or ``disabled`` (``enabled: false`` in YAML).
    """

    post_id: str
    source: str
    status: str
    spec: ScheduledPost
    zone: ZoneInfo
    at: datetime | None
    cron: Cron | None

    def due_times(self, now: datetime, lookback: timedelta = LOOKBACK) -> list[datetime]:
        """Occurrences at or before ``now`` that may still need a run (UTC, oldest first)."""
        if self.at is not None:
            return [self.at] if self.at <= now else []
        assert self.cron is not None
        return occurrences(self.cron, self.zone, now - lookback, now)

    def next_time(self, now: datetime) -> datetime | None:
        """The next occurrence after ``now`` (within 8 days for cron posts), if any."""
        if self.at is not None:
            return self.at if self.at > now else None
        assert self.cron is not None
        upcoming = occurrences(self.cron, self.zone, now, now + timedelta(days=8))
        return upcoming[0] if upcoming else None

    def schedule(self) -> str:
        """Human form of the schedule."""
        if self.at is not None:
            return f"once at {self.at.astimezone(self.zone):%Y-%m-%d %H:%M} {self.zone.key}"
        assert self.cron is not None
        return f"cron '{self.cron.expr}' {self.zone.key}"


def make_post(post_id: str, spec: ScheduledPost, default_zone: str, *, source: str, status: str) -> Post:
    """Resolve a post's time zone and schedule (a naive ``at`` is local to the post's zone)."""
    zone = ZoneInfo(spec.timezone or default_zone)
    at = None
    if spec.at is not None:
        at = (spec.at if spec.at.tzinfo is not None else spec.at.replace(tzinfo=zone)).astimezone(UTC)
    cron = parse_cron(spec.cron) if spec.cron is not None else None
    return Post(post_id, source, status, spec, zone, at, cron)


def calendar(cfg: CommunityConfig, stored: Sequence[StoredPost]) -> list[Post]:
    """The YAML calendar (with states set by command) plus the posts added by command."""
    states = {s.post_id: s for s in stored}
    posts: list[Post] = []
    for post_id, spec in cfg.posts.calendar.items():
        state = states.get(post_id)
        status = state.status if state is not None else "active"
        if not spec.enabled:
            status = "disabled"
        posts.append(make_post(post_id, spec, cfg.posts.timezone, source="calendar", status=status))
    for item in stored:
        if item.source != "command" or item.spec is None or item.post_id in cfg.posts.calendar:
            continue
        try:
            spec = ScheduledPost.model_validate(item.spec)
        except ValueError:
            log.exception("stored post %s is invalid; ignored", item.post_id)
            continue
        posts.append(make_post(item.post_id, spec, cfg.posts.timezone, source="command", status=item.status))
    return posts


def plan(
    times: Sequence[datetime], done: set[datetime], now: datetime, grace: timedelta
) -> tuple[datetime | None, list[datetime]]:
    """Which missing occurrence to send now (the latest within ``grace``), and which to skip."""
    missing = sorted(t for t in times if t not in done)
    within = [t for t in missing if now - t <= grace]
    send = within[-1] if within else None
    return send, [t for t in missing if t != send]


def pick_text(text: Mapping[str, str], lang: str) -> str:
    """The text in ``lang``, else ``default``, else the first one."""
    return text.get(lang) or text.get("default") or next(iter(text.values()))


def target_scope(cfg: CommunityConfig, community: str, target: PostTarget) -> Scope:
    """Where a target's post goes (Discord: its server; Telegram: the chat itself)."""
    space = target.space
    if space is None:
        discord = cfg.platforms.discord
        if target.platform == "discord" and discord is not None and discord.guild_ids:
            space = discord.guild_ids[0]
        elif target.platform == "sandbox":
            space = SANDBOX_SPACE
        else:
            space = target.channel
    return Scope(target.platform, community, space, target.channel)


class PostSender(Protocol):
    """What sending needs from the service."""

    def gateway(self, platform: str) -> ChatGateway | None:
        """The gateway registered for a platform, if any."""
        ...


async def send_post(sender: PostSender, cfg: CommunityConfig, community: str, post: Post) -> list[str]:
    """Send a post to each target (and pin it where the gateway can); return the failures."""
    failures: list[str] = []
    for target in post.spec.targets:
        gateway = sender.gateway(target.platform)
        if gateway is None:
            failures.append(f"{target.platform}:{target.channel}: no gateway")
            continue
        scope = target_scope(cfg, community, target)
        text = pick_text(post.spec.text, target.lang or cfg.voice.default_lang)
        try:
            message_id = await gateway.send_message(scope, text)
            if post.spec.pin:
                pin = getattr(gateway, "pin_message", None)
                if pin is None:
                    failures.append(f"{target.platform}:{target.channel}: pinning is not supported")
                else:
                    await pin(scope, message_id)
        except Exception as exc:  # the edge of one target: the other targets still get the post
            log.exception("post %s to %s:%s failed", post.post_id, target.platform, target.channel)
            failures.append(f"{target.platform}:{target.channel}: {exc}")
    return failures


@dataclass
class PostTick:
    """What one pass over the calendar did."""

    sent: list[tuple[str, datetime]]
    skipped: list[tuple[str, datetime]]


async def run_due_posts(
    store: ManagerStore, sender: PostSender, cfg: CommunityConfig, community: str, now: datetime
) -> PostTick:
    """Send the due posts of one community once each, applying the missed-run policy."""
    result = PostTick([], [])
    for post in calendar(cfg, await store.stored_posts(community)):
        if post.status != "active":
            continue
        times = post.due_times(now)
        if not times:
            continue
        done = await store.run_times(community, KIND, post.post_id, min(times))
        send, skip = plan(times, done, now, cfg.posts.grace)
        for when in skip:
            if await store.claim_run(community, KIND, post.post_id, when, status="skipped", at=now):
                log.warning(
                    "post %s of %s due %s was missed by more than %s: skipped",
                    post.post_id,
                    community,
                    when.isoformat(),
                    cfg.posts.grace,
                )
                result.skipped.append((post.post_id, when))
        if send is None:
            continue
        if not await store.claim_run(community, KIND, post.post_id, send, status="sending", at=now):
            continue  # another process (or an earlier pass) has it
        failures = await send_post(sender, cfg, community, post)
        status = "failed" if failures and len(failures) == len(post.spec.targets) else "sent"
        await store.finish_run(community, KIND, post.post_id, send, status=status, detail="; ".join(failures))
        result.sent.append((post.post_id, send))
    return result
