"""Job bodies of the community manager (the runtime's scheduler calls :func:`every_minute`)."""

from __future__ import annotations

import logging

from moderation.manager.ports import ManagerStore
from moderation.manager.posts import run_due_posts
from moderation.manager.responses import remind_unanswered
from moderation.service import ModerationService

log = logging.getLogger(__name__)


def manager_store(service: ModerationService) -> ManagerStore | None:
    """The service's store if it keeps the manager's state (the SQL store), else ``None``."""
    store = service.store
    return store if isinstance(store, ManagerStore) else None


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
    reminded = 0
    now = service.clock.now()
    for community in service.communities():
        cfg = service.community_config(community)
        try:
            reminded += await remind_unanswered(store, service, community, cfg.responses, now)
        except Exception:  # the edge of one community's reminders
            log.exception("question reminders of %s failed", community)
    return reminded


async def every_minute(service: ModerationService) -> None:
    """The manager's minute tick: scheduled posts, question reminders, digests."""
    for job in (run_posts, remind_questions):
        try:
            await job(service)
        except Exception:  # the edge of one job: the next still runs
            log.exception("community manager job %s failed", job.__name__)
