"""Key members: an engagement score with exponential decay (messages, replies received, answers given).

Scores are stored relative to a fixed epoch: an event at time ``t`` adds ``weight * f(t)`` with
``f(t) = 2 ** ((t - EPOCH) / half_life)``; the score at time ``T`` is the stored sum divided by ``f(T)``.
So every past event counts ``weight * 2 ** (-(T - t) / half_life)``, the ordering by stored value is
the ordering by decayed score, and adding an event is a single UPDATE. Changing ``half_life`` later
mixes scales until old activity has decayed; that is the price of the single UPDATE.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
"""Reference time of stored engagement scores."""
_MAX_EXPONENT = 900.0


def engagement_factor(at: datetime, half_life: timedelta) -> float:
    """``2 ** ((at - EPOCH) / half_life)``, clamped so it stays a finite float."""
    seconds = max(half_life.total_seconds(), 1.0)
    exponent = (at - EPOCH).total_seconds() / seconds
    return float(2.0 ** max(-_MAX_EXPONENT, min(_MAX_EXPONENT, exponent)))


def decayed(stored: float, at: datetime, half_life: timedelta) -> float:
    """The score at ``at`` of a stored (epoch-relative) score."""
    return stored / engagement_factor(at, half_life)
