"""Mood watch: the share of bad-mood messages in a short window against the channel's own baseline."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from moderation.config.schema import MoodConfig
from moderation.manager.ports import ManagerStore
from moderation.ports import Classification
from moderation.review.text import excerpt

_MINUTE = timedelta(minutes=1)
EXAMPLES = 3
"""Recent examples quoted in an alert."""
WHOLE = ("*", "0")
"""(platform, channel) standing for the whole community in mood counts and alerts."""


def is_hit(cfg: MoodConfig, classification: Classification | None) -> bool:
    """Whether a message counts as bad mood (any configured label at or above the threshold)."""
    if classification is None:
        return False
    return any(classification.labels.get(label, 0.0) >= cfg.threshold for label in cfg.labels)


@dataclass(frozen=True)
class Surge:
    """A short window whose bad-mood share is well above the baseline."""

    hits: int
    total: int
    share: float
    baseline: float


def find_surge(cfg: MoodConfig, recent: tuple[int, int], base: tuple[int, int]) -> Surge | None:
    """Compare the short window's (hits, total) with the baseline window's; ``None`` when calm."""
    hits, total = recent
    if hits < cfg.min_count or total == 0:
        return None
    base_hits, base_total = base
    baseline = max(base_hits / base_total if base_total else 0.0, cfg.min_baseline)
    share = hits / total
    if share < cfg.factor * baseline:
        return None
    return Surge(hits, total, share, baseline)


class MoodWatch:
    """Checks for surges after each bad-mood message and keeps a few recent examples per channel."""

    def __init__(self) -> None:
        self._examples: dict[tuple[str, str, str], deque[str]] = {}

    def remember(self, community: str, platform: str, channel: str, text: str) -> None:
        """Keep the start of a bad-mood message as a possible example (in memory only)."""
        for key in ((community, platform, channel), (community, *WHOLE)):
            self._examples.setdefault(key, deque(maxlen=EXAMPLES)).append(excerpt(text, 120))

    async def check(
        self,
        store: ManagerStore,
        cfg: MoodConfig,
        community: str,
        platform: str,
        channel: str,
        now: datetime,
    ) -> str | None:
        """After a bad-mood message: the alert text if the channel surges and is not cooling down.

        ``(platform, channel) == WHOLE`` checks the whole community. One cooldown covers a channel and
        the whole community: after a community-wide alert no channel alerts, and after any channel
        alert no community-wide one, until ``cooldown`` has passed. The alert is recorded before it is
        returned, so it is sent at most once per cooldown.
        """
        window_start = now - cfg.window
        recent = await store.mood_counts(community, platform, channel, window_start, now + _MINUTE)
        base = await store.mood_counts(community, platform, channel, now - cfg.baseline, window_start)
        surge = find_surge(cfg, recent, base)
        if surge is None:
            return None
        if (platform, channel) == WHOLE:
            last = await store.last_mood_alert(community, None, None)
        else:
            own = await store.last_mood_alert(community, platform, channel)
            whole = await store.last_mood_alert(community, *WHOLE)
            last = max((t for t in (own, whole) if t is not None), default=None)
        if last is not None and now - last < cfg.cooldown:
            return None
        await store.add_mood_alert(
            community,
            platform,
            channel,
            at=now,
            hits=surge.hits,
            total=surge.total,
            share=surge.share,
            baseline=surge.baseline,
        )
        return self._text(cfg, community, platform, channel, surge)

    def _text(self, cfg: MoodConfig, community: str, platform: str, channel: str, surge: Surge) -> str:
        minutes = int(cfg.window.total_seconds() // 60)
        examples = self._examples.get((community, platform, channel), deque())
        quoted = "; ".join(f"“{e}”" for e in examples)
        where = (
            f"across {community}" if (platform, channel) == WHOLE else f"in channel {channel} ({platform})"
        )
        return (
            f"Mood alert {where}: {surge.hits} of {surge.total} messages in the "
            f"last {minutes} min scored {'/'.join(cfg.labels)} "
            f"({surge.share:.0%}, usual {surge.baseline:.0%})." + (f" Examples: {quoted}" if quoted else "")
        )
