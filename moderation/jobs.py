"""Bodies of scheduled jobs (the scheduler lives in bot/): expire reviews, purge old text, reminders."""

from __future__ import annotations

import logging
from datetime import timedelta

from moderation.manager import jobs as manager_jobs
from moderation.outbox import RESUME_GRACE
from moderation.records import ReviewRecord
from moderation.service import ModerationService

log = logging.getLogger(__name__)

REMIND_AFTER = timedelta(hours=1)
"""Reviews waiting longer than this are mentioned in the reminder."""


async def expire_reviews(service: ModerationService) -> list[ReviewRecord]:
    """Expire every overdue review, audit it and refresh its cards on every platform."""
    expired = await service.desk.expire()
    if expired:
        log.info("expired %d review(s)", len(expired))
    return expired


async def purge_old_text(service: ModerationService) -> int:
    """Erase stored flagged-message text older than the retention period.

    The store purges globally, so the shortest ``moderation.keep_flagged_text`` among the communities
    applies (text is never kept longer than any community promised). Then each community's member data
    past ``moderation.keep_member_data`` is deleted (``moderation.manager.jobs.purge_member_data``).

    Returns:
        Messages and excerpts cleared plus member-data rows deleted.
    """
    communities = service.communities()
    if not communities:
        return 0
    keep = min(service.community_config(c).moderation.keep_flagged_text for c in communities)
    cleared = await service.store.purge_text(service.clock.now() - keep)
    if cleared:
        log.info("purged the text of %d stored message(s)", cleared)
    return cleared + await manager_jobs.purge_member_data(service)


async def remind_pending_reviews(service: ModerationService, *, older_than: timedelta = REMIND_AFTER) -> int:
    """Tell each community's moderators (on every platform) about reviews waiting too long.

    Returns:
        How many reviews were mentioned in all.
    """
    now = service.clock.now()
    mentioned = 0
    for community in service.communities():
        waiting = [
            r
            for r in await service.store.pending_reviews(community, limit=50)
            if now - r.created_at >= older_than
        ]
        if not waiting:
            continue
        numbers = ", ".join(f"#{r.case_number}" for r in waiting[:10])
        more = f" and {len(waiting) - 10} more" if len(waiting) > 10 else ""
        text = f"{len(waiting)} review(s) are waiting: {numbers}{more}. Use /queue to see them."
        for gateway in service.gateways_for(community):
            try:
                await gateway.notify_moderators(community, text)
            except Exception:  # the edge of one job run: one platform failing must not skip the rest
                log.exception("could not remind %s moderators on %s", community, gateway.platform)
        mentioned += len(waiting)
    return mentioned


async def resume_outbox(service: ModerationService) -> int:
    """Run the unfinished actions of decisions stored a while ago (platform outages, earlier crashes).

    Returns:
        How many decisions were finished.
    """
    if service.outbox is None:
        return 0
    return await service.outbox.resume(created_before=service.clock.now() - RESUME_GRACE)


async def report_interrupted(service: ModerationService) -> int:
    """At startup: decisions saved but never marked done were cut off by a crash or restart.

    With the action outbox (the SQL store) their unfinished actions are resumed: idempotent ones run
    again, a message that may already have been sent is not repeated and is reported in the decision's
    failures. Without it, each is marked done with an ``interrupted`` failure and the community's
    moderators are told which rules' actions did not run.

    Returns:
        How many decisions were resumed or reported.
    """
    if service.outbox is not None:
        return await service.outbox.resume()
    pending = await service.store.pending_decisions()
    by_community: dict[str, list[str]] = {}
    for decision_id, community, actions in pending:
        await service.store.mark_decision_done(decision_id, ["interrupted before the actions ran"])
        kinds = ", ".join(str(a.kind) for a in actions) or "no actions"
        by_community.setdefault(community, []).append(f"decision {decision_id} ({kinds})")
    for community, lines in by_community.items():
        if community not in service.communities():
            continue
        text = "A restart interrupted these decisions; their actions did not run: " + "; ".join(lines[:10])
        for gateway in service.gateways_for(community):
            try:
                await gateway.notify_moderators(community, text)
            except Exception:  # best effort; the decisions are already marked
                log.exception("could not report interrupted decisions on %s", gateway.platform)
    return len(pending)
