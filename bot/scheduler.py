"""The one scheduler: runs the job bodies of ``moderation.jobs`` on intervals inside the running loop.

At start it first reports decisions a restart interrupted (once gateways are registered, so moderators
can be told), then expires overdue reviews, purges old flagged text and reminds moderators of waiting
reviews on fixed intervals. Each run is an edge: a failing job is logged and runs again next time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from moderation import jobs
from moderation.beyond.jobs import verification_deadlines
from moderation.dedup import purge_old_claims
from moderation.manager import jobs as manager_jobs
from moderation.manager.digest import Digest
from moderation.service import ModerationService

log = logging.getLogger(__name__)

JobBody = Callable[[ModerationService], Awaitable[Any]]


@dataclass(frozen=True)
class JobSpec:
    """A job body and how often it runs."""

    name: str
    body: JobBody
    every: timedelta


def digest_png(digest: Digest) -> bytes:
    """The digest's chart as PNG (matplotlib is imported on the first digest, not at start)."""
    from bot.charts import digest_chart

    return digest_chart(digest)


JOBS: tuple[JobSpec, ...] = (
    JobSpec("expire_reviews", jobs.expire_reviews, timedelta(minutes=5)),
    JobSpec("remind_pending_reviews", jobs.remind_pending_reviews, timedelta(hours=1)),
    JobSpec("purge_old_text", jobs.purge_old_text, timedelta(hours=6)),
    JobSpec("purge_old_claims", purge_old_claims, timedelta(hours=6)),
    JobSpec("resume_outbox", jobs.resume_outbox, timedelta(minutes=1)),
    JobSpec("community_manager", partial(manager_jobs.every_minute, chart=digest_png), timedelta(minutes=1)),
    JobSpec("verification_deadlines", verification_deadlines, timedelta(minutes=1)),
)
STARTUP: tuple[JobSpec, ...] = (JobSpec("report_interrupted", jobs.report_interrupted, timedelta(0)),)


class Scheduler:
    """Runs Steward's periodic jobs with APScheduler's asyncio scheduler.

    Args:
        service: The moderation service the jobs work on.
        jobs: Interval jobs (default :data:`JOBS`).
        startup: Jobs run once by :meth:`start` (default :data:`STARTUP`).
    """

    def __init__(
        self,
        service: ModerationService,
        *,
        jobs: Sequence[JobSpec] = JOBS,
        startup: Sequence[JobSpec] = STARTUP,
    ) -> None:
        self._service = service
        self._jobs = tuple(jobs)
        self._startup = tuple(startup)
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler.add_listener(self._submitted, EVENT_JOB_SUBMITTED)
        self.on_job_start: Callable[[str, float], None] | None = None
        """Called with (job name, seconds late) when an interval job starts (metrics)."""

    def _submitted(self, event: JobSubmissionEvent) -> None:
        if self.on_job_start is not None and event.scheduled_run_times:
            late = datetime.now(UTC) - event.scheduled_run_times[-1]
            self.on_job_start(str(event.job_id), late.total_seconds())

    async def _run(self, spec: JobSpec) -> None:
        try:
            await spec.body(self._service)
        except Exception:  # the edge of one job run
            log.exception("scheduled job %s failed; it runs again in %s", spec.name, spec.every)

    async def start(self) -> None:
        """Run the startup jobs, then schedule the interval jobs (call once gateways are registered).

        It may be called again after :meth:`stop` (a process that becomes scheduler leader again).
        """
        for spec in self._startup:
            await self._run(spec)
        for spec in self._jobs:
            self._scheduler.add_job(
                self._run,
                IntervalTrigger(seconds=spec.every.total_seconds(), timezone=UTC),
                args=(spec,),
                id=spec.name,
                name=spec.name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,
                replace_existing=True,
            )
        self._scheduler.start()

    @property
    def running(self) -> bool:
        """Whether the interval jobs are scheduled."""
        return bool(self._scheduler.running)

    def stop(self) -> None:
        """Stop scheduling (applied on the loop's next turn; a job already running is not waited for)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
