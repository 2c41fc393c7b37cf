"""The digest's numbers: volume, members, questions and response times, moderation, mood, key members."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from moderation.config.schema import DigestConfig
from moderation.manager.members import engagement_factor
from moderation.manager.ports import ManagerStore, ReportData
from moderation.manager.responses import ResponseStats, by_channel, by_week, response_stats


@dataclass(frozen=True)
class Digest:
    """Everything a digest or report shows, computed from one :class:`ReportData`.

    Attributes:
        retention: Share of the previous period's newcomers who posted in this period.
        false_positive_rate: Rejected / (approved + rejected) reviews created in the period.
        mood: Per UTC day, the share of messages that scored on the mood labels.
    """

    community: str
    since: datetime
    until: datetime
    data: ReportData
    responses: ResponseStats
    responses_by_channel: dict[str, ResponseStats] = field(default_factory=dict)
    responses_by_week: dict[str, ResponseStats] = field(default_factory=dict)
    retention: float | None = None
    false_positive_rate: float | None = None
    mood: list[tuple[str, float]] = field(default_factory=list)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def make_digest(community: str, since: datetime, until: datetime, data: ReportData) -> Digest:
    """Derive the rates and response-time statistics from the raw numbers."""
    approved = data.reviews_by_status.get("approved", 0)
    rejected = data.reviews_by_status.get("rejected", 0)
    return Digest(
        community=community,
        since=since,
        until=until,
        data=data,
        responses=response_stats(data.questions),
        responses_by_channel=by_channel(data.questions),
        responses_by_week=by_week(data.questions),
        retention=_ratio(data.retained, data.previous_joiners),
        false_positive_rate=_ratio(rejected, approved + rejected),
        mood=[(day, hits / total) for day, hits, total in data.mood_days if total],
    )


async def build_digest(
    store: ManagerStore, cfg: DigestConfig, community: str, since: datetime, until: datetime
) -> Digest:
    """Query the period's numbers and build the digest."""
    data = await store.report_data(
        community,
        since,
        until,
        epoch_factor=engagement_factor(until, cfg.half_life),
        top=cfg.top_members,
        newcomer=cfg.newcomer_messages,
    )
    return make_digest(community, since, until, data)


def fmt_wait(value: timedelta | None) -> str:
    """``4m 0s``, ``1h 5m`` or ``-``."""
    if value is None:
        return "-"
    seconds = int(value.total_seconds())
    if seconds >= 3600:
        return f"{seconds // 3600}h {seconds % 3600 // 60}m"
    return f"{seconds // 60}m {seconds % 60}s"


def fmt_rate(value: float | None) -> str:
    """``12%`` or ``-``."""
    return "-" if value is None else f"{value:.0%}"


def summary(d: Digest, title: str) -> str:
    """The digest as a short chat message for moderators."""
    data = d.data
    r = d.responses
    flagged = ", ".join(f"{k} {v}" for k, v in sorted(data.flagged_by_rule.items())) or "none"
    acted = ", ".join(f"{k} {v}" for k, v in sorted(data.actioned_by_rule.items())) or "none"
    lines = [
        f"{title} for {d.community} ({d.since:%Y-%m-%d %H:%M} to {d.until:%Y-%m-%d %H:%M} UTC)",
        f"Messages: {data.messages} from {data.active_members} active member(s); "
        f"joins {data.joins}, retention {fmt_rate(d.retention)}",
        f"Questions: {r.asked}, answered {r.answered} ({r.auto} by the FAQ); "
        f"median wait {fmt_wait(r.median)}, p90 {fmt_wait(r.p90)}",
        f"Flagged: {flagged}",
        f"Actioned: {acted}",
        f"False positives (rejected reviews): {fmt_rate(d.false_positive_rate)}; mood alerts: {data.alerts}",
    ]
    if data.top_members:
        top = ", ".join(f"{m.name} ({m.score:.1f})" for m in data.top_members)
        lines.append(f"Key members: {top}")
    if data.newcomers:
        lines.append("Active newcomers: " + ", ".join(m.name for m in data.newcomers))
    return "\n".join(lines)
