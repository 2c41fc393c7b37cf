"""Response times: reminders about unanswered questions, median and p90 time to first answer."""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from moderation.config.schema import ResponsesConfig
from moderation.manager.notify import GatewaySource, tell_moderators
from moderation.manager.ports import ManagerStore, OpenQuestion, QuestionTiming
from moderation.review.text import excerpt

log = logging.getLogger(__name__)

MAX_LISTED = 10
"""Questions quoted in one reminder (the rest are counted)."""


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) by the nearest-rank method, or ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class ResponseStats:
    """Time to first answer over a group of questions."""

    asked: int
    answered: int
    auto: int
    median: timedelta | None
    p90: timedelta | None


def response_stats(timings: Iterable[QuestionTiming]) -> ResponseStats:
    """Counts plus median and p90 (nearest rank) of the answered questions' waiting times."""
    items = list(timings)
    waits = [(t.answered_at - t.asked_at).total_seconds() for t in items if t.answered_at is not None]
    median, p90 = percentile(waits, 0.5), percentile(waits, 0.9)
    return ResponseStats(
        asked=len(items),
        answered=len(waits),
        auto=sum(1 for t in items if t.auto),
        median=None if median is None else timedelta(seconds=median),
        p90=None if p90 is None else timedelta(seconds=p90),
    )


def week_of(at: datetime) -> str:
    """ISO week label, e.g. ``2026-W02``."""
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def by_channel(timings: Iterable[QuestionTiming]) -> dict[str, ResponseStats]:
    """Response statistics per channel."""
    groups: dict[str, list[QuestionTiming]] = defaultdict(list)
    for t in timings:
        groups[t.channel].append(t)
    return {channel: response_stats(items) for channel, items in sorted(groups.items())}


def by_week(timings: Iterable[QuestionTiming]) -> dict[str, ResponseStats]:
    """Response statistics per ISO week of asking."""
    groups: dict[str, list[QuestionTiming]] = defaultdict(list)
    for t in timings:
        groups[week_of(t.asked_at)].append(t)
    return {week: response_stats(items) for week, items in sorted(groups.items())}


def message_link(platform: str, space_id: str, channel_id: str, message_id: str) -> str | None:
    """A link moderators can click: Discord message URLs, Telegram supergroup ``t.me/c/...`` links."""
    if platform == "discord":
        return f"https://discord.com/channels/{space_id}/{channel_id}/{message_id}"
    if platform == "telegram" and space_id.startswith("-100"):
        return f"https://t.me/c/{space_id[4:]}/{message_id}"
    return None


def reminder_text(questions: Sequence[OpenQuestion], now: datetime) -> str:
    """The moderators' reminder: channel, age and excerpt of each waiting question."""
    lines = [f"{len(questions)} question(s) are still waiting for an answer:"]
    for q in questions[:MAX_LISTED]:
        minutes = int((now - q.asked_at).total_seconds() // 60)
        link = message_link(q.platform, q.space_id, q.channel_id, q.message_id)
        where = link or f"message {q.message_id}"
        quoted = f": “{excerpt(q.excerpt, 120)}”" if q.excerpt else ""
        lines.append(f"- channel {q.channel_id} ({q.platform}), {where}, {minutes} min ago{quoted}")
    if len(questions) > MAX_LISTED:
        lines.append(f"…and {len(questions) - MAX_LISTED} more.")
    return "\n".join(lines)


async def remind_unanswered(
    store: ManagerStore, source: GatewaySource, community: str, cfg: ResponsesConfig, now: datetime
) -> int:
    """Remind moderators once of questions unanswered for ``remind_after``; return how many.

    Questions are marked reminded before the message goes out, so a failing platform never causes a
    second reminder (the failure is logged).
    """
    if not cfg.enabled:
        return 0
    waiting = await store.unanswered_questions(community, now - cfg.remind_after)
    if not waiting:
        return 0
    await store.mark_reminded([q.id for q in waiting], now)
    await tell_moderators(source, community, reminder_text(waiting, now))
    log.info("reminded %s moderators of %d unanswered question(s)", community, len(waiting))
    return len(waiting)
