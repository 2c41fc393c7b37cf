"""Repository methods of the community manager (posts, job runs, questions, mood, engagement)."""

from __future__ import annotations

from moderation.storage.base import StoreBase
from moderation.storage.manager_tables import (
    EngagementRow,
    JobRunRow,
    MoodAlertRow,
    MoodBucketRow,
    QuestionRow,
    ScheduledPostRow,
)
from moderation.storage.tables import table

POSTS = table(ScheduledPostRow)
RUNS = table(JobRunRow)
QUESTIONS = table(QuestionRow)
BUCKETS = table(MoodBucketRow)
ALERTS = table(MoodAlertRow)
ENGAGEMENT = table(EngagementRow)


class ManagerMixin(StoreBase):
    """``moderation.manager.ports.ManagerStore`` on SQL."""
