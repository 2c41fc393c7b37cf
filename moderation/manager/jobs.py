"""Job bodies of the community manager (the runtime's scheduler calls :func:`every_minute`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from moderation.config.schema import CommunityConfig
from moderation.manager.cron import occurrences, parse_cron
from moderation.manager.digest import Digest, build_digest, summary
from moderation.manager.notify import Attachment, takes_files, tell_moderators_with_file
from moderation.manager.ports import ManagerStore
from moderation.manager.posts import plan, run_due_posts
from moderation.manager.responses import remind_unanswered
from moderation.service import ModerationService

log = logging.getLogger(__name__)

DIGEST_GRACE = timedelta(hours=12)
"""Missed-run policy of digests: one missed by up to this long is sent once, late; older ones are skipped."""
PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
ChartRenderer = Callable[[Digest], bytes]
"""Renders a digest's chart as PNG bytes (the runtime injects one; the core has no plotting library)."""


def manager_store(service: ModerationService) -> ManagerStore | None:
    """The service's store if it keeps the manager's state (the SQL store), else ``None``."""
    store = service.store
    return store if isinstance(store, ManagerStore) else None


async def flush_tracker(service: ModerationService) -> None:
    """Write the messages the tracker has queued, so that a job sees every message handled so far."""
    if service.manager is not None:
        await service.manager.flush()


async def run_posts(service: ModerationService) -> int:
    """Send every community's due scheduled posts (once each); return how many were sent."""
    store = manager_store(service)
    if store is None:
        return 0
    sent = 0
    now = service.clock.now()
    for community in service.communities():
        try:
            tick = await run_due_posts(store, service, service.community_config(community), community, now)
        except Exception:  # the edge of one community's pass: the others still run
            log.exception("scheduled posts of %s failed", community)
            continue
        sent += len(tick.sent)
    return sent


async def remind_questions(service: ModerationService) -> int:
    """Remind each community's moderators (once) of questions left unanswered; return how many."""
    store = manager_store(service)
    if store is None:
        return 0
    await flush_tracker(service)
    reminded = 0
    now = service.clock.now()
    for community in service.communities():
        cfg = service.community_config(community)
        try:
            reminded += await remind_unanswered(store, service, community, cfg.responses, now)
        except Exception:  # the edge of one community's reminders
            log.exception("question reminders of %s failed", community)
    return reminded


def digest_cron(cfg: CommunityConfig, kind: str) -> str:
    """The cron expression of a community's daily or weekly digest."""
    hour, minute = (int(part) for part in cfg.digest.at.split(":"))
    weekday = cfg.digest.weekly_on if kind == "weekly" else "*"
    return f"{minute} {hour} * * {weekday}"


async def _chart(
    service: ModerationService, digest: Digest, kind: str, due: datetime, chart: ChartRenderer | None
) -> Attachment | None:
    """The digest's PNG, when a renderer is wired, the community wants it and a gateway can post it."""
    community = digest.community
    if chart is None or not service.community_config(community).digest.chart:
        return None
    if not takes_files(service, community):
        return None
    try:
        data = await asyncio.to_thread(chart, digest)  # matplotlib takes ~0.1 s: off the event loop
    except Exception:  # the edge of the chart: the digest still goes out as text
        log.exception("the %s digest chart of %s failed; sending text only", kind, community)
        return None
    return Attachment(f"{community}-{kind}-digest-{due:%Y-%m-%d}.png", data)


async def _digests_of(
    service: ModerationService, store: ManagerStore, community: str, chart: ChartRenderer | None
) -> int:
    cfg = service.community_config(community)
    now = service.clock.now()
    zone = ZoneInfo(cfg.digest.timezone)
    sent = 0
    for kind, period in PERIODS.items():
        if not getattr(cfg.digest, kind):
            continue
        times = occurrences(parse_cron(digest_cron(cfg, kind)), zone, now - DIGEST_GRACE * 2, now)
        if not times:
            continue
        done = await store.run_times(community, "digest", kind, min(times))
        due, skip = plan(times, done, now, DIGEST_GRACE)
        for when in skip:
            if await store.claim_run(community, "digest", kind, when, status="skipped", at=now):
                log.warning("%s digest of %s due %s was missed: skipped", kind, community, when.isoformat())
        if due is None or not await store.claim_run(community, "digest", kind, due, status="sending", at=now):
            continue
        digest = await build_digest(store, cfg.digest, community, due - period, due)
        text = summary(digest, f"{kind.capitalize()} digest")
        attachment = await _chart(service, digest, kind, due, chart)
        delivered = await tell_moderators_with_file(service, community, text, attachment)
        status = "sent" if delivered else "failed"
        await store.finish_run(
            community, "digest", kind, due, status=status, detail=f"{delivered} platform(s)"
        )
        sent += 1
    return sent


async def send_digests(service: ModerationService, *, chart: ChartRenderer | None = None) -> int:
    """Post each community's due daily and weekly digests to its moderators (once each).

    With ``chart`` (and ``digest.chart`` on), gateways that can post files
    (:class:`~moderation.ports.ModeratorFileSender`) get the PNG chart with the digest as its caption;
    the others get the text alone.
    """
    store = manager_store(service)
    if store is None:
        return 0
    await flush_tracker(service)
    sent = 0
    for community in service.communities():
        try:
            sent += await _digests_of(service, store, community, chart)
        except Exception:  # the edge of one community's digests
            log.exception("digests of %s failed", community)
    return sent


async def every_minute(service: ModerationService, *, chart: ChartRenderer | None = None) -> None:
    """The manager's minute tick: scheduled posts, question reminders, digests (with ``chart``'s PNG)."""
    jobs: tuple[tuple[str, Callable[[], Awaitable[int]]], ...] = (
        ("run_posts", lambda: run_posts(service)),
        ("remind_questions", lambda: remind_questions(service)),
        ("send_digests", lambda: send_digests(service, chart=chart)),
    )
    for name, job in jobs:
        try:
            await job()
        except Exception:  # the edge of one job: the next still runs
            log.exception("community manager job %s failed", name)


async def purge_member_data(service: ModerationService) -> int:
    """Delete member data past each community's ``moderation.keep_member_data``; return the rows deleted.

    Message records, questions (with their excerpts), mood buckets and alerts, engagement and members
    not seen since then.
    """
    store = manager_store(service)
    if store is None:
        return 0
    await flush_tracker(service)
    removed = 0
    now = service.clock.now()
    for community in service.communities():
        keep = service.community_config(community).moderation.keep_member_data
        removed += await store.purge_member_data(community, now - keep)
    if removed:
        log.info("purged %d row(s) of member data past retention", removed)
    return removed
